"""What the case file reads (daemon.app.casefile): a debtor's mails, payments, events, review
items, promises, plans and cases, and the case list."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store, marks
from daemon.domain.invoice_states import LIVE_STATES


def is_debtor(store: Store, debtor_id: str) -> bool:
    return bool(store.scalar("SELECT 1 FROM debtors WHERE id = ?", (debtor_id,)))


def invoice_owner(store: Store, number: str) -> str | None:
    """The debtor id of invoice ``number``, or None when there is no such invoice."""
    row = store.one("SELECT debtor_id FROM invoices WHERE number = ?", (number,))
    return None if row is None else str(row["debtor_id"])


def case_rows(store: Store) -> list[dict[str, Any]]:
    """Every case with its debtor's name, and for an open case the debtor's live invoices
    (daemon.domain.invoice_states.LIVE_STATES), their open cents and open review items;
    open cases first."""
    # What is open belongs to the debtor's open case; a closed case is a settled episode.
    return store.query(
        "SELECT c.*, d.name AS debtor_name,"
        " (SELECT COUNT(*) FROM invoices i WHERE i.debtor_id = c.debtor_id"
        "  AND c.closed_at IS NULL"
        f"  AND i.status IN ({marks(LIVE_STATES)})) AS open_invoices,"
        " (SELECT COALESCE(SUM(amount_cents - paid_cents - credited_cents - written_off_cents), 0)"
        "  FROM invoices i WHERE i.debtor_id = c.debtor_id AND c.closed_at IS NULL"
        f"  AND i.status IN ({marks(LIVE_STATES)})) AS open_cents,"
        " (SELECT COUNT(*) FROM review_items r WHERE r.debtor_id = c.debtor_id"
        "  AND r.state != 'resolved') AS open_items"
        " FROM cases c JOIN debtors d ON d.id = c.debtor_id ORDER BY c.closed_at IS NOT NULL,"
        " c.debtor_id, c.id",
        (*LIVE_STATES, *LIVE_STATES),
    )


def mails_in(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    """The debtor's received mail without bodies; ``stored``: the body is still kept."""
    return store.query(
        "SELECT id, received_at, mail_date, from_addr, subject, status, kind,"
        " intent, sha256, (raw IS NOT NULL AND length(raw) > 0) AS stored, purged_at FROM inbox"
        " WHERE debtor_id = ? ORDER BY id",
        (debtor_id,),
    )


def mails_out(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    """The debtor's outgoing mail without bodies; ``stored``: the body is still kept."""
    return store.query(
        "SELECT id, created_at, sent_at, kind, step_name, subject, status,"
        " recipients, sha256, decision, (raw IS NOT NULL AND length(raw) > 0) AS stored, purged_at"
        " FROM outbox WHERE debtor_id = ? ORDER BY id",
        (debtor_id,),
    )


def payments(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    """Allocations to the debtor's invoices with their bank transaction's date and payer."""
    return store.query(
        "SELECT a.*, t.booking_date, t.counterparty_name, t.counterparty_iban FROM allocations a"
        " JOIN bank_transactions t ON t.id = a.transaction_id JOIN invoices i"
        " ON i.number = a.invoice_number WHERE i.debtor_id = ? ORDER BY a.id",
        (debtor_id,),
    )


def events(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    """The debtor's case events in time order, without 'review_item_opened' (the case file
    lists review items from review_items itself, with their state)."""
    return store.query(
        "SELECT * FROM case_events WHERE debtor_id = ? AND event != 'review_item_opened'"
        " ORDER BY at, id",
        (debtor_id,),
    )


def review_items(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, created_at, type, reason, state, resolution FROM review_items"
        " WHERE debtor_id = ? ORDER BY id",
        (debtor_id,),
    )


def promises(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM promises WHERE debtor_id = ? ORDER BY id", (debtor_id,))


def plans(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM payment_plans WHERE debtor_id = ? ORDER BY id", (debtor_id,))


def cases(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM cases WHERE debtor_id = ? ORDER BY id", (debtor_id,))


def stored_raw(store: Store, direction: str, message_id: int) -> dict[str, Any] | None:
    """``raw`` and ``purged_at`` of a received (``in``) or outgoing (``out``) message."""
    table = {"in": "inbox", "out": "outbox"}[direction]
    return store.one(f"SELECT raw, purged_at FROM {table} WHERE id = ?", (message_id,))
