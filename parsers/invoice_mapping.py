"""Column mappings: an accounting package's CSV export read as dunmail's invoice columns.

A mapping is data (TOML): which export header feeds which dunmail column, the date format,
the decimal character, the allowed encodings and the separator. Presets ship inside the
package (``parsers/mappings/*.toml``, each saying where every column comes from); an office
adds its own under ``[intake.mappings.NAME]`` in the config. :func:`mapped_rows` turns the
export's rows into dunmail's canonical columns (ISO dates, plain amounts), so the ordinary row
checks of :mod:`parsers.invoices` apply unchanged and every column a future version adds there
is mappable without a change here.

Export lists rarely carry e-mail addresses: a mapping may leave ``debtor_name`` and
``debtor_email`` unmapped, and they are then taken from the debtor dunmail already knows by
its ``debtor_id`` (``known`` below); a debtor it does not know is a row error.
"""

from __future__ import annotations

import csv
import io
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from typing import Any

from parsers.csv_text import ENCODINGS, CsvTextError, delimiter_name, read_text
from parsers.export_values import (
    DATE_FORMATS,
    DECIMALS,
    decimal_hint,
    file_decimal,
    parse_amount,
    parse_date,
)

DATE_COLUMNS = ("issue_date", "due_date", "snapshot_date")  # snapshot_date: report date
AMOUNT_COLUMNS = ("amount", "open_amount")  # open_amount: open-items snapshots
# Unmapped, these come from the debtor already known by debtor_id; the first two are
# required, so an unknown debtor without them is an error. debtor_type is carried over so
# an export without it never turns a known consumer (b2c) into a business.
FROM_KNOWN_DEBTOR = ("debtor_name", "debtor_email")
CARRIED_OVER = (*FROM_KNOWN_DEBTOR, "debtor_type")
_TOP_KEYS = {
    "title",
    "package",
    "export",
    "source",
    "notes",
    "encodings",
    "delimiter",
    "date_format",
    "decimal",
    "header_line",
    "payment_term_days",
    "columns",
}
_COLUMN_KEYS = {"headers", "value", "source"}


