"""The words the facts are read from, per language: lexicons a support lead reads and extends.

Each list is plain regular expressions over the lower-cased ticket text; ``assist.infer`` quotes every hit as the
fact's evidence. Add a language by adding its key to each ``*_BY_LANGUAGE`` table.
"""

from __future__ import annotations

import re

# A breach of security, not of an SLA or a contract.
_BREACH = r"(?<!sla )\bbreach(?:ed|es)?\b(?! of (?:contract|the contract|sla|the sla|terms))"

# A vulnerability someone found, reported or exploited is an incident; one a published bulletin or CVE describes,
# asked about ("multiple vulnerabilities in Java affect …, I need details"), is a question about an advisory.
_VULNERABILITY_FOUND = (
    r"\b(?:found|discovered|report(?:ing|ed)?|exploit(?:ed|ing)?|disclos(?:e|ed|ing))\b[^.!?\n]{0,60}\bvulnerab|"
    r"\bvulnerab\w*\b[^.!?\n]{0,60}\b(?:exploited|being exploited|in the wild|was used|were used)\b"
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
# Someone saw it happen, not a question about how it is handled.
_SEEN = {
    "en": r"(?:noticed|seeing|seen|saw|detected|found|spotted|there (?:is|are|was|were)|we (?:have|had|got))",
    "de": r"(?:bemerkt|festgestellt|gesehen|entdeckt|gefunden|gibt es|hatten|haben)",
    "fr": r"(?:remarqué|constaté|détecté|vu|repéré|trouvé|avons|il y a)",
    "es": r"(?:visto|detectado|notado|encontrado|vimos|detectamos|notamos|tenemos|hay)",
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
            # ... or now empty: not "the dashboard is empty until events arrive".
            rf"\b{_THINGS}\b[^.!?\n]{{0,40}}\b(?:no longer exists?|(?:are|is) now (?:blank|empty)|"
            r"(?:are|is) (?:blank|empty) now)\b",
            # Accepted, then never seen again.
            r"\baccepted\b[^.!?\n]{0,40}\b(?:but|yet)\b[^.!?\n]{0,30}\b(?:never|don'?t|do not|no longer) "
            r"(?:appear|show)",
        ],
        "de": [
            r"datenverlust",
            r"verschwunden",
            r"\bfehlen\b|\bfehlende\b",
            # Deleted by someone or something else, or by mistake: not "wir haben den Kunden gelöscht, wie …".
            r"(?:wurden|wurde|sind|ist|waren|war)\b[^.!?\n]{0,50}\bgelöscht|versehentlich[^.!?\n]{0,30}gelöscht",
            r"verloren",
            r"\b(?:sind|ist) (?:alle |einfach |komplett )?weg\b",
        ],
        "fr": [r"perte de données", r"disparu", r"\bperdu", r"manquant", r"supprimé", r"effacé"],
        "es": [
            r"pérdida de datos",
            r"desapareci",
            r"\bperdid",
            r"\bfaltan\b",
            r"borrad|eliminad|se (?:borr|elimin)\w+",
        ],
    },
    "security_incident": {
        "en": [
            r"security (?:incident|breach|issue)",
            _BREACH,
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
            _VULNERABILITY_FOUND,
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
            r"\bsans autorisation\b[^.!?\n]{0,40}\baccè|\baccè\w*[^.!?\n]{0,60}\bsans autorisation",
            r"ancien (?:employé|salarié|collaborateur)\w*[^.!?\n]{0,60}(?:accès|connecté|export)",
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
            r"(?:acced|entr|inici)\w*[^.!?\n]{0,60}\bsin autorización|\bsin autorización[^.!?\n]{0,40}\bacce",
            r"ex ?emplead\w*[^.!?\n]{0,60}(?:acceso|accedi|entró|export|descarg)",
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
            r"antwortet (?:seit [^.!?\n]{0,30})?(?:nicht|gar nicht) mehr",
        ],
        "fr": [
            r"\bpanne\b",
            r"indisponible",
            r"inaccessible",
            r"ne (?:charge|répond) (?:pas|plus)",
            r"hors (?:service|ligne)",
        ],
        "es": [
            r"caída",
            r"no (?:está )?disponible",
            r"no carga",
            r"no responde",
            r"fuera de servicio",
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
            r"mehrere kunden",
            r"für \d+ (?:unserer |unseren )?kunden",
            # Other tenants of the provider see it too.
            r"andere (?:firmen|unternehmen|kunden)[^.!?\n]{0,80}(?:auch|ebenfalls|gleiche|selbe)",
        ],
        "fr": [
            r"tous (?:nos )?clients",
            r"plusieurs clients",
            r"\d+ (?:de nos )?clients",
            r"d'autres (?:clients|entreprises|sociétés)[^.!?\n]{0,80}(?:aussi|également|même)",
        ],
        "es": [
            r"todos (?:nuestros )?clientes",
            r"varios clientes",
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
        ],
        "de": [rf"\b{_THEIR_SYSTEM}\S*(?: \w+)? (?:ist |sind |war )?(?:ausgefallen|nicht (?:mehr )?erreichbar)"],
        "fr": [r"panne (?:de|chez) (?:notre|leur|un) (?:fournisseur|hébergeur|prestataire)"],
        "es": [r"caída (?:de|en) (?:nuestro|su|un) proveedor"],
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
    ]
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

