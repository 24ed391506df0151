"""Statutory costs and interest only on EUR claims in NL/BE/DE (issue #15): a USD invoice
got WIK on it; now it gets nothing, and the decision says why."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.statement_of_account import InvoiceItem, compute_charges, notice_costs

TODAY = date(2026, 12, 1)


def _item(number: str, currency: str, amount: str = "1000.00") -> InvoiceItem:
    value = Decimal(amount)
    return InvoiceItem(
        number, currency, value, value, date(2026, 9, 1), date(2026, 10, 1), "", "free"
    )


@pytest.mark.parametrize(
    ("jurisdiction", "currencies", "costs", "has_interest", "reason"),
    [
        ("NL", ["EUR"], "150.00", True, ""),  # positive control: 15 % of 1000
        ("NL", ["USD"], "0.00", False, "F-USD (USD)"),
        ("NL", ["EUR", "USD"], "150.00", True, "EUR claims only"),  # USD left out of the base
        ("DE", ["GBP"], "0.00", False, "F-GBP (GBP)"),
        ("BE", ["EUR"], "40.00", True, ""),
        ("FR", ["EUR"], "0.00", False, "jurisdiction 'FR'"),
    ],
)
def test_charges_only_where_the_law_applies(
    jurisdiction: str, currencies: list[str], costs: str, has_interest: bool, reason: str
) -> None:
    items = [_item(f"F-{c}", c) for c in currencies]
    charges = compute_charges(
        items,
        TODAY,
        jurisdiction=jurisdiction,
        debtor_type="b2b",
        costs=True,
        interest=True,
        after_notice=False,
    )
    assert charges.costs == Decimal(costs)
    assert (charges.interest > 0) is has_interest
    assert not any("F-USD" in str(ln) or "F-GBP" in str(ln) for ln in charges.interest_lines)
    if reason:
        assert reason in charges.off_reason
    else:
        assert charges.off_reason == ""


def test_a_notice_states_no_costs_on_a_foreign_currency_claim() -> None:
    args = {"jurisdiction": "NL", "debtor_type": "b2c", "vat_deductible": True}
    assert notice_costs([_item("U", "USD")], **args) == (Decimal("0.00"), ())  # type: ignore[arg-type]
    assert notice_costs([_item("E", "EUR")], **args)[0] == Decimal("150.00")  # type: ignore[arg-type]
