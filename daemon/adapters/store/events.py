"""The audit trail: every state change writes a case_events row with its reasons."""

from __future__ import annotations

from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps


def record_event(
    store: Store,
    event: str,
    *,
    actor: str = "daemon",
    debtor_id: str | None = None,
    case_id: int | None = None,
    invoice_number: str | None = None,
    detail: dict[str, Any] | None = None,
    message_sha256: str | None = None,
    inbox_id: int | None = None,
    outbox_id: int | None = None,
    transaction_id: int | None = None,
    at: str | None = None,
) -> int:
    cursor = store.execute(
        "INSERT INTO case_events (at, debtor_id, case_id, invoice_number, actor, event, detail,"
        " message_sha256, inbox_id, outbox_id, transaction_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            at or iso_utc(),
            debtor_id,
            case_id,
            invoice_number,
            actor,
            event,
            dumps(detail or {}),
            message_sha256,
            inbox_id,
            outbox_id,
            transaction_id,
        ),
    )
    return int(cursor.lastrowid or 0)
