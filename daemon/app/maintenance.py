"""Database upkeep: online backups and integrity checks."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from daemon.adapters.privatefiles import FilePolicy, create_private, private_dir
from daemon.adapters.store import upkeep
from daemon.adapters.store.db import Store
from daemon.adapters.store.migrations import MIGRATIONS, applied_versions


@dataclass(frozen=True, slots=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def backup_database(
    store: Store,
    target: Path,
    *,
    now: datetime,
    keep: int = 0,
    folder: bool = False,
    files: FilePolicy | None = None,
) -> Path:
    """Copy the live database with SQLite's online backup (safe while the daemon writes).

    ``target`` may be a folder (a dated file is written into it, and with ``keep`` only the
    newest ``keep`` backups stay) or a file name. The copy is private like the database
    (0600, or 0640 with files.group), whatever the umask."""
    files = files or FilePolicy()
    folder = folder or target.is_dir()
    if folder:
        private_dir(target, files)
        path = target / f"dunmail-{now:%Y%m%d-%H%M%S}.db"
    else:
        target.parent.mkdir(parents=True, exist_ok=True)
        path = target
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)  # left by an interrupted backup
    # Created private before SQLite opens it: its journal follows the file's mode.
    os.close(create_private(partial, files))
    ok = upkeep.backup_into(store, partial)
    if ok != "ok":
        partial.unlink(missing_ok=True)
        raise RuntimeError(f"backup failed its integrity check: {ok}")
    partial.replace(path)  # a backup file is either complete or absent
    if keep and folder:
        backups = sorted(target.glob("dunmail-*.db"))
        for old in backups[:-keep]:
            old.unlink()
    return path


def check_database(store: Store) -> list[CheckResult]:
    results = []
    integrity = upkeep.integrity(store)
    results.append(CheckResult("integrity", integrity == ["ok"], "; ".join(integrity[:5])))
    broken = upkeep.foreign_key_breaks(store)
    results.append(
        CheckResult(
            "foreign keys",
            not broken,
            "ok"
            if not broken
            else f"{len(broken)} rows point at missing rows (first: {broken[0]})",
        )
    )
    missing = {m.version for m in MIGRATIONS} - applied_versions(store.db)
    results.append(
        CheckResult(
            "schema",
            not missing,
            f"version {max(applied_versions(store.db), default=0)}"
            if not missing
            else f"migrations {sorted(missing)} not applied; run dunmail init",
        )
    )
    mode = upkeep.journal_mode(store)
    results.append(CheckResult("journal", mode == "wal", f"journal_mode={mode}"))
    stuck = upkeep.mails_in_flight(store)
    results.append(
        CheckResult(
            "outbox",
            True,
            "no mail in flight"
            if not stuck
            else f"{stuck} mail(s) marked sending (resolved at the next daemon start)",
        )
    )
    return results
