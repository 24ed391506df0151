"""The dunning planner: what to do today for each debtor, and why. PURE.

``plan_debtor(snapshot, today, settings)`` returns the day's actions for one debtor: an
``email`` (one statement-of-account mail whose step is the highest step due among its
invoices), a ``task`` for a person (phone call, hand-over, key account, no address), a
``hold`` (something stops the ladder) or a ``skip`` (nothing due). Preview and the daemon
call the same function; only the daemon writes the result.

This module is the entry point and the order of the gates; the parts live beside it:
daemon.domain.dunning_actions (snapshot, settings, actions), daemon.domain.dunning_guards
(what holds or skips the ladder), daemon.domain.ladder_steps (the next step due, the mail
or task it becomes, a letter on demand) and daemon.domain.reminder_charges (costs and
interest on a reminder, net of the case's ledger). Callers import from here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from daemon.domain.dunning_actions import (
    NOTICE_TERM_DAYS,
    STOPPED_CASES,
    ZERO,
    Action,
    ActionKind,
    Advance,
    DebtorSnapshot,
    InvoiceState,
    LastReminder,
    PlanSettings,
    ReviewWait,
    base_action,
    by_currency,
    primary_currency,
)
from daemon.domain.dunning_guards import (
    excluded_reason,
    guard_reminder,
    review_wait_overdue,
    review_wait_reason,
    thank_you_action,
)
from daemon.domain.invoice_states import OPEN_STATES
from daemon.domain.ladder_steps import ladder_of, letter_action, plan_ladder

__all__ = [
    "NOTICE_TERM_DAYS",
    "STOPPED_CASES",
    "ZERO",
    "Action",
    "ActionKind",
    "Advance",
    "DebtorSnapshot",
    "InvoiceState",
    "LastReminder",
    "PlanSettings",
    "ReviewWait",
    "guard_reminder",
    "letter_action",
    "plan_day",
    "plan_debtor",
    "primary_currency",
    "review_wait_overdue",
    "review_wait_reason",
]


def plan_debtor(s: DebtorSnapshot, today: date, settings: PlanSettings) -> list[Action]:
    """The debtor's actions for ``today``; a reminder with nothing open becomes a skip."""
    return [guard_reminder(a) for a in _plan_debtor(s, today, settings)]


def _plan_debtor(s: DebtorSnapshot, today: date, settings: PlanSettings) -> list[Action]:
    """The actions for one debtor on ``today`` (an empty list never: at least a reason)."""
    if not settings.enabled:
        return [
            base_action(s, ActionKind.SKIP, "dunning is switched off (dunning.enabled = false)")
        ]
    if settings.global_pause is not None:
        return [base_action(s, ActionKind.HOLD, f"global pause: {settings.global_pause}")]
    if s.case_status in STOPPED_CASES:
        return [base_action(s, ActionKind.SKIP, f"case is {s.case_status}")]
    if s.review_wait is not None:
        # Fail safe: what the debtor wrote is not understood (or needs a decision) — nothing
        # automated goes to this debtor until a person has read it.
        return [base_action(s, ActionKind.HOLD, review_wait_reason(s.review_wait, today, settings))]
    open_invoices = [i for i in s.invoices if i.status in OPEN_STATES]
    open_invoices = [i for i in open_invoices if i.item.open > 0]
    if not open_invoices:
        thanks = thank_you_action(s, settings)
        return [thanks] if thanks else [base_action(s, ActionKind.SKIP, "nothing open")]
    if s.hold is not None:
        return [base_action(s, ActionKind.HOLD, f"debtor on hold: {s.hold}")]
    if s.case_status == "paused" and s.paused_until is not None and s.paused_until > today:
        return [base_action(s, ActionKind.HOLD, f"case paused until {s.paused_until.isoformat()}")]
    eligible: list[InvoiceState] = []
    excluded: list[str] = []
    for inv in open_invoices:
        why = excluded_reason(inv, today)
        if why is None:
            eligible.append(inv)
        else:
            excluded.append(f"{inv.item.number} {why}")
    if not eligible:
        return [base_action(s, ActionKind.HOLD, "; ".join(excluded))]
    per_currency = by_currency([i.item for i in eligible])
    total_open = max(per_currency.values())
    if total_open < settings.min_open:
        return [
            base_action(
                s,
                ActionKind.SKIP,
                f"open amount {total_open} is below dunning.min_open_amount {settings.min_open}",
            )
        ]
    name, why, ladder = ladder_of(s, settings)
    if ladder is None:
        return [base_action(s, ActionKind.SKIP, f"no ladder named {name!r} ({why})")]
    return plan_ladder(s, today, settings, ladder, name, why, eligible, excluded)


def plan_day(
    snapshots: Sequence[DebtorSnapshot], today: date, settings: PlanSettings
) -> list[Action]:
    """Every debtor's actions for ``today``, in debtor order."""
    actions: list[Action] = []
    for snapshot in sorted(snapshots, key=lambda s: s.debtor_id):
        actions.extend(plan_debtor(snapshot, today, settings))
    return actions
