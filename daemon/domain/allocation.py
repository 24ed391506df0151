"""Which part of a claim a payment settles, per jurisdiction (domain-rules §2.2a). PURE.

Within one debt the law fixes the order between its parts:

- NL, art. 6:44 lid 1 BW: first the costs, then the interest that has fallen due, and only
  then the principal (and the running interest). The creditor may refuse a payment the
  debtor designates otherwise (lid 2).
- DE, § 367 Abs. 1 BGB: first the costs, then the interest, last the principal
  ("zunächst auf die Kosten, dann auf die Zinsen und zuletzt auf die Hauptleistung").
- BE, old art. 1254 BW (taken over in Book 5 of the new Civil Code): the debtor cannot,
  without the creditor's consent, impute a payment on the principal ahead of the interest.
  The statute names interest only; dunmail puts the collection costs (a damages claim of
  the same creditor) before the interest as well, the order Belgian practice applies and the
  debtor cannot override without consent.

Which debt among several (NL art. 6:43, DE § 366, BE art. 1253/1256) is decided by the
matcher: the debtor's designation (the remittance naming an invoice) comes first; without
one, the invoice due first, then the oldest. This module only splits the money over the
parts of the claim: ``allocate_payment`` is what statements.py calls for every payment that
meets booked costs or interest.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

COSTS = "costs"
INTEREST = "interest"
PRINCIPAL = "principal"

# (order, the source that states it)
ORDERS: dict[str, tuple[tuple[str, ...], str]] = {
    "NL": ((COSTS, INTEREST, PRINCIPAL), "art. 6:44 lid 1 BW"),
    "DE": ((COSTS, INTEREST, PRINCIPAL), "§ 367 Abs. 1 BGB"),
    "BE": ((COSTS, INTEREST, PRINCIPAL), "art. 1254 oud BW / Boek 5 BW (rente vóór hoofdsom)"),
}
# A jurisdiction without a rule here: the same order, which is the rule of all three and
# never lets a debtor pay down the principal while costs and interest stay unpaid.
DEFAULT_ORDER: tuple[tuple[str, ...], str] = (
    (COSTS, INTEREST, PRINCIPAL),
    "no rule for this jurisdiction: costs, interest, principal",
)


def order_for(jurisdiction: str) -> tuple[tuple[str, ...], str]:
    """(the order of the parts, the legal basis) for ``jurisdiction``."""
    return ORDERS.get(jurisdiction.upper(), DEFAULT_ORDER)


@dataclass(frozen=True, slots=True)
class Split:
    """What one payment settles, in cents."""

    costs_cents: int
    interest_cents: int
    principal: tuple[tuple[str, int], ...]  # (invoice number, cents) in the order paid
    unallocated_cents: int
    basis: str

    @property
    def principal_cents(self) -> int:
        return sum(c for _, c in self.principal)


def allocate_payment(
    cents: int,
    *,
    jurisdiction: str,
    costs_open_cents: int,
    interest_open_cents: int,
    invoices: Sequence[tuple[str, int]],
) -> Split:
    """Split ``cents`` over the open costs, the open interest and the open principal of
    ``invoices`` (already in the order the debtor designated / the matcher chose), in the
    jurisdiction's order. What is left over is ``unallocated`` (an overpayment)."""
    if cents < 0 or costs_open_cents < 0 or interest_open_cents < 0:
        raise ValueError("amounts must not be negative")
    order, basis = order_for(jurisdiction)
    left = cents
    taken: dict[str, int] = {COSTS: 0, INTEREST: 0}
    principal: list[tuple[str, int]] = []
    for part in order:
        if part == PRINCIPAL:
            for number, open_cents in invoices:
                take = min(max(open_cents, 0), left)
                if take > 0:
                    principal.append((number, take))
                    left -= take
            continue
        wanted = costs_open_cents if part == COSTS else interest_open_cents
        take = min(wanted, left)
        taken[part] = take
        left -= take
    return Split(taken[COSTS], taken[INTEREST], tuple(principal), left, basis)
