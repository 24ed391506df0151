"""A returned payment, decided on the batch's snapshot. PURE.

A return (RvslInd, RtrInf, MT940 RC/RD) gives back a credit booked before: found by
EndToEndId, then structured reference, then counterparty IBAN (or name), among the credits of
the same account and amount that are not returned yet, newest booking first. ``Entries`` is
what the batch's load knows of those credits (their allocations, claim parts and match
detail); ``note`` keeps it current as the batch's own credits are booked, so a return later
in the same batch finds and reverses what an earlier payment just took.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from daemon.domain.money import from_cents, to_cents


@dataclass(frozen=True, slots=True)
class LiveAllocation:
    invoice: str
    cents: int
    charges_cents: int  # settled as bank charges with it (written off)


@dataclass
class EntryFacts:
    """A stored entry as the return lookup sees it (the columns it compares)."""

    id: int
    account_iban: str
    amount_cents: int
    booking_date: str | None
    end_to_end_id: str | None
    structured_reference: str | None
    counterparty_iban: str | None
    counterparty_name: str | None
    status: str = ""
    detail: dict[str, Any] = field(default_factory=dict)
    allocations: list[LiveAllocation] = field(default_factory=list)
    claim_parts: list[tuple[int, int]] = field(default_factory=list)  # (claim line, cents)


@dataclass
class Entries:
    """The batch's returns (their stored rows) and the credits they may give back."""

    returns: dict[int, EntryFacts] = field(default_factory=dict)
    credits: dict[int, EntryFacts] = field(default_factory=dict)

    def original_of(self, tx_id: int) -> EntryFacts | None:
        row = self.returns.get(tx_id)
        if row is None:
            return None
        pool = [
            c
            for c in self.credits.values()
            if c.status != "returned"
            and c.id != row.id
            and c.account_iban == row.account_iban
            and c.amount_cents == row.amount_cents
        ]
        # ORDER BY booking_date DESC, id DESC (no booking date sorts last)
        pool.sort(key=lambda c: (c.booking_date is not None, c.booking_date or "", c.id))
        pool.reverse()
        tries: list[tuple[str, str]] = []
        if row.end_to_end_id:
            tries.append(("end_to_end_id", row.end_to_end_id))
        if row.structured_reference:
            tries.append(("structured_reference", row.structured_reference))
        if row.counterparty_iban:
            tries.append(("counterparty_iban", row.counterparty_iban))
        elif row.counterparty_name:
            tries.append(("counterparty_name", row.counterparty_name))
        for column, value in tries:
            for credit in pool:
                if getattr(credit, column) == value:
                    return credit
        return None


def charges_of(evidence: dict[str, Any]) -> int:
    """The bank charges an allocation settled, from its evidence."""
    return to_cents(Decimal(evidence.get("charges", "0")))


def amount_text(cents: int) -> str:
    return format(from_cents(cents), "f")
