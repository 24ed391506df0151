"""Allocation of a payment over costs, interest and principal: the domain-rules §2.2a vectors
(NL art. 6:44 BW) and the DE / BE rules, plus the claims-ledger arithmetic."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.allocation import allocate_payment, order_for
from daemon.domain.claims import (
    COSTS,
    INTEREST,
    ClaimLine,
    Ledger,
    claim_for_statement,
    interest_runs_from,
    spread,
    to_book,
)

# domain-rules §2.2a: principal 1000.00, WIK 150.00, interest to the payment day 12.34.
CLAIM = {"costs_open_cents": 15000, "interest_open_cents": 1234}


def _nl(cents: int, invoices: list[tuple[str, int]] | None = None):
    return allocate_payment(
        cents, jurisdiction="NL", invoices=invoices or [("F1", 100000)], **CLAIM
    )


def test_nl_exact_total_settles_everything() -> None:
    split = _nl(116234)
    assert (split.costs_cents, split.interest_cents) == (15000, 1234)
    assert split.principal == (("F1", 100000),)
    assert split.unallocated_cents == 0
    assert "6:44" in split.basis


def test_nl_principal_amount_leaves_principal_open() -> None:
    split = _nl(100000)
    assert (split.costs_cents, split.interest_cents) == (15000, 1234)
    assert split.principal == (("F1", 83766),)  # 162.34 of the principal stays open
    assert 100000 - split.principal_cents == 16234


def test_nl_small_payment_goes_to_costs_only() -> None:
    split = _nl(10000)
    assert (split.costs_cents, split.interest_cents, split.principal) == (10000, 0, ())


def test_nl_designated_invoice_first_surplus_to_the_other() -> None:
    # The remittance names only the second invoice: its claim first, any surplus to the first.
    split = _nl(116234 + 5000, [("F2", 100000), ("F1", 80000)])
    assert split.principal == (("F2", 100000), ("F1", 5000))


def test_overpayment_is_left_unallocated() -> None:
    split = _nl(120000)
    assert split.unallocated_cents == 120000 - 116234


@pytest.mark.parametrize(
    ("jurisdiction", "source"),
    [("NL", "6:44"), ("DE", "§ 367"), ("BE", "1254")],
)
def test_every_jurisdiction_costs_interest_principal(jurisdiction: str, source: str) -> None:
    order, basis = order_for(jurisdiction)
    assert order == ("costs", "interest", "principal") and source in basis
    split = allocate_payment(
        5000, jurisdiction=jurisdiction, costs_open_cents=4000, interest_open_cents=2000,
        invoices=[("F1", 10000)],
    )  # fmt: skip
    assert (split.costs_cents, split.interest_cents, split.principal_cents) == (4000, 1000, 0)


def test_negative_amounts_refused() -> None:
    with pytest.raises(ValueError):
        allocate_payment(
            -1, jurisdiction="NL", costs_open_cents=0, interest_open_cents=0, invoices=[]
        )


# -- the ledger ---------------------------------------------------------------------------------


def _ledger(*lines: ClaimLine, costs_waived: bool = False) -> Ledger:
    return Ledger(tuple(lines), costs_waived=costs_waived)


def test_costs_are_claimed_once() -> None:
    booked = _ledger(ClaimLine(COSTS, Decimal("150.00"), "EUR"))
    again = claim_for_statement(booked, COSTS, "EUR", Decimal("150.00"))
    assert (again.total, again.to_book, again.due) == (Decimal("150.00"), 0, Decimal("150.00"))
    # More invoices in a later statement raise the staffel base: only the excess is booked.
    more = claim_for_statement(booked, COSTS, "EUR", Decimal("175.00"))
    assert more.to_book == Decimal("25.00")
    # After the principal went down, the booked costs stand (never recomputed downwards).
    less = claim_for_statement(booked, COSTS, "EUR", Decimal("40.00"))
    assert (less.total, less.to_book) == (Decimal("150.00"), 0)


def test_paid_costs_are_not_asked_again() -> None:
    paid = _ledger(ClaimLine(COSTS, Decimal("150.00"), "EUR", paid=Decimal("150.00")))
    claim = claim_for_statement(paid, COSTS, "EUR", Decimal("40.00"))
    assert (claim.settled, claim.due) == (Decimal("150.00"), 0)


def test_waived_costs_stop_booking() -> None:
    waived = _ledger(
        ClaimLine(COSTS, Decimal("150.00"), "EUR", waived=Decimal("150.00")), costs_waived=True
    )
    claim = claim_for_statement(waived, COSTS, "EUR", Decimal("175.00"))
    assert claim.waived and claim.to_book == 0 and claim.due == 0
    assert to_book(waived, COSTS, "EUR", Decimal("175.00")) == 0


def test_interest_runs_on_from_computed_to() -> None:
    booked = _ledger(
        ClaimLine(INTEREST, Decimal("6.40"), "EUR", computed_to=date(2026, 4, 8)),
    )
    assert interest_runs_from(booked, "EUR") == date(2026, 4, 9)
    assert interest_runs_from(booked, "USD") is None
    claim = claim_for_statement(booked, INTEREST, "EUR", Decimal("3.34"))
    assert (claim.total, claim.to_book, claim.due) == (
        Decimal("9.74"),
        Decimal("3.34"),
        Decimal("9.74"),
    )
    # At send time a line booked in between is not booked twice.
    later = _ledger(*booked.lines, ClaimLine(INTEREST, Decimal("3.34"), "EUR"))
    assert to_book(later, INTEREST, "EUR", Decimal("9.74")) == 0


def test_spread_settles_oldest_line_first() -> None:
    assert spread(Decimal(500), [(1, Decimal(300)), (2, Decimal(400))]) == [
        (1, Decimal(300)),
        (2, Decimal(200)),
    ]
