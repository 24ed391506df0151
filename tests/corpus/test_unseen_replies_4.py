"""The fourth hand-written unseen reply set (#12): is it still the blind set it was written as?

`tests/data/unseen_replies_4.json` was written before the classifier was ever run on it. Its
value as a measure depends on three things this test guards, none of which needs the
classifier: the shape the issue asks for (120 replies, 30 per language, the intent mix), labels
that obey the corpus rules (return dates only on auto-replies, no promise date on an instalment
request, paid dates not after the mail, promised dates after it), and the cases not drifting
after results are seen (a fingerprint: changing a label or a body must be a visible, deliberate
edit of this file too). Scoring the set through `dunmail classify --json` is left to the
integrator, by adding the file name to UNSEEN_SETS in tests/corpus/test_unseen_replies.py.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from parsers.mail import parse

TZ = ZoneInfo("Europe/Amsterdam")
PATH = Path(__file__).resolve().parents[1] / "data" / "unseen_replies_4.json"
LANGUAGES = ("nl", "en", "de", "fr")
INTENTS = {
    "promise_to_pay",
    "dispute",
    "paid_claim",
    "other",
    "invoice_request",
    "payment_plan",
    "auto_reply",
    "insolvency",
}
DATE_FIELDS = ("promise_date", "paid_date", "return_date")
KEYS = {"id", "lang", "date", "intent", "body", "subject", *DATE_FIELDS}
# sha256 of the cases as written on 2026-12-07 (json.dumps, sort_keys, ensure_ascii=False).
FINGERPRINT = "7b6ef5b466e239b57056b29e981b9a4f095f9d752aa73bedefabf9060e5c4195"


def _set() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(PATH.read_text(encoding="utf-8"))
    return data


def _cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = _set()["cases"]
    return cases


def test_the_set_says_it_is_blind_and_has_not_drifted() -> None:
    data = _set()
    assert set(data) == {"about", "cases"}
    assert "before any result" in data["about"]
    canonical = json.dumps(data["cases"], sort_keys=True, ensure_ascii=False)
    assert hashlib.sha256(canonical.encode("utf-8")).hexdigest() == FINGERPRINT, (
        "unseen_replies_4.json changed after it was written; a blind set is not edited to fit "
        "results (fix a proven label error deliberately, and say so in the commit)"
    )


def test_shape_is_what_the_issue_asks() -> None:
    cases = _cases()
    assert len(cases) == 120
    assert len({c["id"] for c in cases}) == 120
    assert Counter(c["lang"] for c in cases) == dict.fromkeys(LANGUAGES, 30)
    intents = Counter(c["intent"] for c in cases)
    assert set(intents) == INTENTS
    # Roughly promise 20 %, dispute 20 %, paid 15 %, other 12 %, invoice request 10 %,
    # plan 9 %, auto-reply 8 %, insolvency 6 %: each within two mails of its share.
    wanted = {
        "promise_to_pay": 0.20,
        "dispute": 0.20,
        "paid_claim": 0.15,
        "other": 0.12,
        "invoice_request": 0.10,
        "payment_plan": 0.09,
        "auto_reply": 0.08,
        "insolvency": 0.06,
    }
    for intent, share in wanted.items():
        assert abs(intents[intent] - share * 120) <= 2, (intent, intents[intent])
    for lang in LANGUAGES:
        # every intent in every language, so a per-language score means something
        assert {c["intent"] for c in cases if c["lang"] == lang} == INTENTS, lang
    # about a third quote our reminder (its dates, amounts, "14 days" and IBAN must not decide)
    quoting = [c for c in cases if re.search(r"^(> |Van: |From: |Von: |De : )", c["body"], re.M)]
    assert 30 <= len(quoting) <= 50, len(quoting)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_labels_follow_the_corpus_rules(lang: str) -> None:
    for case in (c for c in _cases() if c["lang"] == lang):
        where = case["id"]
        assert set(case) <= KEYS, where
        assert case["id"].startswith(f"u4-{lang}-"), where
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d", case["date"]), where
        day = datetime.fromisoformat(case["date"]).date()
        assert case["body"].strip(), where
        days = {f: date.fromisoformat(case[f]) for f in DATE_FIELDS if f in case}
        if "return_date" in days:
            assert case["intent"] == "auto_reply" and days["return_date"] > day, where
        if case["intent"] == "payment_plan":
            assert "promise_date" not in days, where  # a request, not a commitment
        if "promise_date" in days:
            assert days["promise_date"] > day, where
        if "paid_date" in days:
            assert days["paid_date"] <= day, where
        for invoice in re.findall(r"F2026-?\d+", case["body"]):
            assert re.fullmatch(r"F2026-\d{4}", invoice), (where, invoice)


def test_every_case_reaches_the_classifier_as_written() -> None:
    """Built into a mail the way test_unseen_replies.py does; the office-time Date (the day
    all labelled dates count from) and the debtor's text must come out of the parser intact."""
    for case in _cases():
        msg = EmailMessage()
        msg["From"] = "debtor@klant.example"
        msg["To"] = "debiteuren@voorbeeld-bv.nl"
        msg["Subject"] = case.get("subject", "Re: Herinnering: factuur F2026-0999")
        sent = datetime.fromisoformat(case["date"]).replace(tzinfo=TZ)
        msg["Date"] = format_datetime(sent)
        msg["Message-ID"] = f"<{case['id']}@klant.example>"
        msg.set_content(case["body"])
        parsed = parse(msg.as_bytes())
        assert not parsed.defects, (case["id"], parsed.defects)
        assert parsed.date is not None
        assert parsed.date.astimezone(TZ).strftime("%Y-%m-%dT%H:%M") == case["date"], case["id"]
        first_line = case["body"].strip().splitlines()[0].strip()
        assert first_line in parsed.text, case["id"]
