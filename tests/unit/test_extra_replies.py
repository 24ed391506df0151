"""Issue #12: our own labelled replies (data/replies-extra) are read into real mails with
their labels, and a malformed block stops training with the file and line named."""

from __future__ import annotations

from email import message_from_bytes
from pathlib import Path

import pytest

from daemon.app.extra_replies import INTENTS, LANGUAGES, ExtraCorpusError, parse_corpus

CORPUS = Path(__file__).resolve().parents[2] / "data" / "replies-extra"


def test_a_block_becomes_a_mail_with_its_label_and_quoted_reminder(tmp_path: Path) -> None:
    path = tmp_path / "x.txt"
    path.write_text(
        "=== x7 en promise_to_pay 2026-10-05T09:30 promise=2026-10-09 quote=nl\n"
        "Hi, F2026-0412 goes out on Friday.\nMark\n\n",
        encoding="utf-8",
    )
    (reply,) = parse_corpus(path)
    assert reply.name == "x7.eml"
    assert reply.label == {
        "intent": "promise_to_pay",
        "language": "en",
        "promise_date": "2026-10-09",
        "paid_date": None,
        "return_date": None,
        "invoice_numbers": ["F2026-0412"],
    }
    mail = message_from_bytes(reply.mail)
    assert mail["Subject"] == "Re: Herinnering: factuur F2026-0412"
    assert mail["Auto-Submitted"] is None
    body = mail.get_payload(decode=True).decode()
    assert body.startswith("Hi, F2026-0412 goes out on Friday.\nMark\n\nOp 2026-09-28 schreef")
    assert "> Volgens onze administratie is factuur F2026-0412" in body


@pytest.mark.parametrize(
    ("header", "message"),
    [
        ("=== x1 nl promise_to_pay", "expected"),
        ("=== x1 xx promise_to_pay 2026-10-05T09:30", "unknown language"),
        ("=== x1 nl promise 2026-10-05T09:30", "unknown language 'nl' or intent"),
        ("=== x1 nl other 2026-13-05T09:30", "bad date"),
        ("=== x1 nl other 2026-10-05T09:30 paid_on=2026-10-01", "unknown option"),
    ],
)
def test_a_bad_header_names_file_and_line(tmp_path: Path, header: str, message: str) -> None:
    path = tmp_path / "bad.txt"
    path.write_text(f"=== x0 nl other 2026-10-05T09:00\nok\n{header}\nbody\n", encoding="utf-8")
    with pytest.raises(ExtraCorpusError, match=rf"bad\.txt:3: {message}"):
        parse_corpus(path)


def test_the_shipped_extra_corpus_is_well_formed_and_covers_every_language_and_intent() -> None:
    replies = [r for path in sorted(CORPUS.glob("*.txt")) for r in parse_corpus(path)]
    assert len(replies) >= 400
    assert len({r.name for r in replies}) == len(replies)
    seen = {(r.label["language"], r.label["intent"]) for r in replies}
    assert seen == {(lang, intent) for lang in LANGUAGES for intent in INTENTS}
    for r in replies:
        for field in ("promise_date", "paid_date", "return_date"):
            if r.label[field] is not None:
                assert r.label[field][:4] in ("2026", "2027"), (r.name, field)
