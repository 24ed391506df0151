"""What staff notifications and staff reply commands read and write (daemon.app.staffmail)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, loads


def debtor_name(store: Store, debtor_id: str) -> str | None:
    name = store.scalar("SELECT name FROM debtors WHERE id = ?", (debtor_id,))
    return str(name) if name else None


def unnotified_urgent(store: Store) -> list[dict[str, Any]]:
    """Open items not yet mailed to staff that are urgent: priority 0, insolvency, dispute."""
    return store.query(
        "SELECT * FROM review_items WHERE state = 'open' AND notified_at IS NULL"
        " AND (priority = 0 OR type IN ('insolvency', 'dispute')) ORDER BY priority, id"
    )


def mark_notified(store: Store, item_id: int, *, at: str) -> None:
    store.execute("UPDATE review_items SET notified_at = ? WHERE id = ?", (at, item_id))


def open_by_priority(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM review_items WHERE state = 'open' ORDER BY priority, due_date, id"
    )


def alerted_item(store: Store, message_ids: Sequence[str]) -> int | None:
    """The review item of the newest staff alert among ``message_ids`` (a reply's thread)."""
    row = store.one(
        f"SELECT decision FROM outbox WHERE message_id IN ({','.join('?' * len(message_ids))})"
        " AND kind = 'staff_alert' ORDER BY id DESC LIMIT 1",
        list(message_ids),
    )
    if row is None:
        return None
    item_id = loads(row["decision"], {}).get("review_item")
    return None if item_id is None else int(item_id)
