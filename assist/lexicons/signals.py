"""The signals' words per language (data loss, security incident, outage, multi-customer impact, reproducible,
confirmed defect) and their look-alikes: phrases that match a fact's words but say something else."""

from __future__ import annotations

# A breach of security, not of an SLA or a contract.
BREACH = r"(?<!sla )\bbreach(?:ed|es)?\b(?! of (?:contract|the contract|sla|the sla|terms))"

# A vulnerability someone found, reported or exploited is an incident; one a published bulletin or CVE describes,
# asked about ("multiple vulnerabilities in Java affect …, I need details"), is a question about an advisory.
VULNERABILITY_FOUND = (
    r"\b(?:found|discovered|report(?:ing|ed)?|exploit(?:ed|ing)?|disclos(?:e|ed|ing))\b[^.!?\n]{0,60}\bvulnerab|"
    r"\bvulnerab\w*\b[^.!?\n]{0,60}\b(?:exploited|being exploited|in the wild|was used|were used)\b|"
    # ... or that someone suspects in the product itself ("might be vulnerable to reflected XSS via a query param")
    r"\b(?:might|may|could|seems to|appears to) be vulnerable\b|\b(?:reflected|stored|dom-based) xss\b"
)

# What a lost or vanished thing is called in a billing product's tickets, in each language.
_THINGS = (
    r"(?:data|records?|files?|rows?|events?|invoices?|invoice lines?|line items?|credit notes?|customers?|"
    r"dashboards?|usage|subscriptions?|price plans?|payments?)"
)

# A secret, named in German, French or Spanish: a key, token, password or credentials.
# Not a bare "key": "den öffentlichen Schlüssel", "la clé publique" are public keys, published on purpose.
_SECRET_DE = r"(?:api-?schlüssel|geheime[nr]? schlüssel|token|passwort|kennwort|zugangsdaten|secret)"
_SECRET_FR = r"(?:cl[ée]f? (?:d'?)?api|clé secrète|jeton|token|mot de passe|identifiants|secret)"
_SECRET_ES = r"(?:claves? (?:de )?api|clave secreta|token|contraseña|credenciales|secreto)"
# Someone saw it happen, not a question about how it is handled: perception verbs and "there were", not "we have"
# ("we have a question about suspicious activity").
_SEEN = {
    "en": r"(?:noticed|seeing|seen|saw|detected|found|spotted|there (?:was|were|have been))",
    "de": r"(?:bemerkt|festgestellt|gesehen|entdeckt|gefunden|gab es)",
    "fr": r"(?:remarqué|constaté|détecté|vu|repéré|trouvé|il y a eu)",
    "es": r"(?:visto|detectado|notado|encontrado|vimos|detectamos|notamos|hubo)",
}

