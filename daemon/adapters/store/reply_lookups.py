"""What links a debtor's reply to its debtor and case, and what its effects are checked
against: the mail it answers, the invoices it names, the case token, earlier answers to the
same address, unallocated bank credits (daemon.app.replies)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, loads


def outbox_by_message_id(store: Store, message_id: str) -> dict[str, Any] | None:
    row = store.one(
        "SELECT id, debtor_id, case_id, invoice_numbers, recipients FROM outbox"
        " WHERE message_id = ?",
        (message_id,),
    )
    if row is not None:
        row["invoice_numbers"] = loads(row["invoice_numbers"], [])
        row["recipients"] = loads(row["recipients"], [])
    return row


def invoice_debtors(store: Store, numbers: Sequence[str]) -> dict[str, str]:
    """invoice number → debtor id, for the numbers that exist."""
    if not numbers:
        return {}
    rows = store.query(
        f"SELECT number, debtor_id FROM invoices WHERE number IN ({','.join('?' * len(numbers))})",
        list(numbers),
    )
    return {r["number"]: r["debtor_id"] for r in rows}


def case_by_token(store: Store, token: str) -> dict[str, Any] | None:
    return store.one("SELECT id, debtor_id FROM cases WHERE token = ?", (token,))


def answered_recently(store: Store, address: str, since: str) -> bool:
    """An automatic answer went (or is queued) to ``address`` since ``since``. Answers have one
    recipient; the kinds are spelled out so that the partial index outbox_answer_recipient
    (migration 3) applies."""
    found = store.scalar(
        "SELECT 1 FROM outbox WHERE json_extract(recipients, '$[0]') = ?"
        " AND kind IN ('confirmation', 'auto_answer', 'invoice_copy') AND created_at >= ?"
        " AND status != 'cancelled' LIMIT 1",
        (address.lower(), since),
    )
    return found is not None


def unallocated_credits(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, amount_cents, booking_date, counterparty_name, remittance FROM bank_transactions"
        " WHERE status IN ('unmatched', 'needs_review') AND direction = 'credit' AND reversal = 0"
        " ORDER BY id"
    )
