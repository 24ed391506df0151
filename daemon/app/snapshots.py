"""Open-items snapshots: read one → decide (daemon.domain.snapshots) → write once.

A snapshot file is an invoice file (CSV or UBL) that lists every invoice still open in the
accounting package, optionally with its ``open_amount``. Applying it imports its rows like
any invoice file, then settles outside dunmail what it leaves out (and reduces what it lists
with less open), all in one transaction. A snapshot that fails the safety checks changes
nothing: it is recorded as held, with a review item saying what it would do, until a person
applies it (``dunmail intake apply ID`` or the review action ``apply_snapshot``).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daemon.adapters import dropfolder
from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store import intake as intake_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import known_debtor_columns, refresh_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.app.intake_mapping import MappingUnavailable, resolve
from daemon.app.invoices import (
    ImportProblem,
    ImportRejected,
    import_invoice_data,
    read_invoice_data,
)
from daemon.config import Config
from daemon.domain.invoice_states import MANUAL_STATES
from daemon.domain.money import from_cents, to_cents
from daemon.domain.snapshots import (
    SnapshotDecision,
    SnapshotRules,
    decide_snapshot,
    stated_date,
    stated_time,
)
from parsers.invoice_mapping import InvoiceMapping
from parsers.invoices import InvoiceRecord

_NAME_DATE = re.compile(r"(20\d\d)-?(0[1-9]|1[0-2])-?(0[1-9]|[12]\d|3[01])")


@dataclass
class SnapshotOutcome:
    status: str  # applied | held
    file_id: int
    decision: SnapshotDecision
    summary: dict[str, Any] = field(default_factory=dict)
    review_item: int | None = None


class _Held(Exception):
    def __init__(self, decision: SnapshotDecision) -> None:
        super().__init__("held")
        self.decision = decision


def snapshot_time(name: str, mtime: datetime, tz: ZoneInfo) -> datetime:
    """When a snapshot file was taken: its modification time, unless its name carries an
    earlier date (an old export dropped again today is as old as its name says: end of that
    day). A ``snapshot_date`` column in the file comes before both (:func:`take_snapshot`)."""
    match = _NAME_DATE.search(name)
    if match is None:
        return mtime
    try:
        year, month, day = (int(g) for g in match.groups())
        named = date(year, month, day)
    except ValueError:
        return mtime
    if named < mtime.astimezone(tz).date():
        return datetime.combine(named, time(23, 59, 59), tzinfo=tz)
    return mtime


def rules_of(config: Config) -> SnapshotRules:
    intake = config.intake
    return SnapshotRules(Decimal(str(intake.snapshot_max_settle_share)), intake.expected_sources)


def take_snapshot(
    store: Store,
    config: Config,
    data: bytes,
    *,
    filename: str,
    folder: str,
    source: str,
    taken_at: datetime,
    now: datetime,
    actor: str = "daemon",
    mapping: InvoiceMapping | None = None,
    force: bool = False,
    held_id: int | None = None,
    sha256: str | None = None,
) -> SnapshotOutcome:
    """Apply the snapshot ``data`` (the bytes already read and checked, named ``filename``
    in every problem) or hold it. Bad rows raise ImportRejected (nothing is written).
    ``mapping`` reads an accounting package's export (its ``open_amount`` column too);
    ``force``: a person looked at it, apply it despite the safety checks; ``held_id``: the
    held intake file this applies. ``taken_at`` is the file's time (:func:`snapshot_time`);
    a ``snapshot_date`` column in the file comes first."""
    at = iso_utc(now)
    sha = sha256 or hashlib.sha256(data).hexdigest()
    files = [(filename, data)]
    known = known_debtor_columns(store) if mapping is not None else None
    records, problems, _ = read_invoice_data(files, mapping=mapping, known=known)
    if problems:
        raise ImportRejected(problems)
    taken_at, dated_by = _dated(records, filename, taken_at, now, config.office.tz)
    listed = {
        r.number: to_cents(r.open_amount if r.open_amount is not None else r.amount)
        for _, r in records
        if r.kind == "invoice"
    }
    # Kept with the file: a held snapshot is applied later read the same way.
    read_as = mapping.name if mapping is not None else ""
    last = intake_store.last_snapshot_at(store, source)
    try:
        with store.transaction():
            report = import_invoice_data(
                store,
                files,
                now=at,
                actor=actor,
                pdfs=config.invoices.pdf_policy,
                mapping=mapping,
            )
            # What the snapshot lists, it speaks for from now on (also an invoice it brings
            # in, or one imported by hand): a listed open amount below dunmail's applies to it.
            intake_store.claim_source(store, sorted(listed), source)
            rows = intake_store.open_invoices_of_source(store, source)
            decision = decide_snapshot(
                {r["number"]: int(r["open_cents"]) for r in rows},
                listed,
                source=source,
                taken_at=taken_at,
                last_taken_at=parse_iso(last) if last else None,
                rules=rules_of(config),
                # A person decided on these: the package's word does not overrule them.
                untouchable={r["number"] for r in rows if r["status"] in MANUAL_STATES},
                dated_by=dated_by,
            )
            if decision.held and not force:
                raise _Held(decision)
            summary = _summary(decision, filename, source, report.as_dict(), listed, read_as)
            summary |= {"snapshot_at": iso_utc(taken_at), "dated_by": dated_by or "file"}
            if held_id is None:
                file_id = intake_store.save_file(
                    store,
                    sha256=sha,
                    folder=folder,
                    filename=filename,
                    kind="snapshot",
                    status="applied",
                    now=at,
                    source=source,
                    snapshot_at=iso_utc(taken_at),
                    summary=summary,
                )
            else:
                file_id = held_id
                summary["applied_despite"] = list(decision.held)
                intake_store.update_file(store, file_id, at, status="applied", summary=summary)
            _settle(store, decision, file_id, filename, source, actor, at)
    except _Held as held:
        return _hold(
            store,
            held.decision,
            sha,
            filename,
            folder,
            source,
            taken_at,
            listed,
            at,
            read_as,
            dated_by,
        )
    return SnapshotOutcome("applied", file_id, decision, summary)


def _dated(
    records: list[tuple[str, InvoiceRecord]],
    filename: str,
    taken_at: datetime,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[datetime, str]:
    """The snapshot's time with its own ``snapshot_date`` column first, and what dated it
    ("" = the file). Rows that disagree, or a date after today, reject the file: a snapshot
    dated wrongly would hold every later one as "older", or let an old one settle."""
    stated = stated_date((r.line, r.snapshot_date) for _, r in records)
    if stated.problem:
        raise ImportRejected(
            [ImportProblem(filename, stated.line, "snapshot_date", stated.problem)]
        )
    if stated.day is None:
        return taken_at, ""
    today = now.astimezone(tz).date()
    if stated.day > today:
        first = min(r.line for _, r in records)
        raise ImportRejected(
            [
                ImportProblem(
                    filename,
                    first,
                    "snapshot_date",
                    f"snapshot date {stated.day} is after today ({today}): a wrong date, or "
                    "the mapping's date_format?",
                )
            ]
        )
    return stated_time(taken_at, stated.day, tz), "snapshot_date column"


def _settle(
    store: Store,
    decision: SnapshotDecision,
    file_id: int,
    filename: str,
    source: str,
    actor: str,
    at: str,
) -> None:
    for s in decision.settlements:
        intake_store.add_outside_settlement(
            store,
            number=s.number,
            kind=s.kind,
            cents=s.cents,
            file_id=file_id,
            snapshot=filename,
            now=at,
        )
        status = refresh_invoice(store, s.number, now=at)
        record_event(
            store,
            "settled_outside" if s.kind == "settled" else "reduced_outside",
            actor=actor,
            invoice_number=s.number,
            at=at,
            detail={
                "snapshot": filename,
                "intake_file": file_id,
                "source": source,
                "amount": format(from_cents(s.cents), "f"),
                "status": status,
            },
        )


def _hold(
    store: Store,
    decision: SnapshotDecision,
    sha: str,
    filename: str,
    folder: str,
    source: str,
    taken_at: datetime,
    listed: dict[str, int],
    at: str,
    read_as: str,
    dated_by: str,
) -> SnapshotOutcome:
    summary = _summary(decision, filename, source, {}, listed, read_as)
    summary |= {"snapshot_at": iso_utc(taken_at), "dated_by": dated_by or "file"}
    reason = "held: " + "; ".join(decision.held)
    with store.transaction():
        file_id = intake_store.save_file(
            store,
            sha256=sha,
            folder=folder,
            filename=filename,
            kind="snapshot",
            status="held",
            now=at,
            reason=reason,
            source=source,
            snapshot_at=iso_utc(taken_at),
            summary=summary,
        )
        item = add_review_item(
            store,
            "snapshot_held",
            f"open-items snapshot {filename} {reason}; it would settle "
            f"{len(decision.settled)} and reduce {len(decision.reduced)} invoice(s)",
            priority=1,
            evidence={"intake_file": file_id, **summary, "reasons": list(decision.held)},
            proposed_actions=[f"apply it after all: dunmail intake apply {file_id}", "dismiss"],
            invoice_numbers=list(decision.settled + decision.reduced),
            dedupe_key=f"snapshot:{sha}",
            now=at,
        )
        record_event(
            store,
            "snapshot_held",
            at=at,
            detail={"snapshot": filename, "intake_file": file_id, "reasons": list(decision.held)},
        )
    return SnapshotOutcome("held", file_id, decision, summary, item)


def _summary(
    decision: SnapshotDecision,
    filename: str,
    source: str,
    imported: dict[str, Any],
    listed: dict[str, int],
    read_as: str,
) -> dict[str, Any]:
    return {
        "file": filename,
        "source": source,
        "mapping": read_as,  # "" = dunmail's own CSV columns (or UBL)
        "listed": len(listed),
        "open_before": decision.open_before,
        "settle": [
            {"invoice": s.number, "amount": format(from_cents(s.cents), "f")}
            for s in decision.settlements
            if s.kind == "settled"
        ],
        "reduce": [
            {"invoice": s.number, "amount": format(from_cents(s.cents), "f")}
            for s in decision.settlements
            if s.kind == "reduced"
        ],
        "more_open_than_here": list(decision.higher),
        "notes": list(decision.notes),
        "imported": {k: imported[k] for k in ("new", "updated", "unchanged") if k in imported},
    }


def apply_held(
    store: Store, config: Config, file_id: int, *, now: datetime, actor: str
) -> SnapshotOutcome:
    """A person applies a held snapshot after all (from the file it was kept as)."""
    row = intake_store.file_row(store, file_id)
    if row is None or row["kind"] != "snapshot":
        raise LookupError(f"no snapshot {file_id}; see: dunmail intake list")
    if row["status"] != "held":
        raise ValueError(f"snapshot {file_id} ({row['filename']}) is {row['status']}, not held")
    kept = Path(row["moved_to"] or "")
    if not row["moved_to"] or not kept.is_file():
        raise ValueError(f"snapshot {file_id}: the held file {kept} is gone; drop it again")
    data = kept.read_bytes()
    if hashlib.sha256(data).hexdigest() != row["sha256"]:
        raise ValueError(f"snapshot {file_id}: {kept} changed since it was held; drop it again")
    try:
        # The mapping it was read with when held (a drop folder's, or `--mapping`); a
        # snapshot held before that was recorded: its folder's.
        folder_mapping = config.intake.invoices.mapping if row["folder"] == "invoices" else ""
        mapping = resolve(config, str(row["summary"].get("mapping", folder_mapping)))
        outcome = take_snapshot(
            store,
            config,
            data,
            filename=row["filename"],
            folder=row["folder"],
            source=row["source"],
            taken_at=parse_iso(row["snapshot_at"]),
            now=now,
            actor=actor,
            mapping=mapping,
            force=True,
            held_id=file_id,
            sha256=row["sha256"],
        )
    except ImportRejected as exc:
        raise ValueError("; ".join(str(p) for p in exc.problems)) from exc
    except MappingUnavailable as exc:
        raise ValueError(str(exc)) from exc
    intake_store.resolve_keyed_items(
        store, f"snapshot:{row['sha256']}", f"applied by {actor}", now=iso_utc(now)
    )
    if kept.parent.name == "held":  # from a drop folder: now it is processed like the rest
        moved = dropfolder.settle(
            kept, kept.parent.parent, "processed", None, FilePolicy(config.files.group)
        )
        intake_store.update_file(store, file_id, iso_utc(now), moved_to=str(moved))
    return outcome


def problems_text(problems: list[ImportProblem]) -> str:
    """Import problems, one a line (each names the file by its own name and the line)."""
    return "\n".join(str(p) for p in problems)
