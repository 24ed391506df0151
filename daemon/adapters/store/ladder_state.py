"""The one writer of an invoice's ladder state (daemon/domain/ladder_state.py names the
columns and the transitions; tests/unit/test_structure.py fails on any other writer)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store
from daemon.domain.ladder_state import Reversal


def ladder_state(store: Store, number: str) -> dict[str, Any] | None:
    """dunning_step, last_step_name, last_step_date, formal_notice_date, formal_notice_cents."""
    return store.one(
        "SELECT dunning_step, last_step_name, last_step_date, formal_notice_date,"
        " formal_notice_cents FROM invoices WHERE number = ?",
        (number,),
    )


def advance_invoice(
    store: Store,
    number: str,
    *,
    to_step: int,
    step_name: str,
    day: str,
    notice_cents: int | None,
    formal_notice: bool,
    at: str,
) -> None:
    """ADVANCED: the invoice is at ``to_step`` since ``day``; a formal-notice step clears
    formal_notice_date."""
    store.execute(
        "UPDATE invoices SET dunning_step = ?, last_step_name = ?, last_step_date = ?,"
        " formal_notice_cents = ?, formal_notice_date = CASE WHEN ? THEN NULL"
        " ELSE formal_notice_date END, updated_at = ? WHERE number = ?",
        (to_step, step_name, day, notice_cents, formal_notice, at, number),
    )


def date_sent_step(
    store: Store, number: str, step: int, *, day: str, formal_notice: bool, at: str
) -> None:
    """SENT: the step's real date; a formal notice is received that day."""
    store.execute(
        "UPDATE invoices SET last_step_date = ?,"
        " formal_notice_date = CASE WHEN ? THEN ? ELSE formal_notice_date END, updated_at = ?"
        " WHERE number = ? AND dunning_step = ?",
        (day, formal_notice, day, at, number, step),
    )


def date_posted_step(
    store: Store,
    numbers: Sequence[str],
    step: int,
    *,
    posted_on: str,
    receipt: str,
    formal_notice: bool,
    now: str,
) -> None:
    """POSTED: the posting date is the step's dispatch date; a formal notice's receipt day
    moves to the presumed receipt of the paper letter when that is later (never earlier)."""
    for number in numbers:
        store.execute(
            "UPDATE invoices SET last_step_date = MAX(COALESCE(last_step_date, ''), ?),"
            " formal_notice_date = CASE WHEN ? THEN MAX(COALESCE(formal_notice_date, ''), ?)"
            " ELSE formal_notice_date END, updated_at = ? WHERE number = ? AND dunning_step = ?",
            (posted_on, formal_notice, receipt, now, number, step),
        )


def revert_invoice(store: Store, reversal: Reversal, at: str) -> None:
    """REVERTED: the state before the step, while the invoice is still at that step."""
    prev = reversal.previous
    store.execute(
        "UPDATE invoices SET dunning_step = ?, last_step_name = ?, last_step_date = ?,"
        " formal_notice_date = ?, formal_notice_cents = ?, updated_at = ?"
        " WHERE number = ? AND dunning_step = ?",
        (
            prev["dunning_step"],
            prev["last_step_name"],
            prev["last_step_date"],
            prev["formal_notice_date"],
            prev["formal_notice_cents"],
            at,
            reversal.number,
            reversal.at_step,
        ),
    )


def pass_over_step(
    store: Store, numbers: Sequence[str], step: int, step_name: str, day: str, now: str
) -> list[str]:
    """SKIPPED: the invoices that have not taken ladder step ``step`` pass it over (no letter): the
    ladder goes on from ``day`` with the next step. Returns the numbers moved."""
    moved = []
    for number in numbers:
        cursor = store.execute(
            "UPDATE invoices SET dunning_step = ?, last_step_name = ?, last_step_date = ?,"
            " updated_at = ? WHERE number = ? AND dunning_step < ?",
            (step, step_name, day, now, number, step),
        )
        if cursor.rowcount:
            moved.append(number)
    return moved
