"""What stops, holds or skips a debtor's ladder (PURE): an invoice left out (disputed,
held, promised, in a plan), a reply waiting for a person, the root guard that no reminder
leaves without an open amount (#15), and the thank-you mail once everything is paid.
"""

from __future__ import annotations

from datetime import date

from daemon.domain.dunning_actions import (
    Action,
    ActionKind,
    DebtorSnapshot,
    InvoiceState,
    PlanSettings,
    ReviewWait,
    base_action,
)
from daemon.domain.invoice_states import DUNNABLE_STATES
from daemon.domain.nothing_open import reminder_refusal


def thank_you_action(s: DebtorSnapshot, settings: PlanSettings) -> Action | None:
    last = s.last_reminder
    if not settings.thank_you or last is None or s.thank_you_sent or not last.all_paid:
        return None
    if s.hold is not None or not s.emails:
        return None
    return base_action(
        s,
        ActionKind.EMAIL,
        f"everything is paid after reminder {last.message_id}",
        kind="thank_you",
        template="thank_you",
        message_key=last.message_id,
    )


def excluded_reason(inv: InvoiceState, today: date) -> str | None:
    if inv.status not in DUNNABLE_STATES:
        return inv.status.replace("_", " ")  # disputed, on hold: owed, shown, not dunned
    if inv.held:
        return f"on hold ({inv.held})"
    if inv.in_plan:
        return "in a payment plan"
    if inv.promised:
        return f"promised ({inv.promised})"
    return None


def review_wait_overdue(wait: ReviewWait, today: date, max_days: int) -> bool:
    """True once the item has waited longer than ``max_days``: it escalates to a person."""
    return (today - wait.since).days > max_days


def review_wait_reason(wait: ReviewWait, today: date, settings: PlanSettings) -> str:
    reason = (
        f"waiting for review #{wait.item_id} ({wait.item_type}) since {wait.since.isoformat()}:"
        " the debtor's reply needs a person before the ladder goes on"
    )
    if review_wait_overdue(wait, today, settings.review_wait_max_days):
        reason += (
            f"; overdue (more than {settings.review_wait_max_days} days,"
            " inbound.review_wait_max_days): escalated, the ladder stays paused"
        )
    return reason


def guard_reminder(action: Action) -> Action:
    """The root guard (#15): no reminder leaves without an open amount and an invoice list."""
    if action.action is not ActionKind.EMAIL or action.kind != "reminder":
        return action
    opens = {i.number: i.open for i in action.invoices}
    refusal = reminder_refusal(opens, action.amount_due)
    if refusal is None:
        return action
    return Action(
        debtor_id=action.debtor_id,
        action=ActionKind.SKIP,
        reason=f"{action.reason}: {refusal}",
        language=action.language,
        jurisdiction=action.jurisdiction,
        debtor_type=action.debtor_type,
        case_id=action.case_id,
        to=action.to,
    )
