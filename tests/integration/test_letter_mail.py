"""#16: the mail that carries a formal letter says so and states the letter's own deadline.

One deadline for both: a letter its step mails as an attachment reaches the debtor with that
mail, so the term counts from the day after the mail's send day (not from the presumed
receipt of the paper copy), and posting the paper copy later changes neither the deadline
nor the formal-notice date."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy

import pytest

from daemon.adapters.store.db import Store, open_store
from daemon.adapters.store.letters import letter
from daemon.adapters.templates import format_day
from daemon.app.print_queue import post_letter
from daemon.domain.workdays import deadline_from
from tests.integration.letters_support import pdf_text
from tests.integration.test_letters import TZ, _config, _debtor, _run_until_letter

ATTACHED = {
    "nl": "De formele brief staat als PDF in de bijlage",
    "en": "The formal letter is attached as a PDF",
    "de": "Das förmliche Schreiben finden Sie als PDF im Anhang",
    "fr": "Le courrier formel est joint en PDF",
}


@pytest.fixture
def store(tmp_path) -> Store:  # type: ignore[no-untyped-def]
    return open_store(tmp_path / "letter-mail.db")


def _mail_text(store: Store, outbox_id: int) -> str:
    raw = store.scalar("SELECT raw FROM outbox WHERE id = ?", (outbox_id,))
    message = message_from_bytes(bytes(raw), policy=policy.default)
    body = message.get_body(("plain",))  # type: ignore[attr-defined]
    return " ".join(str(body.get_content()).split())


@pytest.mark.parametrize("lang", ["nl", "en", "de", "fr"])
def test_the_mail_carrying_the_letter_states_the_letters_deadline(store: Store, lang: str) -> None:
    _debtor(store, lang=lang)
    row = _run_until_letter(store, _config(attach_to_mail=True))
    sent = date.fromisoformat(row["letter_date"])
    deadline = date.fromisoformat(row["deadline"])
    # counted from the mail's send day (7 days from the next day), not from a presumed
    # receipt of the paper copy two business days later
    assert deadline == deadline_from(sent, 7, "NL", "NL")
    said = format_day(deadline, lang)
    letter_text = " ".join(" ".join(pdf_text(row["pdf"])).split())
    mail = _mail_text(store, row["outbox_id"])
    assert said in letter_text and said in mail, (said, mail)
    assert ATTACHED[lang] in mail
    # the mail's statement names exactly one date after the send day: the letter's deadline
    assert "this e-mail" not in letter_text and "deze e-mail" not in letter_text


def test_a_posted_letter_only_keeps_the_paper_deadline(store: Store) -> None:
    """Positive control: without attach_to_mail the deadline counts from presumed receipt."""
    _debtor(store)
    row = _run_until_letter(store, _config())
    sent = date.fromisoformat(row["letter_date"])
    assert date.fromisoformat(row["deadline"]) > deadline_from(sent, 7, "NL", "NL")
    assert row["outbox_id"] is None


def test_a_mailed_notice_counts_from_the_mail_and_late_posting_changes_nothing(
    store: Store,
) -> None:
    _debtor(store, kind="b2c")
    config = _config(attach_to_mail=True)
    row = _run_until_letter(store, config)
    assert row["step_name"] == "notice"
    text = " ".join(" ".join(pdf_text(row["pdf"])).split())
    assert "14 dagen vanaf de dag nadat de e-mail waarbij deze brief is gevoegd door u" in text
    sent = date.fromisoformat(row["letter_date"])
    assert date.fromisoformat(row["deadline"]) == deadline_from(sent, 14, "NL", "NL")
    mail = _mail_text(store, row["outbox_id"])
    assert format_day(date.fromisoformat(row["deadline"]), "nl") in mail
    later = datetime.combine(sent + timedelta(days=5), time(9), tzinfo=TZ)
    result = post_letter(store, config, row["id"], posted_on=sent + timedelta(days=3),
                         tracking=None, now=later, actor="cli:test")  # fmt: skip
    assert not result["late"]  # the mail delivered it; a late paper copy shortens nothing
    assert store.scalar("SELECT COUNT(*) FROM review_items WHERE type = 'letter_deadline'") == 0
    # the notice was received with the mail on its send day, not at the paper's receipt
    assert store.scalar("SELECT formal_notice_date FROM invoices") == sent.isoformat()
    stored = letter(store, row["id"])
    assert stored is not None and stored["status"] == "posted"


def test_our_reference_is_the_debtor_and_case_number(store: Store) -> None:
    """#16: "Ons kenmerk" showed the case's Reply-To token (a1b2c3d4e5f6)."""
    _debtor(store)
    row = _run_until_letter(store, _config())
    case = store.one("SELECT id, token FROM cases WHERE debtor_id = 'D1'")
    assert case is not None
    text = " ".join(pdf_text(row["pdf"])[0].split())
    assert f"Ons kenmerk D1/{case['id']}" in text, text[:400]
    assert case["token"] not in text
