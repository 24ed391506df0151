"""Replies nobody tuned the classifier on: written after the cue lexicon, by someone else.

The labelled corpus measures what the rules were built from; this set measures how they
carry over to new phrasing. A miss must fall to 'other' with low confidence (a person looks
at it), never to a wrong debtor intent.
"""

from __future__ import annotations

import json
from datetime import datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.domain.classify import Intent, classify
from parsers.mail import parse

TZ = ZoneInfo("Europe/Amsterdam")
WEDNESDAY = datetime(2026, 11, 18, 10, 12, tzinfo=TZ)

# (language, body, intent, promise or paid date)
CASES = [
    ("nl", "Hallo, wij maken het bedrag maandag over. Groet, Kees", "promise_to_pay", "2026-11-23"),
    (
        "nl",
        "Beste, de factuur klopt niet: er zijn 3 uur te veel gerekend. Graag een creditnota.",
        "dispute",
        None,
    ),
    ("nl", "Dit is al betaald op 12 november, zie bijlage.", "paid_claim", "2026-11-12"),
    ("nl", "Kunnen we het bedrag in vier maandelijkse termijnen betalen?", "payment_plan", None),
    (
        "nl",
        "Kunt u mij een kopie van de factuur sturen? Ik kan hem niet vinden.",
        "invoice_request",
        None,
    ),
    (
        "nl",
        "Namens de curator deel ik u mee dat X B.V. op 10 november failliet is verklaard.",
        "insolvency",
        None,
    ),
    ("nl", "Ik heb uw mail doorgestuurd naar onze financiële afdeling.", "other", None),
    (
        "nl",
        "We betwisten de factuur niet, maar kunnen pas eind van de maand betalen.",
        "promise_to_pay",
        "2026-11-30",
    ),
    (
        "en",
        "Hi, payment will be made by the end of next week. Regards, Tom",
        "promise_to_pay",
        None,
    ),
    ("en", "We never ordered this service, please cancel the invoice.", "dispute", None),
    (
        "en",
        "The transfer was made yesterday, it should reach you shortly.",
        "paid_claim",
        "2026-11-17",
    ),
    (
        "en",
        "Could we spread the payment over three months? Cash flow is tight.",
        "payment_plan",
        None,
    ),
    ("en", "Please resend the invoice with our PO number 4500012 on it.", "invoice_request", None),
    (
        "en",
        "Our company has entered administration; the administrators will contact creditors.",
        "insolvency",
        None,
    ),
    ("en", "Thanks, noted. I will check with my colleague.", "other", None),
    (
        "en",
        "We will pay as soon as the credit note for the damaged parts arrives.",
        "dispute",
        None,
    ),
    ("de", "Wir überweisen den Betrag bis zum 30.11.2026.", "promise_to_pay", "2026-11-30"),
    (
        "de",
        "Die Rechnung ist fehlerhaft, die Arbeiten wurden nicht vollständig ausgeführt.",
        "dispute",
        None,
    ),
    ("de", "Die Zahlung wurde bereits am 14.11.2026 veranlasst.", "paid_claim", "2026-11-14"),
    (
        "de",
        "Ist eine Ratenzahlung möglich? Wir könnten monatlich 500 Euro zahlen.",
        "payment_plan",
        None,
    ),
    (
        "de",
        "Über das Vermögen der Firma wurde das Insolvenzverfahren eröffnet.",
        "insolvency",
        None,
    ),
    ("fr", "Nous effectuerons le virement vendredi prochain.", "promise_to_pay", None),
    (
        "fr",
        "Nous contestons cette facture, le montant ne correspond pas au devis.",
        "dispute",
        None,
    ),
    ("fr", "Le paiement a été effectué hier.", "paid_claim", "2026-11-17"),
    ("fr", "Pourriez-vous nous envoyer un duplicata de la facture ?", "invoice_request", None),
    ("fr", "Serait-il possible de payer en plusieurs fois ?", "payment_plan", None),
]


def classify_body(i: int, body: str):  # type: ignore[no-untyped-def]
    msg = EmailMessage()
    msg["From"] = "someone@debtor.example"
    msg["To"] = "debiteuren@voorbeeld-bv.nl"
    msg["Subject"] = "Re: Herinnering: factuur F2026-0999"
    msg["Date"] = format_datetime(WEDNESDAY)
    msg["Message-ID"] = f"<unseen{i}@debtor.example>"
    msg.set_content(body)
    return classify(parse(msg.as_bytes()), tz=TZ)


