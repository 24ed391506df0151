"""The paper letter's pure parts: the address block, the receipt presumption and deadline,
the mail text as paragraphs, and postal addresses from CSV and UBL."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from daemon.domain.dunning_planner import ActionKind, PlanSettings, letter_action, plan_debtor
from daemon.domain.letter import (
    LABELS,
    PostalAddress,
    letter_deadline,
    paragraphs_of,
    presumed_receipt,
    split_closing,
)
from daemon.ladders import B2B, DEFAULT_LADDERS
from parsers.invoices import check_postal, parse_csv
from parsers.ubl import parse_ubl
from tests.unit.test_cases_planner import TODAY, debtor, inv, only


def test_dutch_address_block_has_two_spaces_and_capitals() -> None:
    address = PostalAddress("Bakkerij Jansen", "Oudegracht 12", "3511ab", "Utrecht", "NL")
    assert address.block("NL") == ("Bakkerij Jansen", "Oudegracht 12", "3511 AB  UTRECHT")


def test_address_abroad_ends_with_the_country_in_english() -> None:
    address = PostalAddress("Müller GmbH", "Hauptstraße 5", "50667", "Köln", "DE")
    assert address.block("NL") == ("Müller GmbH", "Hauptstraße 5", "50667 Köln", "GERMANY")
    assert address.block("DE")[-1] == "50667 Köln"


def test_missing_fields_are_named() -> None:
    assert PostalAddress("X", "", "1234 AB", "").missing() == ("street", "city")
    assert PostalAddress("X", "a", "b", "c").missing() == ()


def test_receipt_is_presumed_two_business_days_after_posting() -> None:
    # Friday 4 Dec 2026 → Tuesday 8 Dec (the weekend does not count)
    assert presumed_receipt(date(2026, 12, 4), 2, "NL") == date(2026, 12, 8)
    # Christmas: posted Thu 24 Dec, 25 and 26 Dec are holidays → Tue 29 Dec
    assert presumed_receipt(date(2026, 12, 24), 2, "NL") == date(2026, 12, 29)


def test_belgian_paper_term_starts_on_the_third_business_day_after_posting() -> None:
    # Boek XIX: posted Wed 2 Dec 2026 → third business day Mon 7 Dec; the term counts from
    # the day after the presumed receipt, so receipt is presumed on Sun 6 Dec (not Fri 4)
    assert presumed_receipt(date(2026, 12, 2), 2, "BE") == date(2026, 12, 6)
    # posted Mon 7 Dec → third business day Thu 10 Dec: receipt Wed 9 Dec, as for NL
    assert presumed_receipt(date(2026, 12, 7), 2, "BE") == date(2026, 12, 9)
    assert letter_deadline(date(2026, 12, 2), 14, 2, "BE") == date(2026, 12, 21)


def test_fourteen_days_run_from_the_day_after_receipt() -> None:
    # posted Mon 7 Dec, received Wed 9 Dec, day 1 = Thu 10 Dec, day 14 = Wed 23 Dec
    assert letter_deadline(date(2026, 12, 7), 14, 2, "NL") == date(2026, 12, 23)
    # posted Wed 9 Dec, received Fri 11 Dec: day 14 is Christmas Day, then a weekend, so the
    # term ends on Monday 28 Dec (Algemene termijnenwet)
    assert letter_deadline(date(2026, 12, 9), 14, 2, "NL") == date(2026, 12, 28)


def test_mail_text_becomes_paragraphs_and_a_closing() -> None:
    text = "Geachte heer,\n\nRegel een\nregel twee\n\n\nMet vriendelijke groet,\n"
    paragraphs = paragraphs_of(text)
    assert paragraphs == ("Geachte heer,", "Regel een\nregel twee", "Met vriendelijke groet,")
    assert split_closing(paragraphs) == (paragraphs[:2], "Met vriendelijke groet,")
    long = ("Een lange slotalinea die geen groet is maar gewoon tekst, en die blijft staan.",)
    assert split_closing(long) == (long, "")


def test_every_language_has_every_label() -> None:
    keys = set(LABELS["en"])
    for lang in ("nl", "de", "fr"):
        assert set(LABELS[lang]) == keys


@pytest.mark.parametrize(
    ("street", "postcode", "city", "country", "problem"),
    [
        ("Oudegracht 12", "3511AB", "Utrecht", "NL", None),
        ("Oudegracht 12", "351 AB", "Utrecht", "NL", "is not a NL postcode"),
        ("Hauptstraße 5", "5066", "Köln", "DE", "is not a DE postcode"),
        ("Rue Neuve 1", "1000", "Bruxelles", "BE", None),
        ("Oudegracht 12", "", "Utrecht", "NL", "postcode missing"),
        ("", "", "", "NL", None),
    ],
)
def test_postal_checks(
    street: str, postcode: str, city: str, country: str, problem: str | None
) -> None:
    _, problems = check_postal(street, postcode, city, country)
    if problem is None:
        assert problems == []
    else:
        assert any(problem in p for _, p in problems), problems


def test_csv_address_columns_reach_the_record_and_errors_name_line_and_column() -> None:
    data = (
        b"number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,country,street,"
        b"postcode,city\n"
        b"F-1,D1,Jansen,a@jansen.example,2026-01-05,2026-01-19,100.00,NL,Oudegracht 12,3511ab,"
        b"Utrecht\n"
        b"F-2,D2,Smit,b@smit.example,2026-01-05,2026-01-19,100.00,NL,Dorpsstraat 1,12345,Ede\n"
    )
    records, errors = parse_csv(data)
    assert [(r.street, r.postcode, r.city, r.postal_country) for r in records] == [
        ("Oudegracht 12", "3511 AB", "Utrecht", "NL")
    ]
    assert [(e.line, e.column) for e in errors] == [(3, "postcode")]


UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>F2026-0100</cbc:ID>
  <cbc:IssueDate>2026-01-05</cbc:IssueDate>
  <cbc:DueDate>2026-01-19</cbc:DueDate>
  <cbc:DocumentCurrencyCode>EUR</cbc:DocumentCurrencyCode>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="EM">ap@jansen.example</cbc:EndpointID>
    <cac:PartyName><cbc:Name>Jansen B.V.</cbc:Name></cac:PartyName>
    <cac:PostalAddress>
      <cbc:StreetName>Oudegracht</cbc:StreetName>
      <cbc:BuildingNumber>12</cbc:BuildingNumber>
      <cbc:AdditionalStreetName>Postbus 99</cbc:AdditionalStreetName>
      <cbc:CityName>Utrecht</cbc:CityName>
      <cbc:PostalZone>3511AB</cbc:PostalZone>
      <cac:Country><cbc:IdentificationCode>NL</cbc:IdentificationCode></cac:Country>
    </cac:PostalAddress>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal><cbc:PayableAmount currencyID="EUR">121.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>"""


