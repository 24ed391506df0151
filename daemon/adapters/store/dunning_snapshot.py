"""What the daily plan reads (daemon.app.planner_snapshot, daemon.app.freshness): one
consistent snapshot of promises, payment plans, mail history, debtors, addresses, cases and
the newest bank data. Read only."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, loads


def statement_days(store: Store) -> list[str]:
    """The newest booking, closing and period-end dates over all imported statements."""
    row = store.one(
        "SELECT MAX(COALESCE(latest_booking_date, '')) AS booking,"
        " MAX(COALESCE(closing_date, '')) AS closing, MAX(COALESCE(to_date, '')) AS upto"
        " FROM statements"
    )
    return [str(v) for v in (row or {}).values() if v]


def last_statement_import(store: Store) -> str | None:
    imported = store.scalar(
        "SELECT MAX(imported_at) FROM statement_files WHERE status = 'imported'"
    )
    return str(imported) if imported else None


def promises_in_grace(store: Store, day: str) -> list[dict[str, Any]]:
    return store.query("SELECT * FROM promises WHERE status = 'open' AND grace_until >= ?", (day,))


def invoices_in_active_plans(store: Store) -> set[str]:
    planned: set[str] = set()
    for row in store.query("SELECT invoice_numbers FROM payment_plans WHERE status = 'active'"):
        planned.update(loads(row["invoice_numbers"], []))
    return planned


def reminder_history(store: Store) -> list[dict[str, Any]]:
    """Reminders and thank-you mails that were or will be sent, oldest first."""
    return store.query(
        "SELECT debtor_id, kind, status, message_id, invoice_numbers, created_at, sent_at"
        " FROM outbox WHERE kind IN ('reminder','thank_you') AND status != 'cancelled'"
        " AND status != 'failed' ORDER BY id"
    )


def invoice_statuses(store: Store, numbers: Sequence[str]) -> dict[str, str]:
    if not numbers:
        return {}
    marks = ",".join("?" * len(numbers))
    rows = store.query(
        f"SELECT number, status FROM invoices WHERE number IN ({marks})", list(numbers)
    )
    return {r["number"]: r["status"] for r in rows}


def debtors_by_id(store: Store, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    marks = ",".join("?" * len(ids))
    return {r["id"]: r for r in store.query(f"SELECT * FROM debtors WHERE id IN ({marks})", ids)}


def deliverable_emails(store: Store, ids: Sequence[str]) -> dict[str, list[str]]:
    """Debtor → its deliverable addresses, in their order."""
    marks = ",".join("?" * len(ids))
    emails: dict[str, list[str]] = {}
    for r in store.query(
        f"SELECT debtor_id, email FROM debtor_emails WHERE status = 'ok' AND debtor_id IN ({marks})"
        " ORDER BY debtor_id, position",
        ids,
    ):
        emails.setdefault(r["debtor_id"], []).append(r["email"])
    return emails


def open_cases(store: Store, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
    marks = ",".join("?" * len(ids))
    return {
        r["debtor_id"]: r
        for r in store.query(
            f"SELECT * FROM cases WHERE closed_at IS NULL AND debtor_id IN ({marks})", ids
        )
    }


def debtor_name(store: Store, debtor_id: str) -> str:
    return str(store.scalar("SELECT name FROM debtors WHERE id = ?", (debtor_id,)) or "")
