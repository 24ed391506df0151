"""The planner with a claims ledger (#15): interest to the send day, nothing claimed twice,
waived costs stay waived, and never one sum over two currencies."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from daemon.domain.cases import plan_debtor
from daemon.domain.claims import COSTS, INTEREST, ClaimLine, Ledger
from tests.unit.test_cases_planner import SETTINGS, TODAY, debtor, inv, only


def _formal(**kw: object):
    s = debtor(inv("F1", date(2026, 3, 31), "1000.00", done=3, last=date(2026, 5, 1)), **kw)
    return s


def test_interest_runs_to_the_send_day_not_the_planning_day() -> None:
    # Planned Wed 20 May, the window opens Fri 22 May: 52 days, not 50.
    act = only(plan_debtor(_formal(), TODAY, replace(SETTINGS, send_day=date(2026, 5, 22))))
    assert act.interest_to == date(2026, 5, 22)
    assert act.charges.interest == Decimal("14.46")  # 1000 × 10.15 % × 52 / 365
    (costs, interest) = act.claims
    assert (costs.kind, costs.to_book, interest.to_book) == (
        COSTS,
        Decimal("150.00"),
        Decimal("14.46"),
    )


def test_booked_claims_are_not_claimed_twice() -> None:
    ledger = Ledger(
        (
            ClaimLine(COSTS, Decimal("150.00"), "EUR"),
            ClaimLine(INTEREST, Decimal("10.00"), "EUR", computed_to=date(2026, 5, 10)),
        )
    )
    act = only(plan_debtor(_formal(ledger=ledger), TODAY, SETTINGS))
    # Costs: still 150.00 due, nothing new booked. Interest: 10.00 booked to 10 May, plus
    # 11-20 May (10 days × 10.15 % on 1000.00 = 2.78).
    assert act.charges.costs == Decimal("150.00")
    assert act.charges.interest == Decimal("12.78")
    assert [(c.kind, c.to_book) for c in act.claims] == [
        (COSTS, Decimal("0.00")),
        (INTEREST, Decimal("2.78")),
    ]
    assert any(
        "10.00" in str(line) and "2026-05-10" in str(line) for line in act.charges.interest_lines
    )


def test_paid_and_waived_claims() -> None:
    ledger = Ledger(
        (ClaimLine(COSTS, Decimal("150.00"), "EUR", waived=Decimal("150.00")),),
        costs_waived=True,
    )
    act = only(plan_debtor(_formal(ledger=ledger), TODAY, SETTINGS))
    assert act.charges.costs == 0 and "costs waived" in act.charges.off_reason
    assert act.total == Decimal("1000.00") + act.charges.interest


def test_mixed_currencies_are_never_added() -> None:
    eur = inv("F1", date(2026, 3, 31), "1000.00", done=3, last=date(2026, 5, 1))
    usd = inv("F2", date(2026, 3, 31), "500.00", done=3, last=date(2026, 5, 1))
    usd = replace(usd, item=replace(usd.item, currency="USD"))
    act = only(plan_debtor(debtor(usd, eur), TODAY, SETTINGS))
    assert (act.currency, act.amount_due) == ("EUR", Decimal("1000.00"))
    assert act.other_amounts == (("USD", Decimal("500.00")),)
    assert act.charges.costs == Decimal("150.00")  # on the EUR principal only
    assert "F2 (USD)" in act.charges.off_reason
