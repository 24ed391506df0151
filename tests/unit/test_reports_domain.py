"""Reports, pure: aging buckets at their edges, DSO, and how debtors pay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.reports import (
    Receivable,
    Settlement,
    aging,
    bucket_name,
    by_currency,
    debtor_behaviour,
    dso_series,
    month_ends,
    open_on,
)

D = date.fromisoformat


@pytest.mark.parametrize(
    ("days", "bucket"),
    [
        (-10, "not_due"),
        (0, "not_due"),
        (1, "1-30"),
        (30, "1-30"),
        (31, "31-60"),
        (60, "31-60"),
        (61, "61-90"),
        (90, "61-90"),
        (91, "over_90"),
        (400, "over_90"),
    ],
    ids=lambda v: str(v),
)
def test_bucket_edges(days: int, bucket: str) -> None:
    assert bucket_name(days) == bucket


INVOICES = [
    Receivable("A1", "alpha", D("2026-01-01"), D("2026-01-31"), 100000),
    Receivable("A2", "alpha", D("2026-03-01"), D("2026-03-31"), 50000),
    Receivable("B1", "beta", D("2026-04-01"), D("2026-05-01"), 20000),
    Receivable("B2", "beta", D("2026-06-01"), D("2026-07-01"), 30000),
]
PAYMENTS = [
    Settlement("A1", D("2026-02-10"), 100000),  # 10 days late
    Settlement("A2", D("2026-04-05"), 20000),  # partial
    Settlement("B1", D("2026-04-20"), 15000),
    Settlement("B1", D("2026-04-25"), 5000, "credit"),  # settled early by a credit
]


def test_open_on_uses_only_what_happened_by_then() -> None:
    assert open_on(INVOICES, PAYMENTS, D("2026-02-01")) == {"A1": 100000}
    assert open_on(INVOICES, PAYMENTS, D("2026-04-10")) == {"A2": 30000, "B1": 20000}
    assert open_on(INVOICES, PAYMENTS, D("2026-06-15")) == {"A2": 30000, "B2": 30000}


def test_aging_on_a_date() -> None:
    report = aging(INVOICES, PAYMENTS, D("2026-07-15"))
    by_name = {b.name: (b.count, b.cents) for b in report.buckets}
    # A2 due 31 Mar: 106 days late; B2 due 1 Jul: 14 days late
    assert by_name == {
        "not_due": (0, 0),
        "1-30": (1, 30000),
        "31-60": (0, 0),
        "61-90": (0, 0),
        "over_90": (1, 30000),
    }
    assert report.total_cents == 60000
    assert [d for d, _ in report.by_debtor] == ["alpha", "beta"]


def test_month_ends() -> None:
    assert month_ends(D("2026-03-15"), 3) == (D("2026-01-31"), D("2026-02-28"), D("2026-03-15"))


def test_dso_series() -> None:
    points = dso_series(INVOICES, PAYMENTS, D("2026-04-30"), months=2, period_days=90)
    march, april = points
    assert march.month_end == D("2026-03-31")
    # 31 Mar: A2 open 50,000; sales 1 Jan … 31 Mar (90 days): A1 + A2 → 50/150 × 90
    assert (march.receivable_cents, march.sales_cents) == (50000, 150000)
    assert march.dso == Decimal("30.0")
    # 30 Apr: A2 30,000 open; sales 31 Jan … 30 Apr: A2 + B1 = 70,000 → 30/70 × 90
    assert (april.receivable_cents, april.sales_cents) == (30000, 70000)
    assert april.dso == Decimal("38.6")


def test_dso_without_sales_is_none() -> None:
    (point,) = dso_series(INVOICES, PAYMENTS, D("2025-06-30"), months=1)
    assert point.dso is None


def test_debtor_behaviour() -> None:
    rows = debtor_behaviour(
        INVOICES,
        PAYMENTS,
        D("2026-07-15"),
        promises=[("alpha", "kept"), ("alpha", "broken"), ("beta", "broken"), ("beta", "open")],
        disputes=["beta"],
    )
    alpha, beta = rows
    assert (alpha.debtor_id, alpha.settled, alpha.average_days_late) == (
        "alpha",
        1,
        Decimal("10.0"),
    )
    assert (alpha.open_overdue, alpha.promises_kept, alpha.promises_broken) == (1, 1, 1)
    assert (beta.settled, beta.average_days_late, beta.open_overdue) == (1, Decimal("0.0"), 1)
    assert (beta.promises_broken, beta.disputes) == (1, 1)


def test_by_currency_groups_and_reports_refuse_a_mixed_sum() -> None:
    usd = Receivable("U1", "gamma", D("2026-06-01"), D("2026-07-01"), 9900, "USD")
    groups = by_currency([*INVOICES, usd])
    assert list(groups) == ["EUR", "USD"] and groups["USD"] == [usd]
    with pytest.raises(ValueError, match="one currency"):
        aging([*INVOICES, usd], [], D("2026-08-01"))
    with pytest.raises(ValueError, match="one currency"):
        dso_series([*INVOICES, usd], [], D("2026-08-01"))
    assert aging(groups["USD"], [], D("2026-08-01")).total_cents == 9900
