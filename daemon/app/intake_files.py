"""A drop file taken from its folder (daemon.app.intake): imported through the ordinary entry
point of its kind (daemon.app.invoices, daemon.app.snapshots, daemon.app.statements), its
content hash recorded (the same bytes again are a duplicate), then moved to ``processed/``,
``held/`` or ``failed/`` with a reason file; a failed file opens a review item.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from daemon.adapters import dropfolder
from daemon.adapters.clock import iso_utc
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store import intake as intake_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.queue import add_review_item
from daemon.app.intake_mapping import MappingUnavailable, resolve
from daemon.app.invoice_checks import ImportProblem, ImportRejected
from daemon.app.invoices import import_invoice_data
from daemon.app.snapshots import problems_text, snapshot_time, take_snapshot
from daemon.app.statements import import_statement_files
from daemon.config import Config, DropFolderSettings

log = logging.getLogger("dunmail.intake")

ACTOR = "intake"


@dataclass(frozen=True, slots=True)
class DropFolder:
    """A configured drop folder: its kind, path, settings and the config key naming it."""

    kind: str  # invoices | statements
    path: Path
    settings: DropFolderSettings
    key: str  # the config key that names it


def import_taken(
    store: Store,
    config: Config,
    folder: DropFolder,
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
        return settle_failed(
            store, folder, taken, hashlib.sha256(b"").hexdigest(), why, [], at, policy
        )
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
    folder: DropFolder,
    taken: Path,
    data: bytes,
    sha: str,
    at: str,
    policy: FilePolicy,
) -> dict[str, Any]:
    try:
        mapping = resolve(config, folder.settings.mapping)
    except MappingUnavailable as exc:
        return settle_failed(store, folder, taken, sha, str(exc), [], at, policy)
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
        return settle_failed(
            store,
            folder,
            taken,
            sha,
            problems_text(exc.problems),
            exc.problems,
            at,
            policy,
        )
    return settle_done(store, folder, taken, file_id, "processed", at, policy, report.as_dict())


def _snapshot(
    store: Store,
    config: Config,
    folder: DropFolder,
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
        return settle_failed(store, folder, taken, sha, str(exc), [], at, policy)
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
        return settle_failed(
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
    return settle_done(
        store, folder, taken, outcome.file_id, "applied", at, policy, outcome.summary
    )


def _statements(
    store: Store,
    config: Config,
    folder: DropFolder,
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
        return settle_failed(store, folder, taken, sha, reason, [], at, policy, review=False)
    return settle_done(store, folder, taken, file_id, "processed", at, policy, summary)


def settle_done(
    store: Store,
    folder: DropFolder,
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


def settle_failed(
    store: Store,
    folder: DropFolder,
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
