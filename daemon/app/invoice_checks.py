"""What an invoice import reads and checks before it writes anything: the records of each
file, how it was read, and every problem found, named by file, line and column
(daemon.app.invoices raises ImportRejected with all of them)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from daemon.adapters.invoice_pdfs import pdf_problem
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import invoices_with_references
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.domain.references import ReferenceClaim, foreign_claims, generate_rf
from parsers.csv_text import delimiter_name
from parsers.invoice_mapping import InvoiceMapping
from parsers.invoices import (
    InvoiceFormatError,
    InvoiceParseResult,
    InvoiceRecord,
    parse_invoice_file,
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


def read_invoice_files(
    paths: Sequence[Path],
    *,
    mapping: InvoiceMapping | None = None,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> tuple[list[tuple[str, InvoiceRecord]], list[ImportProblem]]:
    files, problems = read_paths(paths)
    records, more, _ = read_invoice_data(files, mapping=mapping, known=known)
    return records, problems + more


def read_paths(paths: Sequence[Path]) -> tuple[list[tuple[str, bytes]], list[ImportProblem]]:
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


def cross_file_problems(invoices: Sequence[tuple[str, InvoiceRecord]]) -> list[ImportProblem]:
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


def pdf_problems(
    invoices: Sequence[tuple[str, InvoiceRecord]], pdfs: PdfPolicy
) -> list[ImportProblem]:
    """Each ``pdf`` must name a PDF inside invoices.pdf_dir now; it is checked again when it
    is read for sending (daemon.adapters.invoice_pdfs)."""
    problems = []
    for source, record in invoices:
        if record.pdf and (problem := pdf_problem(record.pdf, pdfs)):
            problems.append(ImportProblem(source, record.line or None, "pdf", problem))
    return problems


def reference_problems(
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


def credit_note_problems(
    credit_notes: Sequence[tuple[str, InvoiceRecord]], known: set[str]
) -> list[ImportProblem]:
    """A credit note must name an invoice stored already or imported with it."""
    problems = []
    for source, note in credit_notes:
        target = note.credited_invoice
        if not target:
            why = f"credit note {note.number}: no invoice referenced"
        elif target not in known:
            why = f"credit note {note.number}: unknown invoice {target}"
        else:
            continue
        problems.append(ImportProblem(source, None, None, why))
    return problems
