"""The claims ledger of a case: collection costs and interest a sent mail claimed. PURE.

A statement of account that states costs or interest claims them; once the mail has really
left, those amounts are booked as claim lines of the case (adapters/store/claims.py writes
them, outbox.mark_sent calls it). Each line keeps the mail that claimed it, the legal basis,
the computation and, for interest, the day it was computed to.

Booking is incremental, so a second statement never claims the same euro twice:

- costs: a later statement claims ``max(computed now, booked so far)``; only the excess is
  booked (a statement over more invoices raises the staffel base). Once a person waived the
  costs, no new costs are booked for the case.
- interest keeps running: each statement computes it from the day after the ledger's last
  "computed to" day up to the day the mail is sent, on the principal open now, and books it
  as a new line "computed to DAY". A principal left open by a part payment keeps bearing
  interest that way. (Conservative: the days between the last statement and a part payment
  count on the smaller, later principal; NL yearly compounding restarts with each line.)

What a statement asks for is the claimed total less what was paid or waived on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

ZERO = Decimal("0.00")
COSTS = "costs"
INTEREST = "interest"
KINDS = (COSTS, INTEREST)


# The statute each jurisdiction's statutory interest rests on (what a booked line cites).
INTEREST_BASIS: dict[tuple[str, str], str] = {
    ("NL", "b2b"): "art. 6:119a BW (wettelijke handelsrente)",
    ("NL", "b2c"): "art. 6:119 BW (wettelijke rente)",
    ("DE", "b2b"): "§ 288 Abs. 2 BGB",
    ("DE", "b2c"): "§ 288 Abs. 1 BGB",
    ("BE", "b2b"): "wet 2 augustus 2002, art. 5",
}


def interest_basis(jurisdiction: str, debtor_type: str) -> str:
    return INTEREST_BASIS.get((jurisdiction, debtor_type), "statutory interest")


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """A booked claim line (amounts in the line's currency)."""

    kind: str  # costs | interest
    amount: Decimal
    currency: str
    paid: Decimal = ZERO
    waived: Decimal = ZERO
    computed_to: date | None = None  # interest only: the last day the amount covers

    @property
    def open(self) -> Decimal:
        return max(self.amount - self.paid - self.waived, ZERO)


@dataclass(frozen=True, slots=True)
class Ledger:
    """The claim lines of one case and what a person decided about them."""

    lines: tuple[ClaimLine, ...] = ()
    costs_waived: bool = False  # a person waived the costs: none are booked any more
    interest_waived: bool = False

    def _of(self, kind: str, currency: str) -> list[ClaimLine]:
        return [ln for ln in self.lines if ln.kind == kind and ln.currency == currency]

    def booked(self, kind: str, currency: str) -> Decimal:
        return sum((ln.amount for ln in self._of(kind, currency)), ZERO)

    def open(self, kind: str, currency: str) -> Decimal:
        return sum((ln.open for ln in self._of(kind, currency)), ZERO)

    def settled(self, kind: str, currency: str) -> Decimal:
        return sum((ln.paid + ln.waived for ln in self._of(kind, currency)), ZERO)

    def waived(self, kind: str) -> bool:
        return self.costs_waived if kind == COSTS else self.interest_waived

    def computed_to(self, currency: str) -> date | None:
        days = [ln.computed_to for ln in self._of(INTEREST, currency) if ln.computed_to]
        return max(days, default=None)

    def currencies(self) -> list[str]:
        return sorted({ln.currency for ln in self.lines})


@dataclass(frozen=True, slots=True)
class StatementClaim:
    """What one statement claims for one kind: the running total and what is still due."""

    kind: str
    currency: str
    total: Decimal  # booked so far plus what this statement adds
    to_book: Decimal  # what this statement adds (booked when the mail leaves)
    settled: Decimal  # paid or waived on earlier lines
    waived: bool = False

    @property
    def due(self) -> Decimal:
        return max(self.total - self.settled, ZERO)


def claim_for_statement(
    ledger: Ledger, kind: str, currency: str, computed: Decimal
) -> StatementClaim:
    """What a statement claims of ``kind``, given the ledger. ``computed`` is, for costs, the
    costs computed now; for interest, the interest that ran since the ledger's "computed to"
    day (all of it when none was booked yet), see ``interest_runs_from``."""
    booked = ledger.booked(kind, currency)
    settled = ledger.settled(kind, currency)
    if ledger.waived(kind):
        return StatementClaim(kind, currency, booked, ZERO, settled, waived=True)
    if kind == INTEREST:
        return StatementClaim(kind, currency, booked + computed, computed, settled)
    total = max(computed, booked)
    return StatementClaim(kind, currency, total, total - booked, settled)


def interest_runs_from(ledger: Ledger, currency: str) -> date | None:
    """The first day booked interest does not cover yet (None: nothing booked)."""
    to = ledger.computed_to(currency)
    return None if to is None else to + timedelta(days=1)


def to_book(ledger: Ledger, kind: str, currency: str, claimed_total: Decimal) -> Decimal:
    """At send time: what is still to book so the ledger holds ``claimed_total`` (the planner
    saw the ledger before; a line booked since must not be booked twice)."""
    if ledger.waived(kind):
        return ZERO
    return max(claimed_total - ledger.booked(kind, currency), ZERO)


def spread(amount: Decimal, lines: Sequence[tuple[int, Decimal]]) -> list[tuple[int, Decimal]]:
    """Spread ``amount`` over open lines ``(id, open)``, oldest first: which line a payment or a
    waiver settles. Returns ``(id, part)`` for the lines touched."""
    left, out = amount, []
    for line_id, open_amount in lines:
        if left <= 0:
            break
        part = min(open_amount, left)
        if part > 0:
            out.append((line_id, part))
            left -= part
    return out
