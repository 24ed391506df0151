"""daemon.domain.classify: intents by priority, negation, dates, evidence, review."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from daemon.cli.classify import classify_command
from daemon.domain.classify import (
    Classification,
    Intent,
    classify,
    overruled_guard,
    shipped_model,
)
from parsers.mail import parse

TZ = ZoneInfo("Europe/Amsterdam")
# Wednesday 18 November 2026, 23:30 UTC is already Thursday in Amsterdam
WED = "Wed, 18 Nov 2026 10:00:00 +0100"


def run(
    body: str,
    *,
    subject: str = "Re: Herinnering: factuur F2026-0412",
    date_hdr: str = WED,
    extra: str = "",
) -> Classification:
    raw = (
        f"From: Jan <jan@example.com>\nTo: d@v.nl\nSubject: {subject}\nDate: {date_hdr}\n{extra}"
        "Content-Type: text/plain; charset=utf-8\n\n" + body
    ).encode()
    return classify(parse(raw), tz=TZ)


CASES = [
    (
        "Wij betalen de factuur vrijdag.",
        Intent.PROMISE_TO_PAY,
        date(2026, 11, 20),
        None,
        "promise-weekday",
    ),
    (
        "I'll transfer the amount within 3 working days.",
        Intent.PROMISE_TO_PAY,
        date(2026, 11, 23),
        None,
        "promise-working-days",
    ),
    (
        "Wij betwisten de factuur niet, maar betalen uiterlijk 30-11-2026.",
        Intent.PROMISE_TO_PAY,
        date(2026, 11, 30),
        None,
        "not-disputing-is-a-promise",
    ),
    ("We'll pay as soon as possible.", Intent.PROMISE_TO_PAY, None, None, "vague-promise-no-date"),
    (
        "De factuur is gisteren betaald.",
        Intent.PAID_CLAIM,
        None,
        date(2026, 11, 17),
        "paid-yesterday",
    ),
    (
        "Ich habe die Rechnung am 12.11.2026 überwiesen.",
        Intent.PAID_CLAIM,
        None,
        date(2026, 11, 12),
        "paid-de",
    ),
    (
        "Le virement a été effectué le 10 novembre.",
        Intent.PAID_CLAIM,
        None,
        date(2026, 11, 10),
        "paid-fr",
    ),
    (
        "I paid this on Friday.",
        Intent.PAID_CLAIM,
        None,
        date(2026, 11, 13),
        "paid-weekday-looks-back",
    ),
    (
        "We have not paid yet because we wait for the credit note.",
        Intent.DISPUTE,
        None,
        None,
        "credit-note-wait",
    ),
    (
        "We will pay once the credit note arrives.",
        Intent.DISPUTE,
        None,
        None,
        "conditional-on-credit-note",
    ),
    (
        "Wij betwisten deze factuur: het aantal uren klopt niet.",
        Intent.DISPUTE,
        None,
        None,
        "dispute-nl",
    ),
    ("Nous contestons cette facture.", Intent.DISPUTE, None, None, "dispute-fr"),
    ("Wir widersprechen der Rechnung.", Intent.DISPUTE, None, None, "dispute-de"),
    (
        "Kan ik een betalingsregeling treffen? Ik kan vanaf vrijdag € 100 per maand betalen.",
        Intent.PAYMENT_PLAN,
        None,
        None,
        "plan-has-no-promise-date",
    ),
    (
        "Could you send us a copy of the invoice?",
        Intent.INVOICE_REQUEST,
        None,
        None,
        "invoice-copy",
    ),
    (
        "Het bedrijf is failliet verklaard; ik ben de curator.",
        Intent.INSOLVENCY,
        None,
        None,
        "insolvency-nl",
    ),
    (
        "The company is in administration. We dispute nothing, but we will pay on Friday.",
        Intent.INSOLVENCY,
        None,
        None,
        "insolvency-beats-all",
    ),
    (
        "Ik heb uw mail doorgestuurd naar onze boekhouder.",
        Intent.OTHER,
        None,
        None,
        "forwarded-is-other",
    ),
]


@pytest.mark.parametrize(
    ("body", "intent", "promise", "paid"), [c[:4] for c in CASES], ids=[c[4] for c in CASES]
)
def test_intent_and_dates(
    body: str, intent: Intent, promise: date | None, paid: date | None
) -> None:
    result = run(body)
    assert result.intent is intent, result.evidence
    if intent is not Intent.INSOLVENCY:
        assert result.promise_date == promise
        assert result.paid_date == paid


def test_evidence_and_confidence() -> None:
    result = run("Wij betalen de factuur vrijdag.")
    assert result.evidence[0] == "intent:promise_to_pay"
    assert any(e.startswith("promise_date:") for e in result.evidence)
    assert any(e.startswith("model:p=") for e in result.evidence)
    assert any(e.startswith("feature:") for e in result.evidence)  # which features decided
    threshold = shipped_model().bar(result.intent)
    assert result.needs_review == (result.confidence < threshold)


def test_a_likely_dispute_is_never_handled_automatically_as_something_else() -> None:
    for body in (
        "We will pay the balance once the credit note for the returned radiator arrives.",
        "The radiator leaks since you installed it.",
    ):
        result = run(body)
        assert result.intent is Intent.DISPUTE or result.needs_review, result.evidence


def test_a_request_to_be_called_is_other() -> None:
    # Sure or not, an "other" reply opens a review item (reply_effects): a person answers.
    result = run("Kunt u mij bellen over iets anders?")
    assert result.intent is Intent.OTHER


def test_office_timezone_decides_the_day() -> None:
    result = run("Is gisteren betaald.", date_hdr="Wed, 18 Nov 2026 23:30:00 +0000")
    assert result.paid_date == date(2026, 11, 18)  # Thursday in Amsterdam, yesterday = Wednesday


def test_bounce_before_auto_reply() -> None:
    result = run(
        "Your message could not be delivered to the following recipient:\n\n  jan@client.example\n\n550 5.1.1 user unknown",
        subject="Undelivered Mail Returned to Sender",
        extra="Auto-Submitted: auto-replied\nReturn-Path: <>\n",
    )
    assert result.intent is Intent.BOUNCE
    assert result.bounce_recipients == ("jan@client.example",) and result.bounce_permanent is True


def test_auto_reply_return_date_and_no_promise() -> None:
    result = run(
        "Ik ben afwezig tot en met vrijdag 27 november. Betalingen worden binnen 5 werkdagen verwerkt.",
        subject="Automatisch antwoord: Herinnering",
        extra="Auto-Submitted: auto-replied\n",
    )
    assert result.intent is Intent.AUTO_REPLY
    assert result.return_date == date(2026, 11, 30)
    assert result.promise_date is None


def test_auto_generated_is_never_a_debtor_intent() -> None:
    result = run(
        "We paid the invoice yesterday!",
        subject="Newsletter",
        extra="Precedence: list\nList-Id: <x>\n",
    )
    assert result.intent is Intent.OTHER and result.machine == "auto_generated"


@pytest.mark.parametrize(
    ("subject", "body", "header"),
    [
        (
            "Zahlungsavis Nr. 2000341877",
            "Wir haben folgende Zahlung zu Ihren Gunsten ausgeführt:\n"
            "Zahlungsdatum: 16.11.2026\nBetrag: 2.145,80 EUR\nVerwendungszweck: F2026-0412\n\n"
            "Diese Nachricht wurde automatisch erzeugt.",
            "Auto-Submitted: auto-generated\n",
        ),
        (
            "Re: Reminder: invoice F2026-0412",
            "REMITTANCE ADVICE\nPayment date: 16/11/2026\nAmount: EUR 2,145.80\n"
            "Invoices paid: F2026-0412\nThis is an automated message. Please do not reply.",
            "Auto-Submitted: auto-replied\n",
        ),
    ],
)
def test_a_payment_advice_from_an_accounting_system_is_a_paid_claim(
    subject: str, body: str, header: str
) -> None:
    # Machine mail, but the debtor's own word that it paid, with the day: not an away
    # notice, and not machine noise to be ignored.
    result = run(body, subject=subject, extra=header)
    assert result.machine is None
    assert any("payment_advice:" in e for e in result.evidence), result.evidence
    assert result.intent is Intent.PAID_CLAIM, result.evidence
    assert result.paid_date == date(2026, 11, 16)


def test_an_acknowledgement_that_mentions_payment_advices_stays_an_auto_reply() -> None:
    result = run(
        "We have received your e-mail regarding invoice F2026-0412. Invoices are paid after "
        "approval; you will receive a remittance advice when payment has been made.",
        extra="Auto-Submitted: auto-replied\n",
    )
    assert result.intent is Intent.AUTO_REPLY and result.machine == "auto_reply"
    # An away notice that names one stays an away notice too.
    away = run(
        "Payment advice\nI am out of the office until 30 November with no access to e-mail.",
        extra="Auto-Submitted: auto-replied\n",
    )
    assert away.intent is Intent.AUTO_REPLY


def test_invoice_numbers_from_quote_and_subject() -> None:
    result = run(
        "Betaald.\n\nVan: D <d@v.nl>\nVerzonden: maandag\nAan: x\nOnderwerp: y\n\nFactuur F2026-0001",
        subject="Re: F2026-0412",
    )
    assert result.invoice_numbers == ("F2026-0412", "F2026-0001")


def test_holidays_parameter_shifts_working_days() -> None:
    raw = (
        b"From: j@e.com\nSubject: Re\nDate: Thu, 24 Dec 2026 10:00:00 +0100\n\n"
        b"We will pay within 1 working day."
    )
    closed = {date(2026, 12, 25)}
    result = classify(
        parse(raw), tz=TZ, is_business_day=lambda d: d.weekday() < 5 and d not in closed
    )
    assert result.promise_date == date(2026, 12, 28)


def test_cli_json_and_unreadable_file(tmp_path: Path) -> None:
    eml = tmp_path / "reply.eml"
    eml.write_bytes(
        b"From: j@e.com\nSubject: Re: F2026-0412\nDate: Wed, 18 Nov 2026 10:00:00 +0100\n\n"
        b"Wij betalen vrijdag."
    )
    result = CliRunner().invoke(classify_command, [str(eml), "--json"])
    assert result.exit_code == 0, result.output
    [row] = json.loads(result.output)
    assert row["intent"] == "promise_to_pay" and row["promise_date"] == "2026-11-20"
    assert row["invoice_numbers"] == ["F2026-0412"] and row["evidence"]
    table = CliRunner().invoke(classify_command, [str(eml)])
    assert "promise_to_pay" in table.output
    missing = CliRunner().invoke(classify_command, [str(tmp_path / "nope.eml")])
    assert missing.exit_code == 1 and "nope.eml" in missing.output


def test_short_hand_typed_away_notice_is_an_auto_reply() -> None:
    result = run("Hoi! Ik ben op vakantie en lees mijn mail vanaf 3 december weer. Groetjes, Lisa")
    assert result.intent is Intent.AUTO_REPLY and not result.needs_review, result.evidence
    assert result.return_date == date(2026, 12, 3)
    # The same notice with a payment in it is the debtor speaking: the model decides.
    paying = run("Ik ben op vakantie tot 3 december, daarna betaal ik de factuur.")
    assert paying.intent is not Intent.AUTO_REPLY or paying.needs_review


@pytest.mark.parametrize(
    "body",
    [
        "Wilt u toekomstige facturen als pdf sturen, onder vermelding van het bestelnummer?",
        "From now on please send invoices with our PO number to ap@klant.example.",
        "Künftig bitte die Bestellnummer auf der Rechnung angeben.",
        "À l'avenir, merci d'indiquer notre bon de commande sur vos factures.",
    ],
    ids=["nl-toekomstige-facturen", "en-from-now-on", "de-kuenftig", "fr-a-l-avenir"],
)
def test_an_instruction_for_invoices_to_come_is_no_request_for_this_one(body: str) -> None:
    result = run(body)
    assert not any(e.startswith("rule:invoice_request:") for e in result.evidence)
    assert any(e.startswith("rule:future invoices:") for e in result.evidence), result.evidence


def test_cli_counts_the_office_countrys_holidays(tmp_path: Path) -> None:
    eml = tmp_path / "reply.eml"
    # Friday 23 April 2027; King's Day (27 April) is a Dutch holiday, not a Belgian one
    eml.write_bytes(
        b"From: j@e.com\nSubject: Re: F2026-0412\nDate: Fri, 23 Apr 2027 10:00:00 +0200\n\n"
        b"We betalen binnen 3 werkdagen."
    )
    result = CliRunner().invoke(classify_command, [str(eml), "--json", "--country", "nl"])
    [row] = json.loads(result.output)
    assert row["promise_date"] == "2027-04-29"  # 26, 28, 29 April
    # Without a country: Monday to Friday, but for 1 January and 25 December (closed in
    # every country whose language dunmail reads), as the labelled corpora count.
    plain = CliRunner().invoke(classify_command, [str(eml), "--json"])
    assert json.loads(plain.output)[0]["promise_date"] == "2027-04-28"
    new_year = tmp_path / "new-year.eml"
    new_year.write_bytes(
        b"From: j@e.com\nSubject: Re: F2026-0412\nDate: Tue, 15 Dec 2026 10:00:00 +0100\n\n"
        b"Die Rechnung wird Anfang Januar ueberwiesen."
    )
    plain = CliRunner().invoke(classify_command, [str(new_year), "--json"])
    assert json.loads(plain.output)[0]["promise_date"] == "2027-01-04"  # not New Year's Day
    bad = CliRunner().invoke(classify_command, [str(eml), "--country", "XX"])
    assert bad.exit_code == 1 and "--country" in bad.output


@pytest.mark.parametrize(
    "body",
    [
        "Onze vennootschap zit in gerechtelijke reorganisatie. Wij betalen uiterlijk vrijdag.",
        "We entered examinership this month; your invoice will be paid on Friday.",
        "Notre entreprise est en sursis concordataire. Nous paierons vendredi.",
    ],
    ids=["nl-reorganisatie", "ie-examinership", "ch-sursis"],
)
def test_an_insolvency_procedure_next_to_a_promise_never_acts_as_a_promise(body: str) -> None:
    result = run(body)
    assert result.intent is Intent.INSOLVENCY or result.needs_review, result.evidence


@pytest.mark.parametrize(
    "body",
    [
        "Bei der Abrechnung fehlt die Anzahlung von 500 Euro, die ich im Mai bar gezahlt habe.",
        "This invoice we already paid in May, it is the same delivery as F2026-0402.",
        "Je vous ai versé un acompte de 30 %. Votre facture réclame la totalité sans le déduire.",
        "De aanbetaling van 300 euro is nergens verrekend op de factuur.",
        "Die Mahngebühr von 15 Euro zahle ich nicht, die Rechnung kam erst nach Fälligkeit.",
        "Dat betalen wij niet: de monteur is maar één keer geweest.",
        "Die Rechnung über die Montage lehnen wir ab, die Stühle kamen unmontiert.",
        "Nous n'acceptons pas les frais de déplacement, le reste part lundi.",
        "Wir haben den Vertrag fristgerecht widerrufen. Ich werde nichts bezahlen.",
        "The paint is peeling already. I'm not paying anything until it's redone properly.",
        "F2026-1045 is not in our name: it is lot 3. We therefore reject the invoice.",
        "Par contre F2026-1045 n'est pas à notre nom. Nous la refusons.",
        "De cursus is door jullie geannuleerd. Ik betaal niet voor iets wat niet doorging.",
        "Am Telefon hiess es maximal 300 Euro, jetzt 480?? Das zahl ich nicht.",
        "We do not recognise this charge, we never had an account with you.",
        "Ma cliente n'entend pas régler la somme réclamée : la pompe n'a jamais chauffé.",
        "Wij zijn niet van plan om deze factuur te betalen.",
        "Cette facture fait double emploi avec la F2026-0409, réglée le 12 octobre.",
    ],
    ids=[
        "de-anzahlung",
        "en-same-delivery",
        "fr-acompte",
        "nl-aanbetaling",
        "de-refusal",
        "nl-refusal",
        "de-ablehnen",
        "fr-n-acceptons-pas",
        "de-nichts-bezahlen",
        "en-not-paying-anything",
        "en-reject",
        "fr-la-refusons",
        "nl-niet-voor-iets",
        "de-zahl-ich-nicht",
        "en-not-recognise",
        "fr-n-entend-pas",
        "nl-niet-van-plan",
        "fr-double-emploi",
    ],
)
def test_a_dispute_told_as_facts_is_never_handled_as_a_payment(body: str) -> None:
    # Paid advances not deducted, duplicates of work already paid, a refusal to pay a part:
    # the rules name them, so a model reading "paid" or "will pay" can never act alone.
    result = run(body)
    assert result.intent is Intent.DISPUTE or result.needs_review, result.evidence
    assert any(e.startswith("rule:dispute:") for e in result.evidence), result.evidence


@pytest.mark.parametrize(
    "body",
    [
        "Ich zahle nicht vor dem 15., dann kommt unser Geld.",
        "We won't pay it until the 20th, that is our payment run.",
        "Je ne paierai pas avant le 15, désolé.",
        "Ik betaal niet voor de 20e, dan komt mijn salaris.",
    ],
    ids=["de-not-before", "en-not-until", "fr-pas-avant", "nl-niet-voor-de-20e"],
)
def test_not_before_a_day_is_no_refusal(body: str) -> None:
    result = run(body)
    assert not any(e.startswith("rule:dispute:") for e in result.evidence), result.evidence


@pytest.mark.parametrize(
    "body",
    [
        "FYI – forwarding your reminder to our solicitor. See his note below, that's our position.",
        "Goedemorgen, zie onderstaande mail van onze directeur. Wij handelen het af.",
        "Zur Info, siehe unten. Kannst du dem Lieferanten antworten?",
        "Pour info, voir ci-dessous. Peux-tu répondre au fournisseur ?",
    ],
)
def test_a_reply_that_points_to_a_note_below_goes_to_a_person(body: str) -> None:
    # The quoted part is not read, so what the reply means is not in what the model sees:
    # whatever it makes of the pointer alone, a person decides.
    quoted = "\n\n> Geachte heer/mevrouw,\n> Volgens onze administratie is F2026-0412 open.\n"
    result = run(body + quoted)
    if result.intent.value not in ("dispute", "insolvency"):
        assert result.needs_review, result.evidence
        assert any("points to a note below" in e for e in result.evidence), result.evidence


def test_bank_details_below_a_paid_claim_are_no_pointer() -> None:
    result = run("Betaald op 10-11-2026, zie hieronder het bewijs uit onze bankapp: EUR 1.412,30.")
    assert not any("points to a note below" in e for e in result.evidence)


def test_the_pointer_vetoes_every_intent_but_the_guarded_ones() -> None:
    features = ("r:defers_below", "r:none")
    assert overruled_guard(features, "other") and overruled_guard(features, "paid_claim")
    assert not overruled_guard(features, "dispute")
    assert not overruled_guard(("r:none",), "other")
