"""Payment plan lifecycle: propose, approve (schedule mailed), remind, match, miss, complete.

While a plan is active the case status is 'plan' and the planner skips the plan's invoices;
the daily plan watch (daemon.app.plan_watch.review_plans, called by the daily cycle) is what
watches them instead.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import plans as plan_store
from daemon.adapters.store.cases import case_row, open_case, set_case_status
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import invoice_rows
from daemon.app.debtor_mail import mail_debtor
from daemon.config import Config
from daemon.domain.model import CLOSED_STATES, open_cents
from daemon.domain.money import from_cents
from daemon.domain.plans import (
    Instalment,
    PlanStatus,
    make_schedule,
)
from daemon.domain.references import display_reference
from daemon.domain.workdays import is_business_day


class PlanError(ValueError):
    """A plan request that cannot be carried out; the message says what to fix."""


def invoice_open_cents(row: dict[str, Any]) -> int:
    return open_cents(
        row["amount_cents"], row["paid_cents"], row["credited_cents"], row["written_off_cents"]
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
            context=schedule_context(store, plan),
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


def schedule_context(store: Store, plan: dict[str, Any]) -> dict[str, Any]:
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


def end_plan(
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
        end_plan(store, plan, "broken", {"plan_id": plan_id, "reason": reason}, at=at, actor=actor)
