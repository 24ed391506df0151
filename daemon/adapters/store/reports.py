"""The facts reports are computed from (daemon.app.reports, daemon.domain.reports)."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store


def receivable_rows(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT number, debtor_id, issue_date, due_date, amount_cents, currency"
        " FROM invoices ORDER BY number"
    )


def settlement_rows(store: Store) -> list[dict[str, Any]]:
    """Everything that settled part of an invoice, by day: payments (booking day), credit
    notes (issue day), write-offs (the day the invoice closed or last changed)."""
    return store.query(
        "SELECT a.invoice_number, COALESCE(t.booking_date, substr(a.created_at, 1, 10)) AS day,"
        " a.amount_cents AS cents, 'payment' AS kind FROM allocations a"
        " LEFT JOIN bank_transactions t ON t.id = a.transaction_id WHERE a.reversed_at IS NULL"
        " UNION ALL SELECT invoice_number, issue_date, amount_cents, 'credit' FROM credit_notes"
        " UNION ALL SELECT number, substr(COALESCE(closed_at, updated_at), 1, 10),"
        " written_off_cents, 'write_off' FROM invoices WHERE written_off_cents > 0"
    )


def promise_states(store: Store) -> list[tuple[str, str]]:
    """(debtor id, status) of every promise."""
    return [
        (p["debtor_id"], p["status"]) for p in store.query("SELECT debtor_id, status FROM promises")
    ]


def disputing_debtors(store: Store) -> list[str]:
    """The debtor of every dispute review item (once per item)."""
    return [
        d["debtor_id"]
        for d in store.query(
            "SELECT debtor_id FROM review_items WHERE type = 'dispute' AND debtor_id IS NOT NULL"
        )
    ]


def debtor_names(store: Store) -> dict[str, str]:
    return {row["id"]: row["name"] for row in store.query("SELECT id, name FROM debtors")}
