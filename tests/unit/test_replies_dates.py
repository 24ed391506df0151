"""Date mentions resolved by the conventions in corpus/replies/README.md."""

from __future__ import annotations

from datetime import date

import pytest

from parsers.replies.dates import add_business_days, find_dates

WED = date(2026, 11, 18)  # a Wednesday
SAT = date(2026, 11, 21)

CASES = [
    ("30-10-2026", WED, date(2026, 10, 30), "numeric-dash"),
    ("05.10.2026.", WED, date(2026, 10, 5), "numeric-dot-sentence-end"),
    ("30/09/2026", WED, date(2026, 9, 30), "numeric-slash-day-first"),
    ("uiterlijk 12 november", WED, date(2026, 11, 12), "nl-day-month-no-year"),
    ("by 15th November", WED, date(2026, 11, 15), "en-ordinal"),
    ("le 15 novembre", WED, date(2026, 11, 15), "fr-le"),
    ("am 20. November", WED, date(2026, 11, 20), "de-day-dot"),
    ("on 2 January", date(2026, 12, 28), date(2027, 1, 2), "no-year-nearest-crosses-new-year"),
    ("vrijdag", WED, date(2026, 11, 20), "weekday-next"),
    ("on Wednesday", WED, date(2026, 11, 25), "weekday-strictly-after"),
    ("am Montag", WED, date(2026, 11, 23), "weekday-de"),
    ("volgende week", WED, date(2026, 11, 27), "next-week-friday"),
    ("nächste Woche", WED, date(2026, 11, 27), "naechste-woche"),
    ("volgende week vrijdag", WED, date(2026, 11, 27), "next-week-friday-explicit"),
    ("next week Monday", WED, date(2026, 11, 23), "next-week-monday"),
    ("eind van de maand", WED, date(2026, 11, 30), "end-of-month-nl"),
    ("d'ici la fin du mois", WED, date(2026, 11, 30), "fin-du-mois"),
    ("binnen 5 werkdagen", WED, date(2026, 11, 25), "business-days-nl"),
    ("within 3 working days", SAT, date(2026, 11, 25), "business-days-from-saturday"),
    ("innerhalb von 10 Werktagen", WED, date(2026, 12, 2), "werktage"),
    ("sous 5 jours ouvrés", WED, date(2026, 11, 25), "jours-ouvres"),
    ("innerhalb von 10 Tagen", WED, date(2026, 11, 28), "calendar-days"),
    ("avant le 15", WED, date(2026, 12, 15), "avant-le-next-15th"),
    ("gisteren", WED, date(2026, 11, 17), "yesterday-nl"),
    ("gestern", WED, date(2026, 11, 17), "yesterday-de"),
    ("vanochtend", WED, WED, "this-morning"),
    ("betaling staat gepland in week 48", WED, date(2026, 11, 27), "iso-week-friday"),
    ("Überweisung in KW 3", date(2026, 12, 10), date(2027, 1, 22), "kw-next-year"),
    ("i zahl des Anfang Januar", WED, date(2027, 1, 4), "anfang-januar-first-working-day"),
    ("paiement début janvier", WED, date(2027, 1, 8), "debut-janvier-first-week-friday"),
    ("first week of January", WED, date(2027, 1, 8), "first-week-of-month"),
    ("in der ersten Januarwoche", WED, date(2027, 1, 8), "erste-januarwoche"),
    ("before Christmas", WED, date(2026, 12, 24), "before-christmas"),
    ("we'll settle before the holidays", WED, date(2026, 12, 24), "before-the-holidays"),
    ("voor de feestdagen", WED, date(2026, 12, 24), "voor-de-feestdagen"),
    ("Mitte nächsten Monats", WED, date(2026, 12, 15), "mitte-naechsten-monats"),
    ("by mid-December", WED, date(2026, 12, 15), "mid-month-named"),
    ("sous huitaine", WED, date(2026, 11, 26), "sous-huitaine"),
    ("endéans les dix jours", WED, date(2026, 11, 28), "endeans-calendar-days"),
    ("endeans de acht dagen", WED, date(2026, 11, 26), "flemish-endeans"),
    ("na de 25e als het salaris binnen is", WED, date(2026, 11, 25), "na-de-25e"),
    ("after the 25th when salaries are in", date(2026, 11, 26), date(2026, 12, 25), "after-25th"),
    ("by the end of the week", WED, date(2026, 11, 20), "end-of-week-friday"),
    ("will pay before the weekend", WED, date(2026, 11, 20), "before-the-weekend"),
    ("executed on 14/09", date(2026, 9, 16), date(2026, 9, 14), "bare-day-month-slash"),
    ("per Sammelüberweisung vom 28.09. beglichen", WED, date(2026, 9, 28), "bare-dm-trailing-dot"),
    ("payment is done already at 12-10", date(2026, 10, 19), date(2026, 10, 12), "bare-dm-dash"),
    ("scheduled for payment on 9/18", date(2026, 9, 9), date(2026, 9, 18), "us-month-first"),
    ("mijn salaris komt de 24e binnen", WED, date(2026, 11, 24), "de-24e"),
    ("hab's grad überwiesen", WED, WED, "grad-is-today"),
    ("Nous avons viré ce jour", WED, WED, "ce-jour"),
    ("last Friday", WED, date(2026, 11, 13), "last-friday"),
    ("morgen", WED, date(2026, 11, 19), "tomorrow-nl"),
    ("demain", WED, date(2026, 11, 19), "tomorrow-fr"),
    ("Friday 30 October", WED, date(2026, 10, 30), "weekday-with-explicit-date"),
    ("op 06-10", date(2026, 10, 8), date(2026, 10, 6), "day-month-short"),
    ("I'll transfer it Monday week", WED, date(2026, 11, 30), "en-monday-week-after-next"),
    ("we expect settlement in a fortnight", WED, date(2026, 12, 2), "en-fortnight"),
    ("d'ici deux semaines", WED, date(2026, 12, 2), "fr-dici-deux-semaines"),
    ("Den Betrag weisen wir zum 20. an", WED, date(2026, 11, 20), "de-zum-20"),
    ("Anfang nächsten Monats", WED, date(2026, 12, 1), "de-anfang-naechsten-monats"),
    ("early next month", WED, date(2026, 12, 11), "en-early-next-month-first-week"),
]


@pytest.mark.parametrize(
    ("text", "base", "expected"), [c[:3] for c in CASES], ids=[c[3] for c in CASES]
)
def test_resolves(text: str, base: date, expected: date) -> None:
    found = find_dates(text, base)
    assert [m.day for m in found] == [expected]


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("within 1-2 business days", id="range-is-not-a-promise"),
        pytest.param("Guten Morgen", id="guten-morgen-is-a-greeting"),
        pytest.param("ik ben hier", id="hier-is-here-outside-french"),
        pytest.param("IBAN NL12 BANK 0123 4567 89", id="iban-digits"),
        pytest.param("EUR 1.234,50", id="amount"),
        pytest.param("3.5 hours of work", id="decimal-is-not-a-date"),
    ],
)
def test_no_date(text: str) -> None:
    assert find_dates(text, WED) == []


def test_hier_is_yesterday_in_french() -> None:
    assert [m.day for m in find_dates("payé hier", WED, language="fr")] == [date(2026, 11, 17)]


def test_holidays_are_a_parameter() -> None:
    christmas = {date(2026, 12, 25), date(2026, 12, 28)}
    day = add_business_days(date(2026, 12, 24), 1, lambda d: d.weekday() < 5 and d not in christmas)
    assert day == date(2026, 12, 29)