# signal -> language -> patterns over the lower-cased text. A support lead extends these per language; each hit
# is quoted as the fact's evidence. Order is the order of the vocabulary.
SIGNALS_BY_LANGUAGE: dict[str, dict[str, list[str]]] = {
    "data_loss": {
        "en": [
            r"data loss",
            rf"\blost (?:all |our |my |the )?{_THINGS}",
            rf"\b{_THINGS}\b[^.!?\n]{{0,40}}\b(?:disappeared|vanished|are gone|is gone|went missing|"
            r"were deleted|got deleted|wiped)",
            r"\b(?:disappeared|vanished)\b",
            r"\bdeleted\b[^.!?\n]{0,40}\bby mistake\b|\bby mistake\b[^.!?\n]{0,40}\bdeleted\b",
            r"corrupt(?:ed|ion)",
            rf"missing {_THINGS}|{_THINGS} (?:are |is )?missing",
            r"shows? (?:no (?:line items|lines)|0 for)",
            rf"\b(?:show|shows|showing|now have|now has) no {_THINGS}",
            # A change that cannot be taken back: what it removed is gone.
            r"\b(?:no|can'?t|cannot|can not) (?:see (?:any |an )?|find (?:any |an )?)?(?:undo|way to undo|way back)\b",
            # Not a bare "overwritten": a sync overwriting a property with the latest value loses nothing for good.
            r"\b(?:can'?t|cannot|could not|couldn'?t) be (?:recovered|restored|undone)\b",
            r"\b(?:can'?t|cannot|could not|couldn'?t|unable to) (?:restore|recover|undo|get back|bring back)\b",
            # Counted, then gone: usage reset to zero, events silently dropped.
            rf"\b{_THINGS}\b[^.!?\n]{{0,60}}\b(?:reset|dropped|fell|went) (?:back )?to (?:zero|0)\b",
            rf"\b{_THINGS}\b[^.!?\n]{{0,60}}\b(?:were|was|got|are being|have been|has been) (?:silently )?"
            r"(?:dropped|discarded|thrown away|lost)\b",
            # ... or now empty: not "the dashboard is empty until events arrive".
            rf"\b{_THINGS}\b[^.!?\n]{{0,40}}\b(?:no longer exists?|(?:are|is) now (?:blank|empty)|"
            r"(?:are|is) (?:blank|empty) now)\b",
            # Accepted, then never seen again.
            r"\baccepted\b[^.!?\n]{0,40}\b(?:but|yet)\b[^.!?\n]{0,30}\b(?:never|don'?t|do not|no longer) "
            r"(?:appear|show)",
            r"\baccepted (?:events?|usage|data|batch(?:es)?)\b[^.!?\n]{0,30}"
            r"\b(?:not|never|aren'?t|isn'?t|don'?t|do not) (?:show|appear|count|visible)",
            r"\b(?:not|never|stopped) (?:showing|appearing|updating|counted)\b[^.!?\n]{0,80}"
            r"\b(?:although|though|but|yet)\b[^.!?\n]{0,60}\baccepted\b",
        ],
        "de": [
            r"datenverlust",
            r"verschwunden",
            r"\bfehlen\b|\bfehlende\b",
            # Deleted by someone or something else, or by mistake: not "wir haben den Kunden gelöscht, wie …".
            r"(?:wurden|wurde|sind|ist|waren|war)\b[^.!?\n]{0,50}\bgelöscht|versehentlich[^.!?\n]{0,30}gelöscht",
            r"verloren",
            r"\b(?:sind|ist) (?:alle |einfach |komplett )?weg\b",
            # ... and cannot be brought back.
            r"(?:lässt|lassen) sich nicht (?:mehr )?(?:wiederherstellen|zurückholen)|nicht (?:mehr )?wiederherstellbar",
        ],
        "fr": [
            r"perte de données",
            r"disparu",
            r"\bperdu",
            r"manquant",
            r"supprimé",
            r"effacé",
            r"\bil manque\b[^.!?\n]{0,40}\b(?:données|événements|factures|lignes|clients|abonnements|paiements)",
            r"\bne (?:pouvons|peut|peuvent|pouvez) (?:pas|plus) (?:les |la |le )?(?:récupérer|restaurer)|irrécupérable",
        ],
        "es": [
            r"pérdida de datos",
            r"desapareci",
            r"\bperdid",
            r"\bfaltan\b",
            r"borrad|eliminad|se (?:borr|elimin)\w+",
            r"\bno (?:podemos|pueden|puede|se (?:pueden|puede)) (?:recuperar|restaurar)\w*",
        ],
    },
    "security_incident": {
        "en": [
            r"security (?:incident|breach|issue)",
            BREACH,
            r"unauthori[sz]ed (?:access|user|login|sign[- ]?in)",
            r"hacked",
            r"compromised",
            r"phishing",
            r"leaked (?:credentials|keys?|password|secret|token)|(?:key|secret|token|password)s? (?:was |were )?leaked",
            r"\b(?:pushed|posted|pasted|committed|exposed)\b[^.!?\n]{0,60}\b(?:key|secret|token|password|credentials)",
            r"\b(?:key|secret|token|password|credentials)\b[^.!?\n]{0,60}\b(?:public(?:ly)?|github|stack overflow|"
            r"paste ?(?:site|bin)|dark ?web|leak site)",
            # A revoked key that still works; access from what is not theirs; a sign-in or a key none of them made.
            r"\brevoked\b[^.!?\n]{0,60}\b(?:still|accepted|works|working)\b",
            r"\b(?:ips?|ip range|ip address(?:es)?|calls|requests|log ?ins?|sign[- ]?ins?|sessions?)\b[^.!?\n]{0,40}"
            r"\b(?:isn'?t|aren'?t|is not|are not|not) ours\b",
            r"\b(?:mfa|2fa|otp|log ?in|sign[- ]?in|password reset)\b[^.!?\n]{0,30}\b(?:didn'?t|did not|never) "
            r"(?:trigger|request|initiate|start)",
            r"\bnew (?:api keys?|admins?|admin users?)\b[^.!?\n]{0,40}\b"
            r"(?:appeared|overnight|nobody|no one|none of us)\b",
            # Someone sees what belongs to another company: data exposed across tenants or customers.
            r"\b(?:see|saw|seen|view|viewed|access|accessed|visible|shown|showing)\b[^.!?\n]{0,40}"
            r"\b(?:belong(?:s|ing)? to|of) (?:a |an )?(?:different|another|other) "
            r"(?:company|customer|tenant|organi[sz]ation|account)\b",
            r"(?:unknown|unrecognized|unexpected) (?:admin|user|api key|sign[- ]?in)",
            rf"\b{_SEEN['en']}\b[^.!?\n]{{0,40}}\bsuspicious (?:log ?ins?|sign[- ]?ins?|activity|access)",
            r"\bsuspicious (?:log ?ins?|sign[- ]?ins?|access) from\b",
            # Someone signed in, and it was none of them (the next sentence may say so).
            r"\b(?:logged|signed) in(?:to)?\b[^!?\n]{0,100}\b(?:we did not|we didn'?t|it wasn'?t us|none of us)\b",
            r"(?:terminated|former|ex-|departed) (?:employee|user|colleague|contractor)[^.!?\n]{0,60}"
            r"(?:signed in|logged in|still has access|exported|downloaded)",
            r"another (?:company|customer|tenant)'?s? (?:invoice|data|account)",
            r"\b(?:see|saw|seen|view|viewed|access|accessed|visible|shown|showing)\b[^.!?\n]{0,40}\b(?:of|from|for) "
            r"(?:a |an )?(?:company|customer|tenant|organi[sz]ation|account)\b[^.!?\n]{0,20}"
            r"\b(?:is not|isn'?t|not) ours\b",
            # A key, an admin, bank details that none of them created or changed: someone else did.
            r"\b(?:api keys?|keys?|tokens?|admins?|users?|bank (?:details|account)|payout \w+|webhook endpoints?)\b"
            r"[^.!?\n]{0,40}\b(?:none of us|nobody|no one)\b[^.!?\n]{0,20}"
            r"\b(?:created|added|made|invited|issued|changed)",
            r"\b(?:none of us|nobody|no one)\b(?: (?:here|of us|on our (?:side|team)|in our (?:team|company)))?"
            r"[^.!?\n]{0,10}\b(?:did|made|requested|authori[sz]ed) (?:this|that|it|the change)\b",
            r"\bsuccessful (?:log ?in|sign[- ]?in)s?\b[^.!?\n]{0,60}"
            r"\bfrom (?:an? )?(?:ip|address|location|country|device)",
            VULNERABILITY_FOUND,
        ],
        "de": [
            r"sicherheitsvorfall|datenleck|datenpanne",
            r"unbefugt|unberechtigt",
            r"gehackt",
            r"kompromittiert",
            # A secret made public: "unseren API-Schlüssel in einem öffentlichen GitHub-Repository veröffentlicht".
            rf"{_SECRET_DE}[^.!?\n]{{0,60}}(?:öffentlich|github|veröffentlicht|geleakt)",
            rf"(?:github|veröffentlicht|geleakt)[^.!?\n]{{0,60}}{_SECRET_DE}",
            r"verdächtige[nr]? (?:anmeldung|login|zugriff)\w* (?:aus|von)\b",
            r"(?:angemeldet|eingeloggt)\b[^!?\n]{0,100}\bdas (?:waren wir|war (?:ich|keiner von uns)) nicht\b",
            rf"verdächtige[nr]? (?:anmeldung|login|zugriff|aktivität)[^.!?\n]{{0,60}}\b{_SEEN['de']}\b|"
            rf"\b{_SEEN['de']}\b[^.!?\n]{{0,40}}verdächtige[nr]? (?:anmeldung|login|zugriff|aktivität)",
            r"ehemalige[rn]? (?:mitarbeiter|kolleg|angestellt)\w*[^.!?\n]{0,60}"
            r"(?:zugriff|angemeldet|eingeloggt|export)",
            # A change someone made, and none of them did it: "niemand von uns hat das gemacht".
            r"\bniemand (?:von uns|bei uns|aus unserem team)\b[^.!?\n]{0,15}\b(?:das|dies|es)\b[^.!?\n]{0,15}"
            r"\b(?:gemacht|getan|veranlasst|geändert|angelegt|erstellt)",
        ],
        "fr": [
            r"incident de sécurité|violation de données",
            r"accès non autorisé",
            r"piraté",
            r"compromis",
            r"\bfuit(?:e|é|ée|és|ées)?\b",
            rf"{_SECRET_FR}[^.!?\n]{{0,60}}(?:public|publique|github|publié)",
            rf"\b{_SEEN['fr']}\b[^.!?\n]{{0,40}}(?:connexions?|activité|accès) suspect",
            r"(?:connexions?|accès) suspect\w* (?:depuis|de|d')\b",
            r"\bsans (?:autorisation|permission)\b[^.!?\n]{0,40}\baccè",
            r"\baccè\w*[^.!?\n]{0,60}\bsans (?:autorisation|permission)",
            r"ancien (?:employé|salarié|collaborateur)\w*[^.!?\n]{0,60}(?:accès|connecté|export)",
            r"\bpersonne (?:chez nous|de notre équipe|parmi nous|d'entre nous)\b[^.!?\n]{0,20}"
            r"\b(?:ne l'a (?:fait|créé|ajouté|modifié|demandé)|n'a (?:fait|créé|ajouté|demandé) (?:ça|cela))",
        ],
        "es": [
            r"incidente de seguridad|brecha de (?:seguridad|datos)|violación de datos",
            r"acceso no autorizado",
            r"hackead",
            r"comprometid",
            # Leaked, not filtered ("¿cómo filtramos las facturas?").
            rf"filtración|se (?:ha )?filtr(?:ó|ado|aron)|{_SECRET_ES}[^.!?\n]{{0,20}}filtrad",
            rf"{_SECRET_ES}[^.!?\n]{{0,60}}(?:públic|github|publicad)",
            rf"(?:publicamos|subimos|expusimos)[^.!?\n]{{0,60}}{_SECRET_ES}",
            rf"\b{_SEEN['es']}\b[^.!?\n]{{0,40}}(?:inicios? de sesión|actividad|accesos?) sospechos",
            r"(?:inicios? de sesión|accesos?) sospechos\w* desde\b",
            r"(?:acced|entr|inici)\w*[^.!?\n]{0,60}\bsin (?:autorización|permiso)",
            r"\bsin (?:autorización|permiso)[^.!?\n]{0,40}\bacce",
            r"ex ?emplead\w*[^.!?\n]{0,60}(?:acceso|accedi|entró|export|descarg)",
            r"\bnadie (?:de|en) (?:nuestro equipo|nosotros)\b[^.!?\n]{0,15}\b(?:lo|la|los|las) "
            r"(?:hizo|creó|añadió|cambió|pidió)",
        ],
    },
    "outage": {
        "en": [
            r"\boutage\b",
            r"\b(?:is|are|went|goes|been) down\b|\bdown (?:for|since)\b|\bapi down\b",
            r"not (?:loading|responding|reachable)|won'?t load|spins forever",
            r"unavailable",
            # One user who cannot log in, or one request that times out, is not an outage.
            r"cannot (?:access|reach) (?:the )?(?:app|site|service|platform|api)",
            r"can'?t (?:open|access|reach) (?:the )?app",
            r"\b5\d\d (?:errors?|service|gateway|bad gateway)",
            r"\b(?:return(?:s|ing)?|with|fail(?:s|ing)? with) 50[234]\b",
            r"degraded (?:performance|service)|\bis there an incident\b",
            # The provider's status page lists it, or the service stopped moving: a posted or visible incident.
            r"status(?:\.[a-z0-9-]+)*(?:\.[a-z]{2,})? (?:page )?(?:now )?(?:shows|lists|says)"
            r"(?! (?:all|everything|it'?s|that|green|operational|no(?:thing)?)\b)",
            r"\b(?:haven'?t|hasn'?t|have not|has not) (?:moved|updated)\b",
            r"\b(?:queue|ingestion|processing|pipeline)\b[^.!?\n]{0,40}\b(?:isn'?t|is not|not|stopped) "
            r"(?:moving|processing)",
            r"\bnothing loads\b|\bblank page\b[^.!?\n]{0,40}\b(?:all|every|everyone)\b",
            # Every request failing, not one: "every API request times out since 14:05".
            r"\b(?:every|all) (?:api )?(?:requests?|calls?)\b[^.!?\n]{0,30}\btim(?:e[sd]?|ing) ?out",
        ],
        "de": [
            r"ausfall",
            r"ausgefallen",
            r"nicht (?:mehr )?erreichbar",
            r"lädt nicht",
            r"\bstörung\b",
            r"\b(?:ist|sind|war|waren)\b[^.!?\n]{0,30}\bdown\b",  # "das Portal ist komplett down"
            r"\bfehler(?:code)? 5\d\d\b|\b5\d\d[- ]fehler",
            r"antwortet (?:seit [^.!?\n]{0,30})?(?:nicht|gar nicht) mehr",
        ],
        "fr": [
            r"\bpanne\b",
            r"indisponible",
            r"inaccessible",
            r"ne (?:charge|répond) (?:pas|plus)",
            r"hors (?:service|ligne)",
            r"\berreurs? (?:http )?5\d\d\b",
        ],
        "es": [
            r"caída|(?:está|están) caíd[oa]s?",
            r"no (?:está )?disponible",
            r"no carga",
            r"no responde",
            r"fuera de servicio",
            r"\berror(?:es)? (?:http )?5\d\d\b",
            r"no (?:podemos|puedo|pueden) (?:acceder|entrar)(?: a)? (?:la |el )?"
            r"(?:plataforma|aplicación|app|api|panel)",
        ],
    },
    "multi_customer_impact": {
        "en": [
            # All of one account's users are one customer: "SSO down for all users" is not multi-customer.
            r"all (?:our |of our )?(?:customers|tenants)",
            r"every one of our customers|everyone is affected|widespread",
            r"(?:multiple|several|many|\d+) (?:of our )?(?:\w+ )?(?:customers|tenants|clients)",
            r"other (?:companies|customers) too|(?:two|other) (?:other )?companies",
            r"\b(?:also|too)\b[^.!?\n]{0,30}\bother (?:customers|companies|tenants)\b",
            r"\bother (?:\w+ )?(?:startups|companies|customers|tenants|businesses)\b[^.!?\n]{0,100}\b"
            r"(?:too|as well|also|the same)\b",
            r"another (?:\w+ )?(?:company|customer)\b[^.!?\n]{0,80}\b(?:same|too|as well)",
            # Their own customers feel it: the fault reaches past this account.
            r"our (?:end |own )?customers (?:can'?t|cannot|are (?:seeing|getting|affected)|see|get)",
            r"to all (?:of )?our (?:\w+ )?customers",
            r"\bpeers\b[^.!?\n]{0,80}\b(?:same|too|as well|also)\b",
        ],
        "de": [
            r"alle (?:unsere[rn]? )?kunden",
            r"mehrere (?:unserer |von unseren )?kunden",
            r"\bauch (?:bei )?(?:anderen|andere) (?:kunden|firmen|unternehmen)",
            r"für \d+ (?:unserer |unseren )?kunden",
            # Other tenants of the provider see it too.
            r"andere (?:firmen|unternehmen|kunden)[^.!?\n]{0,80}(?:auch|ebenfalls|gleiche|selbe)",
        ],
        "fr": [
            r"tous (?:nos )?clients",
            r"plusieurs (?:de nos )?clients",
            r"\d+ (?:de nos )?clients",
            r"d'autres (?:clients|entreprises|sociétés)[^.!?\n]{0,80}(?:aussi|également|même)",
        ],
        "es": [
            r"todos (?:nuestros )?clientes",
            r"varios (?:de nuestros )?clientes",
            r"\d+ (?:de nuestros )?clientes",
            r"otr[oa]s (?:clientes|empresas|compañías)[^.!?\n]{0,80}(?:también|mismo)",
        ],
    },
    "reproducible": {
        "en": [
            r"reproduc",
            r"every time",
            r"consistently",
            r"steps to reproduce",
            r"always (?:fails|happens)",
            # It fails every time, for everything of a kind, or again: not a one-off.
            r"\b(?:every|each|all)\b[^.!?\n]{0,50}\b(?:fail|reject|error|time[sd]? ?out|break|crash|return)",
            r"\b(?:fail|reject|error|broke|timing out)\w*\b[^.!?\n]{0,30}\b(?:every|each) "
            r"(?:time|day|night|morning|run|hour)",
            r"\b(?:fail\w*|broken|timing out|rejected|errors?) again\b|\bagain\b[^.!?\n]{0,20}\b(?:fail|error|broken)",
            r"\b(?:returns?|returning|gets?|getting) (?:an? )?(?:http )?[45]\d\d\b",
            # The customer checked it does not go away: tried again, elsewhere, another way, with the same result.
            r"same (?:result|thing|error|problem|behaviou?r)",
            r"\btried\b[^.!?\n]{0,60}\b(?:and|,)\b[^.!?\n]{0,60}",
            r"\b(?:also|even) (?:over|on|with|in|from) (?:a |another |our |the |mobile )",
            r"\bhappens (?:on |for |with |to )?(?:every|each|all)\b",
            # ... and it is the same on other records: "it's the same for 3 other customers I checked".
            r"\bthe same (?:for|with|on|in) (?:\d+|several|other|another|all|many|every)\b",
        ],
        "de": [
            r"reproduzierbar",
            r"jedes mal|immer wieder|immer (?:das |dasselbe |der |die )?gleiche",
            r"\bjede[nrs]?\b[^.!?\n]{0,50}(?:fehl|schlägt|bricht|abgelehnt)",
            r"\bbei (?:\d+|mehreren|allen|weiteren) (?:anderen )?\w+ (?:genauso|ebenso|dasselbe|das gleiche)\b",
        ],
        "fr": [
            r"reproductible",
            r"à chaque fois|même (?:résultat|erreur|problème)",
            r"\b(?:chaque|tous|toutes)\b[^.!?\n]{0,50}(?:échou|erreur|rejet)",
            r"(?:pareil|même chose|idem) pour (?:\d+|plusieurs|d'autres|tous|toutes)\b",
        ],
        "es": [
            r"reproducible",
            r"cada vez|\bsiempre\b|mismo (?:resultado|error|problema)",
            r"\b(?:cada|todas?|todos)\b[^.!?\n]{0,50}(?:fall|error|rechaz|devuelv)",
            r"lo mismo (?:con|para|en) (?:\d+|varios|varias|otros|otras|todos|todas)\b",
        ],
    },
    "confirmed_defect": {
        "en": [r"confirmed (?:bug|defect)", r"known (?:bug|defect|issue)", r"\bregression\b"],
        "de": [r"bekannter fehler", r"bestätigter fehler"],
        "fr": [r"bug connu", r"régression"],
        "es": [r"error conocido", r"regresión"],
    },
}
# Look-alikes: words that match a signal's or an issue type's patterns but say something else. They are blanked
# out of the text before that fact's words are looked for, so "SSO down" is no outage while "the API is down" is.
_THEIR_SYSTEM = (
    r"(?:sso|saml|scim|okta|entra|sync|webhooks?|(?:webhook )?endpoints?|connector|integration|snowflake|bigquery|"
    r"redshift|netsuite|salesforce|hubspot|sftp)"
)
NOT_BY_LANGUAGE: dict[str, dict[str, list[str]]] = {
    "outage": {
        "en": [
            # Another system of the customer's (their sign-in provider, their sync) is down: an integration problem.
            rf"\b{_THEIR_SYSTEM}\b(?: [\w-]+)? (?:is |are |was |were |has been |have been |went |goes )?down\b",
            # Someone else's outage (their provider, the cloud, the power) is no incident of ours.
            r"\b(?:provider|upstream|isp|aws|azure|gcp|cloud|power|network|internet|carrier)'?s? outage\b",
            rf"\b{_THEIR_SYSTEM}\b (?:has|had|is having|reported) an? (?:\w+ )?outage\b",
            # A question about how outages are handled is no outage.
            r"\b(?:sla|response times?|process|policy|credits?|compensation)\b[^.!?\n]{0,20}"
            r"\b(?:for|in case of|during) (?:an? )?(?:p\d |major |sev\w* )?outages?\b",
            # Notices of outages subscribed to; a past outage asked about for a report.
            r"\boutage (?:notifications?|alerts?|updates?|history|reports?|communications?|e-?mails?)\b",
            r"\b(?:was there|were there|did (?:you|tallyport|the api) have|have you had)\b[^.!?\n]{0,15}"
            r"\b(?:an? )?(?:outage|incident|downtime|disruption)s?\b",
        ],
        "de": [
            rf"\b{_THEIR_SYSTEM}\S*(?: \w+)? (?:ist |sind |war )?(?:ausgefallen|nicht (?:mehr )?erreichbar|down\b)",
            r"\bgab es\b[^.!?\n]{0,30}\b(?:eine[nr]? )?(?:störung|ausfall)",
            # How outages are handled, asked about: "im Falle eines Ausfalls", "bei einer Störung".
            r"\bim fall(?:e)? (?:eines|einer) (?:ausfalls|störung)\b|\bbei (?:einem|einer) (?:ausfall|störung)\b",
        ],
        "fr": [
            r"panne (?:de|chez) (?:notre|leur|un) (?:fournisseur|hébergeur|prestataire)",
            r"\by a-t-il eu\b[^.!?\n]{0,20}\b(?:une )?(?:panne|incident|interruption)",
            r"\ben cas (?:de|d') ?(?:panne|interruption)\b",
        ],
        "es": [
            r"caída (?:de|en) (?:nuestro|su|un) proveedor",
            r"\bhubo\b[^.!?\n]{0,20}\b(?:una )?(?:caída|interrupción|incidencia)",
            r"\ben caso de (?:una )?(?:caída|interrupción)\b",
        ],
    },
    "multi_customer_impact": {
        # One customer named by its rank ("one of our top 5 customers") is one customer.
        "en": [r"\bone of (?:our|the|my|their) (?:[\w-]+ ){0,3}(?:customers|clients|tenants)\b"],
        "de": [r"\beine[rnm]? (?:unserer|der) (?:[\w-]+ ){0,3}kunden\b"],
        "fr": [r"\b(?:un|une) de nos (?:[\w-]+ ){0,3}client(?:e)?s\b"],
        "es": [r"\b(?:uno|una) de nuestros (?:[\w-]+ ){0,3}clientes\b"],
    },
    "data_loss": {
        # A deleted view (a dashboard, a widget, a saved filter) loses no data: it is rebuilt from the data.
        "en": [
            r"\bdeleted\b[^.!?\n]{0,40}\b(?:dashboards?|widgets?|saved (?:views?|filters?|searches))\b",
            # An event type's name ("invoice.paid", "invoice.*") is no invoice: missed deliveries of it lose nothing.
            r"\b(?:invoice|credit_note|customer|subscription|payment|usage)s?\.[a-z_*]+",
        ],
        "de": [r"\bdashboard\b[^.!?\n]{0,40}gelöscht"],
        "fr": [r"supprimé[^.!?\n]{0,20}tableau de bord"],
        "es": [r"(?:borrad|eliminad)\w*[^.!?\n]{0,20}(?:panel|dashboard)"],
    },
    "security_incident": {
        # Customers asking whether an email is phishing report a confusing email, not an incident; a policy "in
        # case of a breach" asked for an audit is a question, not a breach.
        "en": [
            r"\b(?:asked|asking|wondering|wonder)\b[^.!?\n]{0,30}\b(?:if|whether)\b[^.!?\n]{0,40}\bphishing\b",
            r"\b(?:in (?:the )?case of|in the event of|if there (?:is|was|were)) an? (?:data |security )?breach\b",
        ],
        "de": [
            r"\bgefragt\b[^.!?\n]{0,20}\bob\b[^.!?\n]{0,40}\bphishing\b",
            r"\bim fall(?:e)? (?:eines|einer) (?:datenlecks?|datenpanne|sicherheitsvorfalls?)\b",
        ],
        "fr": [
            r"\bdemandé\b[^.!?\n]{0,20}\bsi\b[^.!?\n]{0,40}\b(?:phishing|hameçonnage)\b",
            r"\ben cas (?:de|d') ?(?:fuite|violation|incident)(?: de (?:données|sécurité))?",
        ],
        "es": [
            r"\bpreguntad\w*\b[^.!?\n]{0,20}\bsi\b[^.!?\n]{0,40}\bphishing\b",
            r"\ben caso de (?:una )?(?:filtración|brecha|violación|incidente)(?: de (?:datos|seguridad))?",
        ],
    },
}
# ... of a data-integrity problem: duplicates in another system of the customer's (its ERP, CRM, accounting) are
# that integration's problem, not wrong data here.
_OTHER_SYSTEM = (
    r"(?:erp|crm|netsuite|salesforce|hubspot|quickbooks|xero|accounting|buchhaltung|comptabilité|contabilidad)"
)
_DUPLICATES = r"(?:duplicat\w*|doppelt\w*|en double|duplicad\w*)"
NOT_BY_LANGUAGE["data_integrity"] = {
    "any": [
        rf"\b{_DUPLICATES}[^.!?\n]{{0,40}}\b(?:in|en|im|dans|into) (?:\w+ )?{_OTHER_SYSTEM}\b",
        rf"\b{_OTHER_SYSTEM}\b[^.!?\n]{{0,30}}\b{_DUPLICATES}",
    ],
    # ... and a view deleted by mistake (a dashboard, a saved filter) is no data changed, as for data loss.
    **NOT_BY_LANGUAGE["data_loss"],
}
# ... and of a problem: a false alarm the customer wants to avoid is no wrong result.
NOT_BY_LANGUAGE["problem"] = {"de": [r"\bfalsche[nrs]? (?:alarme?|warnung(?:en)?|meldung(?:en)?)\b"]}
NOT: dict[str, list[str]] = {
    name: [p for patterns in by_language.values() for p in patterns] for name, by_language in NOT_BY_LANGUAGE.items()
}
NOT["security"] = NOT["security_incident"]  # the issue type reads the same words as the signal

SIGNALS: dict[str, list[str]] = {
    name: [p for patterns in by_language.values() for p in patterns]
    for name, by_language in SIGNALS_BY_LANGUAGE.items()
}
