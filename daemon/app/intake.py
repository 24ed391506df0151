"""Drop folders: invoice and statement files that arrive by themselves, each taken once.

One pass per folder: list it (daemon.adapters.dropfolder), wait for each file to be complete
(daemon.domain.dropfiles: size and mtime unchanged across two scans, measured with the
caller's clock; temporary names are never read), take it into the private work folder,
import it through the ordinary entry points (daemon.app.invoices, daemon.app.statements,
daemon.app.snapshots), record its content hash, and move it to ``processed/``, ``held/`` or
``failed/`` with a reason file (daemon.app.intake_files). Nothing is deleted; a failed file
opens a review item.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from daemon.adapters import dropfolder
from daemon.adapters.clock import iso_utc
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store import intake as intake_store
from daemon.adapters.store.db import Store
from daemon.app.intake_files import DropFolder, import_taken
from daemon.config import Config
from daemon.domain.dropfiles import Sighting, is_stable

log = logging.getLogger("dunmail.intake")


class IntakeError(RuntimeError):
    """A drop folder cannot be read at all; the message names the config key."""


@dataclass
class IntakeReport:
    waiting: list[str] = field(default_factory=list)  # seen, not complete yet
    files: list[dict[str, Any]] = field(default_factory=list)  # one per file taken
    errors: list[str] = field(default_factory=list)  # folders that could not be read

    def as_dict(self) -> dict[str, Any]:
        return {"waiting": self.waiting, "files": self.files, "errors": self.errors}


def folders(config: Config) -> list[DropFolder]:
    intake = config.intake
    found = []
    if intake.invoices_dir:
        found.append(
            DropFolder(
                "invoices", Path(intake.invoices_dir), intake.invoices, "intake.invoices_dir"
            )
        )
    if intake.statements_dir:
        found.append(
            DropFolder(
                "statements",
                Path(intake.statements_dir),
                intake.statements,
                "intake.statements_dir",
            )
        )
    return found


def run_intake(store: Store, config: Config, now: datetime) -> IntakeReport:
    """One pass over every configured drop folder, as if at ``now``. A folder that cannot
    be read is reported in ``errors`` (naming its config key) and the others go on: a
    missing folder must not stop the dunning cycle (the invoice-freshness gate guards
    against stale data)."""
    report = IntakeReport()
    policy = FilePolicy(config.files.group)
    for folder in folders(config):
        if not folder.path.is_dir():
            report.errors.append(f"{folder.key}: {folder.path} is not a folder")
            log.error("intake: %s", report.errors[-1])
            continue
        try:
            _folder_pass(store, config, folder, now, policy, report)
        except OSError as exc:  # e.g. a link planted as processed/: that folder waits
            report.errors.append(f"{folder.key}: {exc}")
            log.error("intake: %s", report.errors[-1])
    return report


def _folder_pass(
    store: Store,
    config: Config,
    folder: DropFolder,
    now: datetime,
    policy: FilePolicy,
    report: IntakeReport,
) -> None:
    for leftover in dropfolder.leftovers(folder.path):  # a crash left it half done
        report.files.append(import_taken(store, config, folder, leftover, None, now, policy))
    seen: set[str] = set()
    stable = config.intake.stable_for(folder.settings)
    for entry in dropfolder.scan(folder.path):
        path = str(folder.path / entry.name)
        seen.add(path)
        if entry.regular:
            old = intake_store.sighting(store, path)
            previous = Sighting(old["size"], old["mtime_ns"], _utc(old["seen_at"])) if old else None
            if not is_stable(previous, entry.size, entry.mtime_ns, now, stable):
                intake_store.record_sighting(store, path, entry.size, entry.mtime_ns, iso_utc(now))
                report.waiting.append(path)
                continue
        intake_store.forget_sightings(store, [path])
        try:
            taken = dropfolder.take(folder.path, entry.name, policy)
        except FileNotFoundError:  # gone meanwhile (a person, a second daemon)
            continue
        mtime = datetime.fromtimestamp(entry.mtime_ns / 1e9, UTC)
        report.files.append(import_taken(store, config, folder, taken, mtime, now, policy))
    gone = [p for p in intake_store.sightings_under(store, str(folder.path)) if p not in seen]
    intake_store.forget_sightings(store, gone)


def _utc(text: str) -> datetime:
    from daemon.adapters.clock import parse_iso

    return parse_iso(text)


def retry_failed(store: Store, config: Config, file_id: int, *, now: datetime) -> Path:
    """Put a failed drop file back into its folder (it is taken again once complete)."""
    row = intake_store.file_row(store, file_id)
    if row is None or row["status"] != "failed":
        raise LookupError(
            f"no failed drop file {file_id}; see: dunmail intake list --status failed"
        )
    kept = Path(row["moved_to"] or "")
    if not kept.is_file() or kept.is_symlink():
        raise ValueError(f"drop file {file_id}: {kept} is no longer there")
    moved = dropfolder.put_back(kept, _folder_path(config, row["folder"]))
    at = iso_utc(now)
    with store.transaction():
        intake_store.update_file(store, file_id, at, status="retried", moved_to=str(moved))
        intake_store.resolve_keyed_items(
            store, f"intake_failed:{file_id}", "put back for another try", now=at
        )
    return moved


def _folder_path(config: Config, kind: str) -> Path:
    for folder in folders(config):
        if folder.kind == kind:
            return folder.path
    raise ValueError(f"intake.{kind}_dir is not configured")


def record_cli_import(
    store: Store, files: Sequence[Path], summary: dict[str, Any], *, now: datetime
) -> None:
    """``dunmail invoices import``: the files count as invoice intake (status, the
    invoice-freshness gate), and the same bytes dropped in a folder later are a duplicate."""
    at = iso_utc(now)
    with store.transaction():
        for path in files:
            intake_store.save_file(
                store,
                sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
                folder="cli",
                filename=path.name,
                kind="invoices",
                status="processed",
                now=at,
                summary=summary,
                moved_to=str(path.resolve()),
            )


def record_held_path(store: Store, file_id: int, path: Path, *, now: datetime) -> None:
    """A snapshot held from the command line stays where it is; apply reads it there."""
    intake_store.update_file(store, file_id, iso_utc(now), moved_to=str(path))
