"""Facts from the words in German, French and Spanish: one ticket of each kind the matrix tells apart, in each
language, read as its English counterpart is. The lexicons are kept per language; this is the check that none of
the four lags behind on a kind of ticket (a how-to, an error, data loss, a security incident, an outage, one
reaching several customers, a dispute, a wish, a sign-in, an integration, a blocked team)."""

from __future__ import annotations

import pytest

from assist.infer import infer_facts

# (language, ticket, issue type, signals, severity) as a careful reader of the matrix's definitions would set them.
TICKETS = [
    # how-to questions
    (
        "de",
        "Wie kann ich einen neuen Zähler für API-Aufrufe anlegen? Ich finde die Option nicht.",
        "how_to",
        set(),
        "S4",
    ),
    ("fr", "Comment exporter les factures du mois dernier au format CSV ?", "how_to", set(), "S4"),
    ("es", "¿Cómo puedo cambiar la moneda de facturación de nuestra cuenta?", "how_to", set(), "S4"),
    (
        "de",
        "Gibt es eine Möglichkeit, Rechnungen automatisch per E-Mail an unsere Buchhaltung zu senden?",
        "how_to",
        set(),
        "S4",
    ),
    ("fr", "Est-il possible d'ajouter un deuxième administrateur à notre compte ?", "how_to", set(), "S4"),
    ("es", "¿Dónde puedo ver el historial de uso de cada cliente?", "how_to", set(), "S4"),
    # error codes / bugs (S3)
    (
        "de",
        "Beim Import der Nutzungsdaten bekommen wir seit gestern den Fehler TP-2002. Was bedeutet das?",
        "bug",
        set(),
        "S3",
    ),
    (
        "fr",
        "Depuis ce matin, l'envoi des événements échoue avec l'erreur TP-4001 à chaque fois.",
        "bug",
        {"reproducible"},
        "S3",
    ),
    ("es", "Al generar la factura aparece el error TP-1003 y no se crea el documento.", "bug", set(), "S3"),
    ("de", "Der Export nach CSV funktioniert nicht mehr, die Datei ist leer.", "bug", set(), "S3"),
    ("fr", "Le tableau de bord ne s'affiche plus correctement, les graphiques restent vides.", "bug", set(), "S3"),
    ("es", "La exportación a PDF no funciona, la descarga se queda en blanco.", "bug", set(), "S3"),
    # data loss (S1)
    (
        "de",
        "Alle Nutzungsdaten vom 3. November sind verschwunden, die Ereignisse wurden ohne unser Zutun gelöscht.",
        "data_integrity",
        {"data_loss"},
        "S1",
    ),
    (
        "fr",
        "Toutes nos données de consommation d'octobre ont disparu du tableau de bord, elles ont été perdues.",
        "data_integrity",
        {"data_loss"},
        "S1",
    ),
    (
        "es",
        "Se han perdido todos los eventos de uso de la semana pasada, ya no aparecen en ningún informe.",
        "data_integrity",
        {"data_loss"},
        "S1",
    ),
    # security (S1)
    (
        "de",
        "Ein Kollege hat unseren API-Schlüssel versehentlich in ein öffentliches GitHub-Repository gepusht.",
        "security",
        {"security_incident"},
        "S1",
    ),
    (
        "fr",
        "Nous avons constaté des connexions suspectes à notre compte administrateur depuis une adresse IP inconnue.",
        "security",
        {"security_incident"},
        "S1",
    ),
    (
        "es",
        "Alguien accedió sin autorización a nuestra cuenta y descargó las facturas de todos los clientes.",
        "security",
        {"security_incident"},
        "S1",
    ),
    # security questions (not incidents)
    ("de", "Ist Tallyport nach ISO 27001 zertifiziert? Unser Einkauf fragt danach.", "how_to", set(), "S4"),
    (
        "fr",
        "Êtes-vous concernés par la vulnérabilité CVE-2024-3094 ? Notre RSSI demande une confirmation.",
        "how_to",
        set(),
        "S4",
    ),
    # outages
    (
        "de",
        "Das Dashboard ist seit 9 Uhr nicht erreichbar, wir bekommen nur einen 503-Fehler.",
        "outage",
        {"outage"},
        "S2",
    ),
    (
        "fr",
        "La plateforme est complètement inaccessible depuis une heure, plus rien ne fonctionne.",
        "outage",
        {"outage"},
        "S2",
    ),
    ("es", "La API no responde desde hace 30 minutos, todas las llamadas dan timeout.", "outage", {"outage"}, "S2"),
    (
        "de",
        "Die API ist komplett ausgefallen, und laut Statusseite sind auch andere Kunden betroffen.",
        "outage",
        {"outage", "multi_customer_impact"},
        "S1",
    ),
    (
        "fr",
        "Le service est en panne et plusieurs de nos clients ne peuvent plus se connecter non plus.",
        "outage",
        {"outage", "multi_customer_impact"},
        "S1",
    ),
    (
        "es",
        "El servicio está caído para todos nuestros clientes, nadie puede acceder al portal.",
        "outage",
        {"outage", "multi_customer_impact"},
        "S1",
    ),
    # billing disputes (S3)
    (
        "de",
        "Wir widersprechen der Rechnung INV-2291 über 4.800,00 EUR, die Nutzung ist viel zu hoch berechnet.",
        "billing",
        set(),
        "S3",
    ),
    (
        "fr",
        "Nous contestons la facture de 1 250,00 € de novembre, nous n'avons jamais utilisé autant d'appels.",
        "billing",
        set(),
        "S3",
    ),
    (
        "es",
        "Queremos reclamar la factura de 3.200,00 USD, nos han cobrado dos veces el mismo mes.",
        "billing",
        set(),
        "S3",
    ),
    # feature requests (S4)
    ("de", "Es wäre toll, wenn Sie einen Export nach Excel anbieten könnten.", "feature_request", set(), "S4"),
    (
        "fr",
        "Pourriez-vous ajouter la prise en charge du format UBL pour les factures électroniques ?",
        "feature_request",
        set(),
        "S4",
    ),
    ("es", "¿Tienen previsto añadir soporte para pagos con SEPA?", "feature_request", set(), "S4"),
    # account
    ("de", "Ich kann mich nicht mehr anmelden, mein Passwort wird nicht akzeptiert.", "account", set(), "S3"),
    ("fr", "Je n'arrive plus à me connecter, mon compte semble bloqué.", "account", set(), "S3"),
    ("es", "No puedo iniciar sesión, dice que mi contraseña es incorrecta.", "account", set(), "S3"),
    # integration
    (
        "de",
        "Die Synchronisation mit Salesforce läuft seit Montag nicht mehr, es kommen keine neuen Kunden an.",
        "integration",
        set(),
        "S3",
    ),
    ("fr", "Les webhooks n'arrivent plus sur notre endpoint depuis hier soir.", "integration", set(), "S3"),
    (
        "es",
        "La integración con NetSuite falla cada noche con un error de autenticación.",
        "integration",
        {"reproducible"},
        "S3",
    ),
    # blocking (S2)
    (
        "de",
        "Die Rechnungsstellung funktioniert nicht und wir können heute keine Rechnungen verschicken, das ist dringend!",
        "bug",
        set(),
        "S2",
    ),
    ("fr", "La facturation ne fonctionne pas et toute l'équipe est bloquée, c'est urgent.", "bug", set(), "S2"),
    ("es", "No funciona la facturación y no podemos trabajar, es urgente.", "bug", set(), "S2"),
]


