"""Invoice CSV read through a column mapping (parsers.invoice_mapping): the export's rows
become dunmail's canonical rows, then the ordinary row checks of parsers.invoices apply.
Errors name the export's own header with dunmail's column: ``Vervaldatum (due_date)``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from parsers.csv_text import CsvTextError
from parsers.invoice_mapping import FROM_KNOWN_DEBTOR, InvoiceMapping, mapped_rows
from parsers.invoices import InvoiceFormatError, InvoiceRecord, RowError, canonical_records


@dataclass(frozen=True, slots=True)
class MappedParse:
    records: list[InvoiceRecord]
    errors: list[RowError]
    encoding: str
    delimiter: str
    decimal: str
    ignored_columns: tuple[str, ...]


def parse_mapped_csv(
    data: bytes,
    mapping: InvoiceMapping,
    known: Mapping[str, Mapping[str, str]] | None = None,
) -> MappedParse:
    """An accounting package's export read through ``mapping``; ``known`` gives name, e-mail
    and type of debtors already known, by id, for exports without them."""
    try:
        mapped = mapped_rows(data, mapping, known)
    except CsvTextError as exc:
        raise InvoiceFormatError(str(exc)) from exc

    def label(column: str | None) -> str | None:
        return mapped.labels.get(column, column) if column else None

    errors = [RowError(line, label(col), msg) for line, col, msg in mapped.errors]
    # A value the mapping could not convert is reported once, not again as empty.
    failed = {(line, col) for line, col, _ in mapped.errors}
    failed |= {
        (line, c) for line, col, _ in mapped.errors if col == "debtor_id" for c in FROM_KNOWN_DEBTOR
    }
    records = canonical_records(
        mapped.rows, errors, keep=lambda e: (e.line, e.column) not in failed, label=label
    )
    # With a header problem mapped_rows returns no rows, so no record is imported.
    return MappedParse(
        records,
        errors,
        mapped.encoding,
        mapped.delimiter,
        mapped.decimal,
        tuple(mapped.ignored),
    )