# The first type whose words appear wins, so the order goes from the most specific to the most general. A billing
# product's tickets all mention invoices: billing words decide only when nothing more specific does, except a
# dispute, which is billing whatever else it says.
ISSUE_TYPES: list[tuple[str, list[str]]] = [
    # Not the bare word "security": "what security features do you offer?" is a question, not an incident.
    (
        "security",
        [
            r"security (?:incident|breach|issue|alert|threat)",
            _BREACH,
            _VULNERABILITY_FOUND,
            r"phishing",
            r"hacked",
            r"unauthori[sz]ed",
        ],
    ),
    (
        "data_integrity",
        [
            r"data loss",
            r"corrupt",
            r"missing (?:data|records|events|rows|usage)",
            r"duplicat(?:e|ed) (?:records|events|rows|customers?|invoices?)",
            r"over-?count|double[- ]count|counted twice|(?:higher|lower) than (?:our|expected|it should)",
            # The meter counted more than happened: the invoice is right about wrong numbers.
            r"over-?bill|\bbill(?:s|ed)? (?:more|fewer)\b[^.!?\n]{0,60}\bthan\b|"
            r"\b(?:counts?|numbers|totals) (?:are |is )?too (?:high|low)\b",
            r"(?:numbers|totals|counts) (?:don'?t|do not) match",
            # Duplicated records, as in English: not a bare "the duplicates", nor "charged twice" (billing).
            r"doppelte[nr]? (?:datensätze|einträge|events|ereignisse|kunden|rechnungen|zeilen)|"
            r"(?:datensätze|einträge|events|ereignisse|kunden|rechnungen|zeilen) (?:sind |wurden |werden )?doppelt",
            r"(?:enregistrements|événements|clients|factures|lignes) (?:en double|dupliqué)",
            r"(?:registros|eventos|filas|clientes|facturas) duplicad[oa]s",
            r"stimmt nicht",
        ],
    ),
    ("outage", [r"\boutage\b", r"\bdown\b", r"unavailable", r"not responding", r"ausfall", r"\bpanne\b", r"caída"]),
    (
        "billing",
        [r"\bdisput", r"overcharg", r"\brefund", r"service credits?", r"widerspr|erstatt|rembours|contest|reembols"],
    ),
    # A wish for what the product does not do yet, in the four languages: asked for ("could you add", "would you
    # consider"). Not "can you add a user" (adding what we already have is a task), nor a higher limit (a plan's).
    (
        "feature_request",
        [
            r"feature request|\bwishlist\b|\broadmap\b|would be (?:nice|great|helpful|useful) (?:if|to)",
            r"(?:please|can you|could you|would you) (?:please )?add (?:support|an? option|an? setting)",
            r"\b(?:add|build|offer) (?:a|an) (?:way|option) to\b",
            r"could you add|would you consider|any plans to (?:add|support|offer)",
            r"funktionswunsch|feature-wunsch|verbesserungsvorschlag|wäre (?:es )?(?:schön|toll|super|hilfreich), wenn",
            r"könnten sie [^.?!\n]{0,60}(?:hinzufügen|ergänzen|einbauen|anbieten|unterstützen)\b",
            r"demande d'évolution|demande de (?:nouvelle )?fonctionnalité|pourriez-vous ajouter|envisagez-vous",
            r"solicitud de (?:función|funcionalidad|mejora)|podrían (?:añadir|agregar|incluir)|tienen previsto",
        ],
    ),
    (
        "how_to",
        [
            r"\bhow (?:do|can|to)\b",
            r"where (?:do|can|is)",
            r"is there a way",
            r"\bconfigure\b",
            r"\bsetup\b",
            r"\bwie\b|comment|cómo",
        ],
    ),
    # Another system connected to ours (sign-in providers, CRMs, ERPs, warehouses, webhooks): before account and
    # bug words, since "SSO sign-in fails" is the integration's problem. Not the bare word "API": it is the
    # product's own surface, named in how-tos and bug reports alike.
    (
        "integration",
        [
            r"webhook",
            r"integration",
            r"\b(?:sso|saml|oidc|openid|scim|okta|entra|oauth)\b",
            r"netsuite|salesforce|hubspot|quickbooks|\bxero\b|slack app",
            r"snowflake|bigquery|redshift|warehouse|\bsftp\b",
            r"connector|\bsync(?:s|ed|ing)?\b|\bsdk\b",
        ],
    ),
    (
        "account",
        [
            r"password reset",
            r"\blog ?in\b|sign[- ]?in",
            r"locked out",
            r"\bmfa\b",
            r"2fa",
            r"user access",
            r"permission",
            r"\binvit",
            r"\broles?\b",
        ],
    ),
    (
        "bug",
        [r"\berror\b", r"\bbug\b", r"exception", r"crash", r"fails?\b", r"broken", r"not working", r"fehler|erreur"],
    ),
    ("billing", [r"invoice", r"billing", r"charged", r"payment", r"subscription", r"pricing", r"rechnung|factur"]),
]


