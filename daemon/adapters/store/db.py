"""Opening the SQLite database: WAL, foreign keys, migrations, one-transaction units of work."""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from daemon.adapters import auditlog
from daemon.adapters.clock import iso_utc
from daemon.adapters.privatefiles import FilePolicy, create_private, tighten
from daemon.adapters.store._sqlite_utils import sqlite_utils
from daemon.adapters.store.migrations import MIGRATIONS, applied_versions, migrate


class StoreError(RuntimeError):
    """The database cannot be opened or is not in the expected state."""


class Store:
    """A connection to dunmail's database. All SQL lives in daemon.adapters.store.*."""

    def __init__(self, db: sqlite_utils.Database, path: str) -> None:
        self.db = db
        self.path = path
        self._depth = 0  # nesting of transaction(): names its savepoints
        # Audit events written in the open transaction: logged after COMMIT, dropped on rollback.
        self._pending: list[dict[str, Any]] = []

    @property
    def conn(self) -> sqlite3.Connection:
        return self.db.conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """BEGIN IMMEDIATE … COMMIT: one unit of work, written once or not at all.

        Inside another unit of work it is a SAVEPOINT: a failure undoes only its own writes
        (the caller may record the failure and go on), success leaves the outer unit to commit.
        """
        conn = self.conn
        if conn.in_transaction:
            self._depth += 1
            name = f"unit_{self._depth}"
            mark = len(self._pending)
            conn.execute(f"SAVEPOINT {name}")
            try:
                yield conn
            except BaseException:
                if conn.in_transaction:  # SQLite may have rolled everything back already
                    conn.execute(f"ROLLBACK TO {name}")
                    conn.execute(f"RELEASE {name}")
                    del self._pending[mark:]
                else:
                    self._pending.clear()
                raise
            else:
                conn.execute(f"RELEASE {name}")
            finally:
                self._depth -= 1
            return
        self._pending.clear()
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            self._pending.clear()
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except BaseException:
            self._pending.clear()
            raise
        self._log_committed()

    def committed_later(self, row: dict[str, Any]) -> None:
        """An audit event (a case_events row, detail as JSON text) was written: log it once
        it is committed (at once in autocommit). Nothing is kept when nobody listens."""
        if not auditlog.enabled():
            return
        self._pending.append(row)
        if not self.conn.in_transaction:
            self._log_committed()

    def _log_committed(self) -> None:
        pending, self._pending = self._pending, []
        if pending:
            auditlog.emit((row, loads(row["detail"], {})) for row in pending)

    def query(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, params)
        names = [d[0] for d in cursor.description or ()]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    def one(self, sql: str, params: Any = ()) -> dict[str, Any] | None:
        rows = self.query(sql, params)
        return rows[0] if rows else None

    def scalar(self, sql: str, params: Any = ()) -> Any:
        row = self.conn.execute(sql, params).fetchone()
        return row[0] if row else None

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        return self.conn.execute(sql, params)

    def get_state(self, key: str) -> str | None:
        value = self.scalar("SELECT value FROM state WHERE key = ?", (key,))
        return None if value is None else str(value)

    def set_state(self, key: str, value: str, now: str | None = None) -> None:
        self.execute(
            "INSERT INTO state (key, value, updated_at) VALUES (?, ?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
            (key, value, now or iso_utc()),
        )

    def close(self) -> None:
        self.conn.close()


SIDE_FILES = ("-wal", "-shm", "-journal")


def _private_database(path: Path, files: FilePolicy) -> None:
    """Create the database file ourselves, private, before SQLite does (SQLite would use
    0644 minus the umask). SQLite gives its -wal, -shm and -journal files the mode of the
    database file, so they follow. An older database that others can read is tightened."""
    try:
        os.close(create_private(path, files))  # an empty file is an empty SQLite database
    except FileExistsError:
        for suffix in ("", *SIDE_FILES):
            tighten(Path(f"{path}{suffix}"), files)


def connect(
    path: str | Path,
    *,
    daemon: bool = False,
    create: bool = True,
    files: FilePolicy | None = None,
) -> sqlite3.Connection:
    path = str(path)
    files = files or FilePolicy()
    if path != ":memory:":
        parent = Path(path).resolve().parent
        if not parent.is_dir():
            raise StoreError(f"database folder {parent} does not exist")
        if not create and not Path(path).exists():
            raise StoreError(f"database {path} does not exist; run: dunmail --db {path} init")
        try:
            _private_database(Path(path), files)
        except OSError as exc:
            raise StoreError(f"cannot make database {path} private: {exc}") from exc
    conn = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    if path != ":memory:":
        # The group of -wal/-shm is the creating process's; give them the configured one.
        for suffix in SIDE_FILES:
            tighten(Path(f"{path}{suffix}"), files)
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    # The daemon's writes must survive a power cut; the CLI may use NORMAL (still safe in WAL).
    conn.execute(f"PRAGMA synchronous={'FULL' if daemon else 'NORMAL'}")
    return conn


def open_store(
    path: str | Path,
    *,
    daemon: bool = False,
    migrate_schema: bool = True,
    files: FilePolicy | None = None,
) -> Store:
    """Open (creating it private if needed) and migrate the database at ``path``."""
    try:
        conn = connect(path, daemon=daemon, files=files)
        db = sqlite_utils.Database(conn)
        if migrate_schema:
            migrate(db, iso_utc)
        else:
            missing = {m.version for m in MIGRATIONS} - applied_versions(db)
            if missing:
                raise StoreError(f"database {path} needs migrating; run: dunmail init")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"cannot open database {path}: {exc}") from exc
    return Store(db, str(path))


def dumps(value: Any) -> str:
    """JSON for TEXT columns: stable key order, no ASCII escaping (names are often non-ASCII)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


def loads(text: str | None, default: Any = None) -> Any:
    return default if text in (None, "") else json.loads(text)


def marks(values: Sequence[object]) -> str:
    """``?,?,?`` for an ``IN (...)`` over ``values`` — e.g. a status tuple from
    daemon.domain.invoice_states, passed as parameters, never spelled out in SQL."""
    if not values:
        raise ValueError("an IN (...) list needs at least one value")
    return ",".join("?" * len(values))
