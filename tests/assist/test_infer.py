"""Facts inferred from the ticket text: golden cases, including the look-alikes that must not escalate."""

from __future__ import annotations

from typing import Any

import pytest

from assist.infer import infer_facts
from assist.retrieval import ScoredChunk


@pytest.mark.parametrize(
    ("text", "issue_type", "signals"),
    [
        ("We suffered a data breach last night, customer records were exposed", "security", {"security_incident"}),
        ("Unauthorized access to our admin account from an unknown IP", "security", {"security_incident"}),
        ("Possible phishing email pretending to be your billing team", "security", {"security_incident"}),
        # Look-alikes: the word "security" or "breach" without an incident.
        ("What security features does the enterprise plan include?", "how_to", set()),  # asked, nothing broken
        ("How do I configure the security settings for SSO?", "how_to", set()),
        ("We were charged twice for October, please refund us", "billing", set()),  # "twice" is no reproduction
        ("Ticket 4411 is close to an SLA breach, please reply", None, set()),
        ("Is a late invoice a breach of contract on your side?", "billing", set()),
        # All of one account's users are still one customer; all of its customers reach past it.
        ("Our dashboard has been down since 9am for all our users", "outage", {"outage"}),
        ("Our dashboard has been down since 9am for all our customers", "outage", {"outage", "multi_customer_impact"}),
        # An area named in a question is a how-to; the same area failing is that integration's problem, not the
        # account's or a bug of ours. The API is the product's own surface, no integration.
        ("Can we map roles from Entra groups over SAML? Which attribute do you expect?", "how_to", set()),
        ("Since this morning every SSO sign-in fails with TP-3001", "integration", {"reproducible"}),
        ("Our daily report to SFTP stopped arriving, the run log shows an error", "integration", set()),
        ("Can we get a higher API rate limit for our nightly job?", "how_to", set()),
        # Data changed by accident (a meter archived, prices overwritten, customers merged): the data is at risk
        # until someone who can repair it does, in every language. Signing up in the wrong region is no such change.
        (
            "Our intern archived the api_calls meter by accident; since then every event comes back rejected",
            "data_integrity",
            {"reproducible"},
        ),
        ("We accidentally merged two customers and their usage is now mixed", "data_integrity", set()),
        ("Unser Praktikant hat versehentlich den Zähler api_calls archiviert", "data_integrity", set()),
        ("Nous avons fusionné par erreur deux clients, leurs consommations sont mélangées", "data_integrity", set()),
        ("Archivamos por error el medidor principal y los eventos se rechazan", "data_integrity", set()),
        ("We signed up in the US region by mistake. Can you move our org to APAC?", "how_to", set()),
        ("Oops, I deleted our Finance weekly dashboard by accident. Can it be restored?", "how_to", set()),
        # Other tenants of the same provider failing too: the fault reaches past this account.
        (
            "Two founders at other startups on your platform say their ingestion is failing too",
            None,
            {"multi_customer_impact"},
        ),
    ],
)
def test_inferred_issue_type_and_signals(text: str, issue_type: str | None, signals: set[str]) -> None:
    facts = infer_facts(text, [])
    assert (facts["issue_type"].value if "issue_type" in facts else None) == issue_type
    assert set(facts["signals"].value if "signals" in facts else ()) == signals
    if "issue_type" in facts:
        assert facts["issue_type"].source  # every inferred fact says where it came from


