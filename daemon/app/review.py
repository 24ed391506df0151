"""Review queue actions: what a person decides about an item, one function per action.

Every action checks that it fits the item's type, changes what it must in one transaction,
and writes a case event naming the actor (``cli:<user>`` or ``mail:<address>``). The CLI and
the staff-reply handler both call ``act``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import queue as queue_store
from daemon.adapters.store import review as review_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import decode_item, review_item
from daemon.app import review_case, review_letters, review_mail, review_payments, review_plans
from daemon.app.review_context import (
    ActionContext,
    ActionRequest,
    MailRetry,
    Result,
    ReviewError,
)
from daemon.app.review_letters import LETTER_ACTIONS
from daemon.config import Config

COMMON_ACTIONS = ("snooze", "assign", "comment", "dismiss")

# The actions that fit each item type, besides the common ones. The first is the usual one.
TYPE_ACTIONS: dict[str, tuple[str, ...]] = {
    "dispute": ("resume", "credit", "write_off", "handover"),
    "insolvency": ("handover", "write_off", "resume"),
    "payment_unmatched": ("allocate", "ignore"),
    "payment_uncertain": ("allocate", "ignore"),
    "overpayment": ("allocate", "ignore"),
    "unknown_sender": ("retry",),
    # a mail that may not act for the debtor it is linked to (daemon.domain.identity):
    # register the sender (or correct the invoice data), then retry it
    "unverified_sender": ("retry",),
    "sender_mismatch": ("retry",),
    "bounce": ("fix_address",),
    "send_failed": ("fix_address", "resend"),
    "shunted_mail": ("retry",),
    "statement_quarantined": ("import",),
    # drop folders and open-items snapshots (daemon.app.intake, daemon.app.snapshots)
    "snapshot_held": ("apply_snapshot",),
    "intake_failed": ("requeue",),
    # the office's own invoice mail that was not imported (daemon.app.invoicemail)
    "invoice_mail": ("retry",),
    "delivery_uncertain": ("mark_sent", "resend"),
    "promise": ("promise", "resume"),
    "promise_broken": ("promise", "resume", "handover", "write_off"),
    "paid_claim": ("promise", "resume", "write_off"),
    "payment_plan": ("approve", "change", "reject"),
    "plan_missed": ("resume",),
    "handover": ("handover", "resume"),
    "call_task": ("done", "promise", "handover"),
    "other_reply": ("resume", "promise", "done"),
    "invoice_request": ("done",),
    "staff_reply_refused": (),
    **LETTER_ACTIONS,  # paper letters (#16): daemon.app.review_letters
}


@dataclass(frozen=True, slots=True)
class Outcome:
    item_id: int
    action: str
    resolved: bool
    message: str
    detail: dict[str, Any] = field(default_factory=dict)


def listed_items(
    store: Store, *, due_by: str | None, item_type: str | None, assignee: str | None
) -> list[dict[str, Any]]:
    """Review items for a person's list, most urgent first: open ones and those snoozed
    until ``due_by`` (every item when None), of one type or assignee when given."""
    rows = queue_store.listed_items(store, due_by=due_by, item_type=item_type, assignee=assignee)
    return [decode_item(r) for r in rows]


def item_of(store: Store, item_id: int) -> dict[str, Any] | None:
    return review_item(store, item_id)


def allowed_actions(item_type: str) -> tuple[str, ...]:
    return (*TYPE_ACTIONS.get(item_type, ("resume", "done")), *COMMON_ACTIONS)


# The handlers below take the action's context under its short local name.
_Ctx = ActionContext

__all__ = [
    "ActionRequest",
    "MailRetry",
    "Outcome",
    "ReviewError",
    "act",
    "allowed_actions",
    "item_of",
    "listed_items",
    "wake_snoozed",
]


def act(
    store: Store,
    config: Config,
    item_id: int,
    req: ActionRequest,
    *,
    actor: str,
    today: date,
    now: datetime,
    retry_mail: MailRetry | None = None,
) -> Outcome:
    """Carry out ``req`` on review item ``item_id``; ``retry_mail`` does the ``retry`` action."""
    item = review_item(store, item_id)
    if item is None:
        raise ReviewError(f"no review item #{item_id}; see: dunmail queue list")
    if item["state"] == "resolved":
        raise ReviewError(f"item #{item_id} is already resolved ({item['resolution']})")
    allowed = allowed_actions(item["type"])
    if req.action not in allowed:
        raise ReviewError(
            f"action {req.action!r} does not fit a {item['type']} item; use one of: "
            + ", ".join(allowed)
        )
    ctx = _Ctx(store, config, item, req, actor, today, now, retry_mail)
    handler = _HANDLERS[req.action]
    with store.transaction():
        message, resolve, detail = handler(ctx)
        if resolve:
            _resolve(ctx, message)
    return Outcome(item_id, req.action, resolve, message, detail)


def _resolve(ctx: _Ctx, message: str) -> None:
    review_store.resolve_item(
        ctx.store, ctx.item["id"], f"{ctx.req.action}: {message}", by=ctx.actor, at=ctx.at
    )
    item = ctx.item
    record_event(
        ctx.store,
        "review_item_resolved",
        actor=ctx.actor,
        debtor_id=item["debtor_id"],
        case_id=item["case_id"],
        detail={"review_item": item["id"], "type": item["type"], "action": ctx.req.action},
        at=ctx.at,
    )


# --- common actions --------------------------------------------------------------------------


def snooze(ctx: _Ctx) -> Result:
    until = ctx.req.date
    if until is None or until <= ctx.today:
        raise ReviewError("snooze needs --until DATE after today")
    review_store.snooze_item(ctx.store, ctx.item["id"], until.isoformat(), at=ctx.at)
    ctx.event("review_snoozed", until=until.isoformat())
    return f"snoozed until {until.isoformat()}", False, {"until": until.isoformat()}


def assign(ctx: _Ctx) -> Result:
    if not ctx.req.to:
        raise ReviewError("assign needs --to NAME")
    review_store.assign_item(ctx.store, ctx.item["id"], ctx.req.to, at=ctx.at)
    ctx.event("review_assigned", assignee=ctx.req.to)
    return f"assigned to {ctx.req.to}", False, {"assignee": ctx.req.to}


def comment(ctx: _Ctx) -> Result:
    if not ctx.req.text:
        raise ReviewError("comment needs --text TEXT")
    ctx.event("review_comment", text=ctx.req.text)
    review_store.touch_item(ctx.store, ctx.item["id"], at=ctx.at)
    return "comment recorded", False, {"text": ctx.req.text}


def dismiss(ctx: _Ctx) -> Result:
    ctx.event("review_dismissed", text=ctx.req.text)
    return ctx.req.text or "dismissed without change", True, {}


def done(ctx: _Ctx) -> Result:
    ctx.event("task_done", text=ctx.req.text)
    return ctx.req.text or "done", True, {}


_HANDLERS: dict[str, Callable[[_Ctx], Result]] = {
    "snooze": snooze,
    "assign": assign,
    "comment": comment,
    "dismiss": dismiss,
    "done": done,
    "resume": review_case.resume,
    "promise": review_case.promise,
    "credit": review_case.credit,
    "write_off": review_case.write_off,
    "handover": review_case.handover,
    "allocate": review_payments.allocate,
    "ignore": review_payments.ignore,
    "retry": review_mail.retry,
    "import": review_mail.import_file,
    "apply_snapshot": review_mail.apply_snapshot,
    "requeue": review_mail.requeue,
    "fix_address": review_mail.fix_address,
    "mark_sent": review_mail.mark_sent,
    "resend": review_mail.resend,
    "approve": review_plans.approve,
    "change": review_plans.change,
    "reject": review_plans.reject,
    "skip_step": review_letters.skip_step,
    "remake": review_letters.remake,
    "accept": review_letters.accept,
}


def wake_snoozed(store: Store, today: date, now: datetime) -> int:
    """Snoozed items whose date has come are open again."""
    return review_store.wake_snoozed(store, today.isoformat(), at=iso_utc(now))
