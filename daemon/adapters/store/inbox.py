"""Inbox rows, IMAP cursors, and the lookups that link and act on a debtor's reply."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps, loads, marks
from daemon.domain.invoice_states import LIVE_STATES

# -- cursors ------------------------------------------------------------------------------


def cursor_uid(store: Store, account: str, mailbox: str, uidvalidity: int) -> int:
    value = store.scalar(
        "SELECT last_uid FROM imap_cursors WHERE account = ? AND mailbox = ? AND uidvalidity = ?",
        (account, mailbox, uidvalidity),
    )
    return int(value or 0)


def advance_cursor(
    store: Store, account: str, mailbox: str, uidvalidity: int, uid: int, *, now: str
) -> None:
    """Never moves backwards; call it inside the transaction that stored the message."""
    store.execute(
        "INSERT INTO imap_cursors (account, mailbox, uidvalidity, last_uid, updated_at)"
        " VALUES (?, ?, ?, ?, ?) ON CONFLICT(account, mailbox, uidvalidity) DO UPDATE SET"
        " last_uid = MAX(last_uid, excluded.last_uid), updated_at = excluded.updated_at",
        (account, mailbox, uidvalidity, uid, now),
    )


# -- inbox rows ---------------------------------------------------------------------------


def insert_message(store: Store, **values: Any) -> int | None:
    """INSERT OR IGNORE one fetched message; None when (account, mailbox, uidvalidity, uid)
    is already stored."""
    columns = ", ".join(values)
    marks = ", ".join("?" * len(values))
    cursor = store.execute(
        f"INSERT OR IGNORE INTO inbox ({columns}) VALUES ({marks})", tuple(values.values())
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount else None


def highest_uid(store: Store, account: str, mailbox: str) -> int:
    """The highest UID stored for (account, mailbox) under any UIDVALIDITY; 0 for none."""
    return int(
        store.scalar(
            "SELECT COALESCE(MAX(uid), 0) FROM inbox WHERE account = ? AND mailbox = ?",
            (account, mailbox),
        )
    )


def inbox_row(store: Store, inbox_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM inbox WHERE id = ?", (inbox_id,))


def server_action_rows(store: Store, inbox_ids: Sequence[int]) -> list[dict[str, Any]]:
    """What the move/flag step needs, without reading the raw messages again; by id."""
    rows: list[dict[str, Any]] = []
    ids = list(inbox_ids)
    for start in range(0, len(ids), 500):  # below SQLite's bound-parameter limit
        chunk = ids[start : start + 500]
        rows += store.query(
            "SELECT id, uidvalidity, uid, message_id, server_action, server_done FROM inbox"
            f" WHERE id IN ({','.join('?' * len(chunk))}) ORDER BY id",
            chunk,
        )
    return sorted(rows, key=lambda r: r["id"])


def inbox_rows(
    store: Store, *, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    sql = (
        "SELECT id, account, mailbox, uidvalidity, uid, message_id, received_at, mail_date,"
        " from_addr, subject, size, status, kind, intent, error, attempts, debtor_id, case_id,"
        " server_action, server_done, processed_at FROM inbox"
    )
    params: list[Any] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    sql += " ORDER BY id DESC LIMIT ?"
    params.append(limit)
    return store.query(sql, params)


def unprocessed_ids(store: Store, account: str, mailbox: str) -> list[int]:
    """Rows stored by a pass that died before processing them."""
    return [
        r["id"]
        for r in store.query(
            "SELECT id FROM inbox WHERE status = 'new' AND account = ? AND mailbox = ? ORDER BY id",
            (account, mailbox),
        )
    ]


def original_of(
    store: Store, inbox_id: int, message_id: str | None, sha256: str
) -> dict[str, Any] | None:
    """An earlier row holding the same message (by Message-ID, else by content hash)."""
    if message_id:
        sql, key = "message_id = ?", message_id
    else:
        sql, key = "message_id IS NULL AND sha256 = ?", sha256
    return store.one(
        f"SELECT id, status FROM inbox WHERE {sql} AND id < ? AND status != 'duplicate'"
        " ORDER BY id LIMIT 1",
        (key, inbox_id),
    )


def finish_message(store: Store, inbox_id: int, **values: Any) -> None:
    """Record the outcome of processing (status, intent, links, server action …)."""
    if "classification" in values and not isinstance(values["classification"], str | None):
        values["classification"] = dumps(values["classification"])
    assignments = ", ".join(f"{k} = ?" for k in values)
    store.execute(f"UPDATE inbox SET {assignments} WHERE id = ?", (*values.values(), inbox_id))


def pending_server_actions(store: Store, account: str, mailbox: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, uidvalidity, uid, server_action FROM inbox WHERE account = ? AND mailbox = ?"
        " AND server_action IS NOT NULL AND server_done = 0 ORDER BY id",
        (account, mailbox),
    )


def mark_server_done(store: Store, inbox_ids: Sequence[int]) -> None:
    store.conn.executemany(
        "UPDATE inbox SET server_done = 1 WHERE id = ?", [(i,) for i in inbox_ids]
    )


def reset_for_retry(store: Store, inbox_id: int) -> None:
    store.execute(
        "UPDATE inbox SET status = 'new', error = NULL, attempts = attempts + 1 WHERE id = ?",
        (inbox_id,),
    )


# -- lookups for linking ------------------------------------------------------------------


def outbox_by_message_id(store: Store, message_id: str) -> dict[str, Any] | None:
    row = store.one(
        "SELECT id, debtor_id, case_id, invoice_numbers, recipients FROM outbox"
        " WHERE message_id = ?",
        (message_id,),
    )
    if row is not None:
        row["invoice_numbers"] = loads(row["invoice_numbers"], [])
        row["recipients"] = loads(row["recipients"], [])
    return row


def invoice_debtors(store: Store, numbers: Sequence[str]) -> dict[str, str]:
    """invoice number → debtor id, for the numbers that exist."""
    if not numbers:
        return {}
    rows = store.query(
        f"SELECT number, debtor_id FROM invoices WHERE number IN ({','.join('?' * len(numbers))})",
        list(numbers),
    )
    return {r["number"]: r["debtor_id"] for r in rows}


def case_by_token(store: Store, token: str) -> dict[str, Any] | None:
    return store.one("SELECT id, debtor_id FROM cases WHERE token = ?", (token,))


def case_row(store: Store, case_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM cases WHERE id = ?", (case_id,))


def answered_recently(store: Store, address: str, since: str) -> bool:
    """An automatic answer went (or is queued) to ``address`` since ``since``. Answers have one
    recipient; the kinds are spelled out so that the partial index outbox_answer_recipient
    (migration 3) applies."""
    found = store.scalar(
        "SELECT 1 FROM outbox WHERE json_extract(recipients, '$[0]') = ?"
        " AND kind IN ('confirmation', 'auto_answer', 'invoice_copy') AND created_at >= ?"
        " AND status != 'cancelled' LIMIT 1",
        (address.lower(), since),
    )
    return found is not None


def unallocated_credits(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, amount_cents, booking_date, counterparty_name, remittance FROM bank_transactions"
        " WHERE status IN ('unmatched', 'needs_review') AND direction = 'credit' AND reversal = 0"
        " ORDER BY id"
    )


# -- writes for the effects of a reply ----------------------------------------------------


def mark_address_undeliverable(store: Store, address: str, reason: str, *, now: str) -> int:
    cursor = store.execute(
        "UPDATE debtor_emails SET status = 'undeliverable', status_reason = ?, status_at = ?"
        " WHERE email = ? AND status != 'undeliverable'",
        (reason, now, address.lower()),
    )
    return cursor.rowcount


def mark_debtor_insolvent(store: Store, debtor_id: str, *, now: str) -> None:
    store.execute("UPDATE debtors SET insolvent = 1, updated_at = ? WHERE id = ?", (now, debtor_id))


def pause_case(store: Store, case_id: int, until: str, reason: str, *, now: str) -> None:
    """Pause only an active or paused case, and never shorten an existing pause."""
    store.execute(
        "UPDATE cases SET status = 'paused', paused_until = ?, pause_reason = ?, updated_at = ?"
        " WHERE id = ? AND status IN ('active', 'paused')"
        " AND (paused_until IS NULL OR paused_until < ?)",
        (until, reason, now, case_id, until),
    )


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


# -- promises and paid-claim holds coming due ----------------------------------------------


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


def paid_claim_holds_due(store: Store, today: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM holds WHERE released_at IS NULL AND reason LIKE 'paid_claim:%'"
        " AND until IS NOT NULL AND until < ? ORDER BY id",
        (today,),
    )


def release_hold(store: Store, hold_id: int, *, now: str) -> None:
    store.execute("UPDATE holds SET released_at = ? WHERE id = ?", (now, hold_id))


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
