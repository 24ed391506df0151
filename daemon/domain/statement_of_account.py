"""Costs and interest for one reminder mail (a statement of account over several invoices).

Choices, each conservative (a claim too high voids an NL 14-dagenbrief; too low only
costs money):
- Collection costs are computed once on the SUM of the principals in the mail
  (domain-rules §1.3), on the open (unpaid) part.
- On a ladder with a formal notice (consumers), costs only for invoices whose notice term
  has ended, grouped per notice, and never above the amount the notice stated.
- Interest per invoice on its open amount, act/365, from: the day after the due date (NL, BE
  business), the start of Verzug (DE business: 31 days after the due date, receipt assumed
  on the invoice date), or — for consumers, where verzuim needs a notice — the first day
  after the notice's term. BE consumers: no interest (it needs a contract clause).
  NL compounds yearly (art. 6:119 lid 2 / 6:119a lid 3 BW); DE and BE do not.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from daemon.domain.charge_lines import ChargeLine, charge_line
from daemon.domain.fees import collection_costs, de_verzug_start
from daemon.domain.interest import (
    BE_B2B,
    DE_B2B,
    DE_B2C,
    NL_B2B,
    NL_B2C,
    RateTable,
    compute_interest,
)
from daemon.domain.policy import statutory_costs_from

ZERO = Decimal("0.00")
# The statutory rules below are the Dutch, Belgian and German ones for euro claims: a claim
# in another currency (or another jurisdiction) gets neither costs nor interest, and the
# reason is shown instead of a figure computed on the wrong law.
STATUTORY_CURRENCY = "EUR"
STATUTORY_JURISDICTIONS = ("NL", "BE", "DE")


@dataclass(frozen=True, slots=True)
class InvoiceItem:
    """An invoice as a reminder lists it."""

    number: str
    currency: str
    amount: Decimal
    open: Decimal
    issue_date: date
    due_date: date
    reference: str
    reference_kind: str
    formal_notice_date: date | None = None
    formal_notice_costs: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Charges:
    costs: Decimal = ZERO
    cost_lines: tuple[ChargeLine, ...] = ()
    costs_basis: str = ""
    interest: Decimal = ZERO
    interest_lines: tuple[ChargeLine, ...] = ()
    interest_convention: str = ""
    off_reason: str = ""  # why costs/interest were not computed (for some invoices or all)


def charges_off_reason(jurisdiction: str, items: Sequence[InvoiceItem]) -> str:
    """Why statutory costs and interest do not apply to (some of) ``items``; "" when they may."""
    if jurisdiction not in STATUTORY_JURISDICTIONS:
        return (
            f"no statutory costs or interest: jurisdiction {jurisdiction!r} has no rules here "
            f"(only {', '.join(STATUTORY_JURISDICTIONS)})"
        )
    foreign = [i for i in items if i.currency != STATUTORY_CURRENCY]
    if not foreign:
        return ""
    listed = ", ".join(f"{i.number} ({i.currency})" for i in foreign)
    return (
        f"no statutory costs or interest on {listed}: the statutory rules apply to "
        f"{STATUTORY_CURRENCY} claims only"
    )


def _statutory(jurisdiction: str, items: Sequence[InvoiceItem]) -> list[InvoiceItem]:
    if jurisdiction not in STATUTORY_JURISDICTIONS:
        return []
    return [i for i in items if i.currency == STATUTORY_CURRENCY]


def _interest_table(jurisdiction: str, debtor_type: str) -> tuple[RateTable, bool] | None:
    if jurisdiction == "NL":
        return (NL_B2C, True) if debtor_type == "b2c" else (NL_B2B, True)
    if jurisdiction == "DE":
        return (DE_B2C, False) if debtor_type == "b2c" else (DE_B2B, False)
    if jurisdiction == "BE" and debtor_type == "b2b":
        return BE_B2B, False
    return None


def notice_costs(
    items: Sequence[InvoiceItem], *, jurisdiction: str, debtor_type: str, vat_deductible: bool
) -> tuple[Decimal, tuple[ChargeLine, ...]]:
    """The exact costs a formal notice announces for these invoices (staffel on the sum);
    only on the EUR claims of a supported jurisdiction."""
    base = sum((i.open for i in _statutory(jurisdiction, items)), ZERO)
    if base <= 0:
        return ZERO, ()
    comp = collection_costs(jurisdiction, debtor_type, base, vat_deductible=vat_deductible)
    return comp.amount, comp.lines


def _costs_after_notice(
    items: Sequence[InvoiceItem],
    today: date,
    *,
    jurisdiction: str,
    debtor_type: str,
    atw_extension: bool,
    vat_deductible: bool,
) -> tuple[Decimal, list[ChargeLine], str]:
    groups: dict[date, list[InvoiceItem]] = {}
    for item in items:
        if item.formal_notice_date is None:
            continue
        start = statutory_costs_from(
            jurisdiction, item.formal_notice_date, atw_extension=atw_extension
        )
        if start <= today:
            groups.setdefault(item.formal_notice_date, []).append(item)
    total, basis = ZERO, ""
    lines: list[ChargeLine] = []
    for notice_day in sorted(groups):
        group = groups[notice_day]
        base = sum((i.open for i in group), ZERO)
        if base <= 0:
            continue
        comp = collection_costs(jurisdiction, debtor_type, base, vat_deductible=vat_deductible)
        numbers = ", ".join(i.number for i in group)
        lines.append(charge_line("notice_group", day=notice_day, numbers=numbers))
        lines.extend(comp.lines)
        amount = comp.amount
        stated = [i.formal_notice_costs for i in group if i.formal_notice_costs is not None]
        if stated and min(stated) < amount:
            amount = min(stated)
            lines.append(charge_line("notice_limit", amount=amount))
        total += amount
        basis = comp.basis
    return total, lines, basis


def _interest_start(
    item: InvoiceItem,
    *,
    jurisdiction: str,
    debtor_type: str,
    after_notice: bool,
    atw_extension: bool,
) -> date | None:
    if after_notice:
        if item.formal_notice_date is None:
            return None
        return statutory_costs_from(
            jurisdiction, item.formal_notice_date, atw_extension=atw_extension
        )
    if jurisdiction == "DE" and debtor_type == "b2b":
        return de_verzug_start(item.due_date, item.issue_date)
    return item.due_date + timedelta(days=1)


def compute_charges(
    items: Sequence[InvoiceItem],
    today: date,
    *,
    jurisdiction: str,
    debtor_type: str,
    costs: bool,
    interest: bool,
    after_notice: bool,
    atw_extension: bool = True,
    vat_deductible: bool = True,
    interest_from: date | None = None,
) -> Charges:
    """Costs and interest owed on ``today`` for the overdue ``items`` of one mail.

    ``after_notice``: the ladder has a formal notice, so costs (and consumer interest) only
    run after its statutory term. ``interest_from``: the first day not yet covered by booked
    interest (the claims ledger's "computed to" + 1): interest runs on from there.
    """
    overdue = [i for i in items if i.due_date < today and i.open > 0]
    # Said on every step, also one that charges nothing yet: the office sees early that this
    # claim will never carry statutory costs or interest.
    off_reason = charges_off_reason(jurisdiction, overdue)
    overdue = _statutory(jurisdiction, overdue)
    cost_total, basis = ZERO, ""
    cost_lines: list[ChargeLine] = []
    if costs and overdue:
        if after_notice:
            cost_total, cost_lines, basis = _costs_after_notice(
                overdue,
                today,
                jurisdiction=jurisdiction,
                debtor_type=debtor_type,
                atw_extension=atw_extension,
                vat_deductible=vat_deductible,
            )
        else:
            base = sum((i.open for i in overdue), ZERO)
            comp = collection_costs(jurisdiction, debtor_type, base, vat_deductible=vat_deductible)
            cost_total, cost_lines, basis = comp.amount, list(comp.lines), comp.basis
    interest_total, convention = ZERO, ""
    interest_lines: list[ChargeLine] = []
    table = _interest_table(jurisdiction, debtor_type)
    if interest and table is not None:
        rates, compound = table
        for item in overdue:
            start = _interest_start(
                item,
                jurisdiction=jurisdiction,
                debtor_type=debtor_type,
                after_notice=after_notice,
                atw_extension=atw_extension,
            )
            if start is not None and interest_from is not None:
                start = max(start, interest_from)
            if start is None or start > today:
                continue
            try:
                comp_i = compute_interest(item.open, start, today, rates, compound_yearly=compound)
            except ValueError:
                continue  # no rate known for that period: claim nothing rather than guess
            if comp_i.total <= 0:
                continue
            interest_total += comp_i.total
            interest_lines.extend(
                charge_line(
                    "interest_period",
                    number=item.number,
                    start=line.start,
                    end=line.end,
                    days=line.days,
                    rate=line.rate,
                    base=line.base,
                    interest=line.interest,
                )
                for line in comp_i.lines
            )
            convention = comp_i.convention
    return Charges(
        cost_total,
        tuple(cost_lines),
        basis,
        interest_total,
        tuple(interest_lines),
        convention,
        off_reason,
    )
