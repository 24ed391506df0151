"""Payment plan lifecycle: propose, approve (schedule mailed), remind, match, miss, complete.

While a plan is active the case status is 'plan' and the planner skips the plan's invoices;
``review_plans`` (called by the daily cycle) is what watches them instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import plans as plan_store
from daemon.adapters.store.cases import open_case, set_case_status
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.inbox import case_row
from daemon.adapters.store.invoices import debtor_row, invoice_rows
from daemon.adapters.store.queue import add_review_item
from daemon.app.mail_composer import compose_mail, mail_context
from daemon.app.mailout import derived_message_id, enqueue, mail_domain
from daemon.config import Config
from daemon.domain.identity import choose_recipients
from daemon.domain.model import CLOSED_STATES, open_cents
from daemon.domain.money import from_cents
from daemon.domain.plans import (
    Instalment,
    PlanStatus,
    fill_instalments,
    make_schedule,
    missed,
    paid_off,
    reminder_due,
)
from daemon.domain.references import display_reference
from daemon.domain.workdays import is_business_day


class PlanError(ValueError):
    """A plan request that cannot be carried out; the message says what to fix."""


def invoice_open_cents(row: dict[str, Any]) -> int:
    return open_cents(
        row["amount_cents"], row["paid_cents"], row["credited_cents"], row["written_off_cents"]
    )


def debtor_language(config: Config, debtor: dict[str, Any]) -> str:
    lang = debtor.get("language") or config.office.language
    return lang if lang in ("nl", "en", "de", "fr") else "en"


def mail_debtor(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    kind: str,
    template: str,
    context: dict[str, Any],
    seed: str,
    now: datetime,
    invoice_numbers: Sequence[str] = (),
    decision: dict[str, Any] | None = None,
) -> int | None:
    """Queue a mail to the debtor's deliverable registered addresses; None when it has none
    (or the same mail was queued before)."""
    debtor = debtor_row(store, debtor_id)
    recipients = choose_recipients(debtor["emails"]).to if debtor is not None else ()
    if debtor is None or not recipients:
        return None
    lang = debtor_language(config, debtor)
    office = config.office
    case = open_case(store, debtor_id, now=iso_utc(now))
    mail = compose_mail(
        office,
        kind=kind,
        message_id=derived_message_id(kind, seed, mail_domain(office.email)),
        template=template,
        language=lang,
        context=mail_context(
            office, debtor_id=debtor_id, debtor_name=debtor["name"], values=context
        ),
        to=recipients,
        now=now,
        reply_to=office.reply_to or None,
    )
    return enqueue(
        store,
        mail,
        debtor_id=debtor_id,
        case_id=case["id"],
        invoice_numbers=invoice_numbers,
        decision=decision or {"template": template},
        now=iso_utc(now),
    )


def plan_row(store: Store, plan_id: int) -> dict[str, Any]:
    row = plan_store.plan_row(store, plan_id)
    if row is None:
        raise PlanError(f"no payment plan #{plan_id}; see: dunmail plans list")
    return row


def list_plans(store: Store) -> list[dict[str, Any]]:
    return [plan_row(store, i) for i in plan_store.plan_ids(store)]


def plan_view(plan: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": plan["id"],
        "debtor_id": plan["debtor_id"],
        "status": plan["status"],
        "invoices": plan["invoice_numbers"],
        "total": str(from_cents(plan["total_cents"])),
        "created_at": plan["created_at"],
        "approved_at": plan["approved_at"],
        "approved_by": plan["approved_by"],
        "instalments": [
            {
                "seq": i["seq"],
                "due_date": i["due_date"],
                "amount": str(from_cents(i["amount_cents"])),
                "paid": str(from_cents(i["paid_cents"])),
                "status": i["status"],
            }
            for i in plan["instalments"]
        ],
    }


def _write_schedule(store: Store, plan_id: int, schedule: Sequence[Instalment]) -> None:
    plan_store.write_schedule(
        store, plan_id, [(i.seq, i.due_date.isoformat(), i.amount_cents) for i in schedule]
    )


def business_day(country: str) -> Callable[[date], bool]:
    """Instalments fall due on the business days of the office's jurisdiction."""
    return lambda day: is_business_day(day, country)


def create_plan(
    store: Store,
    debtor_id: str,
    invoice_numbers: Sequence[str],
    *,
    instalments: int,
    first: date,
    every_days: int,
    country: str,
    actor: str,
    now: datetime,
) -> int:
    """A proposed plan over the open amount of the given invoices (all the debtor's open
    invoices when none are named)."""
    at = iso_utc(now)
    rows = invoice_rows(store, debtor_id=debtor_id, numbers=list(invoice_numbers) or None)
    if invoice_numbers and len(rows) != len(set(invoice_numbers)):
        found = {r["number"] for r in rows}
        missing = sorted(set(invoice_numbers) - found)
        raise PlanError(f"invoice(s) {', '.join(missing)} not found for debtor {debtor_id}")
    rows = [r for r in rows if r["status"] not in CLOSED_STATES and invoice_open_cents(r) > 0]
    if not rows:
        raise PlanError(f"debtor {debtor_id} has no open invoices for a plan")
    total = sum(invoice_open_cents(r) for r in rows)
    try:
        schedule = make_schedule(
            total, instalments, first, every_days, is_business_day=business_day(country)
        )
    except ValueError as exc:
        raise PlanError(str(exc)) from exc
    with store.transaction():
        case = open_case(store, debtor_id, now=at)
        plan_id = plan_store.add_plan(
            store, debtor_id, case["id"], [r["number"] for r in rows], total, at=at
        )
        _write_schedule(store, plan_id, schedule)
        record_event(
            store,
            "plan_proposed",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            detail={
                "plan_id": plan_id,
                "total": str(from_cents(total)),
                "instalments": len(schedule),
                "first": first.isoformat(),
                "every_days": every_days,
            },
            at=at,
        )
    return plan_id