@pytest.mark.parametrize(("language", "text", "issue_type", "signals", "severity"), TICKETS)
def test_facts_read_alike_in_every_language(
    language: str, text: str, issue_type: str, signals: set[str], severity: str
) -> None:
    facts = infer_facts(text, [])
    got = (
        facts["issue_type"].value if "issue_type" in facts else None,
        set(facts["signals"].value) if "signals" in facts else set(),
        facts["severity"].value if "severity" in facts else None,
    )
    assert got == (issue_type, signals, severity), f"{language}: {text}"
    assert all(fact.source for fact in facts.values())  # each says which words it was read from


MUST_ESCALATE = frozenset({"data_loss", "security_incident", "outage", "confirmed_defect"})
# (language, ticket, the signal that must be read): data lost, a security incident, an outage, told in new words.
MUST = [
    # data loss
    ("de", "Nach dem Import gestern fehlen uns 3.000 Kundendatensätze, sie sind einfach weg.", "data_loss"),
    (
        "de",
        "Unsere Nutzungsdaten für Oktober wurden überschrieben und lassen sich nicht wiederherstellen.",
        "data_loss",
    ),
    ("fr", "Les lignes de facture de septembre ont été effacées et nous ne pouvons pas les récupérer.", "data_loss"),
    (
        "fr",
        "Il manque la moitié des événements d'usage depuis la migration, ils n'apparaissent nulle part.",
        "data_loss",
    ),
    ("es", "Después de la sincronización desaparecieron todas las suscripciones de nuestros clientes.", "data_loss"),
    ("es", "Los datos de consumo de la semana pasada se borraron y no podemos recuperarlos.", "data_loss"),
    # security
    ("de", "Wir haben verdächtige Anmeldungen aus Russland in unserem Admin-Konto bemerkt.", "security_incident"),
    ("de", "Unser API-Token wurde versehentlich in einem öffentlichen Forum gepostet.", "security_incident"),
    ("fr", "Un ancien employé a encore accès à notre compte et a téléchargé des factures hier.", "security_incident"),
    ("fr", "Notre clé API a fuité sur un dépôt GitHub public ce matin.", "security_incident"),
    ("es", "Un tercero accedió a nuestro panel sin permiso y cambió los datos bancarios.", "security_incident"),
    ("es", "Hemos detectado inicios de sesión sospechosos desde una IP desconocida.", "security_incident"),
    # outage
    ("de", "Seit 8 Uhr ist das Portal komplett down, keiner von uns kommt rein.", "outage"),
    ("fr", "L'API renvoie des erreurs 503 sur toutes les requêtes depuis 10h.", "outage"),
    ("es", "La plataforma no carga desde esta mañana, sale una página en blanco para todos.", "outage"),
]
# Questions about the same subjects (retention, certificates, the outage process, rotating a key): nothing happened.
ASKED = [
    ("de", "Wie lange bewahren Sie gelöschte Daten auf, bevor sie endgültig entfernt werden?"),
    ("de", "Können Sie uns Ihr SOC-2-Zertifikat und Ihre Richtlinie zu Sicherheitsvorfällen schicken?"),
    ("fr", "Quelle est votre procédure en cas de panne majeure ? Notre service achats la demande."),
    ("fr", "Comment supprimer un utilisateur qui a quitté l'entreprise ?"),
    ("es", "¿Cuál es su política de retención de datos después de cancelar la suscripción?"),
    ("es", "¿Cómo roto la clave API de forma segura sin interrumpir el servicio?"),
]


@pytest.mark.parametrize(("language", "text", "signal"), MUST)
def test_what_must_escalate_is_read_in_every_language(language: str, text: str, signal: str) -> None:
    facts = infer_facts(text, [])
    assert signal in (facts["signals"].value if "signals" in facts else ()), f"{language}: {text}"


@pytest.mark.parametrize(("language", "text"), ASKED)
def test_a_question_about_an_incident_is_no_incident_in_any_language(language: str, text: str) -> None:
    facts = infer_facts(text, [])
    assert not MUST_ESCALATE & set(facts["signals"].value if "signals" in facts else ()), f"{language}: {text}"
    assert "issue_type" not in facts or facts["issue_type"].value not in {"security", "data_integrity", "outage"}
