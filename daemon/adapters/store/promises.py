"""Promises to pay coming due, and what they are checked against: the debtor's open invoices
and the latest payment booked to them (daemon.app.promises)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, loads, marks
from daemon.domain.invoice_states import LIVE_STATES


def promises_due(store: Store, today: str) -> list[dict[str, Any]]:
    rows = store.query(
        "SELECT * FROM promises WHERE status = 'open' AND grace_until IS NOT NULL"
        " AND grace_until < ? ORDER BY id",
        (today,),
    )
    for row in rows:
        row["invoice_numbers"] = loads(row["invoice_numbers"], [])
    return rows


def resolve_promise(store: Store, promise_id: int, status: str, *, now: str) -> None:
    store.execute(
        "UPDATE promises SET status = ?, resolved_at = ? WHERE id = ? AND status = 'open'",
        (status, now, promise_id),
    )


def open_invoice_numbers(store: Store, debtor_id: str) -> list[str]:
    return [
        r["number"]
        for r in store.query(
            f"SELECT number FROM invoices WHERE debtor_id = ?"
            f" AND status IN ({marks(LIVE_STATES)}) ORDER BY number",
            (debtor_id, *LIVE_STATES),
        )
    ]


def unsettled(store: Store, numbers: Sequence[str]) -> list[str]:
    """Of ``numbers``, those not paid, credited or written off."""
    if not numbers:
        return []
    return [
        r["number"]
        for r in store.query(
            f"SELECT number FROM invoices WHERE number IN ({marks(numbers)})"
            f" AND status IN ({marks(LIVE_STATES)}) ORDER BY number",
            [*numbers, *LIVE_STATES],
        )
    ]


def last_booking_date(
    store: Store, *, since: str, numbers: Sequence[str] = (), debtor_id: str | None = None
) -> str | None:
    """The bank booking date of the latest live payment allocated since ``since`` (an ISO
    moment) to one of ``numbers``, or, without numbers, to any invoice of ``debtor_id``."""
    sql = (
        "SELECT MAX(t.booking_date) FROM allocations a"
        " JOIN bank_transactions t ON t.id = a.transaction_id"
        " JOIN invoices i ON i.number = a.invoice_number"
        " WHERE a.reversed_at IS NULL AND a.created_at >= ?"
    )
    params: list[Any] = [since]
    if numbers:
        sql += f" AND a.invoice_number IN ({marks(numbers)})"
        params.extend(numbers)
    else:
        sql += " AND i.debtor_id = ?"
        params.append(debtor_id)
    value = store.scalar(sql, params)
    return str(value) if value else None