@pytest.mark.parametrize(
    ("text", "signals", "severity"),
    [
        ("Für 37 unserer Kunden fehlen sämtliche Events vom 18.11.", {"data_loss", "multi_customer_impact"}, "S1"),
        ("Événements acceptés puis disparus pour notre client", {"data_loss"}, "S1"),
        ("La API no está disponible: cada llamada devuelve 503 desde las 9:00", {"outage", "reproducible"}, "S2"),
        ("We accidentally pushed a live API key to a public GitHub repo", {"security_incident"}, "S1"),
        (
            "Since 05:10 UTC every call fails with 503; two other companies see it too",
            {"outage", "multi_customer_impact", "reproducible"},
            "S1",
        ),
        ("How do I add a new user to our organization?", set(), "S4"),
        # Look-alikes: a single timeout, a scroll, a login of one user are no incident: at most something not
        # working for this customer (S3), or nothing said at all.
        ("The export request timed out once for a large report", set(), "S3"),
        ("Scroll down to the invoice list and click the invoice number", set(), None),
        ("I can't log in since I changed my password", set(), "S3"),
        ("Die Synchronisation schlägt jede Nacht fehl, immer wieder", {"reproducible"}, "S3"),
        ("Où puis-je télécharger nos factures ?", set(), "S4"),
        # An edit that cannot be undone took things away; a status page that lists an incident is one.
        (
            "120 customers now show no subscription price at all and I can't see any undo",
            {"data_loss", "multi_customer_impact"},
            "S1",
        ),
        ("status.example.com now lists Delayed usage aggregation", {"outage"}, "S2"),
        ("The status page says all green, but one export is slow", set(), None),
        # The customer's own summary asks a question (S4); a feature that stopped doing its job is a problem (S3).
        ("Slack app not posting most invoices?\n\nFinance says some paid invoices never showed up.", set(), "S4"),
        ("Slack app stopped posting\n\nNo invoice.paid messages since Monday.", set(), "S3"),
        ("Unsere Salesforce-Verbindung bricht täglich ab", set(), "S3"),
        # A summary that asks while naming a problem or an error code is a problem report (S3); one that blocks
        # everyone, or is said to be urgent, impairs a major function (S2).
        ("webhook endpoint DISABLED??\n\nWe noticed it this morning, what happened?", set(), "S3"),
        ("TP-2002 on the new endpoint but the old one is fine??\n\nAny idea?", set(), "S3"),
        ("Half of our events are rejected. Which field is wrong?", set(), "S3"),
        ("URGENT: nobody can log in since the certificate rotation, sign-in fails", set(), "S2"),
        ("Es ist dringend: die Anmeldung funktioniert nicht mehr", set(), "S2"),
        # Nobody can work, and it blocks them: S2 in every language. What no longer arrives is a problem (S3).
        ("Nobody on our team can sign in since this morning and month-end close is today", set(), "S2"),
        ("Niemand kann sich seit der Zertifikatsrotation anmelden, das blockiert die Monatsabrechnung", set(), "S2"),
        ("Personne ne peut se connecter depuis ce matin, c'est bloquant pour la clôture du mois", set(), "S2"),
        ("Nadie puede iniciar sesión desde esta mañana y es urgente", set(), "S2"),
        ("Les webhooks n'arrivent plus sur notre endpoint depuis lundi", set(), "S3"),
        ("Die Webhooks kommen seit Montag nicht mehr an", set(), "S3"),
        ("Los webhooks ya no llegan desde el lunes", set(), "S3"),
        # What stopped arriving or updating is a problem even when the customer ends by asking (S3); asking how
        # often something updates is a question (S4).
        ("Snowflake\n\nOur tables haven't been updated since 03:10 UTC. Anything on your side?", set(), "S3"),
        ("Webhooks\n\nWe haven't received a single webhook since 09:00. Can you check?", set(), "S3"),
        ("Exports\n\nOur nightly SFTP export did not arrive this morning. What happened?", set(), "S3"),
        ("Usage\n\nThe usage chart is not updating since this morning, though we keep sending events.", set(), "S3"),
        ("NetSuite\n\nInvoices are no longer showing up in NetSuite. Did something change?", set(), "S3"),
        ("No webhooks for 90 minutes\n\nThe delivery log shows events pending. Anything known?", set(), "S3"),
        ("Dashboard\n\nThe revenue dashboard has been stale for 6 hours. Why?", set(), "S3"),
        ("Webhooks\n\nSeit 9 Uhr erhalten wir keine Webhooks mehr. Können Sie das prüfen?", set(), "S3"),
        ("Snowflake\n\nUnsere Tabellen wurden seit gestern nicht mehr aktualisiert. Liegt es an Ihnen?", set(), "S3"),
        ("Rechnungen\n\nDie Rechnungs-E-Mails sind heute nicht angekommen. Was ist los?", set(), "S3"),
        ("Webhooks\n\nNous ne recevons plus aucun webhook depuis 9 h. Pouvez-vous vérifier ?", set(), "S3"),
        ("Snowflake\n\nNos tables ne sont plus mises à jour depuis hier soir. C'est chez vous ?", set(), "S3"),
        ("Export\n\nL'export SFTP de cette nuit n'est pas arrivé. Que se passe-t-il ?", set(), "S3"),
        ("Webhooks\n\nDesde las 9:00 no recibimos ningún webhook. ¿Pueden revisarlo?", set(), "S3"),
        ("Snowflake\n\nNuestras tablas no se actualizan desde anoche. ¿Es cosa suya?", set(), "S3"),
        ("Exportación\n\nLa exportación SFTP de esta noche no llegó. ¿Qué pasó?", set(), "S3"),
        ("Sync\n\nHow often is the Snowflake sync updated? We'd like to know when data arrives.", set(), "S4"),
        ("Webhooks\n\nIf our endpoint is down, how long until webhooks arrive again?", set(), "S4"),
        ("Sync\n\nWie oft werden die Snowflake-Tabellen aktualisiert?", set(), "S4"),
        ("Sync\n\nÀ quelle fréquence les tables Snowflake sont-elles mises à jour ?", set(), "S4"),
        ("Sync\n\n¿Cada cuánto se actualizan las tablas de Snowflake?", set(), "S4"),
        # Sent more often than once, shown in place of the right value, or crawling: a problem, in each language.
        ("threshold webhook firing multiple times\n\nSome customers get our email 5-6 times. Why?", set(), "S3"),
        ("Webhook\n\nWe send usage events 3 times a day. Which endpoint should we use?", set(), "S4"),
        ("Der Webhook kommt mehrfach\n\nWir erhalten invoice.paid mehrmals. Warum?", set(), "S3"),
        ("Le webhook arrive plusieurs fois\n\nNous recevons invoice.paid plusieurs fois. Pourquoi ?", set(), "S3"),
        ("El webhook llega varias veces\n\nRecibimos invoice.paid varias veces. ¿Por qué?", set(), "S3"),
        (
            "PDF period\n\nInvoice PDFs show the period as 31/07 16:00 – 31/08 15:59 instead of 1–31 August.",
            set(),
            "S3",
        ),
        ("PDF\n\nDie PDFs zeigen das Datum in UTC statt in unserer Zeitzone.", set(), "S3"),
        ("PDF\n\nLes PDF affichent la période en UTC au lieu de notre fuseau horaire.", set(), "S3"),
        ("PDF\n\nLos PDF muestran el periodo en UTC en lugar de nuestra zona horaria.", set(), "S3"),
        ("OIDC\n\nCan we use OIDC instead of SAML for sign-in?", set(), "S4"),
        (
            "API client crawling\n\nSince Tuesday every call takes 4 seconds, our nightly job runs for hours.",
            set(),
            "S3",
        ),
        # Accepted, yet not there: usage at risk (data loss), however it is said.
        (
            "Accepted events not showing for one customer\n\nUsage stopped updating yesterday although our "
            "collector gets accepted for every batch.",
            {"data_loss"},
            "S1",
        ),
        # A meter that counts more than happened is a problem, even asked about politely.
        (
            "active_seats over-billed on October invoices\n\nThey are 6-9% higher than our own counts. Can you check?",
            set(),
            "S3",
        ),
        # A false alarm the customer wants to avoid is no wrong result; a wrong amount is.
        (
            "Läuft der Export nachts nicht, oder ist das gewollt? Ich will keinen falschen Alarm einrichten.",
            set(),
            "S4",
        ),
        ("Der Betrag auf der Rechnung ist falsch.", set(), "S3"),
        ("Happens on every full-line credit note we tested", {"reproducible"}, None),
        # The same wrong result on other records is a reproduction, in every language.
        ("The invoice shows a wrong value. It's the same for 3 other invoices I checked.", {"reproducible"}, "S3"),
        ("Die Rechnung zeigt den alten Wert, bei 3 anderen Rechnungen genauso. Fehler?", {"reproducible"}, "S3"),
        ("La facture affiche l'ancienne valeur, même chose pour 3 autres. Erreur ?", {"reproducible"}, "S3"),
        ("La factura muestra el valor antiguo, lo mismo con otras 3. ¿Error?", {"reproducible"}, "S3"),
    ],
)
def test_signals_in_four_languages_and_severity_by_the_matrix_definitions(
    text: str, signals: set[str], severity: str | None
) -> None:
    facts = infer_facts(text, [])
    assert set(facts["signals"].value if "signals" in facts else ()) == signals
    assert (facts["severity"].value if "severity" in facts else None) == severity
    if severity is not None:
        assert facts["severity"].source  # the words it read, for the agent to check


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("We received an invoice for $12,600 at $3 per million events. We dispute the full invoice.", 12600),
        ("Invoice for $184,000; our order form says $144,000. We dispute the $40,000 difference.", 40000),
        ("Rechnung über USD 19,380 erhalten. Bitte stornieren und erstatten Sie den vollen Betrag.", 19380),
        ("Nous contestons la facture de 1.234,56 € reçue hier.", 1234.56),
        # Thousands grouped by a space, as French writes them (often a no-break one); a Spanish challenge.
        ("Nous contestons la facture F-889 de 6 200,00 € : ces appels ne sont pas les nôtres.", 6200),
        ("Nous contestons la facture F-889 de 6\u202f200,00 € : ces appels ne sont pas les nôtres.", 6200),
        ("Impugnamos la factura 5521 por 9.800,50 EUR, no reconocemos ese consumo.", 9800.5),
        ("We paid 1 200 invoices last month; please refund the one of 300 €.", 300),
        ("How do refunds work on annual plans?", None),  # a question about disputes names no amount
        ("Our invoice for $900 arrived, thanks!", None),  # an amount without a dispute
    ],
)
def test_the_disputed_amount_is_read_next_to_the_dispute(text: str, amount: float | None) -> None:
    facts = infer_facts(text, [])
    assert (facts["billing_dispute_amount"].value if "billing_dispute_amount" in facts else None) == amount
    if amount is not None:
        assert facts["severity"].value == "S3" and "billing_dispute_amount" in facts


