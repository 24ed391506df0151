"""Dunmail's canonical invoice row: its columns, the record it becomes, and the field checks.

Shared by every reader: the dunmail CSV (parsers.invoices), UBL (parsers.ubl) and an
accounting package's export read through a column mapping (parsers.mapped_invoices). Its own
module so that those readers import it and parsers.invoices can dispatch to them without an
import cycle (#14). Row problems never raise: each is a RowError naming line and column.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from email_validator import EmailNotValidError, validate_email
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException

from parsers.addresses import check_domain
from parsers.identifiers import check_number
from parsers.references import classify_reference, generate_rf

REQUIRED_COLUMNS = (
    "number",
    "debtor_id",
    "debtor_name",
    "debtor_email",
    "issue_date",
    "due_date",
    "amount",
)
OPTIONAL_COLUMNS = (
    "currency",
    "reference",
    "language",
    "debtor_type",
    "debtor_iban",
    "pdf",
    "tags",
    "country",
    "debtor_domains",
    # the debtor's postal address, for paper letters (country: the column above)
    "street",
    "postcode",
    "city",
    "open_amount",
    "snapshot_date",
)
LANGUAGES = frozenset({"nl", "en", "de", "fr"})
DEBTOR_TYPES = frozenset({"b2b", "b2c"})
COUNTRIES = frozenset({"NL", "BE", "DE"})


class InvoiceFormatError(ValueError):
    """The file as a whole cannot be read (not CSV or UBL, undecodable, malformed XML)."""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int  # physical line in the file (CSV header = 1; XML: the element's line)
    column: str | None  # CSV column or XML element, None for the whole row
    message: str


@dataclass(frozen=True, slots=True)
class InvoiceRecord:
    number: str
    debtor_id: str
    debtor_name: str
    debtor_emails: tuple[str, ...]
    issue_date: date
    due_date: date
    amount: Decimal  # positive; a credit note's amount is what it credits
    currency: str
    reference: str
    reference_kind: str  # "rf" | "kenmerk" | "ogm"
    language: str | None
    debtor_type: str  # "b2b" | "b2c"
    debtor_ibans: tuple[str, ...]
    pdf: str | None
    tags: tuple[str, ...]
    country: str | None
    kind: str = "invoice"  # "invoice" | "credit_note"
    credited_invoice: str | None = None
    # Mail domains of the debtor's own: any address there may act for it (see README).
    debtor_domains: tuple[str, ...] = ()
    # The debtor's postal address (paper letters); "" when the file gives none. Not part of
    # equality: an address is the debtor's, not the invoice's.
    street: str = field(default="", compare=False)
    postcode: str = field(default="", compare=False)
    city: str = field(default="", compare=False)
    postal_country: str = field(default="", compare=False)  # ISO 3166 alpha-2, any country
    # What is still open of it in the accounting package (open-items exports); None: the
    # file does not say. Only an open-items snapshot reads it (daemon.app.snapshots).
    open_amount: Decimal | None = None
    # The day the open-items export was made (a report-date column repeated on every row);
    # None: the file does not say. A snapshot is as old as this says (daemon.app.snapshots).
    snapshot_date: date | None = None
    # Where the record starts in its file, for errors found after parsing (the pdf file, a
    # reference used by another debtor). Not part of equality: the same invoice on two lines
    # is the same record.
    line: int = field(default=0, compare=False)


# --- field checks shared by the readers; each returns (value, error message) ----------


@lru_cache(maxsize=65536)
def _check_email(address: str) -> tuple[str | None, str | None]:
    try:
        return validate_email(address, check_deliverability=False).normalized, None
    except EmailNotValidError as exc:
        return None, f"invalid e-mail address {address!r}: {exc}"


def check_emails(text: str) -> tuple[tuple[str, ...], list[str]]:
    """Several addresses separated by ``;`` (or ``,``); at least one is required."""
    parts = [p.strip() for p in re.split(r"[;,]", text) if p.strip()]
    if not parts:
        return (), ["no e-mail address"]
    good, problems = [], []
    for p in parts:
        normal, problem = _check_email(p)
        if normal is None:
            problems.append(problem or f"invalid e-mail address {p!r}")
        elif normal not in good:
            good.append(normal)
    return tuple(good), problems


def check_domains(text: str) -> tuple[tuple[str, ...], list[str]]:
    """The debtor's own mail domains, ``;``-separated (optional)."""
    good: list[str] = []
    problems = []
    for part in (p.strip() for p in text.split(";")):
        if not part:
            continue
        domain, problem = check_domain(part)
        if domain is None:
            problems.append(problem or f"invalid domain {part!r}")
        elif domain not in good:
            good.append(domain)
    return tuple(good), problems


@lru_cache(maxsize=4096)
def _check_iban(text: str) -> tuple[str | None, str | None]:
    # schwifty checks the country's length, BBAN structure and national check digits;
    # python-stdnum also requires the bank code in its own registry and so refused valid
    # Belgian IBANs of smaller banks.
    try:
        return IBAN(text).compact, None
    except SchwiftyException as exc:
        return None, f"invalid IBAN {text!r}: {exc}"


