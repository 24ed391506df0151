"""Invoice intake: CSV with a header row, and UBL 2.1 Invoice/CreditNote (see parsers.ubl).

Row problems never raise: every problem of every row comes back as a RowError naming the
physical file line (header = line 1) and the column, so the office fixes a file in one go.
Only a file that is neither CSV nor UBL, or cannot be decoded, raises InvoiceFormatError.

References: the column may hold an ISO 11649 RF reference, a Dutch betalingskenmerk or a
Belgian OGM; when empty an RF reference is derived from the invoice number. Normalised
values: RF upper case without spaces, kenmerk digits, OGM its 12 digits.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from parsers.invoice_rows import (
    OPTIONAL_COLUMNS,
    REQUIRED_COLUMNS,
    InvoiceFormatError,
    InvoiceRecord,
    RowError,
    canonical_records,
    check_postal,
)
from parsers.mapped_invoices import parse_mapped_csv
from parsers.ubl import parse_ubl

if TYPE_CHECKING:
    from parsers.invoice_mapping import InvoiceMapping

# Re-exported: the row types and columns are read from here by the callers of this module.
__all__ = [
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "InvoiceFormat",
    "InvoiceFormatError",
    "InvoiceParseResult",
    "InvoiceRecord",
    "RowError",
    "check_postal",
    "detect_invoice_format",
    "parse_csv",
    "parse_invoice_file",
]

InvoiceFormat = Literal["csv", "ubl"]


@dataclass(frozen=True, slots=True)
class InvoiceParseResult:
    records: tuple[InvoiceRecord, ...]
    errors: tuple[RowError, ...]
    format: InvoiceFormat
    # How a CSV was read, so the import can say it (never guessed silently).
    encoding: str = "utf-8"
    delimiter: str = ""
    mapping: str | None = None
    ignored_columns: tuple[str, ...] = ()


# --- CSV ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvoiceFormatError(
            f"file is not UTF-8 (byte {exc.start}): save it as UTF-8 CSV"
        ) from exc
    if "\x00" in text:
        raise InvoiceFormatError("file contains NUL bytes; it is not a text CSV")
    return text


def _delimiter(header_line: str) -> str:
    return ";" if header_line.count(";") > header_line.count(",") else ","


def _header_errors(header: list[str]) -> list[RowError]:
    errors = []
    seen: set[str] = set()
    for name in header:
        if name in seen:
            errors.append(RowError(1, name, f"column {name!r} appears twice"))
        seen.add(name)
        if name not in REQUIRED_COLUMNS and name not in OPTIONAL_COLUMNS:
            errors.append(RowError(1, name or None, f"unknown column {name!r}"))
    for name in REQUIRED_COLUMNS:
        if name not in seen:
            errors.append(RowError(1, name, f"missing required column {name!r}"))
    return errors


def parse_csv(data: bytes) -> tuple[list[InvoiceRecord], list[RowError]]:
    """All valid records and all errors. When the header is wrong no record is returned
    (a misspelt optional column would otherwise be dropped silently), but every row is
    still checked so the office sees all problems at once."""
    text = _decode(data)
    first_line = text.split("\n", 1)[0]
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        if not any(header):
            raise InvoiceFormatError("the CSV file is empty or has no header row")
        errors = _header_errors(header)
        rows: list[tuple[int, dict[str, str]]] = []
        line_end = reader.line_num
        for fields in reader:
            line, line_end = line_end + 1, reader.line_num
            if not any(f.strip() for f in fields):
                continue
            if len(fields) != len(header):
                errors.append(
                    RowError(line, None, f"expected {len(header)} fields, found {len(fields)}")
                )
                continue
            rows.append((line, dict(zip(header, fields, strict=True))))
    except csv.Error as exc:
        raise InvoiceFormatError(f"unreadable CSV near line {reader.line_num}: {exc}") from exc
    records = canonical_records(rows, errors)
    if any(e.line == 1 for e in errors):
        return [], errors
    return records, errors


# --- dispatch ---------------------------------------------------------------------------


def detect_invoice_format(data: bytes) -> InvoiceFormat:
    """``ubl`` for XML (first non-blank character ``<``), otherwise ``csv``."""
    head = data[:1024].lstrip(b"\xef\xbb\xbf").lstrip()
    if not head:
        raise InvoiceFormatError("the file is empty")
    return "ubl" if head.startswith(b"<") else "csv"


def parse_invoice_file(
    data: bytes,
    *,
    source: str,
    mapping: InvoiceMapping | None = None,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> InvoiceParseResult:
    """Parse an invoice file; ``source`` (file name) only appears in error messages.

    With ``mapping`` a CSV is an accounting package's export (parsers.invoice_mapping);
    ``known`` gives the name and e-mail of debtors already known, by debtor id, for exports
    without them. A UBL file needs no mapping."""
    try:
        fmt = detect_invoice_format(data)
        if fmt == "ubl":
            records, errors = parse_ubl(data)
        elif mapping is not None:
            mapped = parse_mapped_csv(data, mapping, known)
            return InvoiceParseResult(
                tuple(mapped.records),
                tuple(_sorted(mapped.errors)),
                fmt,
                mapped.encoding,
                mapped.delimiter,
                mapping.name,
                mapped.ignored_columns,
            )
        else:
            records, errors = parse_csv(data)
    except InvoiceFormatError as exc:
        raise InvoiceFormatError(f"{source}: {exc}") from exc
    return InvoiceParseResult(tuple(records), tuple(_sorted(errors)), fmt)


def _sorted(errors: Iterable[RowError]) -> list[RowError]:
    return sorted(errors, key=lambda e: e.line)