def change_plan(
    store: Store,
    plan_id: int,
    *,
    instalments: int,
    first: date,
    every_days: int,
    country: str,
    actor: str,
    now: datetime,
) -> None:
    plan = plan_row(store, plan_id)
    if plan["status"] not in (PlanStatus.PROPOSED, PlanStatus.ACTIVE):
        raise PlanError(
            f"plan #{plan_id} is {plan['status']}; only proposed or active plans change"
        )
    try:
        schedule = make_schedule(
            plan["total_cents"],
            instalments,
            first,
            every_days,
            is_business_day=business_day(country),
        )
    except ValueError as exc:
        raise PlanError(str(exc)) from exc
    with store.transaction():
        _write_schedule(store, plan_id, schedule)
        record_event(
            store,
            "plan_changed",
            actor=actor,
            debtor_id=plan["debtor_id"],
            case_id=plan["case_id"],
            detail={
                "plan_id": plan_id,
                "instalments": instalments,
                "first": first.isoformat(),
                "every_days": every_days,
            },
            at=iso_utc(now),
        )


def approve_plan(
    store: Store, config: Config, plan_id: int, *, actor: str, now: datetime
) -> int | None:
    """Activate the plan, put the case on 'plan' and mail the schedule; returns the outbox id."""
    plan = plan_row(store, plan_id)
    if plan["status"] != PlanStatus.PROPOSED:
        raise PlanError(f"plan #{plan_id} is {plan['status']}; only a proposed plan is approved")
    if not plan["instalments"]:
        raise PlanError(f"plan #{plan_id} has no instalments; use the change action first")
    at = iso_utc(now)
    with store.transaction():
        plan_store.approve_plan(store, plan_id, by=actor, at=at)
        case = open_case(store, plan["debtor_id"], now=at)
        set_case_status(store, case["id"], "plan", reason=f"payment plan #{plan_id}", now=at)
        outbox_id = mail_debtor(
            store,
            config,
            plan["debtor_id"],
            kind="plan",
            template="plan_schedule",
            context=_schedule_context(store, plan),
            seed=f"schedule:{plan_id}:{at}",
            now=now,
            invoice_numbers=plan["invoice_numbers"],
            decision={"template": "plan_schedule", "plan_id": plan_id, "approved_by": actor},
        )
        record_event(
            store,
            "plan_approved",
            actor=actor,
            debtor_id=plan["debtor_id"],
            case_id=case["id"],
            detail={"plan_id": plan_id, "schedule_mailed": outbox_id is not None},
            outbox_id=outbox_id,
            at=at,
        )
    return outbox_id


def reject_plan(store: Store, plan_id: int, *, actor: str, reason: str, now: datetime) -> None:
    plan = plan_row(store, plan_id)
    if plan["status"] != PlanStatus.PROPOSED:
        raise PlanError(f"plan #{plan_id} is {plan['status']}; only a proposed plan is rejected")
    at = iso_utc(now)
    with store.transaction():
        plan_store.close_plan(store, plan_id, "rejected", at=at)
        record_event(
            store,
            "plan_rejected",
            actor=actor,
            debtor_id=plan["debtor_id"],
            case_id=plan["case_id"],
            detail={"plan_id": plan_id, "reason": reason},
            at=at,
        )


def _schedule_context(store: Store, plan: dict[str, Any]) -> dict[str, Any]:
    invoices = invoice_rows(store, numbers=plan["invoice_numbers"])
    currency = invoices[0]["currency"] if invoices else "EUR"
    return {
        "plan_id": plan["id"],
        "currency": currency,
        "total": from_cents(plan["total_cents"]),
        # Printed as the debtor's bank shows it (+++ddd/dddd/ddddd+++, groups of four).
        "reference": (
            display_reference(invoices[0]["reference"], invoices[0]["reference_kind"])
            if invoices
            else ""
        ),
        "invoices": [
            {"number": r["number"], "open": from_cents(invoice_open_cents(r))} for r in invoices
        ],
        "instalments": [
            {"seq": i["seq"], "due_date": i["due_date"], "amount": from_cents(i["amount_cents"])}
            for i in plan_row(store, plan["id"])["instalments"]
        ],
    }


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
        _end_plan(store, plan, "completed", {"plan_id": plan["id"], "reason": reason}, at=at)
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
            _end_plan(store, plan, "broken", {**detail, "reason": reason}, at=at)
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
                **_schedule_context(store, plan),
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


def _end_plan(
    store: Store,
    plan: dict[str, Any],
    status: str,
    detail: dict[str, Any],
    *,
    at: str,
    actor: str = "daemon",
) -> None:
    """Close the plan (completed or broken); the case leaves 'plan' and the ladder may go on."""
    plan_store.close_plan(store, plan["id"], status, at=at)
    case = case_row(store, plan["case_id"]) if plan["case_id"] is not None else None
    if case is not None and case["status"] == "plan" and case["closed_at"] is None:
        set_case_status(store, case["id"], "active", now=at)
    record_event(
        store,
        f"plan_{status}",
        actor=actor,
        debtor_id=plan["debtor_id"],
        case_id=plan["case_id"],
        detail=detail,
        at=at,
    )


def resume_after_missed(store: Store, plan_id: int, *, actor: str, now: datetime) -> None:
    """A person decided a missed plan is over: the plan is broken, the ladder resumes."""
    plan = plan_row(store, plan_id)
    at = iso_utc(now)
    with store.transaction():
        reason = "decided by a person after a missed instalment"
        _end_plan(store, plan, "broken", {"plan_id": plan_id, "reason": reason}, at=at, actor=actor)
