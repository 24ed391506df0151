"""Database upkeep (daemon.app.maintenance): the online backup copy and the checks."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from daemon.adapters.store.db import Store


def backup_into(store: Store, path: Path) -> str:
    """Copy the live database into ``path`` with SQLite's online backup (safe while the
    daemon writes); returns the copy's quick_check result ("ok" when sound)."""
    destination = sqlite3.connect(path)
    try:
        store.conn.backup(destination)
        return str(destination.execute("PRAGMA quick_check").fetchone()[0])
    finally:
        destination.close()


def integrity(store: Store) -> list[str]:
    """PRAGMA integrity_check: ["ok"], or the problems found."""
    return [str(row[0]) for row in store.execute("PRAGMA integrity_check").fetchall()]


def foreign_key_breaks(store: Store) -> list[Any]:
    """Rows whose foreign key points at a missing row (PRAGMA foreign_key_check)."""
    return list(store.execute("PRAGMA foreign_key_check").fetchall())


def journal_mode(store: Store) -> str:
    return str(store.scalar("PRAGMA journal_mode"))


def mails_in_flight(store: Store) -> int:
    """Outgoing mails marked 'sending': handed to SMTP, not yet known sent."""
    return int(store.scalar("SELECT COUNT(*) FROM outbox WHERE status = 'sending'"))


def any_in_flight(store: Store) -> bool:
    return bool(store.scalar("SELECT 1 FROM outbox WHERE status = 'sending' LIMIT 1"))
