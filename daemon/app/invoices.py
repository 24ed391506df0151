"""Invoice intake: CSV and UBL files into debtors and invoices, all-or-nothing and idempotent."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.invoice_pdfs import pdf_problem
from daemon.adapters.store import invoice_import as import_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import (
    invoices_with_references,
    known_debtor_columns,
    refresh_invoice,
    upsert_debtor,
)
from daemon.adapters.store.letters import set_postal_address
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.domain.money import from_cents, to_cents
from daemon.domain.references import ReferenceClaim, foreign_claims, generate_rf
from parsers.csv_text import delimiter_name
from parsers.invoice_mapping import InvoiceMapping
from parsers.invoices import (
    InvoiceFormatError,
    InvoiceParseResult,
    InvoiceRecord,
    parse_invoice_file,
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


@dataclass(frozen=True, slots=True)
class ImportProblem:
    file: str
    line: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        col = f" [{self.column}]" if self.column else ""
        return f"{where}{col}: {self.message}"


class ImportRejected(Exception):
    """The files hold bad rows: nothing was imported."""

    def __init__(self, problems: Sequence[ImportProblem]) -> None:
        super().__init__(f"{len(problems)} problem(s); nothing was imported")
        self.problems = list(problems)


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


def read_invoice_files(
    paths: Sequence[Path],
    *,
    mapping: InvoiceMapping | None = None,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[tuple[str, InvoiceRecord]], list[ImportProblem]]:
    files, problems = _read_paths(paths)
    records, more, _ = read_invoice_data(files, mapping=mapping, known=known)
    return records, problems + more


def _read_paths(paths: Sequence[Path]) -> tuple[list[tuple[str, bytes]], list[ImportProblem]]:
    files: list[tuple[str, bytes]] = []
    problems: list[ImportProblem] = []
    for path in paths:
        try:
            files.append((str(path), path.read_bytes()))
        except OSError as exc:
            problems.append(ImportProblem(str(path), None, None, f"cannot read: {exc.strerror}"))
    return files, problems


def read_invoice_data(
    files: Sequence[tuple[str, bytes]],
    *,
    mapping: InvoiceMapping | None = None,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[tuple[str, InvoiceRecord]], list[ImportProblem], list[dict[str, Any]]]:
    """Records, problems and how each file was read (format, encoding, separator, mapping)."""
    records: list[tuple[str, InvoiceRecord]] = []
    problems: list[ImportProblem] = []
    readings: list[dict[str, Any]] = []
    for source, data in files:
        try:
            result = parse_invoice_file(data, source=source, mapping=mapping, known=known)
        except InvoiceFormatError as exc:
            problems.append(ImportProblem(source, None, None, str(exc)))
            continue
        readings.append(_reading(source, result))
        problems.extend(ImportProblem(source, e.line, e.column, e.message) for e in result.errors)
        records.extend((source, r) for r in result.records)
    return records, problems, readings


def _reading(source: str, result: InvoiceParseResult) -> dict[str, Any]:
    reading: dict[str, Any] = {"file": source, "format": result.format}
    if result.format == "csv":
        reading |= {
            "encoding": result.encoding,
            "delimiter": delimiter_name(result.delimiter) if result.delimiter else "auto",
            "mapping": result.mapping,
            "ignored_columns": list(result.ignored_columns),
        }
    return reading


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
    files, problems = _read_paths(paths)
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
    problems.extend(_cross_file_problems(invoices))
    problems.extend(_pdf_problems(invoices, pdfs))
    problems.extend(_reference_problems(store, invoices))
    existing = import_store.invoices_by_number(store)
    batch_numbers = {r.number for _, r in invoices}
    for source, note in credit_notes:
        target = note.credited_invoice
        if not target:
            problems.append(
                ImportProblem(
                    source, None, None, f"credit note {note.number}: no invoice referenced"
                )
            )
        elif target not in existing and target not in batch_numbers:
            problems.append(
                ImportProblem(
                    source, None, None, f"credit note {note.number}: unknown invoice {target}"
                )
            )
    if problems:
        raise ImportRejected(problems)

    report = ImportReport(
        files=[f for f, _ in files],
        dry_run=dry_run,
        reading=readings,
        numbers=[r.number for _, r in invoices],
    )
    known_notes = import_store.credit_note_numbers(store)
    plan: list[tuple[str, InvoiceRecord, dict[str, Any] | None, dict[str, Any]]] = []
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
    if dry_run:
        return report

    # A debtor's declared mail domains may stand on any of its rows.
    domains: dict[str, list[str]] = {}
    for _, record in invoices:
        known = domains.setdefault(record.debtor_id, [])
        known.extend(d for d in record.debtor_domains if d not in known)
    with store.transaction():
        # Which encoding, separator and mapping were used, when the files changed anything
        # (an unchanged re-import writes nothing at all).
        for reading in readings if report.new or report.updated or new_notes else ():
            record_event(store, "invoice_file_read", actor=actor, at=at, detail=reading)
        seen_debtors: set[str] = set()
        for source, record, old, change in progress(plan):
            if record.debtor_id not in seen_debtors:
                seen_debtors.add(record.debtor_id)
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
                    domains=domains[record.debtor_id],
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
            if old is None:
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
            elif change:
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
        for source, note in new_notes:
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
    return report


def _cross_file_problems(invoices: Sequence[tuple[str, InvoiceRecord]]) -> list[ImportProblem]:
    seen: dict[str, tuple[str, InvoiceRecord]] = {}
    problems = []
    for source, record in invoices:
        if record.number in seen and seen[record.number][1] != record:
            problems.append(
                ImportProblem(
                    source,
                    None,
                    "number",
                    f"invoice {record.number} appears again with other data "
                    f"(also in {seen[record.number][0]})",
                )
            )
        seen.setdefault(record.number, (source, record))
    return problems


def _pdf_problems(
    invoices: Sequence[tuple[str, InvoiceRecord]], pdfs: PdfPolicy
) -> list[ImportProblem]:
    """Each ``pdf`` must name a PDF inside invoices.pdf_dir now; it is checked again when it
    is read for sending (daemon.adapters.invoice_pdfs)."""
    problems = []
    for source, record in invoices:
        if record.pdf and (problem := pdf_problem(record.pdf, pdfs)):
            problems.append(ImportProblem(source, record.line or None, "pdf", problem))
    return problems


def _reference_problems(
    store: Store, invoices: Sequence[tuple[str, InvoiceRecord]]
) -> list[ImportProblem]:
    batch = [
        ReferenceClaim(r.reference, r.debtor_id, r.number, f"{f}:{r.line}" if r.line else f)
        for f, r in invoices
    ]
    stored = [
        ReferenceClaim(row["reference"], row["debtor_id"], row["number"], "the database")
        for row in invoices_with_references(store, (c.reference for c in batch))
    ]
    return [
        ImportProblem(
            source,
            record.line or None,
            "reference",
            f"reference {record.reference} of invoice {record.number} is already used by "
            f"invoice {other.number} of debtor {other.debtor_id} ({other.where}); one "
            "reference belongs to one debtor, or a payment is booked to the wrong one: "
            + _reference_advice(record),
        )
        for (source, record), other in zip(invoices, foreign_claims(batch, stored), strict=True)
        if other is not None
    ]


def _reference_advice(record: InvoiceRecord) -> str:
    try:
        derived = generate_rf(record.number)
    except ValueError:
        derived = ""
    if record.reference == derived:
        return (
            "it is derived from the number, and numbers that differ only in punctuation "
            "derive the same one; give this invoice a reference of its own"
        )
    return "give this invoice its own reference, or leave the column empty to derive one"


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
