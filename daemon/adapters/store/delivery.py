"""Outgoing mail whose delivery is in doubt after a crash (daemon.app.recovery)."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store


def stale_sending(store: Store, claimed_by: str) -> list[dict[str, Any]]:
    """Rows left 'sending' that were claimed at ``claimed_by`` (ISO time) or earlier."""
    return store.query(
        "SELECT * FROM outbox WHERE status = 'sending' AND (claimed_at IS NULL OR claimed_at <= ?)"
        " ORDER BY id",
        (claimed_by,),
    )


def mark_in_sent_folder(store: Store, outbox_id: int) -> None:
    store.execute("UPDATE outbox SET in_sent_folder = 1 WHERE id = ?", (outbox_id,))


def mark_uncertain(store: Store, outbox_id: int, reason: str) -> None:
    """Never sent again automatically; a person decides (review item delivery_uncertain)."""
    store.execute(
        "UPDATE outbox SET status = 'uncertain', last_error = ? WHERE id = ?",
        (reason, outbox_id),
    )
