"""The daily plan watch: each active payment plan's instalments are filled from the payments
towards its invoices, then the plan is completed, flagged as missed (or broken, so the ladder
resumes) or its next instalment is reminded. Called by the daily cycle
(daemon.app.dunning.daily_reviews) and by ``dunmail plans review``; one transaction per plan.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import plans as plan_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import invoice_rows
from daemon.adapters.store.queue import add_review_item
from daemon.app.debtor_mail import mail_debtor
from daemon.app.plans import end_plan, plan_row, schedule_context
from daemon.config import Config
from daemon.domain.model import CLOSED_STATES
from daemon.domain.money import from_cents
from daemon.domain.plans import Instalment, fill_instalments, missed, paid_off, reminder_due


def _paid_towards(store: Store, plan: dict[str, Any]) -> int:
    return plan_store.paid_towards(store, plan["invoice_numbers"], plan["created_at"][:10])


def review_plans(store: Store, config: Config, today: date, now: datetime) -> dict[str, int]:
    """The daily plan check: fill instalments from payments, remind, flag missed, complete."""
    counts = {"reminders": 0, "missed": 0, "completed": 0}
    for plan_id in plan_store.plan_ids(store, status="active"):
        with store.transaction():
            outcome = _review_plan(store, config, plan_row(store, plan_id), today, now)
        for key, value in outcome.items():
            counts[key] += value
    return counts


def _review_plan(
    store: Store, config: Config, plan: dict[str, Any], today: date, now: datetime
) -> dict[str, int]:
    at = iso_utc(now)
    counts = {"reminders": 0, "missed": 0, "completed": 0}
    schedule = [
        Instalment(i["seq"], date.fromisoformat(i["due_date"]), i["amount_cents"])
        for i in plan["instalments"]
    ]
    states = fill_instalments(schedule, _paid_towards(store, plan), today, config.plans.grace_days)
    for state in states:
        plan_store.set_instalment_state(
            store, plan["id"], state.seq, paid_cents=state.paid_cents, status=str(state.status)
        )
    invoices = invoice_rows(store, numbers=plan["invoice_numbers"])
    settled = bool(invoices) and all(r["status"] in CLOSED_STATES for r in invoices)
    case_id = plan["case_id"]
    if paid_off(states) or settled:
        reason = "every instalment paid" if paid_off(states) else "every invoice is settled"
        end_plan(store, plan, "completed", {"plan_id": plan["id"], "reason": reason}, at=at)
        counts["completed"] = 1
        return counts
    late = missed(states)
    if late:
        first = late[0]
        detail = {
            "plan_id": plan["id"],
            "instalment": first.seq,
            "due_date": first.due_date.isoformat(),
            "amount": str(from_cents(first.amount_cents)),
            "paid": str(from_cents(first.paid_cents)),
            "grace_days": config.plans.grace_days,
            "action": config.plans.missed_action,
        }
        if config.plans.missed_action == "resume":
            reason = "instalment missed: the ladder resumes"
            end_plan(store, plan, "broken", {**detail, "reason": reason}, at=at)
        else:
            add_review_item(
                store,
                "plan_missed",
                f"Instalment {first.seq} of payment plan #{plan['id']} "
                f"({from_cents(first.open_cents)} open, due {first.due_date.isoformat()}) "
                "was not paid",
                priority=1,
                evidence=detail,
                proposed_actions=("resume", "comment", "snooze"),
                due_date=today.isoformat(),
                debtor_id=plan["debtor_id"],
                case_id=case_id,
                invoice_numbers=plan["invoice_numbers"],
                dedupe_key=f"plan-missed:{plan['id']}:{first.seq}",
                now=at,
            )
            record_event(
                store,
                "plan_instalment_missed",
                debtor_id=plan["debtor_id"],
                case_id=case_id,
                detail=detail,
                at=at,
            )
        counts["missed"] = 1
        return counts
    for state, row in zip(states, plan["instalments"], strict=True):
        if row["reminded_at"] or not reminder_due(state, today, config.plans.reminder_days_before):
            continue
        outbox_id = mail_debtor(
            store,
            config,
            plan["debtor_id"],
            kind="plan",
            template="plan_instalment_reminder",
            context={
                **schedule_context(store, plan),
                "seq": state.seq,
                "count": len(states),
                "due_date": state.due_date.isoformat(),
                "amount": from_cents(state.open_cents),
            },
            seed=f"instalment:{plan['id']}:{state.seq}",
            now=now,
            invoice_numbers=plan["invoice_numbers"],
            decision={
                "template": "plan_instalment_reminder",
                "plan_id": plan["id"],
                "instalment": state.seq,
            },
        )
        plan_store.mark_instalment_reminded(store, plan["id"], state.seq, at=at)
        record_event(
            store,
            "plan_instalment_reminder",
            debtor_id=plan["debtor_id"],
            case_id=case_id,
            outbox_id=outbox_id,
            detail={
                "plan_id": plan["id"],
                "instalment": state.seq,
                "due_date": state.due_date.isoformat(),
            },
            at=at,
        )
        counts["reminders"] += 1
    return counts