def _chunk(source: str, source_id: str, text: str, similarity: float, title: str = "") -> ScoredChunk:
    meta = {"source": source, "source_id": source_id, "title": title}
    return ScoredChunk(f"{source_id}#0", text, meta, 0.5, {"dense": 1}, similarity)


def test_known_defects_and_documented_fixes_come_from_the_closest_knowledge() -> None:
    text = "Every invite fails with TP-0105 even though it is ten minutes old."
    thread = _chunk("slack", "eng/1", "confirmed defect, ENG-4950. no workaround, fix in 2026.12", 0.62)
    quoting = _chunk("slack", "eng/1", "new hire gets TP-0105 on a fresh invite", 0.55)
    article = _chunk("docs", "users.md", "TP-0105 means the invitation expired: resend it.", 0.66, "Managing users")
    # The closest source explains the code, but a close thread quoting the same code confirms a defect with no
    # workaround: that decides.
    signals = infer_facts(text, [article, thread, quoting])["signals"].value
    assert "confirmed_defect" in signals and "documented_fix" not in signals
    # Without the thread, the article that explains the code is a documented fix.
    signals = infer_facts(text, [article])["signals"].value
    assert "documented_fix" in signals and "confirmed_defect" not in signals
    # A known-issue article with a workaround is a documented fix; a fixed one is neither; a far one says nothing.
    known = _chunk("docs", "ki.md", "Status: Open. Workaround: Yes, use an export.", 0.7, "Known issue: CSV uses UTC")
    assert "documented_fix" in infer_facts("CSV totals differ", [known])["signals"].value
    fixed = _chunk("slack", "eng/2", "that's a bug, ENG-1. fixed in 2026.11", 0.8)
    assert "signals" not in infer_facts("CSV totals differ", [fixed])
    far = _chunk("slack", "eng/3", "confirmed defect, ENG-7", 0.3)
    assert "signals" not in infer_facts("CSV totals differ", [far])