def test_ubl_postal_address_of_the_buyer() -> None:
    records, errors = parse_ubl(UBL.encode())
    assert errors == []
    (record,) = records
    assert (record.street, record.postcode, record.city, record.postal_country) == (
        "Oudegracht 12\nPostbus 99",
        "3511 AB",
        "Utrecht",
        "NL",
    )


def test_ubl_half_an_address_is_left_out_not_an_error() -> None:
    text = UBL.replace("<cbc:CityName>Utrecht</cbc:CityName>", "")
    records, errors = parse_ubl(text.encode())
    assert errors == []
    assert (records[0].street, records[0].city) == ("", "")


# -- the planner with a letter step (pure) ------------------------------------------------


_PAPER = replace(
    B2B,
    steps=tuple(replace(s, channel="letter") if s.name == "formal" else s for s in B2B.steps),
)
PAPER = PlanSettings(ladders={**DEFAULT_LADDERS, "b2b": _PAPER}, send_day=TODAY)
FORMAL_DUE = inv("F1", date(2026, 3, 1), done=3, last=date(2026, 4, 20))  # step 4 due


def test_a_letter_step_without_an_address_is_a_task_not_a_letter() -> None:
    act = only(plan_debtor(debtor(FORMAL_DUE), TODAY, PAPER))
    assert (act.action, act.kind, act.step_name) == (ActionKind.TASK, "no_postal_address", "formal")
    assert "no postal address" in act.reason


def test_a_letter_step_needs_no_mail_address_and_counts_its_deadline_from_receipt() -> None:
    act = only(plan_debtor(debtor(FORMAL_DUE, emails=(), postal_address=True), TODAY, PAPER))
    assert (act.action, act.channel, act.step_name) == (ActionKind.EMAIL, "letter", "formal")
    # Wed 20 May posted, received Fri 22 May; 7 days from the day after: Fri 29 May
    assert act.deadline == date(2026, 5, 29)
    mail = only(plan_debtor(debtor(FORMAL_DUE), TODAY, replace(PAPER, ladders=DEFAULT_LADDERS)))
    assert mail.deadline == date(2026, 5, 27)  # the mail: 7 days from sending


def test_an_unposted_letter_holds_the_ladder() -> None:
    snapshot = debtor(FORMAL_DUE, postal_address=True, letter_unposted=12)
    act = only(plan_debtor(snapshot, TODAY, PAPER))
    assert act.action == ActionKind.HOLD and "letter #12 waits to be posted" in act.reason


def test_a_letter_on_demand_ignores_spacing_and_names_unknown_steps() -> None:
    snapshot = debtor(FORMAL_DUE, postal_address=True, last_mail_date=TODAY, mail_pending=True)
    act = letter_action(snapshot, TODAY, PAPER, "demand")
    assert (act.action, act.channel, act.step_name) == (ActionKind.EMAIL, "letter", "demand")
    assert act.charges.costs > 0
    missing = letter_action(snapshot, TODAY, PAPER, "sommatie")
    assert missing.action == ActionKind.SKIP and "no step 'sommatie'" in missing.reason


def test_a_mailed_letter_and_its_mail_state_the_mails_deadline() -> None:
    """One deadline for both (#16): a letter step that also mails the PDF reaches the debtor
    with the mail, so its deadline counts from the send day; a letter on demand (only posted)
    keeps the paper rule."""
    mailed = replace(
        B2B,
        steps=tuple(
            replace(s, channel="letter", attach_to_mail=True) if s.name == "formal" else s
            for s in B2B.steps
        ),
    )
    settings = replace(PAPER, ladders={**DEFAULT_LADDERS, "b2b": mailed})
    act = only(plan_debtor(debtor(FORMAL_DUE, postal_address=True), TODAY, settings))
    assert (act.channel, act.step_name) == ("letter", "formal")
    assert act.deadline == date(2026, 5, 27)  # Wed 20 May sent: 7 days from the next day
    on_demand = letter_action(debtor(FORMAL_DUE, postal_address=True), TODAY, settings, "formal")
    assert on_demand.deadline == date(2026, 5, 29)  # posted only: from the presumed receipt
