"""Payment plans, pure: instalment schedules, filling instalments with payments, missed ones.

A plan spreads the open amount of one or more invoices over instalments. Payments towards
the plan's invoices fill the instalments in order (oldest first), so a debtor who pays the
second instalment early has paid ahead, never "skipped" the first.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class PlanStatus(StrEnum):
    PROPOSED = "proposed"
    ACTIVE = "active"
    COMPLETED = "completed"
    BROKEN = "broken"
    REJECTED = "rejected"


class InstalmentStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class Instalment:
    seq: int  # 1-based
    due_date: date
    amount_cents: int


@dataclass(frozen=True, slots=True)
class InstalmentState:
    seq: int
    due_date: date
    amount_cents: int
    paid_cents: int
    status: InstalmentStatus

    @property
    def open_cents(self) -> int:
        return self.amount_cents - self.paid_cents


def make_schedule(
    total_cents: int,
    count: int,
    first: date,
    every_days: int,
    *,
    is_business_day: Callable[[date], bool],
) -> tuple[Instalment, ...]:
    """``count`` instalments of equal size, ``every_days`` apart from ``first``.

    An instalment whose day is not a business day (weekend, public holiday of the office's
    jurisdiction) falls due on the next business day: a debtor cannot pay a bank transfer on
    a Sunday. The shift is per instalment, so the rhythm does not drift.

    Cents that do not divide evenly go to the first instalments (one cent each), so the
    instalments always add up to the total exactly and never differ by more than a cent.
    """
    if total_cents <= 0:
        raise ValueError(f"a plan needs a positive amount, got {total_cents} cents")
    if count < 1:
        raise ValueError(f"a plan needs at least one instalment, got {count}")
    if count > total_cents:
        raise ValueError(f"{count} instalments is more than the amount in cents")
    if every_days < 1:
        raise ValueError(f"instalments must be at least a day apart, got {every_days}")
    base, extra = divmod(total_cents, count)
    return tuple(
        Instalment(
            seq,
            _business_day_from(first + timedelta(days=every_days * (seq - 1)), is_business_day),
            base + (1 if seq <= extra else 0),
        )
        for seq in range(1, count + 1)
    )


def _business_day_from(day: date, is_business_day: Callable[[date], bool]) -> date:
    """``day`` itself when it is a business day, else the next one."""
    for _ in range(31):  # no calendar has a month without a business day
        if is_business_day(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no business day within a month of {day.isoformat()}")


def fill_instalments(
    instalments: Sequence[Instalment], paid_cents: int, today: date, grace_days: int
) -> tuple[InstalmentState, ...]:
    """Spread ``paid_cents`` (everything paid towards the plan since it started) over the
    instalments in order; an instalment not covered ``grace_days`` after its due date is
    missed."""
    remaining = max(paid_cents, 0)
    states = []
    for inst in sorted(instalments, key=lambda i: i.seq):
        paid = min(remaining, inst.amount_cents)
        remaining -= paid
        if paid >= inst.amount_cents:
            status = InstalmentStatus.PAID
        elif inst.due_date + timedelta(days=grace_days) < today:
            status = InstalmentStatus.MISSED
        else:
            status = InstalmentStatus.PENDING
        states.append(InstalmentState(inst.seq, inst.due_date, inst.amount_cents, paid, status))
    return tuple(states)


def missed(states: Sequence[InstalmentState]) -> tuple[InstalmentState, ...]:
    return tuple(s for s in states if s.status is InstalmentStatus.MISSED)


def paid_off(states: Sequence[InstalmentState]) -> bool:
    return bool(states) and all(s.status is InstalmentStatus.PAID for s in states)


def reminder_due(state: InstalmentState, today: date, days_before: int) -> bool:
    """A reminder goes ``days_before`` days ahead of an instalment that is still open; a late
    start (the daemon was down) still reminds up to the due date itself."""
    if state.status is not InstalmentStatus.PENDING:
        return False
    return state.due_date - timedelta(days=days_before) <= today <= state.due_date