def test_a_workaround_written_down_anywhere_close_wins_over_a_thread_without_one() -> None:
    # Engineering's first word in Slack was "no workaround"; the known-issue article written since gives one.
    thread = _chunk("slack", "eng/4", "ENG-4821 confirmed, no workaround yet", 0.72)
    article = _chunk("docs", "ki.md", "Workaround: sign the response too.", 0.66, "Known issue: assertion-only signing")
    signals = infer_facts("When can we go back to assertion-only signing?", [thread, article])["signals"].value
    assert "documented_fix" in signals and "confirmed_defect" not in signals
    # A past ticket that says what support does until the fix ships gave a workaround, whatever it calls it.
    answer = "A defect on our side (ENG-4716). If it happens again before the fix, let us know and we'll resync."
    past = _chunk("tickets", "T-9", answer, 0.8)
    signals = infer_facts("BigQuery sync failing again with TP-8011", [past])["signals"].value
    assert "documented_fix" in signals and "confirmed_defect" not in signals
    # Without a workaround anywhere, the closest thread's confirmed defect stands.
    assert "confirmed_defect" in infer_facts("Signing fails", [thread])["signals"].value


def test_a_known_issue_fixed_since_is_neither_a_defect_nor_the_fix_of_its_return() -> None:
    solved = (
        "This is a known issue with Parquet exports: TP-4012 past 30 minutes. Until the fix ships, switch to CSV. "
        "Update 2026-11-10: release 2026.11 is deployed and Parquet exports complete again."
    )
    past = _chunk("tickets", "T-1", solved, 0.9)
    again = "Parquet exports failing again with TP-4012 after 2026.11. I thought this was fixed?"
    # Not an open defect (its fix shipped), and its explanation of TP-4012 is no fix for the code coming back.
    facts = infer_facts(again, [past])
    assert set(facts["signals"].value) == {"reproducible"}
    # A fix announced for later is not a fix that shipped: the issue is still known, with its workaround.
    text = "Workaround: keep an owner on passwords until the fix ships, when 2026.12 is released."
    pending = _chunk("docs", "ki.md", text, 0.8, "Known issue: TP-3001 with assertion-only signing")
    assert "documented_fix" in infer_facts("SSO fails with TP-3001", [pending])["signals"].value


