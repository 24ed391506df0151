"""Payment plans and their instalments (daemon.app.plans); a plan proposed from a debtor's
reply is written by ``add_proposed_plan``, inside the reply's transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps, loads


def plan_row(store: Store, plan_id: int) -> dict[str, Any] | None:
    """The plan with ``invoice_numbers`` decoded and its ``instalments`` in order."""
    row = store.one("SELECT * FROM payment_plans WHERE id = ?", (plan_id,))
    if row is None:
        return None
    row["invoice_numbers"] = loads(row["invoice_numbers"], [])
    row["instalments"] = store.query(
        "SELECT * FROM plan_instalments WHERE plan_id = ? ORDER BY seq", (plan_id,)
    )
    return row


def plan_ids(store: Store, *, status: str | None = None) -> list[int]:
    if status is None:
        rows = store.query("SELECT id FROM payment_plans ORDER BY id")
    else:
        rows = store.query("SELECT id FROM payment_plans WHERE status = ? ORDER BY id", (status,))
    return [int(r["id"]) for r in rows]


def add_plan(
    store: Store,
    debtor_id: str,
    case_id: int,
    invoice_numbers: Sequence[str],
    total_cents: int,
    *,
    at: str,
) -> int:
    """A proposed plan (without instalments: see write_schedule); returns its id."""
    cursor = store.execute(
        "INSERT INTO payment_plans (debtor_id, case_id, status, invoice_numbers, total_cents,"
        " created_at) VALUES (?, ?, 'proposed', ?, ?, ?)",
        (debtor_id, case_id, dumps(list(invoice_numbers)), total_cents, at),
    )
    return int(cursor.lastrowid or 0)


def write_schedule(store: Store, plan_id: int, instalments: Sequence[tuple[int, str, int]]) -> None:
    """Replace the plan's instalments with (seq, due date ISO, amount cents)."""
    store.execute("DELETE FROM plan_instalments WHERE plan_id = ?", (plan_id,))
    for seq, due, cents in instalments:
        store.execute(
            "INSERT INTO plan_instalments (plan_id, seq, due_date, amount_cents)"
            " VALUES (?, ?, ?, ?)",
            (plan_id, seq, due, cents),
        )


def approve_plan(store: Store, plan_id: int, *, by: str, at: str) -> None:
    store.execute(
        "UPDATE payment_plans SET status = 'active', approved_at = ?, approved_by = ? WHERE id = ?",
        (at, by, plan_id),
    )


def close_plan(store: Store, plan_id: int, status: str, *, at: str) -> None:
    """The plan ends: rejected, completed or broken."""
    store.execute(
        "UPDATE payment_plans SET status = ?, closed_at = ? WHERE id = ?", (status, at, plan_id)
    )


def set_instalment_state(
    store: Store, plan_id: int, seq: int, *, paid_cents: int, status: str
) -> None:
    store.execute(
        "UPDATE plan_instalments SET paid_cents = ?, status = ? WHERE plan_id = ? AND seq = ?",
        (paid_cents, status, plan_id, seq),
    )


def mark_instalment_reminded(store: Store, plan_id: int, seq: int, *, at: str) -> None:
    store.execute(
        "UPDATE plan_instalments SET reminded_at = ? WHERE plan_id = ? AND seq = ?",
        (at, plan_id, seq),
    )


def paid_towards(store: Store, invoice_numbers: Sequence[str], since: str) -> int:
    """Cents allocated (not reversed) to the invoices from ``since`` (ISO date) on, by booking
    date (the allocation's own date when it has no bank transaction)."""
    if not invoice_numbers:
        return 0
    value = store.scalar(
        "SELECT COALESCE(SUM(a.amount_cents), 0) FROM allocations a"
        " LEFT JOIN bank_transactions t ON t.id = a.transaction_id"
        f" WHERE a.reversed_at IS NULL AND a.invoice_number IN"
        f" ({','.join('?' * len(invoice_numbers))})"
        " AND COALESCE(t.booking_date, substr(a.created_at, 1, 10)) >= ?",
        (*invoice_numbers, since),
    )
    return int(value)


def add_proposed_plan(
    store: Store,
    *,
    debtor_id: str,
    case_id: int | None,
    invoice_numbers: Sequence[str],
    instalments: Sequence[tuple[str, int]],
    total_cents: int,
    status: str,
    now: str,
) -> int:
    approved = now if status == "active" else None
    cursor = store.execute(
        "INSERT INTO payment_plans (debtor_id, case_id, status, invoice_numbers, total_cents,"
        " created_at, approved_at, approved_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (
            debtor_id,
            case_id,
            status,
            dumps(list(invoice_numbers)),
            total_cents,
            now,
            approved,
            "daemon" if approved else None,
        ),
    )
    plan_id = int(cursor.lastrowid or 0)
    for seq, (due, cents) in enumerate(instalments, start=1):
        store.execute(
            "INSERT INTO plan_instalments (plan_id, seq, due_date, amount_cents) VALUES (?, ?, ?, ?)",
            (plan_id, seq, due, cents),
        )
    return plan_id
