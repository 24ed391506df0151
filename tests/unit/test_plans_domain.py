"""Payment plans, pure: schedules add up, payments fill instalments in order, misses are seen."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daemon.domain.plans import (
    Instalment,
    InstalmentStatus,
    fill_instalments,
    make_schedule,
    missed,
    paid_off,
    reminder_due,
)
from daemon.domain.workdays import is_business_day

D = date.fromisoformat


def EVERY_DAY(_: date) -> bool:
    return True


@pytest.mark.parametrize(
    ("total", "count", "amounts"),
    [
        (30000, 3, [10000, 10000, 10000]),
        (10000, 3, [3334, 3333, 3333]),  # the odd cent goes first
        (10002, 4, [2501, 2501, 2500, 2500]),
        (5, 5, [1, 1, 1, 1, 1]),
        (12345, 1, [12345]),
    ],
    ids=["even-split", "one-odd-cent", "two-odd-cents", "one-cent-each", "single-instalment"],
)
def test_schedule_amounts(total: int, count: int, amounts: list[int]) -> None:
    schedule = make_schedule(total, count, D("2026-12-01"), 30, is_business_day=EVERY_DAY)
    assert [i.amount_cents for i in schedule] == amounts
    assert [i.seq for i in schedule] == list(range(1, count + 1))


def test_schedule_dates_every_n_days() -> None:
    schedule = make_schedule(9000, 3, D("2026-12-01"), 30, is_business_day=EVERY_DAY)
    assert [i.due_date for i in schedule] == [D("2026-12-01"), D("2026-12-31"), D("2027-01-30")]


@pytest.mark.parametrize(
    ("country", "first", "every", "dues"),
    [
        # 2027-01-30 is a Saturday: the third instalment moves to Monday 1 February
        ("NL", "2026-12-01", 30, ["2026-12-01", "2026-12-31", "2027-02-01"]),
        # a Sunday start moves to Monday; the rhythm keeps counting from the nominal day
        ("NL", "2026-12-06", 7, ["2026-12-07", "2026-12-14", "2026-12-21"]),
        # Christmas (Fri) and Boxing Day/Tweede Kerstdag (Sat): due Monday 28 December
        ("NL", "2026-11-25", 30, ["2026-11-25", "2026-12-28", "2027-01-25"]),
        # 21 July is the Belgian national day (a Tuesday in 2026), not a Dutch holiday
        ("BE", "2026-06-21", 30, ["2026-06-22", "2026-07-22", "2026-08-20"]),
        ("BE", "2026-07-21", 30, ["2026-07-22", "2026-08-20", "2026-09-21"]),
        ("NL", "2026-07-21", 30, ["2026-07-21", "2026-08-20", "2026-09-21"]),
        # Tag der Deutschen Einheit, Saturday 3 October 2026 -> Monday 5 October
        ("DE", "2026-09-03", 30, ["2026-09-03", "2026-10-05", "2026-11-02"]),
    ],
    ids=[
        "saturday-to-monday",
        "sunday-start",
        "christmas-weekend",
        "be-national-day-start",
        "be-national-day",
        "nl-works-on-be-national-day",
        "de-unity-day-saturday",
    ],
)
def test_schedule_falls_on_business_days(
    country: str, first: str, every: int, dues: list[str]
) -> None:
    schedule = make_schedule(
        9000, 3, D(first), every, is_business_day=lambda d: is_business_day(d, country)
    )
    assert [i.due_date.isoformat() for i in schedule] == dues
    assert all(is_business_day(i.due_date, country) for i in schedule)


@pytest.mark.parametrize(
    ("total", "count", "every"),
    [(0, 3, 30), (100, 0, 30), (2, 3, 30), (100, 2, 0)],
    ids=["zero-amount", "no-instalments", "more-instalments-than-cents", "same-day"],
)
def test_schedule_refuses_nonsense(total: int, count: int, every: int) -> None:
    with pytest.raises(ValueError):
        make_schedule(total, count, D("2026-12-01"), every, is_business_day=EVERY_DAY)


@given(st.integers(1, 10**9), st.integers(1, 60))
def test_schedule_always_adds_up(total: int, count: int) -> None:
    if count > total:
        return
    schedule = make_schedule(total, count, D("2026-01-01"), 7, is_business_day=EVERY_DAY)
    assert sum(i.amount_cents for i in schedule) == total
    assert max(i.amount_cents for i in schedule) - min(i.amount_cents for i in schedule) <= 1


PLAN = (
    Instalment(1, D("2026-12-01"), 10000),
    Instalment(2, D("2026-12-31"), 10000),
    Instalment(3, D("2027-01-30"), 10000),
)


@pytest.mark.parametrize(
    ("paid", "today", "statuses"),
    [
        (0, D("2026-11-20"), ["pending", "pending", "pending"]),
        (10000, D("2026-12-10"), ["paid", "pending", "pending"]),
        (15000, D("2026-12-10"), ["paid", "pending", "pending"]),
        (0, D("2026-12-04"), ["pending", "pending", "pending"]),  # within 3 grace days
        (0, D("2026-12-05"), ["missed", "pending", "pending"]),
        (5000, D("2026-12-05"), ["missed", "pending", "pending"]),  # partly paid is not paid
        (30000, D("2027-03-01"), ["paid", "paid", "paid"]),
        (20000, D("2027-02-02"), ["paid", "paid", "pending"]),  # due 30 Jan + 3 grace = 2 Feb
        (25000, D("2027-02-03"), ["paid", "paid", "missed"]),
    ],
    ids=[
        "nothing-yet",
        "first-paid",
        "paid-ahead",
        "in-grace",
        "missed-after-grace",
        "partial-is-missed",
        "paid-off",
        "last-day-of-grace",
        "third-partly-paid-missed",
    ],
)
def test_fill_instalments(paid: int, today: date, statuses: list[str]) -> None:
    states = fill_instalments(PLAN, paid, today, grace_days=3)
    assert [str(s.status) for s in states] == statuses
    assert sum(s.paid_cents for s in states) == min(paid, 30000)


def test_missed_and_paid_off() -> None:
    late = fill_instalments(PLAN, 10000, D("2027-01-05"), grace_days=3)
    assert [s.seq for s in missed(late)] == [2]
    assert not paid_off(late)
    assert paid_off(fill_instalments(PLAN, 30000, D("2027-01-05"), grace_days=3))


@pytest.mark.parametrize(
    ("today", "paid", "expected"),
    [
        (D("2026-11-27"), 0, False),
        (D("2026-11-28"), 0, True),
        (D("2026-12-01"), 0, True),
        (D("2026-12-02"), 0, False),
        (D("2026-11-29"), 10000, False),
    ],
    ids=["too-early", "three-days-before", "on-due-day", "after-due", "already-paid"],
)
def test_reminder_due(today: date, paid: int, expected: bool) -> None:
    first = fill_instalments(PLAN, paid, today, grace_days=3)[0]
    assert reminder_due(first, today, 3) is expected
    assert first.status in (InstalmentStatus.PENDING, InstalmentStatus.PAID)
