"""The audit trail: every state change writes a case_events row with its reasons.

The same rows are the audit log: each one becomes a log line once its unit of work has
committed (Store.transaction hands them to daemon.adapters.auditlog), and none for a unit
that rolled back — the database and the journal tell the same story.
"""

from __future__ import annotations

from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps, loads


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
    if debtor_id is None:
        debtor_id = _debtor_of(store, case_id, outbox_id, invoice_number)
    row: dict[str, Any] = {
        "at": at or iso_utc(),
        "debtor_id": debtor_id,
        "case_id": case_id,
        "invoice_number": invoice_number,
        "actor": actor,
        "event": event,
        "message_sha256": message_sha256,
        "inbox_id": inbox_id,
        "outbox_id": outbox_id,
        "transaction_id": transaction_id,
    }
    text = dumps(detail or {})
    cursor = store.execute(
        "INSERT INTO case_events (at, debtor_id, case_id, invoice_number, actor, event, detail,"
        " message_sha256, inbox_id, outbox_id, transaction_id)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            row["at"],
            debtor_id,
            case_id,
            invoice_number,
            actor,
            event,
            text,
            message_sha256,
            inbox_id,
            outbox_id,
            transaction_id,
        ),
    )
    event_id = int(cursor.lastrowid or 0)
    row["id"] = event_id
    row["detail"] = text  # as stored: the caller's dict may change after this call
    store.committed_later(row)
    return event_id


def _debtor_of(
    store: Store, case_id: int | None, outbox_id: int | None, invoice_number: str | None
) -> str | None:
    """Whose event this is when the caller only knew a case, a mail or an invoice: every
    event of a debtor carries its id, so `dunmail log --debtor` and an erasure find it."""
    for sql, key in (
        ("SELECT debtor_id FROM cases WHERE id = ?", case_id),
        ("SELECT debtor_id FROM outbox WHERE id = ?", outbox_id),
        ("SELECT debtor_id FROM invoices WHERE number = ?", invoice_number),
    ):
        if key is not None and (found := store.scalar(sql, (key,))) is not None:
            return str(found)
    return None


def read_events(
    store: Store, *, since: str | None = None, debtor_id: str | None = None, limit: int = 10000
) -> list[dict[str, Any]]:
    """Events oldest first (``since``: ISO UTC text), with the debtor's name; detail decoded."""
    sql = (
        "SELECT e.*, d.name AS debtor_name FROM case_events e"
        " LEFT JOIN debtors d ON d.id = e.debtor_id WHERE 1 = 1"
    )
    params: list[Any] = []
    if since is not None:
        sql += " AND e.at >= ?"
        params.append(since)
    if debtor_id is not None:
        sql += " AND e.debtor_id = ?"
        params.append(debtor_id)
    # The newest ``limit`` events, shown oldest first.
    sql = f"SELECT * FROM ({sql} ORDER BY e.at DESC, e.id DESC LIMIT ?) ORDER BY at, id"
    params.append(limit)
    rows = store.query(sql, params)
    for row in rows:
        row["detail"] = loads(row["detail"], {})
    return rows