def test_unseen_replies_carry_over() -> None:
    right, misses = 0, []
    for i, (lang, body, intent, day) in enumerate(CASES):
        result = classify_body(i, body)
        got_day = result.promise_date or result.paid_date
        ok = result.intent.value == intent and (
            day is None or (got_day is not None and got_day.isoformat() == day)
        )
        right += ok
        if not ok:
            misses.append(f"{lang} {intent} -> {result.intent.value} {got_day}: {body[:50]}")
            # A miss must go to a person, not drive the case the wrong way.
            assert result.intent is Intent.OTHER and result.needs_review, misses[-1]
    print(f"\nunseen replies: {right}/{len(CASES)} right", *misses, sep="\n  ")
    assert right / len(CASES) >= 0.9


@pytest.mark.parametrize("lang", ["nl", "en", "de", "fr"])
def test_every_dispute_and_insolvency_is_found(lang: str) -> None:
    for i, (case_lang, body, intent, _day) in enumerate(CASES):
        if case_lang == lang and intent in ("dispute", "insolvency"):
            assert classify_body(i, body).intent.value == intent, body


# -- issue #12: hand-written replies kept apart from all training and tuning -------------

# Hand-written sets, each written before the results of the model it was first run
# against were seen: the first with the first learned model, the second (regional writing,
# typos, facts instead of cue words) before the per-intent calibration and date work, the
# third (160, by a writer who saw neither the corpora's mails nor our training replies)
# before the model trained on our larger own corpus. The fourth to eighth were written by
# helper sessions that saw neither the corpora's mails, our training replies nor any
# classifier output, each in one sitting before any result on it was seen; the ninth the
# same way at stop 26.
UNSEEN_SETS = (
    "unseen_replies.json",
    "unseen_replies_2.json",
    "unseen_replies_3.json",
    "unseen_replies_4.json",
    "unseen_replies_5.json",
    "unseen_replies_6.json",
    "unseen_replies_7.json",
    "unseen_replies_8.json",
    "unseen_replies_9.json",
)


def _unseen(name: str) -> list[dict[str, Any]]:
    path = Path(__file__).resolve().parents[1] / "data" / name
    cases: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["cases"]
    return cases


DATE_FIELDS = ("promise_date", "paid_date", "return_date")


def _eml(case: dict[str, Any]) -> bytes:
    msg = EmailMessage()
    msg["From"] = "debtor@klant.example"
    msg["To"] = "debiteuren@voorbeeld-bv.nl"
    # A case may carry its own subject (an auto-reply's, a remittance notice's).
    msg["Subject"] = case.get("subject") or "Re: Herinnering: factuur F2026-0999"
    msg["Date"] = format_datetime(datetime.fromisoformat(case["date"]).replace(tzinfo=TZ))
    msg["Message-ID"] = f"<{case['id']}@klant.example>"
    msg.set_content(case["body"])
    return msg.as_bytes()


@pytest.mark.parametrize("set_name", UNSEEN_SETS)
def test_hand_written_unseen_replies_through_the_cli(tmp_path: Path, set_name: str) -> None:
    """Measured the way the issue measures: `dunmail classify --json` on .eml files."""
    unseen = _unseen(set_name)
    files = []
    for case in unseen:
        path = tmp_path / f"{case['id']}.eml"
        path.write_bytes(_eml(case))
        files.append(str(path))
    result = CliRunner().invoke(main, ["classify", "--json", *files])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    right = auto = auto_wrong = dates_right = 0
    lines = []
    for case, row in zip(unseen, rows, strict=True):
        ok = row["intent"] == case["intent"]
        dates_ok = all(row[f] == case.get(f) for f in DATE_FIELDS)
        right += ok
        dates_right += dates_ok
        if not row["needs_review"]:
            auto += 1
            auto_wrong += not ok
            # Never: a dispute or insolvency handled automatically as another intent.
            assert ok or case["intent"] not in ("dispute", "insolvency"), (case, row)
        if not (ok and dates_ok):
            got = [row[f] for f in DATE_FIELDS]
            lines.append(
                f"{case['id']}: {case['intent']} -> {row['intent']} "
                f"({row['confidence']:.2f}{', review' if row['needs_review'] else ''}) {got}"
            )
    n = len(unseen)
    print(
        f"\nhand-written unseen ({set_name}): {n} replies, intent {right / n:.3f}, automatic {auto / n:.3f},"
        f" wrong among automatic {auto_wrong}/{auto}, all dates exact {dates_right / n:.3f}",
        *lines,
        sep="\n  ",
    )
    assert auto_wrong <= max(1, auto // 100), lines  # the fail-safe side holds