def test_an_invoice_number_is_not_an_error_code() -> None:
    article = _chunk("tickets", "T-2", "Invoice VG-2026-1311 was corrected with a credit note.", 0.8)
    assert "signals" not in infer_facts("Invoice VG-2026-1311 shows the wrong symbol", [article])


@pytest.mark.parametrize(
    "text",
    [
        "Customer says we over-billed API calls in May",
        "Invoices for 8 of our customers bill more seats than their directory ever had",
        "The meter counts are too high on the June invoices",
    ],
)
def test_a_meter_that_counted_more_than_happened_is_a_data_integrity_problem(text: str) -> None:
    assert infer_facts(text, [])["issue_type"].value == "data_integrity"


@pytest.mark.parametrize(
    ("text", "wrong_data_here"),
    [
        ("We see duplicate customers in Tallyport after the migration", True),
        # Duplicates in another system of the customer's are that integration's problem.
        ("The HubSpot duplicates keep growing after every sync", False),
        ("Doppelte Rechnungen in unserem ERP seit dem Update, was ist da los", False),
        ("Facturas duplicadas en nuestro ERP, ¿es un error?", False),
        # Duplicated records in every language, as in English; a bare "the duplicates" or a double charge is not.
        ("Tenemos clientes duplicados después de la migración", True),
        ("Nach dem Import sind doppelte Kunden im Konto", True),
        ("Nous avons des clients en double depuis l'import", True),
        ("¿Cómo limpiamos los duplicados?", False),
        ("Die Karte wurde doppelt abgebucht, bitte erstatten", False),
    ],
)
def test_duplicated_records_are_wrong_data_here_in_every_language_but_not_elsewhere(
    text: str, wrong_data_here: bool
) -> None:
    assert (infer_facts(text, [])["issue_type"].value == "data_integrity") is wrong_data_here


@pytest.mark.parametrize(
    ("text", "absent", "present"),
    [
        # Another system of the customer's being down is that integration's problem, not an outage of ours.
        ("Okta SSO down for the whole company since the IdP change", "outage", None),
        ("BigQuery sync has been down since 04:00 with an auth error", "outage", None),
        ("Die SSO-Anmeldung ist ausgefallen, seit wir das Zertifikat getauscht haben", "outage", None),
        # Someone else's outage, told as history, is no incident here.
        ("Our overage comes from retries during an AWS outage last week; can you credit it?", "outage", None),
        ("The API is down for us since 09:10, every call returns 503", None, "outage"),
        # One customer named by rank is one customer.
        ("Invoices of one of our top 10 customers are wrong", "multi_customer_impact", None),
        ("Un de nos 5 clients principaux ne reçoit plus ses factures", "multi_customer_impact", None),
        ("Invoices of 12 of our customers are wrong", None, "multi_customer_impact"),
        # A deleted view loses no data; a deleted customer does.
        ("I deleted our revenue dashboard by mistake, can it be restored?", "data_loss", None),
        ("Habe versehentlich das Dashboard gelöscht, wie stelle ich es wieder her?", "data_loss", None),
        ("Deleted a customer by mistake, their invoices are gone", None, "data_loss"),
        ("Our endpoint was disabled for a week: we are missing invoice.paid and invoice.* events", "data_loss", None),
        ("We are missing invoices for March in the export", None, "data_loss"),
        # Customers asking whether a message is phishing report a confusing email, not a security incident.
        ("Several clients asked us whether the reminder email was phishing", "security_incident", None),
        ("Des clients nous ont demandé si c'était du phishing", "security_incident", None),
        ("We received a phishing email pretending to be your billing team", None, "security_incident"),
        # A published bulletin asked about is a question about an advisory; a vulnerability someone found is not.
        (
            "Help with security bulletin: vulnerabilities in the Java runtime affect the broker (CVE-2015-0138)",
            "security_incident",
            None,
        ),
        (
            "Is there a security vulnerability in the application server shipped with the product?",
            "security_incident",
            None,
        ),
        (
            "A researcher reported a vulnerability in your login page that exposes session tokens",
            None,
            "security_incident",
        ),
    ],
)
def test_look_alikes_of_a_signal_are_read_as_what_they_say(text: str, absent: str | None, present: str | None) -> None:
    facts = infer_facts(text, [])
    signals = set(facts["signals"].value if "signals" in facts else ())
    if absent:
        assert absent not in signals
        kind = {"outage": "outage", "security_incident": "security"}.get(absent)
        assert kind is None or "issue_type" not in facts or facts["issue_type"].value != kind
    if present:
        assert present in signals


