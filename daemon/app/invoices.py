"""Invoice intake: CSV and UBL files into debtors and invoices, all-or-nothing and idempotent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import invoice_import as import_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import (
    known_debtor_columns,
    refresh_invoice,
    upsert_debtor,
)
from daemon.adapters.store.letters import set_postal_address
from daemon.app.invoice_checks import (
    ImportProblem,
    ImportRejected,
    credit_note_problems,
    cross_file_problems,
    pdf_problems,
    read_invoice_data,
    read_paths,
    reference_problems,
)
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.domain.money import from_cents, to_cents
from parsers.invoice_mapping import InvoiceMapping
from parsers.invoices import (
    InvoiceRecord,
)

# Without a configured invoices.pdf_dir every pdf value is refused.
NO_PDFS = PdfPolicy("")

# Columns compared to decide whether a re-import changes an invoice.
_TRACKED = (
    "debtor_id",
    "currency",
    "amount_cents",
    "issue_date",
    "due_date",
    "reference",
    "reference_kind",
    "pdf_path",
)


@dataclass
class ImportReport:
    files: list[str] = field(default_factory=list)
    new: list[str] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    unchanged: int = 0
    credit_notes: list[str] = field(default_factory=list)
    debtors: int = 0
    dry_run: bool = False
    reading: list[dict[str, Any]] = field(default_factory=list)
    # Every invoice number the files list, new, changed or unchanged (drop folders claim
    # them for their source); not part of the printed report.
    numbers: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "dry_run": self.dry_run,
            "new": len(self.new),
            "updated": len(self.updated),
            "unchanged": self.unchanged,
            "credit_notes": len(self.credit_notes),
            "debtors": self.debtors,
            "changes": self.updated,
            "new_invoices": self.new,
            "reading": self.reading,
        }


def import_invoices(
    store: Store,
    paths: Sequence[Path],
    *,
    dry_run: bool = False,
    now: str | None = None,
    actor: str = "cli",
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
    pdfs: PdfPolicy = NO_PDFS,
    mapping: InvoiceMapping | None = None,
) -> ImportReport:
    """Import invoice files in one transaction. Bad rows anywhere → ImportRejected, no writes.

    ``pdfs`` (the config's ``invoices.pdf_policy``) decides which ``pdf`` values are
    accepted; without a folder every ``pdf`` value is refused. ``mapping`` reads CSV files
    as an accounting package's export (parsers.invoice_mapping)."""
    files, problems = read_paths(paths)
    return import_invoice_data(
        store,
        files,
        dry_run=dry_run,
        now=now,
        actor=actor,
        progress=progress,
        pdfs=pdfs,
        mapping=mapping,
        problems=problems,
    )


def import_invoice_data(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    *,
    dry_run: bool = False,
    now: str | None = None,
    actor: str = "cli",
    progress: Callable[[Iterable[Any]], Iterable[Any]] = lambda it: it,
    pdfs: PdfPolicy = NO_PDFS,
    mapping: InvoiceMapping | None = None,
    problems: Sequence[ImportProblem] = (),
) -> ImportReport:
    """:func:`import_invoices` of (source name, bytes) pairs: files, or mail attachments."""
    at = now or iso_utc()
    known = known_debtor_columns(store) if mapping is not None else None
    records, more, readings = read_invoice_data(files, mapping=mapping, known=known)
    problems = [*problems, *more]
    invoices = [(f, r) for f, r in records if r.kind == "invoice"]
    credit_notes = [(f, r) for f, r in records if r.kind == "credit_note"]
    problems.extend(cross_file_problems(invoices))
    problems.extend(pdf_problems(invoices, pdfs))
    problems.extend(reference_problems(store, invoices))
    existing = import_store.invoices_by_number(store)
    numbers = set(existing) | {r.number for _, r in invoices}
    problems.extend(credit_note_problems(credit_notes, numbers))
    if problems:
        raise ImportRejected(problems)

    report, plan, new_notes = _changes(store, files, readings, invoices, credit_notes, existing)
    report.dry_run = dry_run
    if dry_run:
        return report
    _write(store, plan, new_notes, report, readings, progress=progress, actor=actor, at=at)
    return report


Plan = list[tuple[str, InvoiceRecord, dict[str, Any] | None, dict[str, Any]]]


def _changes(
    store: Store,
    files: Sequence[tuple[str, bytes]],
    readings: list[dict[str, Any]],
    invoices: list[tuple[str, InvoiceRecord]],
    credit_notes: list[tuple[str, InvoiceRecord]],
    existing: dict[str, dict[str, Any]],
) -> tuple[ImportReport, Plan, list[tuple[str, InvoiceRecord]]]:
    """What the import would change: the report, each invoice's old row and changes, and
    the credit notes not seen before."""
    report = ImportReport(
        files=[f for f, _ in files],
        reading=readings,
        numbers=[r.number for _, r in invoices],
    )
    known_notes = import_store.credit_note_numbers(store)
    plan: Plan = []
    for source, record in invoices:
        new_row = _invoice_columns(record, source)
        old = existing.get(record.number)
        if old is None:
            report.new.append(record.number)
        else:
            changed = {
                k: {"old": old[k], "new": new_row[k]} for k in _TRACKED if old[k] != new_row[k]
            }
            if not changed:
                report.unchanged += 1
                plan.append((source, record, old, {}))
                continue
            report.updated.append({"number": record.number, "changes": _readable(changed)})
            plan.append((source, record, old, changed))
            continue
        plan.append((source, record, None, new_row))
    new_notes = [(s, n) for s, n in credit_notes if n.number not in known_notes]
    report.credit_notes = [n.number for _, n in new_notes]
    report.debtors = len({r.debtor_id for _, r in invoices})
    return report, plan, new_notes


def _write(
    store: Store,
    plan: Plan,
    new_notes: list[tuple[str, InvoiceRecord]],
    report: ImportReport,
    readings: list[dict[str, Any]],
    *,
    progress: Callable[[Iterable[Any]], Iterable[Any]],
    actor: str,
    at: str,
) -> None:
    """The import's one write: debtors, invoices, credit notes and their events."""
    # A debtor's declared mail domains may stand on any of its rows.
    domains: dict[str, list[str]] = {}
    for _, record, _, _ in plan:
        listed = domains.setdefault(record.debtor_id, [])
        listed.extend(d for d in record.debtor_domains if d not in listed)
    with store.transaction():
        # Which encoding, separator and mapping were used, when the files changed anything
        # (an unchanged re-import writes nothing at all).
        for reading in readings if report.new or report.updated or new_notes else ():
            record_event(store, "invoice_file_read", actor=actor, at=at, detail=reading)
        seen_debtors: set[str] = set()
        for source, record, old, change in progress(plan):
            if record.debtor_id not in seen_debtors:
                seen_debtors.add(record.debtor_id)
                _write_debtor(store, record, domains[record.debtor_id], at)
            if old is None:
                _write_new_invoice(store, source, record, actor, at)
            elif change:
                _write_changed_invoice(store, source, record, change, actor, at)
        for source, note in new_notes:
            _write_credit_note(store, source, note, actor, at)


def _write_debtor(store: Store, record: InvoiceRecord, domains: list[str], at: str) -> None:
    upsert_debtor(
        store,
        debtor_id=record.debtor_id,
        name=record.debtor_name,
        emails=record.debtor_emails,
        language=record.language,
        debtor_type=record.debtor_type,
        ibans=record.debtor_ibans,
        tags=record.tags,
        country=record.country,
        now=at,
        domains=domains,
    )
    if record.street:  # the debtor's postal address, for letters (#16)
        set_postal_address(
            store,
            record.debtor_id,
            street=record.street,
            postcode=record.postcode,
            city=record.city,
            country=record.postal_country,
            now=at,
        )


def _write_new_invoice(
    store: Store, source: str, record: InvoiceRecord, actor: str, at: str
) -> None:
    import_store.insert_invoice(store, _invoice_columns(record, source), at)
    record_event(
        store,
        "invoice_imported",
        actor=actor,
        debtor_id=record.debtor_id,
        invoice_number=record.number,
        at=at,
        detail={"file": source, "amount": format(record.amount, "f")},
    )


def _write_changed_invoice(
    store: Store,
    source: str,
    record: InvoiceRecord,
    change: dict[str, Any],
    actor: str,
    at: str,
) -> None:
    import_store.update_invoice(
        store, record.number, _invoice_columns(record, source), _TRACKED, at
    )
    record_event(
        store,
        "invoice_changed",
        actor=actor,
        debtor_id=record.debtor_id,
        invoice_number=record.number,
        at=at,
        detail={"file": source, "changes": _readable(change)},
    )
    refresh_invoice(store, record.number, now=at)


def _write_credit_note(store: Store, source: str, note: InvoiceRecord, actor: str, at: str) -> None:
    assert note.credited_invoice is not None
    import_store.insert_credit_note(
        store,
        note.number,
        note.credited_invoice,
        to_cents(note.amount),
        note.issue_date.isoformat(),
        at,
    )
    status = refresh_invoice(store, note.credited_invoice, now=at)
    record_event(
        store,
        "credit_note_applied",
        actor=actor,
        debtor_id=note.debtor_id,
        invoice_number=note.credited_invoice,
        at=at,
        detail={
            "file": source,
            "credit_note": note.number,
            "amount": format(note.amount, "f"),
            "status": status,
        },
    )


def _invoice_columns(record: InvoiceRecord, source: str) -> dict[str, Any]:
    return {
        "number": record.number,
        "debtor_id": record.debtor_id,
        "currency": record.currency,
        "amount_cents": to_cents(record.amount),
        "issue_date": record.issue_date.isoformat(),
        "due_date": record.due_date.isoformat(),
        "reference": record.reference,
        "reference_kind": record.reference_kind,
        "pdf_path": record.pdf or None,
        "source": source,
    }


def _readable(changes: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for key, change in changes.items():
        if key == "amount_cents":
            out["amount"] = {k: format(from_cents(v), "f") for k, v in change.items()}
        else:
            out[key] = change
    return out


def invoice_view(row: dict[str, Any]) -> dict[str, Any]:
    """The public JSON shape of an invoice (`dunmail invoices list --json`)."""
    amount = row["amount_cents"]
    paid = row["paid_cents"]
    open_amount = amount - paid - row["credited_cents"] - row["written_off_cents"]
    return {
        "number": row["number"],
        "debtor_id": row["debtor_id"],
        "currency": row["currency"],
        "amount": format(from_cents(amount), "f"),
        "paid_amount": format(from_cents(paid), "f"),
        "credited_amount": format(from_cents(row["credited_cents"]), "f"),
        "open_amount": format(from_cents(max(open_amount, 0)), "f"),
        "status": row["status"],
        "issue_date": row["issue_date"],
        "due_date": row["due_date"],
        "reference": row["reference"],
        "reference_kind": row["reference_kind"],
        "dunning_step": row["dunning_step"],
        "last_step": row["last_step_name"],
        "last_step_date": row["last_step_date"],
    }
