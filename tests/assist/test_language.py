"""The ticket's language: told apart in the four lexicon languages and beyond, and not guessed from a line of codes."""

from __future__ import annotations

import pytest

from assist.language import LEXICON_LANGUAGES, detect


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("Our invoices have shown the wrong currency since the upgrade last week. Can you fix it?", "en"),
        ("Seit dem Update letzte Woche zeigen unsere Rechnungen die falsche Währung an. Können Sie das beheben?", "de"),
        ("Depuis la mise à jour de la semaine dernière, nos factures affichent la mauvaise devise.", "fr"),
        ("Desde la actualización de la semana pasada nuestras facturas muestran la moneda equivocada.", "es"),
        ("Dall'aggiornamento della settimana scorsa le nostre fatture mostrano la valuta sbagliata.", "it"),
        ("Sinds de update van vorige week tonen onze facturen de verkeerde valuta.", "nl"),
    ],
)
def test_language_of_a_ticket(text: str, code: str) -> None:
    language = detect(text)
    assert language is not None and language.code == code
    assert language.lexicon == (code in LEXICON_LANGUAGES)
    assert language.to_dict() == {"code": code, "probability": language.probability, "lexicon": language.lexicon}


def test_a_line_of_codes_has_no_language() -> None:
    assert detect("TP-2002 webhook 401") is None
    assert LEXICON_LANGUAGES == ("en", "de", "fr", "es")