def _past_ticket(source_id: str, account: str, text: str, similarity: float, answered: bool = True) -> ScoredChunk:
    meta = {"source": "tickets", "source_id": source_id, "account": account, "has_answer": answered}
    return ScoredChunk(f"{source_id}#0", text, meta, 0.5, {"dense": 1}, similarity)


def test_the_accounts_own_past_ticket_about_the_same_problem_is_a_documented_fix() -> None:
    ticket = "Every SSO sign-in fails again with 'attribute email is missing' since our claims rename"
    resolution = (
        "SSO fails after the claims rename\n\nResolution: map the email attribute to the new claim name in "
        "Settings > Security > SSO; sign-ins work again at once."
    )
    own = [_past_ticket("T-1", "acme", resolution, 0.84)]
    facts = infer_facts(ticket, own, account="acme")
    assert {"documented_fix", "reproducible"} <= facts["signals"].value
    assert "T-1" in facts["signals"].source
    # Not another account's ticket, nor one without a recorded answer, nor a neighbouring problem (less close).
    assert "documented_fix" not in _signals(infer_facts(ticket, own, account="other"))
    unanswered = [_past_ticket("T-1", "acme", resolution, 0.84, answered=False)]
    assert "documented_fix" not in _signals(infer_facts(ticket, unanswered, account="acme"))
    neighbour = [_past_ticket("T-1", "acme", resolution, 0.68)]
    assert "documented_fix" not in _signals(infer_facts(ticket, neighbour, account="acme"))
    # A defect fixed on our side that is back is a regression, not something Tier 1 resolves again.
    fixed = [_past_ticket("T-1", "acme", "Sync fails\n\nResolution: a bug on our side, fixed in 2026.10.2.", 0.86)]
    assert "documented_fix" not in _signals(infer_facts(ticket, fixed, account="acme"))
    # Nor one that never names the error code quoted now, where the articles explain codes of that kind.
    article = _chunk("docs", "sso-errors.md", "TP-3001 means the assertion is not signed.", 0.5)
    coded = ticket + " (TP-3004)"
    assert "documented_fix" not in _signals(infer_facts(coded, [*own, article], account="acme"))
    assert "documented_fix" in _signals(
        infer_facts(coded.replace("TP-3004", "REF-3004"), [*own, article], account="acme")
    )


def _signals(facts: dict[str, Any]) -> set[str]:
    return set(facts["signals"].value) if "signals" in facts else set()


@pytest.mark.parametrize(
    ("text", "wish"),
    [
        ("Would you consider adding Azure Blob Storage as a destination for scheduled reports?", True),
        ("Could you add Norwegian invoice templates, or let us translate the labels?", True),
        ("We keep hitting the 5M row limit. Can you raise it, or at least add a way to get one big file?", True),
        ("Könnten Sie einen Export nach Azure hinzufügen? Das wäre toll.", True),
        ("Pourriez-vous ajouter un export vers Azure ?", True),
        ("¿Podrían añadir facturas en noruego?", True),
        # Adding something the product already has is a task, not a wish.
        ("Can you add our new controller as a billing admin?", False),
        ("We'd like to raise the API limit for our nightly job. Is that possible on our contract?", False),
    ],
)
def test_feature_requests_in_four_languages(text: str, wish: bool) -> None:
    facts = infer_facts(text, [])
    assert (facts["issue_type"].value == "feature_request") is wish
    if wish:
        assert facts["severity"].value == "S4"


