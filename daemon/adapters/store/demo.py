"""What `dunmail demo` narrates and summarises from the demo's own database (daemon.demo)."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store


def review_items_told(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT id, type, reason FROM review_items ORDER BY id")


def payments_told(store: Store) -> list[dict[str, Any]]:
    """Each bank transaction with the invoices it is allocated to (comma-joined)."""
    return store.query(
        "SELECT t.id, t.amount, t.counterparty_name, t.status,"
        " group_concat(a.invoice_number) AS invoices FROM bank_transactions t"
        " LEFT JOIN allocations a ON a.transaction_id = t.id AND a.reversed_at IS NULL"
        " GROUP BY t.id ORDER BY t.id"
    )


def mails_sent(store: Store) -> int:
    return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent'") or 0)


def invoice_status(store: Store, number: str) -> str | None:
    status = store.scalar("SELECT status FROM invoices WHERE number = ?", (number,))
    return None if status is None else str(status)


def invoice_steps(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT number, status, dunning_step FROM invoices ORDER BY number")


def review_counts(store: Store) -> list[dict[str, Any]]:
    return store.query("SELECT type, COUNT(*) AS n FROM review_items GROUP BY type")
