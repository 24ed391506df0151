"""The outbox: outgoing mail rows and their life (queued → sending → sent | cancelled |
failed), and what the last look before sending reads (daemon.app.outbox)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps, loads


def outbox_status(store: Store, message_id: str) -> str | None:
    """The status of the outgoing mail with this Message-ID, or None when there is none."""
    status = store.scalar("SELECT status FROM outbox WHERE message_id = ?", (message_id,))
    return None if status is None else str(status)


def insert_queued(
    store: Store,
    *,
    kind: str,
    message_id: str,
    mail_from: str,
    recipients: Sequence[str],
    subject: str,
    raw: bytes,
    sha256: str,
    debtor_id: str | None,
    case_id: int | None,
    step: int | None,
    step_name: str | None,
    invoice_numbers: Sequence[str],
    decision: dict[str, Any],
    not_before: str | None,
    now: str,
) -> int | None:
    """A queued mail; None when its Message-ID is queued already (nothing is written)."""
    cursor = store.execute(
        "INSERT OR IGNORE INTO outbox (kind, debtor_id, case_id, step, step_name, message_id,"
        " mail_from, recipients, subject, raw, sha256, invoice_numbers, decision, status,"
        " not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
        (
            kind,
            debtor_id,
            case_id,
            step,
            step_name,
            message_id,
            mail_from,
            dumps(list(recipients)),
            subject,
            raw,
            sha256,
            dumps(list(invoice_numbers)),
            dumps(decision),
            not_before,
            now,
        ),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount else None


def outbox_row(store: Store, outbox_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM outbox WHERE id = ?", (outbox_id,))


def set_sent(store: Store, outbox_id: int, at: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ?, last_error = NULL WHERE id = ?",
        (at, outbox_id),
    )


def set_cancelled(store: Store, outbox_id: int, why: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ?", (why, outbox_id)
    )


def set_failed(store: Store, outbox_id: int, why: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'failed', last_error = ? WHERE id = ?", (why, outbox_id)
    )


def claim_queued(store: Store, outbox_id: int, at: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'sending', claimed_at = ?, attempts = attempts + 1"
        " WHERE id = ? AND status = 'queued'",
        (at, outbox_id),
    )


def attempts(store: Store, outbox_id: int) -> int:
    return int(store.scalar("SELECT attempts FROM outbox WHERE id = ?", (outbox_id,)) or 1)


def requeue(store: Store, outbox_id: int, *, not_before: str, error: str) -> None:
    store.execute(
        "UPDATE outbox SET status = 'queued', not_before = ?, last_error = ? WHERE id = ?",
        (not_before, error, outbox_id),
    )


def set_in_sent_folder(store: Store, outbox_id: int) -> None:
    store.execute("UPDATE outbox SET in_sent_folder = 1 WHERE id = ?", (outbox_id,))


def sent_not_copied(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM outbox WHERE status = 'sent' AND in_sent_folder = 0 ORDER BY id"
    )


def sent_since(store: Store, since: str) -> int:
    return int(
        store.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sent' AND sent_at > ?", (since,))
        or 0
    )


def due_rows(store: Store, at: str, limit: int | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT * FROM outbox WHERE status = 'queued'"
        " AND (not_before IS NULL OR not_before <= ?) ORDER BY not_before, id"
    )
    return store.query(sql + (f" LIMIT {int(limit)}" if limit else ""), (at,))


def outbox_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, kind, debtor_id, step, step_name, message_id, recipients, subject, status,"
        " attempts, not_before, last_error, created_at, sent_at, in_sent_folder, sha256,"
        " invoice_numbers FROM outbox"
    )
    params: tuple[Any, ...] = ()
    if status:
        sql += " WHERE status = ?"
        params = (status,)
    rows = store.query(sql + " ORDER BY id", params)
    for r in rows:
        r["recipients"] = loads(r["recipients"], [])
        r["invoice_numbers"] = loads(r["invoice_numbers"], [])
        r["in_sent_folder"] = bool(r["in_sent_folder"])
    return rows


def flag_undeliverable(
    store: Store, debtor_id: str | None, address: str, why: str, at: str
) -> None:
    store.execute(
        "UPDATE debtor_emails SET status = 'undeliverable', status_reason = ?, status_at = ?"
        " WHERE email = ? AND (? IS NULL OR debtor_id = ?)",
        (why, at, address.lower(), debtor_id, debtor_id),
    )


# -- what the last look reads ---------------------------------------------------------------


def open_case_row(store: Store, debtor_id: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM cases WHERE debtor_id = ? AND closed_at IS NULL", (debtor_id,))


def undeliverable_addresses(store: Store, debtor_id: str) -> set[str]:
    rows = store.query(
        "SELECT email FROM debtor_emails WHERE debtor_id = ? AND status != 'ok'", (debtor_id,)
    )
    return {r["email"] for r in rows}


def invoices_by_number(store: Store, numbers: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not numbers:
        return {}
    marks = ",".join("?" * len(numbers))
    rows = store.query(f"SELECT * FROM invoices WHERE number IN ({marks})", list(numbers))
    return {r["number"]: r for r in rows}


def promised_numbers(store: Store, debtor_id: str, day: str) -> list[list[str]]:
    """The invoice numbers of each open promise of the debtor still in grace on ``day``
    (an empty list: the promise covers all the debtor's invoices)."""
    rows = store.query(
        "SELECT invoice_numbers FROM promises WHERE debtor_id = ? AND status = 'open'"
        " AND grace_until >= ?",
        (debtor_id, day),
    )
    return [loads(p["invoice_numbers"], []) for p in rows]