@pytest.mark.parametrize(
    ("text", "signal"),
    [
        # A security incident, told in each language: a secret made public, a sign-in that was none of theirs,
        # suspicious access seen, access without permission, a former employee still inside.
        ("Someone logged into our admin account last night. We did not do this.", "security_incident"),
        ("A former employee still has access and exported all our customer data", "security_incident"),
        (
            "Ein Kollege hat unseren API-Schlüssel in einem öffentlichen GitHub-Repository veröffentlicht",
            "security_incident",
        ),
        ("Heute Nacht hat sich jemand als unser Admin angemeldet. Das waren wir nicht.", "security_incident"),
        ("Wir haben verdächtige Anmeldungen in unserem Konto bemerkt", "security_incident"),
        ("Notre clé API a fuité sur un dépôt public", "security_incident"),
        ("Un ancien salarié a toujours accès et a exporté nos factures", "security_incident"),
        ("Publicamos por error nuestra clave de API en un repositorio público", "security_incident"),
        ("Alguien accedió a nuestra cuenta sin autorización y descargó las facturas", "security_incident"),
        ("Hemos visto actividad sospechosa en la cuenta", "security_incident"),
        # Data gone, an outage, other tenants hit too.
        ("Unsere Rechnungen vom Oktober sind einfach weg", "data_loss"),
        ("Tous les événements d'hier ont été effacés", "data_loss"),
        ("Los datos de consumo de ayer se borraron sin que hiciéramos nada", "data_loss"),
        ("Die API antwortet seit 10 Uhr nicht mehr", "outage"),
        ("Seit 9 Uhr gibt es eine Störung bei der API", "outage"),
        ("La plateforme est hors service depuis une heure", "outage"),
        ("La aplicación está fuera de servicio desde esta mañana", "outage"),
        ("Andere Firmen haben das gleiche Problem mit der API", "multi_customer_impact"),
        ("D'autres clients de Tallyport ont le même problème", "multi_customer_impact"),
        ("Otros clientes de Tallyport tienen el mismo problema", "multi_customer_impact"),
        ("The API returns 503; other Tallyport customers on Twitter say the same", "multi_customer_impact"),
        # English told other ways: a revoked key that still works, access that is not theirs, a prompt none of
        # them started, another company's data in view, credentials on a paste site.
        ("An API key we revoked last month is still being accepted by your API", "security_incident"),
        ("We see API calls from an IP range that isn't ours using our production key", "security_incident"),
        ("Our admin got an MFA prompt he didn't trigger", "security_incident"),
        (
            "A customer of ours could see invoices that belong to a different customer in the portal",
            "security_incident",
        ),
        ("Credentials for our Tallyport account showed up in a paste site", "security_incident"),
        ("The credit notes we issued last week no longer exist", "data_loss"),
        ("Events we sent at 09:00 were accepted (202) but never appear anywhere", "data_loss"),
        ("Our price plans were overwritten by the bulk import, the old prices can't be recovered", "data_loss"),
        ("All line items on 40 invoices are blank now", "data_loss"),
        ("Nothing loads: the app returns a blank page for all of us", "outage"),
        ("Ingestion has been stuck for 3 hours, the events queue isn't moving", "outage"),
        ("Every API request times out since 14:05 UTC", "outage"),
        ("Several of our peers using Tallyport report the same thing", "multi_customer_impact"),
        # A second battery, written after the first was closed: a vulnerability found in the product, a key or a
        # change none of them made, a sign-in from where they never are, another company's data in view; usage
        # reset or dropped, a deletion that cannot be restored.
        (
            "One of our devs thinks the hosted invoice page might be vulnerable to reflected XSS via a query param",
            "security_incident",
        ),
        ("There are two live API keys in our account that none of us created", "security_incident"),
        (
            "Our audit log shows a successful login for our owner account from an IP in Russia. She was asleep.",
            "security_incident",
        ),
        ("Alguien cambió los datos bancarios de la cuenta y nadie de nuestro equipo lo hizo", "security_incident"),
        ("Jemand hat die Bankverbindung geändert, niemand von uns hat das gemacht", "security_incident"),
        ("Quelqu'un a modifié nos coordonnées bancaires et personne chez nous ne l'a fait", "security_incident"),
        ("In the invoice list I can see invoices of a company that is not ours", "security_incident"),
        ("The usage for meter api_calls reset to zero for the whole month after the import", "data_loss"),
        ("About 20% of the events we sent between 10:00 and 11:00 were dropped; the API said 202", "data_loss"),
        ("A bulk action deleted 45 active subscriptions and we can't restore them", "data_loss"),
    ],
)
def test_must_escalate_signals_in_four_languages(text: str, signal: str) -> None:
    assert signal in _signals(infer_facts(text, []))


