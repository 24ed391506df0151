"""Review queue actions on a proposed payment plan (called by daemon.app.review inside its
transaction): approve, change or reject it."""

from __future__ import annotations

from datetime import timedelta

from daemon.adapters.store import review as review_store
from daemon.app import plans as plan_app
from daemon.app.review_context import ActionContext as _Ctx
from daemon.app.review_context import (
    Result,
    ReviewError,
)


def _plan_for_item(ctx: _Ctx) -> int:
    plan_id = ctx.item["evidence"].get("plan_id")
    if plan_id is not None:
        return int(plan_id)
    debtor_id = ctx.need_debtor()
    proposed = review_store.latest_proposed_plan(ctx.store, debtor_id)
    if proposed is not None:
        return proposed
    evidence = ctx.item["evidence"]
    first = ctx.req.date or ctx.today + timedelta(days=14)
    return plan_app.create_plan(
        ctx.store,
        debtor_id,
        ctx.item["invoice_numbers"],
        instalments=ctx.req.instalments or int(evidence.get("instalments") or 3),
        first=first,
        every_days=ctx.req.every_days or 30,
        country=ctx.config.office.jurisdiction,
        actor=ctx.actor,
        now=ctx.now,
    )


def approve(ctx: _Ctx) -> Result:
    plan_id = _plan_for_item(ctx)
    try:
        plan = plan_app.plan_row(ctx.store, plan_id)
        if not plan["instalments"]:
            plan_app.change_plan(
                ctx.store,
                plan_id,
                instalments=ctx.req.instalments or 3,
                first=ctx.req.date or ctx.today + timedelta(days=14),
                every_days=ctx.req.every_days or 30,
                country=ctx.config.office.jurisdiction,
                actor=ctx.actor,
                now=ctx.now,
            )
        outbox_id = plan_app.approve_plan(
            ctx.store, ctx.config, plan_id, actor=ctx.actor, now=ctx.now
        )
    except plan_app.PlanError as exc:
        raise ReviewError(str(exc)) from exc
    ctx.event("review_plan_approved", plan_id=plan_id, schedule_outbox_id=outbox_id)
    return (
        f"payment plan #{plan_id} approved; schedule mailed"
        if outbox_id
        else (f"payment plan #{plan_id} approved (no deliverable address: schedule not mailed)"),
        True,
        {"plan_id": plan_id},
    )


def change(ctx: _Ctx) -> Result:
    if ctx.req.instalments is None or ctx.req.date is None:
        raise ReviewError("change needs --instalments N and --date FIRST-DUE-DATE [--every-days N]")
    plan_id = _plan_for_item(ctx)
    try:
        plan_app.change_plan(
            ctx.store,
            plan_id,
            instalments=ctx.req.instalments,
            first=ctx.req.date,
            every_days=ctx.req.every_days or 30,
            country=ctx.config.office.jurisdiction,
            actor=ctx.actor,
            now=ctx.now,
        )
        if plan_app.plan_row(ctx.store, plan_id)["status"] == "proposed":
            plan_app.approve_plan(ctx.store, ctx.config, plan_id, actor=ctx.actor, now=ctx.now)
    except plan_app.PlanError as exc:
        raise ReviewError(str(exc)) from exc
    ctx.event("review_plan_changed", plan_id=plan_id, instalments=ctx.req.instalments)
    return (
        f"payment plan #{plan_id} changed to {ctx.req.instalments} instalments and approved",
        True,
        {"plan_id": plan_id},
    )


def reject(ctx: _Ctx) -> Result:
    plan_id = _plan_for_item(ctx)
    try:
        plan_app.reject_plan(
            ctx.store, plan_id, actor=ctx.actor, reason=ctx.req.text or "", now=ctx.now
        )
    except plan_app.PlanError as exc:
        raise ReviewError(str(exc)) from exc
    ctx.event("review_plan_rejected", plan_id=plan_id, text=ctx.req.text)
    return f"payment plan #{plan_id} rejected; the ladder continues", True, {"plan_id": plan_id}
