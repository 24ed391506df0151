"""The counts and lists `dunmail status` shows (daemon.app.status)."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store, loads


def queued_mail(store: Store, limit: int = 10) -> list[dict[str, Any]]:
    """The next queued outgoing mails with their debtor's name; JSON columns decoded."""
    rows = store.query(
        "SELECT o.id, o.kind, o.debtor_id, d.name AS debtor_name, o.step_name, o.subject,"
        " o.recipients, o.invoice_numbers, o.not_before, o.created_at FROM outbox o"
        " LEFT JOIN debtors d ON d.id = o.debtor_id"
        " WHERE o.status = 'queued' ORDER BY COALESCE(o.not_before, o.created_at), o.id LIMIT ?",
        (limit,),
    )
    for row in rows:
        row["recipients"] = loads(row["recipients"], [])
        row["invoice_numbers"] = loads(row["invoice_numbers"], [])
    return rows


def unresolved_by_type(store: Store) -> dict[str, int]:
    return {
        r["type"]: r["n"]
        for r in store.query(
            "SELECT type, COUNT(*) AS n FROM review_items WHERE state != 'resolved'"
            " GROUP BY type ORDER BY type"
        )
    }


def urgent_open(store: Store) -> int:
    return int(
        store.scalar("SELECT COUNT(*) FROM review_items WHERE state = 'open' AND priority = 0")
    )


def outbox_by_status(store: Store) -> dict[str, int]:
    return {
        r["status"]: r["n"]
        for r in store.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    }


def inbox_by_status(store: Store) -> dict[str, int]:
    return {
        r["status"]: r["n"]
        for r in store.query("SELECT status, COUNT(*) AS n FROM inbox GROUP BY status")
    }


def statement_accounts(store: Store) -> list[dict[str, Any]]:
    """Per bank account: the latest day its statements cover and when one was imported."""
    return store.query(
        "SELECT account_iban, MAX(COALESCE(latest_booking_date, closing_date, to_date)) AS latest,"
        " MAX(imported_at) AS imported_at FROM statements GROUP BY account_iban ORDER BY 1"
    )