@pytest.mark.parametrize(
    "text",
    [
        # Questions about security, public keys published on purpose, filtering, a policy asked for an audit.
        "Wo finde ich den öffentlichen Schlüssel für die Webhook-Signatur?",
        "Quelle est votre politique en cas de fuite de données ? Nous préparons un audit.",
        "What is your process in case of a data breach? Our auditor asks.",
        "¿Dónde publican los informes de seguridad y las claves públicas?",
        "Our SOC 2 auditor asks how you handle suspicious activity on accounts",
        "We have a question about suspicious logins: do you alert admins?",
        "Wir haben eine Frage zu verdächtigen Anmeldungen: informieren Sie die Admins?",
        "Tenemos una pregunta sobre actividad sospechosa en las cuentas",
        "¿Cómo filtramos las facturas por cliente en el panel?",
        "Can you confirm our former employee no longer has a seat? We removed her last week.",
        # A deletion the customer made on purpose; another system of theirs unreachable.
        "Wir haben den Kunden gelöscht, wie bekommen wir die Rechnungen trotzdem exportiert?",
        "Die Snowflake-Synchronisation ist nicht erreichbar, nachdem wir die IP geändert haben",
        # How keys, deletions and outages are handled, asked; someone else's outage.
        "How do I rotate an API key without downtime?",
        "Can we restrict API keys to an IP range?",
        "How long do you retain deleted invoices before they are purged?",
        "Our SSO is down because Okta has an outage, nothing you can do, just FYI",
        "What is your SLA for a P1 outage?",
        "The dashboard is empty until the first events arrive, right?",
        "The sync attaches several customers to one company, so its properties get overwritten by the last one",
        # Outage notices subscribed to, a past outage asked about for a report; resetting a counter, asked.
        "Where can we subscribe to your status page for outage notifications?",
        "Was there an outage yesterday afternoon? We need it for our monthly report.",
        "Gab es gestern eine Störung? Wir brauchen das für unseren Monatsbericht.",
        "Y a-t-il eu une panne hier après-midi ? C'est pour notre rapport mensuel.",
        "¿Hubo una caída ayer por la tarde? Queremos saberlo para nuestro informe.",
        "How do I reset the usage of a test meter to zero?",
        "Our bank details changed last month; how do we update them on the account?",
    ],
)
def test_look_alikes_of_must_escalate_signals_do_not_escalate(text: str) -> None:
    assert not _signals(infer_facts(text, [])) & {"security_incident", "data_loss", "outage"}


@pytest.mark.parametrize(
    "text",
    [
        "We dispute the invoice for $7,450; the usage numbers don't match",
        "Wir widersprechen der Rechnung RE-4471 über 7.450,00 €, die Nutzung stimmt nicht",
    ],
)
def test_a_disputed_invoice_is_billings_whatever_it_says_is_wrong_with_it(text: str) -> None:
    facts = infer_facts(text, [])
    assert facts["issue_type"].value == "billing" and facts["billing_dispute_amount"].value == 7450
    assert infer_facts("Our meter double-counted events in May", [])["issue_type"].value == "data_integrity"


def test_a_bug_the_help_center_answers_with_confidence_has_its_fix_documented() -> None:
    text = "The webhook signature check always fails in our express service"
    assert _signals(infer_facts(text, [])) == {"reproducible"}  # reproduced, and nothing says it is documented
    article = _chunk("docs", "webhooks.md", "Verify the signature over the raw body.", 0.8)
    facts = infer_facts(text, [article], answered=("webhooks.md", 0.88))
    assert _signals(facts) == {"reproducible", "documented_fix"} and "docs:webhooks.md" in facts["signals"].source
    # A known defect without a workaround stays one, however confident the article that explains it.
    defect = _chunk("docs", "ki.md", "No workaround yet.", 0.8, "Known issue: signature check fails")
    assert _signals(infer_facts(text, [defect], answered=("ki.md", 0.9))) == {"reproducible", "confirmed_defect"}
    # Release notes saying it was fixed: seeing it again is a regression, not a documented fix.
    notes = _chunk("docs", "release-notes.md", "The signature check bug was fixed in 2026.11.1.", 0.8)
    assert _signals(infer_facts(text, [notes], answered=("release-notes.md", 0.95))) == {"reproducible"}
    hotfix = _chunk("docs", "release-notes.md", "- The signature check failed for express apps.", 0.8)
    hotfix.metadata["heading"] = "Hotfix 2026.11.1 (2026-11-17)"  # listed under what a release fixed
    assert _signals(infer_facts(text, [hotfix], answered=("release-notes.md", 0.95))) == {"reproducible"}


@pytest.mark.parametrize(
    ("text", "issue_type", "severity"),
    [
        # A sync or a sign-in named in German, French or Spanish is the same area as in English.
        ("Die Synchronisation mit NetSuite bricht jede Nacht ab", "integration", "S3"),
        ("La synchronisation avec notre entrepôt échoue", "integration", "S3"),
        ("La sincronización falla desde ayer", "integration", "S3"),
        ("Ich kann mich nicht mehr anmelden, mein Konto ist gesperrt", "account", "S3"),
        ("Je ne peux plus me connecter à mon compte", "account", "S3"),
        ("No puedo iniciar sesión, olvidé mi contraseña", "account", "S3"),
        # Asked, nothing broken.
        ("Wie richte ich die Schnittstelle zu unserem ERP ein?", "how_to", "S4"),
        ("Können wir nicht einfach die Rechnung neu senden?", "billing", "S4"),
    ],
)
def test_areas_and_problems_read_the_same_in_four_languages(text: str, issue_type: str, severity: str) -> None:
    facts = infer_facts(text, [])
    assert (facts["issue_type"].value, facts["severity"].value) == (issue_type, severity)
