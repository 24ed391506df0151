"""The charges on a reminder (PURE): the costs and interest a statement of account asks for
(daemon.domain.statement_of_account), less what the case's ledger already booked, was paid
or waived (a second statement never claims the same euro twice), and the costs a formal
notice states for its own invoices.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from decimal import Decimal

from daemon.domain.charge_lines import ChargeLine, charge_line
from daemon.domain.claims import (
    COSTS,
    INTEREST,
    Ledger,
    StatementClaim,
    claim_for_statement,
    interest_runs_from,
)
from daemon.domain.dunning_actions import DebtorSnapshot, PlanSettings, primary_currency
from daemon.domain.policy import LadderLike, StepLike
from daemon.domain.statement_of_account import Charges, InvoiceItem, compute_charges, notice_costs


def reminder_charges(
    s: DebtorSnapshot,
    settings: PlanSettings,
    ladder: LadderLike,
    step: StepLike,
    listed: Sequence[InvoiceItem],
    notice_items: Sequence[InvoiceItem],
    charge_day: date,
) -> tuple[Charges, Decimal | None, tuple[ChargeLine, ...], tuple[str, ...]]:
    """The computed charges for the ``listed`` invoices to ``charge_day`` (before the
    ledger, see :func:`with_ledger`), and, for a formal notice, the costs it states for
    ``notice_items`` with their lines and invoice numbers."""
    after_notice = any(st.formal_notice for st in ladder.steps)
    currency = primary_currency(listed)
    charges = compute_charges(
        listed,
        charge_day,
        jurisdiction=s.jurisdiction,
        debtor_type=s.debtor_type,
        costs=step.costs,
        interest=step.interest,
        after_notice=after_notice,
        atw_extension=settings.atw_extension,
        vat_deductible=settings.vat_deductible,
        interest_from=interest_runs_from(s.ledger, currency),
    )
    stated: Decimal | None = None
    stated_lines: tuple[ChargeLine, ...] = ()
    notice_numbers: tuple[str, ...] = ()
    if step.formal_notice:
        notice_numbers = tuple(it.number for it in notice_items)
        stated, stated_lines = notice_costs(
            notice_items,
            jurisdiction=s.jurisdiction,
            debtor_type=s.debtor_type,
            vat_deductible=settings.vat_deductible,
        )
    return charges, stated, stated_lines, notice_numbers


def with_ledger(
    charges: Charges, ledger: Ledger, currency: str
) -> tuple[Charges, tuple[StatementClaim, ...]]:
    """The costs and interest a statement asks for, given what the case's ledger already
    booked, was paid or waived: a second statement never claims the same euro twice."""
    costs = claim_for_statement(ledger, COSTS, currency, charges.costs)
    interest = claim_for_statement(ledger, INTEREST, currency, charges.interest)
    cost_lines = list(charges.cost_lines)
    interest_lines = list(charges.interest_lines)
    notes = [charges.off_reason] if charges.off_reason else []
    for claim, lines in ((costs, cost_lines), (interest, interest_lines)):
        if claim.waived:
            notes.append(f"{claim.kind} waived for this case by a person")
            continue
        computed = charges.costs if claim.kind == COSTS else charges.interest
        if claim.total > computed:
            day = ledger.computed_to(currency) if claim.kind == INTEREST else None
            earlier = claim.total - claim.to_book if day else claim.total
            lines.insert(
                0,
                charge_line("claim_kept", day=day, amount=earlier)
                if day
                else charge_line("collection_costs", amount=earlier),
            )
        if claim.settled > 0 and claim.total > 0:
            lines.append(charge_line("claim_settled", amount=claim.settled, due=claim.due))
    adjusted = replace(
        charges,
        costs=costs.due,
        cost_lines=tuple(cost_lines) if costs.due > 0 else (),
        interest=interest.due,
        interest_lines=tuple(interest_lines) if interest.due > 0 else (),
        off_reason="; ".join(notes),
    )
    claims = tuple(c for c in (costs, interest) if c.total > 0)
    return adjusted, claims
