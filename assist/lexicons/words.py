"""Issue types, problem, blocking and question words, billing disputes with their amounts, and what known defects,
fixes and workarounds look like in the knowledge retrieved."""

from __future__ import annotations

import re

from assist.lexicons.signals import BREACH, VULNERABILITY_FOUND

# The first type whose words appear wins, so the order goes from the most specific to the most general. A billing
# product's tickets all mention invoices: billing words decide only when nothing more specific does, except a
# dispute, which is billing whatever else it says.
# A change to data (archived, overwritten, merged, imported, deleted) and "by mistake", in the four languages.
_CHANGED = (
    r"(?:archived|deleted|removed|overwr\w+|merged|purged|imported|voided|archiviert|gelöscht|überschrieben|"
    r"zusammengeführt|importiert|archivé|supprimé|écrasé|fusionné|importé|archiv\w*|borr\w*|elimin\w*|"
    r"sobrescri\w*|fusion\w*|import\w*)"
)
_BY_MISTAKE = r"(?:by (?:mistake|accident)|accidentally|versehentlich|aus versehen|par erreur|por error|sin querer)"
ISSUE_TYPES: list[tuple[str, list[str]]] = [
    # Not the bare word "security": "what security features do you offer?" is a question, not an incident.
    (
        "security",
        [
            r"security (?:incident|breach|issue|alert|threat)",
            BREACH,
            VULNERABILITY_FOUND,
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
            # Data changed by accident: archived, overwritten, merged, imported or deleted by mistake.
            rf"\b{_CHANGED}\b[^.!?\n]{{0,50}}\b{_BY_MISTAKE}|\b{_BY_MISTAKE}\b[^.!?\n]{{0,40}}\b{_CHANGED}",
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
            r"gibt es (?:eine |die )?möglichkeit|est-il possible|est-ce possible|hay (?:alguna )?(?:forma|manera)",
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
            # The same in German, French and Spanish ("Integration" and the brand names read the same).
            r"synchroni[sz]\w*|sincroniza\w*|schnittstelle|anbindung|intégration|integración|connecteur|conector",
        ],
    ),
    (
        "account",
        [
            r"password reset",
            r"\blog ?in\b|sign[- ]?in",
            r"locked out",
            r"\banmeld\w*|passwort|gesperrt",
            r"\bconnexion\b|\b(?:me|se|nous) connecter\b|mot de passe",
            r"iniciar sesión|contraseña|bloquead[oa]",
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
        [
            r"\berror\b",
            r"\bbug\b",
            r"exception",
            r"crash",
            r"fails?\b",
            r"broken",
            r"not working",
            r"fehler|funktioniert (?:nicht|nicht mehr)|geht nicht|stürzt|absturz|kaputt",
            r"erreur|ne (?:fonctionne|marche) (?:pas|plus)|ne s'affiche (?:pas|plus)|plant(?:e|age)\b|bogue",
            r"no funciona|\bfall(?:a|o)\b|se cuelga",
        ],
    ),
    ("billing", [r"invoice", r"billing", r"charged", r"payment", r"subscription", r"pricing", r"rechnung|factur"]),
]


# What a billing product sends or keeps fresh, and what it means for it to have come (English problem words).
_FLOWING = r"(?:webhooks?|events?|e-?mails?|invoices?|data|updates?|usage|deliveries|syncs?|exports?|reports?)"
_ARRIVED_EN = (
    r"(?:received|got(?:ten)?|arrived?|updated|refreshed|synced|delivered|showed up|shown up|come through|"
    r"came through|receive|update|sync|show up|get\b(?! (?:how|what|why|it\b|the (?:point|idea))))\b"
)

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
        # What used to arrive or update no longer does, however the customer ends ("anything on your side?").
        rf"\b(?:haven'?t|hasn'?t|have not|has not|didn'?t|did not|wasn'?t|weren'?t|was not|were not)"
        rf"(?: been)? (?:yet )?{_ARRIVED_EN}",
        r"\b(?:not|no longer|stopped) (?:arriving|updating|refreshing|syncing|showing up|coming through)\b",
        r"\bno longer (?:arrives?|updates?|refreshes|syncs?|shows? up|appears?|comes? through)\b",
        rf"\bno (?:new |more )?(?:\w+ )?{_FLOWING}\b[^.!?\n]{{0,40}}\b(?:since|for (?:over |about |almost |more "
        r"than |the (?:last|past) )?(?:an?|\d+|two|three|several) (?:hours?|minutes?|mins?|days?))\b",
        r"\bstale\b",
        # A meter that counted more or less than happened: the numbers are wrong, however politely it is put.
        r"\bover-?(?:bill|charg|count)(?:ed|ing)\b|double[- ]count|counted twice",
        r"\b(?:higher|lower) than (?:our (?:own )?(?:counts?|numbers|logs|records)|expected|it should)",
        # Sent or counted more often than once: not "we send events 3 times a day".
        r"\b(?:fir(?:es|ed|ing)|sen[dt]s?|sending|receiv(?:e|ed|ing)|get|gets|got|posted|created|charged|triggered|"
        r"billed|counted)\b[^.!?\n]{0,40}\b(?:multiple|several|many|\d+(?:-\d+)?|two|three) times\b"
        r"(?! (?:a|an|per|each|every) )|\b(?:received|sent|charged|created|posted|fired|finali[sz]ed|billed) twice\b",
        # Shown in place of the right value ("shows € instead of CHF"); a client that crawls.
        r"\b(?:shows?|showing|displays?|says|lists?|appears?|looks like)\b[^.!?\n]{0,80}\binstead of\b",
        r"\bcrawling\b|\b(?:very|really|extremely|painfully) slow\b",
    ],
    "de": [
        r"fehler|fehlgeschlagen|schlägt[^.!?\n]{0,40}\bfehl\b",
        r"bricht[^.!?\n]{0,40}\bab\b|fällt[^.!?\n]{0,40}\baus\b",
        r"funktioniert (?:nicht|nicht mehr)|geht nicht",
        r"\bfalsch",
        # "ich kann mich nicht anmelden", not the question "können wir nicht einfach …?"
        r"\b(?:ich|wir|sie|man|niemand)\b[^.!?\n]{0,10}\b(?:kann|können)\b[^.!?\n]{0,20}\bnicht\b",
        r"(?:kann|können) (?:mich |sich |uns )?nicht|gesperrt",
        r"stimmt nicht",
        r"doppelt",
        r"abgelehnt|deaktiviert",
        r"\bniemand\b[^.!?\n]{0,20}\bkann\b",
        # What used to arrive no longer does: "die Webhooks kommen nicht mehr an".
        r"\b(?:kommt|kommen|wird|werden|läuft|laufen)\b[^.!?\n]{0,30}\bnicht mehr\b",
        r"\b(?:erhalten|bekommen|empfangen|sehen)\b[^.!?\n]{0,30}\bkeine\b[^.!?\n]{0,40}\bmehr\b",
        r"\bnicht (?:mehr )?(?:angekommen|eingegangen|zugestellt|geliefert|aktualisiert|synchronisiert|angezeigt)",
        r"\bveraltet",
        r"\bmehrfach\b|\bmehrmals\b",
        r"\b(?:zeigt|zeigen|steht|stehen|erscheint|erscheinen)\b[^.!?\n]{0,80}\b(?:statt|anstatt|anstelle)\b",
    ],
    "fr": [
        r"rejet|désactivé",
        r"erreur",
        r"ne (?:fonctionne|marche) (?:pas|plus)",
        r"échou",
        r"impossible de|\bne (?:peux|peut|pouvons|peuvent) (?:pas|plus)\b",
        r"incorrect",
        r"en double",
        r"\bpersonne ne peut\b",
        r"\bn'(?:arrive|apparai|envoie)\w* plus\b|\bne (?:reçoi|recev|s'affiche|se synchronise|charge|part)\w* plus\b",
        r"\bne (?:sont|est) plus (?:mis|synchronis|envoy|livr|affich)",
        r"\bn'(?:est|sont) pas (?:arriv|parvenu|mis à jour)",
        r"\b(?:reçu|reçoi\w*|recev\w*|arriv\w*|envoy\w*|factur\w*)\b[^.!?\n]{0,40}\bplusieurs fois\b",
        r"\b(?:affiche|affichent|indique|indiquent|montre|montrent)\b[^.!?\n]{0,80}\bau lieu de\b",
    ],
    "es": [
        r"rechaz|desactivad",
        r"\berror",
        r"no funciona",
        r"\bfalla",
        r"no (?:puedo|podemos)",
        r"\bnadie puede\b",
        r"\bya no (?:llega|aparece|se (?:envía|sincroniza|muestra)|funciona|carga)",
        r"\bno (?:hemos |han )?recib\w*|\bno (?:ha |han )?lleg\w*|\bno se (?:han )?(?:actualiz|sincroniz)\w*",
        r"\b(?:recib\w*|lleg\w*|env\w*|cobr\w*|factur\w*)\b[^.!?\n]{0,40}\bvarias veces\b",
        r"\b(?:muestra|muestran|aparece|aparecen|indica|indican)\b[^.!?\n]{0,80}\b(?:en lugar de|en vez de)\b",
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
    "de": [r"\bdringend\b", r"\bniemand\b[^.!?\n]{0,20}\bkann\b", r"\balle (?:unsere )?(?:nutzer|benutzer)\b"],
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