# Something is not working (severity S3 at least), and a question or a wish (S4), in each language.
PROBLEM_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\berrors?\b",
        r"\bfail(?:s|ed|ing|ure)?\b",
        r"\bbroken\b|\bbug\b",
        r"not working|(?:doesn'?t|does not|don'?t|do not|stopped) work",
        r"timed? ?out|\b(?:http|status|returns?|returning|with|got|gets|getting|into) [45]\d\ds?\b|\b[45]\d\d errors?",
        r"\bwrong\b|\bincorrect\b|mismatch|(?:doesn'?t|don'?t|do not|does not) match",
        r"different (?:numbers|totals|daily|values)",
        r"\bstuck\b|\bmissing\b|\bduplicates?\b",
        r"\b(?:can'?t|cannot|unable to)\b",
        r"keeps? (?:failing|creating|attaching|returning|showing)",
        r"\bstopped (?:\w+ing)\b",
        r"\breject(?:s|ed|ing)?\b|\b(?:auto-?)?disabled\b",
        r"\b(?:nobody|no one|none of us)\b[^.!?\n]{0,20}\b(?:can|could|is able)\b",  # nobody can: nothing works
    ],
    "de": [
        r"fehler|fehlgeschlagen|schlägt[^.!?\n]{0,40}\bfehl\b",
        r"bricht[^.!?\n]{0,40}\bab\b|fällt[^.!?\n]{0,40}\baus\b",
        r"funktioniert (?:nicht|nicht mehr)|geht nicht",
        r"\bfalsch",
        r"(?:kann|können) nicht",
        r"stimmt nicht",
        r"doppelt",
        r"abgelehnt|deaktiviert",
        r"\bniemand\b[^.!?\n]{0,20}\bkann\b",
        # What used to arrive no longer does: "die Webhooks kommen nicht mehr an".
        r"\b(?:kommt|kommen|wird|werden|läuft|laufen)\b[^.!?\n]{0,30}\bnicht mehr\b",
    ],
    "fr": [
        r"rejet|désactivé",
        r"erreur",
        r"ne (?:fonctionne|marche) (?:pas|plus)",
        r"échou",
        r"impossible de",
        r"incorrect",
        r"en double",
        r"\bpersonne ne peut\b",
        r"\bn'(?:arrive|apparai|envoie)\w* plus\b|\bne (?:reçoi|s'affiche|se synchronise|charge|part)\w* plus\b",
    ],
    "es": [
        r"rechaz|desactivad",
        r"\berror",
        r"no funciona",
        r"\bfalla",
        r"no (?:puedo|podemos)",
        r"\bnadie puede\b",
        r"\bya no (?:llega|aparece|se (?:envía|sincroniza|muestra)|funciona|carga)",
        r"incorrect",
        r"duplicad",
    ],
}
# A problem that blocks the customer's work, or all of its users, now: a major function impaired (S2).
BLOCKING_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        # Not "this is blocking our billing data": one flow held up is a problem (S3), not a major function down.
        r"\burgent\b|\basap\b",
        r"\b(?:nobody|no one|none of us)\b[^.!?\n]{0,20}\b(?:can|could|is able)\b",
        r"\b(?:everyone|every user|all (?:of )?(?:our )?users)\b[^.!?\n]{0,40}\b(?:fail|can'?t|cannot|get|gets|error)",
    ],
    "de": [
        r"\bdringend\b",
        r"\bniemand\b[^.!?\n]{0,20}\bkann\b",
        r"\balle (?:unsere )?(?:nutzer|benutzer)\b",
    ],
    "fr": [r"\burgent\b", r"\bpersonne ne peut\b", r"\btous (?:nos |les )?utilisateurs\b"],
    "es": [r"\burgente\b", r"\bnadie puede\b", r"\btodos (?:nuestros |los )?usuarios\b"],
}
QUESTION_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\?",
        r"\bhow (?:do|can|to|does)\b|\bwhere (?:do|can|is|are)\b|\bwhich\b|\bis there a way\b",
        r"\b(?:we'?d|we would|i'?d|i would) like\b|\b(?:can|could) (?:we|you|i)\b|\bis it possible\b",
    ],
    "de": [r"\?", r"\bwie\b|\bwo\b|gibt es", r"möchten|würden gern|können wir|könnten sie"],
    "fr": [r"\?", r"\bcomment\b|\boù\b|est-ce que", r"voudrions|aimerions|pouvons-nous|est-il possible"],
    "es": [r"[?¿]", r"\bcómo\b|\bdónde\b", r"quisiéramos|nos gustaría|podemos|es posible"],
}
PROBLEM = [p for patterns in PROBLEM_BY_LANGUAGE.values() for p in patterns]
QUESTION = [p for patterns in QUESTION_BY_LANGUAGE.values() for p in patterns]
BLOCKING = [p for patterns in BLOCKING_BY_LANGUAGE.values() for p in patterns]

