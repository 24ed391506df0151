"""Language, invoice numbers, amounts and sentence splitting."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from parsers.replies.amounts import find_amounts, parse_number
from parsers.replies.facts import sentences
from parsers.replies.invoice_numbers import find_invoice_numbers
from parsers.replies.language import detect_language


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        pytest.param("Wij hebben de factuur gisteren betaald.", "nl", id="nl"),
        pytest.param("We paid the invoice yesterday.", "en", id="en"),
        pytest.param("Hallo, hab die Rechnung gestern überwiesen. Gruß", "de", id="de-informal"),
        pytest.param("Nous avons payé la facture hier.", "fr", id="fr"),
        pytest.param("12345", "en", id="no-words-default"),
    ],
)
def test_language(text: str, lang: str) -> None:
    assert detect_language(text) == lang


@pytest.mark.parametrize(
    ("texts", "expected"),
    [
        pytest.param(["RE: factuur F2026-0412"], ("F2026-0412",), id="subject"),
        pytest.param(["zonder streepje (F20260296)"], ("F2026-0296",), id="no-hyphen-normalised"),
        pytest.param(
            ["F2026-0001 en F2026-0001, F2026-0002"],
            ("F2026-0001", "F2026-0002"),
            id="dedupe-in-order",
        ),
        pytest.param(["BC-2026-0871 PAY-88213 Q-2026-118"], (), id="other-references-ignored"),
        pytest.param(["F2026-051028/09/2026"], (), id="glued-digits-are-not-a-number"),
    ],
)
def test_invoice_numbers(texts: list[str], expected: tuple[str, ...]) -> None:
    assert find_invoice_numbers(texts) == expected


def test_invoice_pattern_is_configurable() -> None:
    assert find_invoice_numbers(["inv 2026/77 and INV-9"], r"INV-\d+") == ("INV-9",)
    pattern = re.compile(r"(?P<prefix>R)(?P<year>\d{2})(?P<seq>\d{3})")
    assert find_invoice_numbers(["R26001"], pattern) == ("R26-001",)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        pytest.param("€ 1.234,50", Decimal("1234.50"), id="nl-euro-sign"),
        pytest.param("EUR 1,234.50", Decimal("1234.50"), id="en-eur"),
        pytest.param("1234,50 euro", Decimal("1234.50"), id="euro-after"),
        pytest.param("€150,-", Decimal("150"), id="comma-dash"),
        pytest.param("3 960,00 EUR", Decimal("3960.00"), id="fr-space-thousands"),
    ],
)
def test_amounts(text: str, value: Decimal) -> None:
    assert [a.value for a in find_amounts(text)] == [value]


def test_parse_number_is_decimal() -> None:
    assert parse_number("1.234") == Decimal("1234")


def test_abbreviation_does_not_end_a_sentence() -> None:
    texts = [s.text for s in sentences("Op 2 oktober jl. betaald. Graag nakijken.")]
    assert texts == ["Op 2 oktober jl. betaald.", "Graag nakijken."]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Overgemaakt, in totaal € 1.066,00. Misschien is het niet goed afgeboekt?",
            ["Overgemaakt, in totaal € 1.066,00.", "Misschien is het niet goed afgeboekt?"],
        ),
        ("Het was € 50. Dat klopt niet.", ["Het was € 50.", "Dat klopt niet."]),
        ("Wir haben am 28.09. überwiesen. Danke.", ["Wir haben am 28.09. überwiesen.", "Danke."]),
    ],
)
def test_an_amount_ends_a_sentence_a_day_does_not(text: str, expected: list[str]) -> None:
    # "€ 1.066,00." is no ordinal like "vom 3. November": the question after it is its own
    assert [s.text for s in sentences(text)] == expected