def check_ibans(text: str) -> tuple[tuple[str, ...], list[str]]:
    good, problems = [], []
    for part in (p.strip() for p in text.split(";")):
        if part:
            value, problem = _check_iban(part)
            if value is None:
                problems.append(problem or f"invalid IBAN {part!r}")
            elif value not in good:
                good.append(value)
    return tuple(good), problems


def check_reference(text: str, number: str) -> tuple[tuple[str, str] | None, str | None]:
    """(value, kind) for the given reference, or an RF reference derived from the number."""
    if not text.strip():
        try:
            return (generate_rf(number), "rf"), None
        except ValueError as exc:
            return None, f"no reference given and none can be derived: {exc}"
    found = classify_reference(text)
    if found is None:
        return None, f"reference {text!r} is not an RF reference, betalingskenmerk or OGM"
    if not found.valid:
        return None, f"{found.kind} reference {text!r} has wrong check digits or format"
    return (found.value, str(found.kind)), None


_AMOUNT_LIMIT = Decimal(10) ** 12


def check_amount(text: str) -> tuple[Decimal | None, str | None]:
    s = text.strip()
    if not re.fullmatch(r"-?[0-9]+(?:[.,][0-9]+)?", s):
        return None, f"amount {text!r} is not a number (use . or , for decimals, no grouping)"
    try:
        value = Decimal(s.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - regex already filtered
        return None, f"amount {text!r} is not a number"
    # Beyond this quantize() raises InvalidOperation and the cents overflow SQLite's INTEGER:
    # refuse it as a row error instead of crashing the import (found by fuzzing).
    if abs(value) >= _AMOUNT_LIMIT:
        return None, f"amount {text[:40]!r} is too large (limit {_AMOUNT_LIMIT:,})"
    if value != value.quantize(Decimal("0.01")):
        return None, f"amount {text!r} has more than two decimals"
    if value <= 0:
        return None, f"amount {text!r} must be more than zero"
    return value.quantize(Decimal("0.01")), None


def _check_open_amount(text: str) -> tuple[Decimal | None, str | None]:
    """An open amount may be 0.00 (settled in the package, still listed)."""
    if re.fullmatch(r"0+(?:[.,]0+)?", text.strip()):
        return Decimal("0.00"), None
    return check_amount(text)


def check_date(text: str) -> tuple[date | None, str | None]:
    s = text.strip()
    if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", s):
        try:
            return date.fromisoformat(s), None
        except ValueError:
            pass
    return None, f"date {text!r} is not a valid ISO date (YYYY-MM-DD)"


def slug(text: str) -> str:
    """A stable id from a name when the source gives no customer id."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:64]


_POSTCODES = {
    "NL": re.compile(r"[1-9][0-9]{3} ?[A-Z]{2}"),
    "BE": re.compile(r"[1-9][0-9]{3}"),
    "DE": re.compile(r"[0-9]{5}"),
}
_ADDRESS_FIELD_MAX = 100


def check_postal(
    street: str, postcode: str, city: str, country: str | None
) -> tuple[tuple[str, str, str], list[tuple[str, str]]]:
    """(street, postcode, city) cleaned, and (field, problem) pairs. All three or none: a
    letter cannot be posted to half an address. The postcode must fit the country's form
    (NL 1234 AB, BE 1234, DE 12345) when the country is one of those."""
    values = {"street": street, "postcode": postcode.upper(), "city": city}
    problems: list[tuple[str, str]] = []
    for name, value in values.items():
        if any(ord(ch) < 32 for ch in value) or len(value) > _ADDRESS_FIELD_MAX:
            problems.append(
                (name, f"{name} must be one line of at most {_ADDRESS_FIELD_MAX} characters")
            )
    given = [name for name, value in values.items() if value]
    if given and len(given) < 3:
        missing = ", ".join(n for n in values if not values[n])
        problems.append(
            (
                missing.split(",")[0],
                f"postal address incomplete: {missing} missing (street, postcode and city go together)",
            )
        )
    pattern = _POSTCODES.get(country or "")
    code = values["postcode"]
    if code and pattern is not None and not pattern.fullmatch(code):
        problems.append(("postcode", f"postcode {code!r} is not a {country} postcode"))
    if country == "NL" and pattern is not None and pattern.fullmatch(code) and " " not in code:
        values["postcode"] = f"{code[:4]} {code[4:]}"
    return (values["street"], values["postcode"], values["city"]), problems


# --- canonical rows ---------------------------------------------------------------------


class _Row:
    """Collects the errors of one row while its fields are read."""

    def __init__(self, line: int, values: dict[str, str]) -> None:
        self.line, self.values, self.errors = line, values, list[RowError]()

    def get(self, column: str) -> str:
        return self.values.get(column, "").strip()

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.line, column, message))


def _parse_row(row: _Row) -> InvoiceRecord | None:
    for column in REQUIRED_COLUMNS:
        if not row.get(column):
            row.fail(column, f"{column} is empty")
    number_problem = check_number(row.get("number")) if row.get("number") else None
    if number_problem:
        row.fail("number", number_problem)
    issue, problem = check_date(row.get("issue_date")) if row.get("issue_date") else (None, None)
    if problem:
        row.fail("issue_date", problem)
    due, problem = check_date(row.get("due_date")) if row.get("due_date") else (None, None)
    if problem:
        row.fail("due_date", problem)
    if issue and due and due < issue:
        row.fail("due_date", f"due date {due} is before issue date {issue}")
    amount, problem = check_amount(row.get("amount")) if row.get("amount") else (None, None)
    if problem:
        row.fail("amount", problem)
    open_amount, problem = (
        _check_open_amount(row.get("open_amount")) if row.get("open_amount") else (None, None)
    )
    if problem:
        row.fail("open_amount", problem)
    elif open_amount is not None and amount is not None and open_amount > amount:
        row.fail("open_amount", f"open amount {open_amount} is more than the amount {amount}")
    snapshot_date, problem = (
        check_date(row.get("snapshot_date")) if row.get("snapshot_date") else (None, None)
    )
    if problem:
        row.fail("snapshot_date", problem)
    emails: tuple[str, ...] = ()
    if row.get("debtor_email"):
        emails, problems = check_emails(row.get("debtor_email"))
        for p in problems:
            row.fail("debtor_email", p)
    currency = (row.get("currency") or "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        row.fail("currency", f"currency {row.get('currency')!r} is not an ISO 4217 code")
    ref, problem = (
        check_reference(row.get("reference"), row.get("number"))
        if row.get("number") and not number_problem
        else (None, None)
    )
    if problem:
        row.fail("reference", problem)
    language = row.get("language").lower() or None
    if language is not None and language not in LANGUAGES:
        row.fail("language", f"language {row.get('language')!r} is not one of nl, en, de, fr")
    debtor_type = row.get("debtor_type").lower() or "b2b"
    if debtor_type not in DEBTOR_TYPES:
        row.fail("debtor_type", f"debtor_type {row.get('debtor_type')!r} is not b2b or b2c")
    ibans, problems = check_ibans(row.get("debtor_iban"))
    for p in problems:
        row.fail("debtor_iban", p)
    domains, problems = check_domains(row.get("debtor_domains"))
    for p in problems:
        row.fail("debtor_domains", p)
    country = row.get("country").upper() or None
    if country is not None and country not in COUNTRIES:
        row.fail("country", f"country {row.get('country')!r} is not NL, BE or DE")
    postal, problems_at = check_postal(
        row.get("street"), row.get("postcode"), row.get("city"), country
    )
    for column, p in problems_at:
        row.fail(column, p)
    if row.errors or issue is None or due is None or amount is None or ref is None:
        return None
    return InvoiceRecord(
        number=row.get("number"),
        debtor_id=row.get("debtor_id"),
        debtor_name=row.get("debtor_name"),
        debtor_emails=emails,
        issue_date=issue,
        due_date=due,
        amount=amount,
        currency=currency,
        reference=ref[0],
        reference_kind=ref[1],
        language=language,
        debtor_type=debtor_type,
        debtor_ibans=ibans,
        pdf=row.get("pdf") or None,
        tags=tuple(t.strip() for t in row.get("tags").split(";") if t.strip()),
        country=country,
        debtor_domains=domains,
        street=postal[0],
        postcode=postal[1],
        city=postal[2],
        postal_country=country or "",
        open_amount=open_amount,
        snapshot_date=snapshot_date,
        line=row.line,
    )


def canonical_records(
    rows: Iterable[tuple[int, dict[str, str]]],
    errors: list[RowError],
    keep: Callable[[RowError], bool] = lambda e: True,
    label: Callable[[str | None], str | None] = lambda c: c,
) -> list[InvoiceRecord]:
    """The records of canonical rows (dunmail's column names); their errors go to
    ``errors``, filtered by ``keep`` and with columns named by ``label``."""
    records: dict[str, tuple[int, InvoiceRecord]] = {}
    conflicted: set[str] = set()
    for line, values in rows:
        row = _Row(line, values)
        record = _parse_row(row)
        errors.extend(RowError(e.line, label(e.column), e.message) for e in row.errors if keep(e))
        if record is None:
            continue
        earlier = records.get(record.number)
        if earlier is None:
            records[record.number] = (line, record)
        elif earlier[1] != record:
            conflicted.add(record.number)
            errors.append(
                RowError(
                    line,
                    label("number"),
                    f"invoice {record.number} also on line {earlier[0]} with different data; both rows skipped",
                )
            )
    return [r for number, (_, r) in records.items() if number not in conflicted]
