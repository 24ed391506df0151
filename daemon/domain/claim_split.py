"""A payment meets booked costs and interest (#15), decided on the file's snapshot. PURE.

``ClaimsBook`` is what a statement file's booking knows of the claims ledger: per invoice its
debtor's open case and country, and per open case its claim lines with what is still open.
It is read once per file and kept current as payments settle lines (and returns give them
back), as ``InvoiceBook`` is for the principal, so splitting a payment reads nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from decimal import Decimal

from daemon.domain.allocation import Split, allocate_payment
from daemon.domain.claims import COSTS, INTEREST, spread
from daemon.domain.matching import Allocation, InvoiceBook, MatchResult, TxStatus
from daemon.domain.money import from_cents


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """The open case (None: none) of an invoice's debtor, and the debtor's country."""

    case_id: int | None
    debtor_id: str
    country: str


@dataclass(frozen=True, slots=True)
class LineFacts:
    """One claim line of an open case, as loaded: ``open_cents`` is what was open then."""

    line_id: int
    case_id: int
    kind: str
    currency: str
    open_cents: int


class ClaimsBook:
    """Claim lines per (case, kind, currency), oldest first, with their open cents."""

    def __init__(self, cases: Iterable[tuple[str, CaseFacts]], lines: Iterable[LineFacts]):
        self.cases: dict[str, CaseFacts] = {}
        for number, facts in cases:
            self.cases.setdefault(number, facts)  # one open case per debtor; first wins
        self.open: dict[int, int] = {}
        self.lines: dict[tuple[int, str, str], list[int]] = {}
        for line in sorted(lines, key=lambda x: x.line_id):
            self.open[line.line_id] = line.open_cents
            self.lines.setdefault((line.case_id, line.kind, line.currency), []).append(line.line_id)

    def open_lines(self, case_id: int, kind: str, currency: str) -> list[tuple[int, int]]:
        """(line id, open cents) of the lines still open, oldest first."""
        ids = self.lines.get((case_id, kind, currency), ())
        return [(i, self.open[i]) for i in ids if self.open[i] > 0]

    def pay(self, line_id: int, cents: int) -> None:
        self.open[line_id] -= cents

    def give_back(self, line_id: int, cents: int) -> None:
        """A returned payment reopened this much of a line (lines of closed cases are not
        held: no payment of this file can meet them)."""
        if line_id in self.open:
            self.open[line_id] += cents


@dataclass(frozen=True, slots=True)
class ClaimSplit:
    """A payment re-split over the case's claims: the new match result and the claim part."""

    result: MatchResult
    split: Split
    case_id: int
    debtor_id: str
    currency: str


def split_payment(
    claims: ClaimsBook,
    jurisdiction: str,
    currency: str,
    result: MatchResult,
    book: InvoiceBook,
    tolerance_cents: int,
) -> ClaimSplit | None:
    """When the invoices a payment pays belong to a case with open costs or interest, split
    the whole payment in the jurisdiction's order (costs → interest → principal) instead of
    over the principal only. None when there is nothing to split (no claims open).
    ``jurisdiction`` is the office's, used when the debtor has no country."""
    if not result.allocations:
        return None
    facts = [claims.cases.get(a.invoice) for a in result.allocations]
    if any(f is None or f.case_id is None for f in facts):
        return None
    if len({(f.case_id, f.debtor_id) for f in facts if f}) != 1:
        return None  # one payment over two debtors' invoices: leave it as matched
    first = facts[0]
    assert first is not None and first.case_id is not None
    case_id, debtor_id = first.case_id, first.debtor_id
    costs = sum(c for _, c in claims.open_lines(case_id, COSTS, currency))
    interest = sum(c for _, c in claims.open_lines(case_id, INTEREST, currency))
    if costs + interest == 0:
        return None
    country = first.country.upper() or jurisdiction
    cents = sum(a.cents for a in result.allocations) + result.unallocated_cents
    invoices = [(a.invoice, book.open[a.invoice]) for a in result.allocations]
    split = allocate_payment(
        cents,
        jurisdiction=country,
        costs_open_cents=costs,
        interest_open_cents=interest,
        invoices=invoices,
    )
    by_number = {a.invoice: a for a in result.allocations}
    allocations: list[Allocation] = []
    claims_paid = split.costs_cents == costs and split.interest_cents == interest
    for number, take in split.principal:
        a = by_number[number]
        left = book.open[number] - take
        # A shortfall within the bank-charges tolerance settles the invoice, as before, but
        # only once the costs and interest are paid in full.
        charges = left if claims_paid and 0 < left <= tolerance_cents else 0
        allocations.append(Allocation(number, take, a.rule, a.score, a.evidence, charges))
    evidence = (
        *result.evidence,
        f"{split.basis}: costs {from_cents(split.costs_cents)}, interest "
        f"{from_cents(split.interest_cents)}, principal {from_cents(split.principal_cents)}",
    )
    if split.unallocated_cents:
        new = replace(
            result,
            status=TxStatus.PARTIALLY_MATCHED,
            allocations=tuple(allocations),
            unallocated_cents=split.unallocated_cents,
            review="overpayment",
            reason=f"payment exceeds principal, costs and interest by "
            f"{from_cents(split.unallocated_cents)}",
            evidence=evidence,
        )
    else:
        new = replace(
            result,
            status=TxStatus.MATCHED,
            allocations=tuple(allocations),
            unallocated_cents=0,
            review=None,
            reason="",
            evidence=evidence,
        )
    return ClaimSplit(new, split, case_id, debtor_id, currency)


def line_parts(
    claims: ClaimsBook, plan: ClaimSplit, kind: str, cents: int
) -> list[tuple[int, int]]:
    """(line id, cents) the split's ``cents`` of ``kind`` settle, oldest line first."""
    lines = claims.open_lines(plan.case_id, kind, plan.currency)
    return [
        (line_id, int(part))
        for line_id, part in spread(Decimal(cents), [(i, Decimal(c)) for i, c in lines])
    ]