# A billing dispute, in each language: the amount it is about is read next to these words.
DISPUTE_BY_LANGUAGE: dict[str, list[str]] = {
    "en": [
        r"\bdisput",
        r"overcharg",
        r"(?:charged|billed) (?:us )?twice|double[- ](?:charged|billed)",
        r"\brefund",
        r"incorrect(?:ly)? (?:invoice|charge|billed|charged)|wrong (?:invoice|amount|charge)",
        r"(?:cancel|void|correct) (?:the|this|that) invoice",
    ],
    "de": [
        r"bestreit",
        r"widerspr",
        r"erstatt",
        r"stornier",
        r"reklamier",
        r"zu viel berechnet|doppelt (?:berechnet|abgebucht)",
    ],
    "fr": [r"contest", r"rembours", r"factur(?:é|e)e? (?:deux fois|en double|à tort)", r"annul(?:er|ez) la facture"],
    "es": [
        r"disput",
        r"impugn",
        r"reembols",
        r"cobrad[oa]s? (?:dos veces|de más)",
        r"anul(?:ar|en) la factura",
        r"reclam",
        r"no reconocemos (?:es[ea]|est[ea]|el|la|los|las) (?:cargos?|consumos?|importes?)",
    ],
}
DISPUTE = [p for patterns in DISPUTE_BY_LANGUAGE.values() for p in patterns]
_CURRENCY = r"[$€£]|usd|eur|gbp|chf|nok|sek|dkk"
# A number as written in the four languages: "12,400.00", "7.450,00", "1'250.00", and French "6 200,00" (thousands
# grouped by a space, often a no-break one).
_NUMBER = r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:[.,]\d{1,2})?(?!\d)|\d[\d,.']*\d|\d"
# An amount with its currency before or after it; a rate ("$3 per million") is a price, not an amount owed.
MONEY = re.compile(
    rf"(?:(?P<c1>{_CURRENCY})\s?(?P<n1>{_NUMBER})|(?P<n2>{_NUMBER})\s?(?P<c2>{_CURRENCY}|euros?|dollars?)(?![a-z]))"
    r"(?!\s*(?:per\b|/|an?\s|each\b|pro\b|par\b|por\b))",
    re.IGNORECASE,
)

# What a known defect looks like in the knowledge it was retrieved from (a known-issue article, an engineer's
# Slack reply), and what a documented workaround looks like next to it.
DEFECT_MARKERS = [
    r"known issue",
    r"confirmed(?:,)? (?:defect|bug)",
    r"\bthat'?s a bug\b|bug on our side",
    r"\beng-\d+\b",
    r"until the fix ships|no fix (?:date|yet)",
]
# A section of release notes that lists what was fixed ("Fixed", "Hotfix 2026.11.1"): a bug listed there that a
# customer sees again is a regression.
FIXED_SECTIONS = [
    r"\b(?:fixed|bug ?fixes|hotfix(?:es)?|resolved issues?)\b",
    r"\bbehoben\b|fehlerbehebung",
    r"\bcorrig|\bcorrections?\b",
    r"\bcorregid|\bcorrecciones\b",
]
FIXED_MARKERS = [
    r"status:\W*(?:fixed|resolved)",
    r"\bfixed in\b",
    r"\b(?:was|been|is now|got) fixed\b",
    r"\bfix (?:has )?(?:shipped|released|deployed|went out)",
    r"\bresolved in \d",
    # The fix reached production, or the change that broke it was taken back: an incident that is over.
    # ("2026.11.1 is deployed", said as a fact at a sentence's start; not "when 2026.12 is released")
    r"\b(?:has been|have been|was|were|is now|are now) (?:deployed|released|rolled out)\b",
    r"(?:^|[.:;!]\s+)(?:release |hotfix |version |the fix )?[\w.-]+ is (?:now )?(?:deployed|released|live)\b",
    r"\bconfirmed and (?:resolved|fixed)\b",
    r"\b(?:was|were|been) rolled back\b",
]
WORKAROUND_MARKERS = [
    r"workaround:\W*yes",
    r"\bas a workaround\b",
    r"\bworkaround\b",
    # What to do until the fix ships is a workaround by another name ("before the fix, let us know and we'll resync").
    r"\b(?:before|until) the fix(?: ships| is (?:out|released|deployed))?,? (?:you can|use|switch|let us know|we'?ll|"
    r"we will|please)\b",
]
NO_WORKAROUND = [r"\bno (?:\w+ )?workarounds?\b", r"workaround:\W*no\b", r"without (?:a |any )?workaround"]
