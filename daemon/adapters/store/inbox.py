"""Inbox rows and IMAP cursors: what ingestion stores and how far it has read."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps

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
