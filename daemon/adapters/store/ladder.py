"""An invoice's place on its dunning ladder: the state a step reads and advances
(daemon.app.ladder_steps)."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store


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
    """The invoice is at ``to_step`` since ``day``; a formal-notice step clears
    formal_notice_date."""
    store.execute(
        "UPDATE invoices SET dunning_step = ?, last_step_name = ?, last_step_date = ?,"
        " formal_notice_cents = ?, formal_notice_date = CASE WHEN ? THEN NULL"
        " ELSE formal_notice_date END, updated_at = ? WHERE number = ?",
        (to_step, step_name, day, notice_cents, formal_notice, at, number),
    )


def outbox_status(store: Store, message_id: str) -> str | None:
    """The status of the outgoing mail with this Message-ID, or None when there is none."""
    status = store.scalar("SELECT status FROM outbox WHERE message_id = ?", (message_id,))
    return None if status is None else str(status)
