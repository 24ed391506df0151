"""What a person's review decision reads and writes (daemon.app.review), besides the case,
invoice and promise functions it shares with the daemon."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, loads

# --- the review item itself -------------------------------------------------------------------


def resolve_item(store: Store, item_id: int, resolution: str, *, by: str, at: str) -> None:
    store.execute(
        "UPDATE review_items SET state = 'resolved', resolution = ?, resolved_by = ?,"
        " resolved_at = ?, updated_at = ? WHERE id = ?",
        (resolution, by, at, at, item_id),
    )


def snooze_item(store: Store, item_id: int, until: str, *, at: str) -> None:
    store.execute(
        "UPDATE review_items SET state = 'snoozed', snoozed_until = ?, updated_at = ? WHERE id = ?",
        (until, at, item_id),
    )


def assign_item(store: Store, item_id: int, assignee: str, *, at: str) -> None:
    store.execute(
        "UPDATE review_items SET assignee = ?, updated_at = ? WHERE id = ?",
        (assignee, at, item_id),
    )


def touch_item(store: Store, item_id: int, *, at: str) -> None:
    store.execute("UPDATE review_items SET updated_at = ? WHERE id = ?", (at, item_id))


def wake_snoozed(store: Store, today: str, *, at: str) -> int:
    """Snoozed items whose date (ISO) has come are open again; returns how many."""
    return store.execute(
        "UPDATE review_items SET state = 'open', snoozed_until = NULL, updated_at = ?"
        " WHERE state = 'snoozed' AND snoozed_until <= ?",
        (at, today),
    ).rowcount


# --- the debtor and its invoices ---------------------------------------------------------------


def clear_insolvent(store: Store, debtor_id: str, *, at: str) -> None:
    store.execute("UPDATE debtors SET insolvent = 0, updated_at = ? WHERE id = ?", (at, debtor_id))


def cancel_open_promises(store: Store, debtor_id: str, *, undated_only: bool, at: str) -> int:
    """Cancel the debtor's open promises (only those without a date when ``undated_only``)."""
    undated = " AND promised_date IS NULL" if undated_only else ""
    return store.execute(
        "UPDATE promises SET status = 'cancelled', resolved_at = ?"
        " WHERE debtor_id = ? AND status = 'open'" + undated,
        (at, debtor_id),
    ).rowcount


def credit_note_count(store: Store, invoice_number: str) -> int:
    return int(
        store.scalar(
            "SELECT COUNT(*) FROM credit_notes WHERE invoice_number = ?", (invoice_number,)
        )
    )


def add_credit_note(
    store: Store, number: str, invoice_number: str, cents: int, *, issued: str, at: str
) -> None:
    store.execute(
        "INSERT INTO credit_notes (number, invoice_number, amount_cents, issue_date, created_at)"
        " VALUES (?, ?, ?, ?, ?)",
        (number, invoice_number, cents, issued, at),
    )


def add_write_off(store: Store, invoice_number: str, cents: int, *, at: str) -> None:
    store.execute(
        "UPDATE invoices SET written_off_cents = written_off_cents + ?, updated_at = ?"
        " WHERE number = ?",
        (cents, at, invoice_number),
    )


# --- payments ----------------------------------------------------------------------------------


def bank_transaction(store: Store, tx_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM bank_transactions WHERE id = ?", (tx_id,))


def allocated_cents(store: Store, tx_id: int) -> int:
    """What of a bank transaction is allocated to invoices (reversals not counted)."""
    return int(
        store.scalar(
            "SELECT COALESCE(SUM(amount_cents), 0) FROM allocations WHERE transaction_id = ?"
            " AND reversed_at IS NULL",
            (tx_id,),
        )
    )


def ignore_transaction(store: Store, tx_id: int) -> None:
    store.execute("UPDATE bank_transactions SET status = 'ignored' WHERE id = ?", (tx_id,))


# --- addresses and outgoing mail ---------------------------------------------------------------


def outbox_recipients(store: Store, outbox_id: int) -> list[str]:
    recipients = store.scalar("SELECT recipients FROM outbox WHERE id = ?", (outbox_id,))
    return list(loads(recipients, []))


def undeliverable_addresses(store: Store, debtor_id: str) -> list[str]:
    return [
        r["email"]
        for r in store.query(
            "SELECT email FROM debtor_emails WHERE debtor_id = ? AND status = 'undeliverable'",
            (debtor_id,),
        )
    ]


def mark_addresses_ok(
    store: Store, addresses: Sequence[str], reason: str, *, debtor_id: str | None, at: str
) -> int:
    """Addresses deliverable again (of one debtor when given); returns the rows changed."""
    params: list[Any] = [reason, at, *[a.lower() for a in addresses]]
    sql = (
        f"UPDATE debtor_emails SET status = 'ok', status_reason = ?, status_at = ?"
        f" WHERE email IN ({','.join('?' * len(addresses))})"
    )
    if debtor_id:
        sql += " AND debtor_id = ?"
        params.append(debtor_id)
    return store.execute(sql, params).rowcount


def outbox_row(store: Store, outbox_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM outbox WHERE id = ?", (outbox_id,))


def confirm_sent(store: Store, outbox_id: int, *, at: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'sent', sent_at = COALESCE(sent_at, ?) WHERE id = ?",
        (at, outbox_id),
    )


def queue_again(store: Store, outbox_id: int) -> None:
    store.execute(
        "UPDATE outbox SET status = 'queued', claimed_at = NULL, not_before = NULL, last_error = NULL"
        " WHERE id = ?",
        (outbox_id,),
    )


# --- payment plans -----------------------------------------------------------------------------


def latest_proposed_plan(store: Store, debtor_id: str) -> int | None:
    row = store.one(
        "SELECT id FROM payment_plans WHERE debtor_id = ? AND status = 'proposed'"
        " ORDER BY id DESC LIMIT 1",
        (debtor_id,),
    )
    return None if row is None else int(row["id"])
