"""The open-invoice book the matcher searches: every lookup is a dict hit, never a scan.

Payments are matched one after another against the same book; ``take``/``release`` keep the
open amounts current, so two payments of one invoice in the same file see each other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

_NON_ALNUM = re.compile(r"[^A-Z0-9]")
_TOKEN = re.compile(r"[A-Za-z0-9]+")
_LEGAL_FORMS = frozenset(
    [
        "bv",
        "nv",
        "vof",
        "cv",
        "bvba",
        "sprl",
        "srl",
        "sa",
        "gmbh",
        "ag",
        "kg",
        "ug",
        "ohg",
        "ek",
        "mbh",
        "ltd",
        "inc",
        "llc",
        "plc",
        "co",
        "eo",
        "cie",
    ]
)
# Name tokens shared by more debtors than this say nothing about who paid.
_COMMON_TOKEN_LIMIT = 200


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    """What the matcher needs to know about one invoice (amounts in cents)."""

    number: str
    debtor_id: str
    debtor_name: str
    currency: str
    open_cents: int
    reference: str = ""
    due_date: str = ""  # ISO date: older invoices are paid first on a partial payment


def reference_key(text: str) -> str:
    """RF, kenmerk and OGM compared as upper-case letters and digits only."""
    return _NON_ALNUM.sub("", text.upper())


def number_key(text: str) -> str:
    return _NON_ALNUM.sub("", text.upper())


def name_key(text: str) -> str:
    """Lower case, no accents or punctuation, legal forms (B.V., GmbH, …) dropped."""
    folded = unicodedata.normalize("NFKD", text)
    folded = "".join(c for c in folded if not unicodedata.combining(c)).lower()
    folded = re.sub(r"\b([a-z])\.(?=[a-z]\.)", r"\1", folded)  # b.v. -> bv.
    folded = re.sub(r"([a-z])\.([a-z])\.", r"\1\2 ", folded)
    tokens = [t for t in re.findall(r"[a-z0-9]+", folded) if t not in _LEGAL_FORMS]
    return " ".join(tokens)


def tokens(text: str) -> list[str]:
    return _TOKEN.findall(text.upper())


class InvoiceBook:
    """Invoices indexed by reference, number, digits of the number, debtor IBAN and amount."""

    def __init__(
        self, invoices: Iterable[InvoiceFacts], debtor_ibans: Iterable[tuple[str, str]] = ()
    ) -> None:
        self.invoices: dict[str, InvoiceFacts] = {}
        self.open: dict[str, int] = {}
        self.by_reference: dict[str, list[str]] = {}
        self.by_number: dict[str, str] = {}
        self.by_digits: dict[str, list[str]] = {}
        self.by_debtor: dict[str, list[str]] = {}
        self.by_amount: dict[int, dict[str, None]] = {}
        self.by_iban: dict[str, list[str]] = {}
        self.names: dict[str, str] = {}
        self.name_tokens: dict[str, list[str]] = {}
        # Booked costs and interest still open per (debtor, currency), cents (#15): a payment
        # of the demanded total is principal plus these.
        self.claims: dict[tuple[str, str], int] = {}
        for invoice in invoices:
            self._add(invoice)
        for debtor_id, iban in debtor_ibans:
            owners = self.by_iban.setdefault(reference_key(iban), [])
            if debtor_id not in owners:
                owners.append(debtor_id)
        for debtor_id, name in self.names.items():
            for token in set(name.split()):
                if len(token) >= 3:
                    self.name_tokens.setdefault(token, []).append(debtor_id)

    def set_claims(self, claims: Iterable[tuple[str, str, int]]) -> None:
        self.claims = {(d, c): cents for d, c, cents in claims if cents > 0}

    def take_claims(self, debtor_id: str, currency: str, cents: int) -> None:
        key = (debtor_id, currency)
        left = self.claims.get(key, 0) - cents
        if left > 0:
            self.claims[key] = left
        else:
            self.claims.pop(key, None)

    def _add(self, invoice: InvoiceFacts) -> None:
        number = invoice.number
        self.invoices[number] = invoice
        self.open[number] = invoice.open_cents
        if invoice.reference:
            self.by_reference.setdefault(reference_key(invoice.reference), []).append(number)
        key = number_key(number)
        self.by_number[key] = number
        digits = "".join(c for c in key if c.isdigit())
        if len(digits) >= 4 and digits != key:
            self.by_digits.setdefault(digits, []).append(number)
        self.by_debtor.setdefault(invoice.debtor_id, []).append(number)
        if invoice.open_cents > 0:
            self.by_amount.setdefault(invoice.open_cents, {})[number] = None
        if invoice.debtor_id not in self.names:
            self.names[invoice.debtor_id] = name_key(invoice.debtor_name)

    # -- amounts ------------------------------------------------------------------------

    def _move(self, number: str, new_open: int) -> None:
        old = self.open[number]
        if old > 0:
            bucket = self.by_amount.get(old)
            if bucket is not None:
                bucket.pop(number, None)
                if not bucket:
                    del self.by_amount[old]
        self.open[number] = new_open
        if new_open > 0:
            self.by_amount.setdefault(new_open, {})[number] = None

    def take(self, number: str, cents: int) -> None:
        """An allocation (or a settled remainder) lowered this invoice's open amount."""
        self._move(number, self.open[number] - cents)

    def release(self, number: str, cents: int) -> None:
        """A returned payment gave this amount back to the invoice."""
        if number in self.open:
            self._move(number, self.open[number] + cents)

    # -- lookups ------------------------------------------------------------------------

    def open_of(self, debtor_id: str, currency: str) -> list[str]:
        return [
            n
            for n in self.by_debtor.get(debtor_id, ())
            if self.open[n] > 0 and self.invoices[n].currency == currency
        ]

    def with_amount(self, cents: int) -> list[str]:
        return list(self.by_amount.get(cents, {}))

    def debtors_named_like(self, name: str) -> Iterator[str]:
        """Debtors sharing at least one telling name token: the fuzzy scorer's short list."""
        seen: set[str] = set()
        for token in name.split():
            owners = self.name_tokens.get(token, ())
            if len(token) < 3 or len(owners) > _COMMON_TOKEN_LIMIT:
                continue
            for debtor_id in owners:
                if debtor_id not in seen:
                    seen.add(debtor_id)
                    yield debtor_id
