"""Cases (one open case per debtor), holds and promises: what pauses or stops the ladder."""

from __future__ import annotations

import secrets
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps, loads, marks
from daemon.adapters.store.events import record_event
from daemon.domain.invoice_states import LIVE_STATES

# Case states in which no automated reminder goes out for the whole debtor.
STOPPED_CASE_STATES = frozenset({"insolvent", "handed_over", "closed"})


def open_case(store: Store, debtor_id: str, *, now: str | None = None) -> dict[str, Any]:
    """The debtor's case: its open case; else, while it owes nothing, its latest (closed)
    case; a new open case only when money is open again.

    One case is one episode of owing money. Reading a case for a thank-you, a reply from a
    debtor that has paid, or a person's note must not start an empty second episode. A
    debtor that owes nothing and never had a case gets one that is closed from the start,
    so what it says or is told still has a case to belong to."""
    row = store.one("SELECT * FROM cases WHERE debtor_id = ? AND closed_at IS NULL", (debtor_id,))
    if row is not None:
        return row
    owes = _owes(store, debtor_id)
    if not owes:
        latest = store.one(
            "SELECT * FROM cases WHERE debtor_id = ? ORDER BY id DESC LIMIT 1", (debtor_id,)
        )
        if latest is not None:
            return latest
    at = now or iso_utc()
    cursor = store.execute(
        "INSERT INTO cases (debtor_id, status, token, opened_at, updated_at, closed_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (
            debtor_id,
            "active" if owes else "closed",
            secrets.token_hex(6),
            at,
            at,
            None if owes else at,
        ),
    )
    row = store.one("SELECT * FROM cases WHERE id = ?", (cursor.lastrowid,))
    assert row is not None
    record_event(
        store,
        "case_opened",
        debtor_id=debtor_id,
        case_id=row["id"],
        detail={} if owes else {"status": "closed", "reason": "owes nothing"},
        at=at,
    )
    return row


def _owes(store: Store, debtor_id: str) -> bool:
    return bool(
        store.scalar(
            f"SELECT 1 FROM invoices WHERE debtor_id = ? AND status IN ({marks(LIVE_STATES)})"
            " AND amount_cents - paid_cents - credited_cents - written_off_cents > 0 LIMIT 1",
            (debtor_id, *LIVE_STATES),
        )
    )


def set_case_status(
    store: Store,
    case_id: int,
    status: str,
    *,
    paused_until: str | None = None,
    reason: str | None = None,
    now: str | None = None,
) -> None:
    at = now or iso_utc()
    store.execute(
        "UPDATE cases SET status = ?, paused_until = ?, pause_reason = ?, updated_at = ?,"
        " closed_at = CASE WHEN ? = 'closed' THEN ? ELSE NULL END WHERE id = ?",
        (status, paused_until, reason, at, status, at, case_id),
    )


def add_hold(
    store: Store,
    scope: str,
    target: str | None,
    reason: str,
    *,
    until: str | None = None,
    by: str = "daemon",
    now: str | None = None,
) -> int:
    cursor = store.execute(
        "INSERT INTO holds (scope, target, reason, until, created_by, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?)",
        (scope, target, reason, until, by, now or iso_utc()),
    )
    return int(cursor.lastrowid or 0)


def release_holds(store: Store, scope: str, target: str | None, *, now: str | None = None) -> int:
    cursor = store.execute(
        "UPDATE holds SET released_at = ? WHERE scope = ? AND target IS ? AND released_at IS NULL",
        (now or iso_utc(), scope, target),
    )
    return cursor.rowcount


def active_holds(store: Store, today: str) -> list[dict[str, Any]]:
    """Holds in force on ``today`` (ISO date): not released and not past their end date."""
    return store.query(
        "SELECT * FROM holds WHERE released_at IS NULL AND (until IS NULL OR until >= ?)",
        (today,),
    )


def add_promise(
    store: Store,
    debtor_id: str,
    *,
    case_id: int | None,
    invoice_numbers: list[str],
    promised_date: str | None,
    grace_until: str | None,
    source: str,
    amount_cents: int | None = None,
    inbox_id: int | None = None,
    now: str | None = None,
) -> int:
    cursor = store.execute(
        "INSERT INTO promises (debtor_id, case_id, invoice_numbers, promised_date, amount_cents,"
        " grace_until, source, inbox_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            debtor_id,
            case_id,
            dumps(invoice_numbers),
            promised_date,
            amount_cents,
            grace_until,
            source,
            inbox_id,
            now or iso_utc(),
        ),
    )
    return int(cursor.lastrowid or 0)


def open_promises(store: Store, debtor_id: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM promises WHERE status = 'open'"
    params: tuple[Any, ...] = ()
    if debtor_id is not None:
        sql += " AND debtor_id = ?"
        params = (debtor_id,)
    rows = store.query(sql + " ORDER BY id", params)
    for row in rows:
        row["invoice_numbers"] = loads(row["invoice_numbers"], [])
    return rows
