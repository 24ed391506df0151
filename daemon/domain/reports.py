"""Reports, pure: aging buckets, DSO over time, how each debtor pays.

Everything is computed from two kinds of fact: receivables (invoices with their amount and
dates) and settlements (a payment allocation, a credit note or a write-off on a day), so a
report can be drawn as of any past date, not only today.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

BUCKETS: tuple[tuple[str, int | None, int | None], ...] = (
    ("not_due", None, 0),
    ("1-30", 1, 30),
    ("31-60", 31, 60),
    ("61-90", 61, 90),
    ("over_90", 91, None),
)


@dataclass(frozen=True, slots=True)
class Receivable:
    number: str
    debtor_id: str
    issue_date: date
    due_date: date
    amount_cents: int
    currency: str = "EUR"


def by_currency(receivables: Iterable[Receivable]) -> dict[str, list[Receivable]]:
    """Receivables per currency, currencies sorted: every report sums within one currency
    only (cents of EUR and USD added together mean nothing)."""
    groups: dict[str, list[Receivable]] = defaultdict(list)
    for r in receivables:
        groups[r.currency].append(r)
    return {c: groups[c] for c in sorted(groups)}


@dataclass(frozen=True, slots=True)
class Settlement:
    invoice_number: str
    on: date
    cents: int  # positive: reduces what is owed
    kind: str = "payment"  # payment | credit | write_off


@dataclass(frozen=True, slots=True)
class AgingBucket:
    name: str
    count: int
    cents: int


@dataclass(frozen=True, slots=True)
class AgingReport:
    as_of: date
    buckets: tuple[AgingBucket, ...]
    total_cents: int
    by_debtor: tuple[tuple[str, tuple[AgingBucket, ...]], ...]


@dataclass(frozen=True, slots=True)
class DsoPoint:
    month_end: date
    receivable_cents: int
    sales_cents: int  # invoiced in the trailing period
    dso: Decimal | None  # None when nothing was invoiced in the period


@dataclass(frozen=True, slots=True)
class DebtorBehaviour:
    debtor_id: str
    invoices: int
    settled: int
    average_days_late: Decimal | None  # over settled invoices; early payment counts as 0
    open_overdue: int
    promises_kept: int
    promises_broken: int
    disputes: int


def _settled_by(settlements: Iterable[Settlement], day: date) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for s in settlements:
        if s.on <= day:
            totals[s.invoice_number] += s.cents
    return totals


def open_on(
    receivables: Sequence[Receivable], settlements: Sequence[Settlement], day: date
) -> dict[str, int]:
    """Open cents per invoice at the end of ``day`` (only invoices issued by then)."""
    settled = _settled_by(settlements, day)
    out = {}
    for r in receivables:
        if r.issue_date <= day:
            remaining = r.amount_cents - settled.get(r.number, 0)
            if remaining > 0:
                out[r.number] = remaining
    return out


def bucket_name(days_late: int) -> str:
    for name, low, high in BUCKETS:
        if (low is None or days_late >= low) and (high is None or days_late <= high):
            return name
    raise AssertionError(days_late)  # pragma: no cover - the buckets cover every integer


def _buckets(rows: Iterable[tuple[int, int]]) -> tuple[AgingBucket, ...]:
    counts: dict[str, int] = defaultdict(int)
    cents: dict[str, int] = defaultdict(int)
    for days_late, amount in rows:
        name = bucket_name(days_late)
        counts[name] += 1
        cents[name] += amount
    return tuple(AgingBucket(name, counts[name], cents[name]) for name, _, _ in BUCKETS)


def aging(
    receivables: Sequence[Receivable], settlements: Sequence[Settlement], as_of: date
) -> AgingReport:
    """Open amounts by days past due on ``as_of``: not due, 1–30, 31–60, 61–90, over 90.

    The receivables must share one currency (see ``by_currency``)."""
    _one_currency(receivables)
    open_cents = open_on(receivables, settlements, as_of)
    rows = [(r, open_cents[r.number]) for r in receivables if r.number in open_cents]
    per_debtor: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for r, amount in rows:
        per_debtor[r.debtor_id].append(((as_of - r.due_date).days, amount))
    return AgingReport(
        as_of=as_of,
        buckets=_buckets(((as_of - r.due_date).days, amount) for r, amount in rows),
        total_cents=sum(amount for _, amount in rows),
        by_debtor=tuple((d, _buckets(v)) for d, v in sorted(per_debtor.items())),
    )


def _one_currency(receivables: Sequence[Receivable]) -> None:
    found = {r.currency for r in receivables}
    if len(found) > 1:
        raise ValueError(f"a report sums one currency at a time, got {sorted(found)}")


def month_ends(last: date, months: int) -> tuple[date, ...]:
    """The ``months`` month-ends up to ``last`` (``last`` itself when it is mid-month)."""
    ends = [last]
    day = last.replace(day=1) - timedelta(days=1)
    while len(ends) < months:
        ends.append(day)
        day = day.replace(day=1) - timedelta(days=1)
    return tuple(reversed(ends))


def dso_series(
    receivables: Sequence[Receivable],
    settlements: Sequence[Settlement],
    as_of: date,
    *,
    months: int = 12,
    period_days: int = 90,
) -> tuple[DsoPoint, ...]:
    """DSO at each month end: receivables ÷ sales of the trailing ``period_days`` × days.

    The receivables must share one currency (see ``by_currency``)."""
    _one_currency(receivables)
    points = []
    for end in month_ends(as_of, months):
        start = end - timedelta(days=period_days - 1)
        receivable = sum(open_on(receivables, settlements, end).values())
        sales = sum(r.amount_cents for r in receivables if start <= r.issue_date <= end)
        dso = None
        if sales > 0:
            dso = (Decimal(receivable) / Decimal(sales) * period_days).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        points.append(DsoPoint(end, receivable, sales, dso))
    return tuple(points)


def settled_on(receivable: Receivable, settlements: Sequence[Settlement]) -> date | None:
    """The day the invoice was settled in full, or None while money is still open."""
    total = 0
    for s in sorted(
        (s for s in settlements if s.invoice_number == receivable.number), key=lambda s: s.on
    ):
        total += s.cents
        if total >= receivable.amount_cents:
            return s.on
    return None


def debtor_behaviour(
    receivables: Sequence[Receivable],
    settlements: Sequence[Settlement],
    as_of: date,
    *,
    promises: Iterable[tuple[str, str]] = (),  # (debtor_id, status)
    disputes: Iterable[str] = (),  # debtor ids, one per dispute
) -> tuple[DebtorBehaviour, ...]:
    by_invoice: dict[str, list[Settlement]] = defaultdict(list)
    for s in settlements:
        if s.on <= as_of:
            by_invoice[s.invoice_number].append(s)
    kept: dict[str, int] = defaultdict(int)
    broken: dict[str, int] = defaultdict(int)
    for debtor_id, status in promises:
        if status == "kept":
            kept[debtor_id] += 1
        elif status == "broken":
            broken[debtor_id] += 1
    dispute_count: dict[str, int] = defaultdict(int)
    for debtor_id in disputes:
        dispute_count[debtor_id] += 1
    per_debtor: dict[str, list[Receivable]] = defaultdict(list)
    for r in receivables:
        if r.issue_date <= as_of:
            per_debtor[r.debtor_id].append(r)
    out = []
    for debtor_id in sorted(set(per_debtor) | set(kept) | set(broken) | set(dispute_count)):
        late_days: list[int] = []
        overdue = 0
        for r in per_debtor.get(debtor_id, []):
            done = settled_on(r, by_invoice.get(r.number, []))
            if done is not None:
                late_days.append(max(0, (done - r.due_date).days))
            elif r.due_date < as_of:
                overdue += 1
        average = None
        if late_days:
            average = (Decimal(sum(late_days)) / len(late_days)).quantize(
                Decimal("0.1"), rounding=ROUND_HALF_UP
            )
        out.append(
            DebtorBehaviour(
                debtor_id=debtor_id,
                invoices=len(per_debtor.get(debtor_id, [])),
                settled=len(late_days),
                average_days_late=average,
                open_overdue=overdue,
                promises_kept=kept[debtor_id],
                promises_broken=broken[debtor_id],
                disputes=dispute_count[debtor_id],
            )
        )
    return tuple(out)