class MappingError(ValueError):
    """A mapping definition is wrong; ``problems`` name the key of each."""

    def __init__(self, name: str, problems: list[str]) -> None:
        super().__init__(f"mapping {name!r}: " + "; ".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ColumnSpec:
    headers: tuple[str, ...] = ()  # any of these export headers (case-insensitive)
    value: str | None = None  # a constant instead of a column (e.g. currency = "EUR")
    source: str = ""  # where the header name comes from (documentation, or "assumed")


@dataclass(frozen=True, slots=True)
class InvoiceMapping:
    name: str
    title: str
    columns: Mapping[str, ColumnSpec]
    package: str = ""
    export: str = ""  # the export's name and menu path in the package
    source: str = ""  # documentation URL(s)
    notes: str = ""
    encodings: tuple[str, ...] = ("utf-8",)
    delimiter: str = "auto"
    date_format: str = "yyyy-mm-dd"
    decimal: str = "auto"
    header_line: int = 1
    payment_term_days: int | None = None  # due date = issue date + N when not exported
    preset: bool = False

    def describe(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "package": self.package,
            "export": self.export,
            "source": self.source,
            "preset": self.preset,
            "encodings": list(self.encodings),
            "delimiter": delimiter_name(self.delimiter) if self.delimiter != "auto" else "auto",
            "date_format": self.date_format,
            "decimal": self.decimal,
            "columns": {
                k: ({"headers": list(v.headers)} if v.headers else {"value": v.value})
                | ({"source": v.source} if v.source else {})
                for k, v in self.columns.items()
            },
            "notes": self.notes,
        }


def mapping_from_dict(
    name: str, data: Mapping[str, Any], known_columns: tuple[str, ...], *, preset: bool = False
) -> InvoiceMapping:
    """Validate a TOML table as a mapping; MappingError lists every problem with its key."""
    problems: list[str] = []
    for key in data:
        if key not in _TOP_KEYS:
            problems.append(f"{key}: unknown key")

    def text(key: str, default: str = "") -> str:
        value = data.get(key, default)
        if not isinstance(value, str):
            problems.append(f"{key}: expected a string")
            return default
        return value

    encodings = data.get("encodings", ["utf-8"])
    if not isinstance(encodings, list) or not encodings:
        problems.append("encodings: expected a list such as ['utf-8', 'windows-1252']")
        encodings = ["utf-8"]
    for enc in encodings:
        if enc not in ENCODINGS:
            problems.append(f"encodings: {enc!r} is not one of {', '.join(ENCODINGS)}")
    delimiter = text("delimiter", "auto")
    if delimiter not in ("auto", ",", ";", "\t", "tab"):
        problems.append(f"delimiter: {delimiter!r} is not ',', ';', 'tab' or 'auto'")
    date_format = text("date_format", "yyyy-mm-dd")
    if date_format not in DATE_FORMATS:
        problems.append(f"date_format: {date_format!r} is not one of {', '.join(DATE_FORMATS)}")
    decimal = text("decimal", "auto")
    if decimal not in DECIMALS:
        problems.append(f"decimal: {decimal!r} is not ',', '.' or 'auto'")
    header_line = data.get("header_line", 1)
    if not isinstance(header_line, int) or isinstance(header_line, bool) or header_line < 1:
        problems.append("header_line: expected a line number from 1")
        header_line = 1
    term = data.get("payment_term_days")
    if term is not None and (not isinstance(term, int) or isinstance(term, bool) or term < 0):
        problems.append("payment_term_days: expected a number of days")
        term = None
    columns = _columns(data.get("columns"), known_columns, problems)
    missing = [
        c
        for c in ("number", "debtor_id", "issue_date", "amount")
        + (("due_date",) if term is None else ())
        if c not in columns
    ]
    if missing:
        problems.append(f"columns: no column for {', '.join(missing)}")
    if problems:
        raise MappingError(name, problems)
    return InvoiceMapping(
        name=name,
        title=text("title", name),
        columns=columns,
        package=text("package"),
        export=text("export"),
        source=text("source"),
        notes=text("notes"),
        encodings=tuple(encodings),
        delimiter="\t" if delimiter == "tab" else delimiter,
        date_format=date_format,
        decimal=decimal,
        header_line=header_line,
        payment_term_days=term,
        preset=preset,
    )


def _columns(
    raw: Any, known_columns: tuple[str, ...], problems: list[str]
) -> dict[str, ColumnSpec]:
    if not isinstance(raw, Mapping):
        problems.append("columns: expected a table of dunmail column = export header(s)")
        return {}
    out: dict[str, ColumnSpec] = {}
    for column, spec in raw.items():
        key = f"columns.{column}"
        if column not in known_columns:
            problems.append(f"{key}: dunmail has no column {column!r}")
            continue
        if isinstance(spec, str):  # the short form: number = "Factuurnummer"
            spec = {"headers": [spec]}
        if not isinstance(spec, Mapping):
            problems.append(f"{key}: expected a header name or a table")
            continue
        unknown = set(spec) - _COLUMN_KEYS
        if unknown:
            problems.append(f"{key}: unknown key(s) {', '.join(sorted(unknown))}")
        headers = spec.get("headers", [])
        headers = [headers] if isinstance(headers, str) else headers
        value = spec.get("value")
        if not isinstance(headers, list) or not all(isinstance(h, str) and h for h in headers):
            problems.append(f"{key}.headers: expected a list of header names")
            continue
        if bool(headers) == (value is not None):
            problems.append(f"{key}: give headers or a value, not both or neither")
            continue
        if value is not None and not isinstance(value, str):
            problems.append(f"{key}.value: expected a string")
            continue
        out[column] = ColumnSpec(tuple(headers), value, str(spec.get("source", "")))
    return out


# --- presets ------------------------------------------------------------------------------


def preset_names() -> list[str]:
    folder = resources.files("parsers") / "mappings"
    return sorted(p.name[:-5] for p in folder.iterdir() if p.name.endswith(".toml"))


def load_preset(name: str, known_columns: tuple[str, ...]) -> InvoiceMapping:
    if name not in preset_names():
        raise KeyError(name)
    path = resources.files("parsers") / "mappings" / f"{name}.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return mapping_from_dict(name, data, known_columns, preset=True)


# --- applying a mapping --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MappedFile:
    """The export's rows in dunmail's columns, and how the file was read."""

    rows: list[tuple[int, dict[str, str]]]
    errors: list[tuple[int, str | None, str]]  # (line, dunmail column, message)
    encoding: str
    delimiter: str
    decimal: str  # "," or "."; "" when no amount in the file decided it
    labels: dict[str, str]  # dunmail column → "Export header (column)" for messages
    ignored: list[str] = field(default_factory=list)  # export columns no dunmail column uses


def mapped_rows(
    data: bytes,
    mapping: InvoiceMapping,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> MappedFile:
    """Read ``data`` with ``mapping``. Raises CsvTextError when the file cannot be read as
    text with a clear separator; every other problem is a (line, column, message) error."""
    found = read_text(data, mapping.encodings, mapping.delimiter, header_line=mapping.header_line)
    reader = csv.reader(io.StringIO(found.text, newline=""), delimiter=found.delimiter)
    errors: list[tuple[int, str | None, str]] = []
    header: list[str] = []
    try:
        for _ in range(mapping.header_line):
            header = next(reader, [])
        header_at = reader.line_num
        body = [(reader.line_num, fields) for fields in _lines(reader)]
    except csv.Error as exc:
        raise CsvTextError(f"unreadable CSV near line {reader.line_num}: {exc}") from exc
    if not any(h.strip() for h in header):
        raise CsvTextError(f"line {mapping.header_line} (the header line) is empty")
    index, labels, header_errors = _locate(header, mapping)
    errors += [(header_at, col, msg) for col, msg in header_errors]
    used = set(index.values())
    ignored = [h.strip() for i, h in enumerate(header) if i not in used and h.strip()]
    decimal = mapping.decimal
    if decimal == "auto":
        try:
            decided, _ = file_decimal(
                (line, fields[index[c]])
                for line, fields in body
                for c in AMOUNT_COLUMNS
                if c in index and index[c] < len(fields)
            )
        except ValueError as exc:
            raise CsvTextError(str(exc)) from exc
        # None: no value decides; each ambiguous value is then an error of its own row.
        decimal = decided or ""
    rows: list[tuple[int, dict[str, str]]] = []
    if not header_errors:
        for line, fields in body:
            if len(fields) != len(header):
                errors.append((line, None, f"expected {len(header)} fields, found {len(fields)}"))
                continue
            row, row_errors = _convert(line, fields, index, mapping, decimal, known)
            errors += row_errors
            rows.append((line, row))
    return MappedFile(rows, errors, found.encoding, found.delimiter, decimal, labels, ignored)


def _lines(reader: Any) -> Any:
    for fields in reader:
        if any(f.strip() for f in fields):
            yield fields


def _locate(
    header: list[str], mapping: InvoiceMapping
) -> tuple[dict[str, int], dict[str, str], list[tuple[str | None, str]]]:
    names = [h.strip().lstrip("\ufeff").casefold() for h in header]
    index: dict[str, int] = {}
    labels: dict[str, str] = {}
    problems: list[tuple[str | None, str]] = []
    for column, spec in mapping.columns.items():
        if not spec.headers:
            continue
        hits = [i for i, n in enumerate(names) if n in {h.casefold() for h in spec.headers}]
        wanted = " or ".join(repr(h) for h in spec.headers)
        if not hits:
            problems.append((column, f"no column {wanted} for {column} (mapping {mapping.name!r})"))
        elif len(hits) > 1:
            problems.append((column, f"{wanted} matches {len(hits)} columns; it must be one"))
        else:
            index[column] = hits[0]
            labels[column] = f"{header[hits[0]].strip()} ({column})"
    return index, labels, problems


def _amount(raw: str, decimal: str) -> tuple[str | None, str | None]:
    if decimal:
        return parse_amount(raw, decimal)
    hint = decimal_hint(raw)
    if hint is None:
        return None, (
            f"amount {raw!r} is ambiguous (a decimal or a thousands separator?) and no other "
            "amount in the file tells; set decimal in the mapping"
        )
    return parse_amount(raw, hint or ".")


def _convert(
    line: int,
    fields: list[str],
    index: dict[str, int],
    mapping: InvoiceMapping,
    decimal: str,
    known: Mapping[str, Mapping[str, str]] | None,
) -> tuple[dict[str, str], list[tuple[int, str | None, str]]]:
    row: dict[str, str] = {}
    errors: list[tuple[int, str | None, str]] = []
    for column, spec in mapping.columns.items():
        raw = spec.value if spec.value is not None else fields[index[column]].strip()
        value: str | None = raw
        if raw and column in DATE_COLUMNS:
            value, problem = parse_date(raw, mapping.date_format)
        elif raw and column in AMOUNT_COLUMNS:
            value, problem = _amount(raw, decimal)
        else:
            problem = None
        if problem:
            errors.append((line, column, problem))
        row[column] = value or ""
    if "due_date" not in mapping.columns and mapping.payment_term_days is not None:
        issued = row.get("issue_date", "")
        row["due_date"] = (
            (date.fromisoformat(issued) + timedelta(days=mapping.payment_term_days)).isoformat()
            if issued
            else ""
        )
    missing = [c for c in FROM_KNOWN_DEBTOR if c not in mapping.columns]
    debtor = (known or {}).get(row.get("debtor_id", ""))
    if debtor is not None:
        for column in CARRIED_OVER:
            if not row.get(column):  # not exported, or empty on this line
                row[column] = debtor.get(column, "")
    elif missing and row.get("debtor_id"):
        errors.append(
            (
                line,
                "debtor_id",
                f"debtor {row['debtor_id']!r} is not known to dunmail and the export has no "
                f"{' or '.join(missing)} column: import the debtor first (a full invoice "
                "CSV or UBL), or add the column to the export and the mapping",
            )
        )
    return row, errors
