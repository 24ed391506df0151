"""Drop folders: invoice and statement files that arrive by themselves, each taken once.

One pass per folder: list it (daemon.adapters.dropfolder), wait for each file to be complete
(daemon.domain.dropfiles: size and mtime unchanged across two scans, measured with the
caller's clock; temporary names are never read), take it into the private work folder,
import it through the ordinary entry points (daemon.app.invoices, daemon.app.statements,
daemon.app.snapshots), record its content hash, and move it to ``processed/``, ``held/`` or
``failed/`` with a reason file. Nothing is deleted; a failed file opens a review item.
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
from daemon.adapters.store.queue import add_review_item
from daemon.app.intake_mapping import MappingUnavailable, resolve
from daemon.app.invoices import ImportProblem, ImportRejected, import_invoice_data
from daemon.app.snapshots import problems_text, snapshot_time, take_snapshot
from daemon.app.statements import import_statement_files
from daemon.config import Config, DropFolderSettings
from daemon.domain.dropfiles import Sighting, is_stable

log = logging.getLogger("dunmail.intake")

ACTOR = "intake"


class IntakeError(RuntimeError):
    """A drop folder cannot be read at all; the message names the config key."""


@dataclass
class IntakeReport:
    waiting: list[str] = field(default_factory=list)  # seen, not complete yet
    files: list[dict[str, Any]] = field(default_factory=list)  # one per file taken
    errors: list[str] = field(default_factory=list)  # folders that could not be read

    def as_dict(self) -> dict[str, Any]:
        return {"waiting": self.waiting, "files": self.files, "errors": self.errors}


@dataclass(frozen=True, slots=True)
class _Folder:
    kind: str  # invoices | statements
    path: Path
    settings: DropFolderSettings
    key: str  # the config key that names it


def folders(config: Config) -> list[_Folder]:
    intake = config.intake
    found = []
    if intake.invoices_dir:
        found.append(
            _Folder("invoices", Path(intake.invoices_dir), intake.invoices, "intake.invoices_dir")
        )
    if intake.statements_dir:
        found.append(
            _Folder(
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
    folder: _Folder,
    now: datetime,
    policy: FilePolicy,
    report: IntakeReport,
) -> None:
    for leftover in dropfolder.leftovers(folder.path):  # a crash left it half done
        report.files.append(_process(store, config, folder, leftover, None, now, policy))
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
        report.files.append(_process(store, config, folder, taken, mtime, now, policy))
    gone = [p for p in intake_store.sightings_under(store, str(folder.path)) if p not in seen]
    intake_store.forget_sightings(store, gone)


def _utc(text: str) -> datetime:
    from daemon.adapters.clock import parse_iso

    return parse_iso(text)


def _process(
    store: Store,
    config: Config,
    folder: _Folder,
    taken: Path,
    mtime: datetime | None,
    now: datetime,
    policy: FilePolicy,
) -> dict[str, Any]:
    name = taken.name
    at = iso_utc(now)
    label = f"{folder.kind}/{name}"
    try:
        data = dropfolder.read_confined(taken, config.intake.max_file_bytes)
    except OSError as exc:
        why = exc.strerror or str(exc)
        return _fail(store, folder, taken, hashlib.sha256(b"").hexdigest(), why, [], at, policy)
    sha = hashlib.sha256(data).hexdigest()
    earlier = intake_store.done_file(store, sha)
    if earlier is not None:
        if earlier["moved_to"] is None and earlier["filename"] == name:
            # Recorded, then a crash before the move: finish the move.
            sub = "held" if earlier["status"] == "held" else "processed"
            moved = dropfolder.settle(taken, folder.path, sub, None, policy)
            intake_store.update_file(store, int(earlier["id"]), at, moved_to=str(moved))
            return {"file": label, "status": earlier["status"], "moved_to": str(moved)}
        reason = (
            f"duplicate of {earlier['filename']} (intake file {earlier['id']},"
            f" {earlier['status']} at {earlier['created_at']}): nothing changed"
        )
        moved = dropfolder.settle(taken, folder.path, "processed", reason, policy)
        intake_store.save_file(
            store,
            sha256=sha,
            folder=folder.kind,
            filename=name,
            kind=earlier["kind"],
            status="duplicate",
            now=at,
            reason=reason,
            source=earlier["source"],
            moved_to=str(moved),
        )
        log.info("intake: %s is a duplicate of %s", label, earlier["filename"])
        return {"file": label, "status": "duplicate", "reason": reason, "moved_to": str(moved)}
    if folder.kind == "statements":
        return _statements(store, config, folder, taken, sha, at, policy)
    # Invoice files are imported from the bytes read and hashed above, never read again by
    # path: what is imported is exactly what was checked and recorded.
    if folder.settings.snapshot:
        return _snapshot(store, config, folder, taken, data, sha, mtime or now, now, policy)
    return _invoices(store, config, folder, taken, data, sha, at, policy)


def _invoices(
    store: Store,
    config: Config,
    folder: _Folder,
    taken: Path,
    data: bytes,
    sha: str,
    at: str,
    policy: FilePolicy,
) -> dict[str, Any]:
    try:
        mapping = resolve(config, folder.settings.mapping)
    except MappingUnavailable as exc:
        return _fail(store, folder, taken, sha, str(exc), [], at, policy)
    try:
        with store.transaction():
            report = import_invoice_data(
                store,
                [(taken.name, data)],
                now=at,
                actor=ACTOR,
                pdfs=config.invoices.pdf_policy,
                mapping=mapping,
            )
            intake_store.claim_source(store, sorted(set(report.numbers)), folder.settings.source)
            file_id = intake_store.save_file(
                store,
                sha256=sha,
                folder=folder.kind,
                filename=taken.name,
                kind="invoices",
                status="processed",
                now=at,
                source=folder.settings.source,
                summary=report.as_dict(),
            )
    except ImportRejected as exc:
        return _fail(
            store,
            folder,
            taken,
            sha,
            problems_text(exc.problems),
            exc.problems,
            at,
            policy,
        )
    return _done(store, folder, taken, file_id, "processed", at, policy, report.as_dict())


def _snapshot(
    store: Store,
    config: Config,
    folder: _Folder,
    taken: Path,
    data: bytes,
    sha: str,
    mtime: datetime,
    now: datetime,
    policy: FilePolicy,
) -> dict[str, Any]:
    at = iso_utc(now)
    try:
        mapping = resolve(config, folder.settings.mapping)
    except MappingUnavailable as exc:
        return _fail(store, folder, taken, sha, str(exc), [], at, policy)
    try:
        outcome = take_snapshot(
            store,
            config,
            data,
            filename=taken.name,
            folder=folder.kind,
            source=folder.settings.source,
            taken_at=snapshot_time(taken.name, mtime, config.office.tz),
            now=now,
            actor=ACTOR,
            mapping=mapping,
            sha256=sha,
        )
    except ImportRejected as exc:
        return _fail(
            store,
            folder,
            taken,
            sha,
            problems_text(exc.problems),
            exc.problems,
            at,
            policy,
        )
    if outcome.status == "held":
        reason = (
            f"held for a person (review item #{outcome.review_item}): "
            + "; ".join(outcome.decision.held)
            + f"\napply it after all: dunmail intake apply {outcome.file_id}"
        )
        moved = dropfolder.settle(taken, folder.path, "held", reason, policy)
        intake_store.update_file(store, outcome.file_id, at, moved_to=str(moved))
        log.warning("intake: snapshot %s held: %s", taken.name, "; ".join(outcome.decision.held))
        return {
            **outcome.summary,
            "file": f"{folder.kind}/{taken.name}",
            "status": "held",
            "reason": reason,
            "moved_to": str(moved),
        }
    return _done(store, folder, taken, outcome.file_id, "applied", at, policy, outcome.summary)


def _statements(
    store: Store,
    config: Config,
    folder: _Folder,
    taken: Path,
    sha: str,
    at: str,
    policy: FilePolicy,
) -> dict[str, Any]:
    with store.transaction():
        outcomes = import_statement_files(store, config, [taken], now=at)
        refused = [o for o in outcomes if o.status in ("failed", "quarantined")]
        summary = {"files": [o.as_dict() for o in outcomes]}
        if refused:
            reason = "; ".join(f"{o.reason}" for o in refused)
            file_id = None
        else:
            file_id = intake_store.save_file(
                store,
                sha256=sha,
                folder=folder.kind,
                filename=taken.name,
                kind="statements",
                status="processed",
                now=at,
                summary=summary,
            )
    if file_id is None:
        # daemon.app.statements kept the bytes and opened its own review item (import again
        # from there after a fix); the file itself goes to failed/ with the reason.
        return _fail(store, folder, taken, sha, reason, [], at, policy, review=False)
    return _done(store, folder, taken, file_id, "processed", at, policy, summary)


def _done(
    store: Store,
    folder: _Folder,
    taken: Path,
    file_id: int,
    status: str,
    at: str,
    policy: FilePolicy,
    summary: dict[str, Any],
) -> dict[str, Any]:
    moved = dropfolder.settle(taken, folder.path, "processed", None, policy)
    intake_store.update_file(store, file_id, at, moved_to=str(moved))
    log.info("intake: %s/%s %s", folder.kind, taken.name, status)
    # The folder/name label last: a snapshot's summary names the file by its bare name.
    return {
        **summary,
        "file": f"{folder.kind}/{taken.name}",
        "status": status,
        "moved_to": str(moved),
    }


def _fail(
    store: Store,
    folder: _Folder,
    taken: Path,
    sha: str,
    reason: str,
    problems: list[ImportProblem],
    at: str,
    policy: FilePolicy,
    *,
    review: bool = True,
) -> dict[str, Any]:
    """Move the file to failed/ with its reason, record it, and ask a person."""
    name = taken.name
    moved = dropfolder.settle(taken, folder.path, "failed", reason, policy)
    first = problems[0] if problems else None
    where = f"{name}:{first.line}" if first and first.line else name
    headline = first.message if first else reason.splitlines()[0]
    with store.transaction():
        file_id = intake_store.save_file(
            store,
            sha256=sha,
            folder=folder.kind,
            filename=name,
            kind="snapshot" if folder.settings.snapshot else folder.kind,  # as `intake list` shows
            status="failed",
            now=at,
            reason=reason,
            moved_to=str(moved),
        )
        if review:
            add_review_item(
                store,
                "intake_failed",
                f"drop file {folder.kind}/{where} failed: {headline}",
                priority=1,
                evidence={
                    "intake_file": file_id,
                    "file": name,
                    "folder": str(folder.path),
                    "moved_to": str(moved),
                    "reason": reason,
                    "problems": [
                        {"line": p.line, "column": p.column, "message": p.message} for p in problems
                    ],
                },
                proposed_actions=[
                    f"fix the file or the configuration, then: dunmail intake retry {file_id}",
                    "dismiss",
                ],
                dedupe_key=f"intake_failed:{file_id}",
                now=at,
            )
    log.warning("intake: %s/%s failed: %s", folder.kind, name, headline)
    return {
        "file": f"{folder.kind}/{name}",
        "status": "failed",
        "reason": reason,
        "moved_to": str(moved),
    }


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
