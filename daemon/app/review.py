"""Review queue actions: what a person decides about an item, one function per action.

Every action checks that it fits the item's type, changes what it must in one transaction,
and writes a case event naming the actor (``cli:<user>`` or ``mail:<address>``). The CLI and
the staff-reply handler both call ``act``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import queue as queue_store
from daemon.adapters.store import review as review_store
from daemon.adapters.store.cases import add_promise, open_case, set_case_status
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.holds import release_invoice_holds
from daemon.adapters.store.invoices import invoice_rows, refresh_invoice, set_invoice_status
from daemon.adapters.store.queue import decode_item, review_item
from daemon.app import plans as plan_app
from daemon.app import review_letters
from daemon.app.claims import book_sent_claims
from daemon.app.promises import confirm_promise
from daemon.app.review_context import (
    ActionContext,
    ActionRequest,
    MailRetry,
    Result,
    ReviewError,
)
from daemon.app.review_letters import LETTER_ACTIONS, LETTER_TYPES
from daemon.config import Config
from daemon.domain.invoice_states import WITHHELD_STATES
from daemon.domain.model import CLOSED_STATES
from daemon.domain.money import from_cents, to_cents

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


# --- the case: resume, promise, credit, write off, hand over ---------------------------------


def _item_invoices(ctx: _Ctx, statuses: tuple[str, ...] | None = None) -> list[dict[str, Any]]:
    debtor_id = ctx.need_debtor()
    numbers = ctx.item["invoice_numbers"] or None
    rows = invoice_rows(ctx.store, debtor_id=debtor_id, numbers=numbers)
    if statuses is not None:
        rows = [r for r in rows if r["status"] in statuses]
    return rows


def _after_invoice_change(ctx: _Ctx) -> None:
    """Put the case status back in line with its invoices after a person's decision."""
    debtor_id = ctx.need_debtor()
    case = open_case(ctx.store, debtor_id, now=ctx.at)
    rows = invoice_rows(ctx.store, debtor_id=debtor_id)
    live = [r for r in rows if r["status"] not in CLOSED_STATES]
    if not live:
        set_case_status(ctx.store, case["id"], "closed", reason="no open invoices", now=ctx.at)
        record_event(
            ctx.store,
            "case_closed",
            actor=ctx.actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            detail={"reason": "no open invoices", "review_item": ctx.item["id"]},
            at=ctx.at,
        )
    elif case["status"] == "disputed" and not any(r["status"] == "disputed" for r in live):
        set_case_status(ctx.store, case["id"], "active", now=ctx.at)


def resume(ctx: _Ctx) -> Result:
    debtor_id = ctx.need_debtor()
    if ctx.item["type"] == "plan_missed":
        plan_id = ctx.item["evidence"].get("plan_id")
        if plan_id is not None:
            plan_app.resume_after_missed(ctx.store, int(plan_id), actor=ctx.actor, now=ctx.now)
    reopened = []
    for row in _item_invoices(ctx, WITHHELD_STATES):
        set_invoice_status(ctx.store, row["number"], "open", now=ctx.at)
        reopened.append(row["number"])
    for number in reopened:
        release_invoice_holds(ctx.store, number, at=ctx.at)
    case = open_case(ctx.store, debtor_id, now=ctx.at)
    if case["status"] in ("disputed", "paused", "insolvent"):
        set_case_status(ctx.store, case["id"], "active", now=ctx.at)
    if ctx.item["type"] == "insolvency":
        review_store.clear_insolvent(ctx.store, debtor_id, at=ctx.at)
    if ctx.item["type"] == "promise":
        review_store.cancel_open_promises(ctx.store, debtor_id, undated_only=True, at=ctx.at)
    _after_invoice_change(ctx)
    ctx.event("ladder_resumed", invoices=reopened, text=ctx.req.text)
    reopened_text = f"; reopened {', '.join(reopened)}" if reopened else ""
    return f"ladder resumes{reopened_text}", True, {"reopened": reopened}


def promise(ctx: _Ctx) -> Result:
    debtor_id = ctx.need_debtor()
    day = ctx.req.date
    if day is None and ctx.item["evidence"].get("promise_date"):
        day = date.fromisoformat(ctx.item["evidence"]["promise_date"])
    if day is None:
        raise ReviewError("promise needs --date DATE (the day the debtor promised to pay)")
    if day < ctx.today:
        raise ReviewError(f"promise date {day.isoformat()} is in the past")
    grace = day + timedelta(days=ctx.config.inbound.promise_grace_days)
    case = open_case(ctx.store, debtor_id, now=ctx.at)
    cancelled = review_store.cancel_open_promises(
        ctx.store, debtor_id, undated_only=False, at=ctx.at
    )
    source = "staff-mail" if ctx.actor.startswith("mail:") else "queue"
    promise_id = add_promise(
        ctx.store,
        debtor_id,
        case_id=case["id"],
        invoice_numbers=list(ctx.item["invoice_numbers"]),
        promised_date=day.isoformat(),
        grace_until=grace.isoformat(),
        source=source,
        now=ctx.at,
    )
    # The debtor gets the same written confirmation as for a promise read from its reply.
    outbox_id = confirm_promise(
        ctx.store,
        ctx.config,
        debtor_id,
        promise_id=promise_id,
        promised_date=day,
        invoice_numbers=list(ctx.item["invoice_numbers"]),
        source=source,
        now=ctx.now,
    )
    ctx.event(
        "promise_registered",
        promise_id=promise_id,
        promised_date=day.isoformat(),
        grace_until=grace.isoformat(),
        replaced=cancelled,
        confirmation_outbox_id=outbox_id,
    )
    confirmed = "; confirmation mailed" if outbox_id else "; no deliverable address to confirm"
    return (
        f"promise to pay by {day.isoformat()} registered (grace until {grace.isoformat()})"
        + confirmed,
        True,
        {"promise_id": promise_id, "confirmation_outbox_id": outbox_id},
    )


def _one_invoice(ctx: _Ctx) -> dict[str, Any]:
    rows = _item_invoices(ctx)
    if ctx.req.invoices:
        wanted = ctx.req.invoices[0][0]
        rows = [
            r
            for r in invoice_rows(ctx.store, numbers=[wanted])
            if r["debtor_id"] == ctx.item["debtor_id"]
        ]
        if not rows:
            raise ReviewError(f"invoice {wanted} does not belong to debtor {ctx.item['debtor_id']}")
    open_rows = [r for r in rows if plan_app.invoice_open_cents(r) > 0]
    if len(open_rows) != 1:
        names = ", ".join(r["number"] for r in open_rows) or "none"
        raise ReviewError(f"name the invoice with --invoice NUMBER (open: {names})")
    return open_rows[0]


def credit(ctx: _Ctx) -> Result:
    if ctx.req.amount is None or ctx.req.amount <= 0:
        raise ReviewError("credit needs --amount AMOUNT (the credit note's amount)")
    row = _one_invoice(ctx)
    cents = to_cents(ctx.req.amount)
    available = plan_app.invoice_open_cents(row)
    if cents > available:
        raise ReviewError(
            f"credit {ctx.req.amount} is more than the open {from_cents(available)} of {row['number']}"
        )
    note = f"CN-{row['number']}-{review_store.credit_note_count(ctx.store, row['number']) + 1}"
    review_store.add_credit_note(
        ctx.store, note, row["number"], cents, issued=ctx.today.isoformat(), at=ctx.at
    )
    if row["status"] == "disputed":
        set_invoice_status(ctx.store, row["number"], "open", now=ctx.at)
    status = refresh_invoice(ctx.store, row["number"], now=ctx.at)
    _after_invoice_change(ctx)
    ctx.event(
        "credit_note_booked",
        credit_note=note,
        invoice=row["number"],
        amount=str(from_cents(cents)),
        invoice_status=status,
    )
    return (
        f"credit note {note} of {from_cents(cents)} on {row['number']} ({status})",
        True,
        {"credit_note": note},
    )


def write_off(ctx: _Ctx) -> Result:
    rows = [r for r in _item_invoices(ctx) if plan_app.invoice_open_cents(r) > 0]
    if ctx.req.invoices or ctx.req.amount is not None:
        rows = [_one_invoice(ctx)]
    if not rows:
        raise ReviewError("nothing open to write off")
    done_lines = []
    for row in rows:
        available = plan_app.invoice_open_cents(row)
        cents = available if ctx.req.amount is None else to_cents(ctx.req.amount)
        if cents <= 0 or cents > available:
            raise ReviewError(f"write-off must be between 0.01 and {from_cents(available)}")
        review_store.add_write_off(ctx.store, row["number"], cents, at=ctx.at)
        if row["status"] == "disputed" and cents < available:
            set_invoice_status(ctx.store, row["number"], "open", now=ctx.at)
        status = refresh_invoice(ctx.store, row["number"], now=ctx.at)
        done_lines.append(
            {"invoice": row["number"], "amount": str(from_cents(cents)), "status": status}
        )
    _after_invoice_change(ctx)
    ctx.event("written_off", write_offs=done_lines, text=ctx.req.text)
    text = ", ".join(f"{d['amount']} on {d['invoice']}" for d in done_lines)
    return f"written off {text}", True, {"write_offs": done_lines}


def handover(ctx: _Ctx) -> Result:
    from daemon.app.handover import HandoverError, hand_over

    if not ctx.req.agency:
        raise ReviewError("handover needs --agency NAME")
    try:
        result = hand_over(
            ctx.store,
            ctx.config,
            ctx.need_debtor(),
            agency=ctx.req.agency,
            invoice_numbers=tuple(ctx.item["invoice_numbers"]),
            out_dir=ctx.req.out_dir,
            actor=ctx.actor,
            today=ctx.today,
            now=ctx.now,
        )
    except HandoverError as exc:
        raise ReviewError(str(exc)) from exc
    except OSError as exc:  # the dossier folder, or files.group
        raise ReviewError(f"cannot write the dossier: {exc}") from exc
    ctx.event("review_handover", agency=ctx.req.agency, dossier=str(result.path))
    return (
        f"handed over to {ctx.req.agency}; dossier {result.path}",
        True,
        {"dossier": str(result.path)},
    )


# --- payments ---------------------------------------------------------------------------------


def allocate(ctx: _Ctx) -> Result:
    tx_id = ctx.item["transaction_id"]
    if tx_id is None:
        raise ReviewError(f"item #{ctx.item['id']} has no bank transaction to allocate")
    if not ctx.req.invoices:
        raise ReviewError("allocate needs --invoice NUMBER[:AMOUNT] (repeatable)")
    tx = review_store.bank_transaction(ctx.store, tx_id)
    if tx is None:
        raise ReviewError(f"bank transaction {tx_id} not found")
    already = review_store.allocated_cents(ctx.store, tx_id)
    left = int(tx["amount_cents"]) - already
    allocations: list[tuple[str, Decimal]] = []
    for number, amount in ctx.req.invoices:
        rows = invoice_rows(ctx.store, numbers=[number])
        if not rows:
            raise ReviewError(f"no invoice {number}")
        cents = (
            to_cents(amount)
            if amount is not None
            else min(plan_app.invoice_open_cents(rows[0]), left)
        )
        if cents <= 0:
            raise ReviewError(f"nothing left of the payment to allocate to {number}")
        left -= cents
        allocations.append((number, from_cents(cents)))
    from daemon.app.statements import allocate_manually

    try:
        allocate_manually(ctx.store, tx_id, allocations, actor=ctx.actor)
    except ValueError as exc:
        raise ReviewError(str(exc)) from exc
    ctx.event(
        "payment_allocated_by_hand",
        allocations=[{"invoice": n, "amount": str(a)} for n, a in allocations],
        counterparty_iban=tx["counterparty_iban"],
    )
    text = ", ".join(f"{a} to {n}" for n, a in allocations)
    return f"allocated {text}", True, {"allocations": text}


def ignore(ctx: _Ctx) -> Result:
    tx_id = ctx.item["transaction_id"]
    if tx_id is not None:
        review_store.ignore_transaction(ctx.store, tx_id)
    ctx.event("payment_ignored", text=ctx.req.text)
    return ctx.req.text or "payment marked as not ours to match", True, {}


# --- mail ---------------------------------------------------------------------------------------


def retry(ctx: _Ctx) -> Result:
    if ctx.item["type"] in LETTER_TYPES:
        return review_letters.retry(ctx)
    inbox_id = ctx.item["inbox_id"]
    if inbox_id is None:
        raise ReviewError(f"item #{ctx.item['id']} has no stored mail to retry")
    if ctx.retry_mail is None:
        raise ReviewError(f"item #{ctx.item['id']}: retry it with: dunmail queue act ID retry")
    result, note = ctx.retry_mail(ctx.store, ctx.config, inbox_id, ctx.now)
    ctx.event("mail_retried", inbox_id=inbox_id, result=str(result))
    message = f"mail {inbox_id} processed again: {result}" + (f"; {note}" if note else "")
    return message, True, {"result": str(result)}


def import_file(ctx: _Ctx) -> Result:
    """A quarantined statement file, imported again from its kept bytes under the current
    configuration. Resolved only when it is booked now; otherwise the item stays open with
    the new reason."""
    file_id = ctx.item["statement_file_id"]
    if file_id is None:
        raise ReviewError(f"item #{ctx.item['id']} has no kept statement file")
    from daemon.app.statements import reimport_file

    try:
        outcomes = reimport_file(ctx.store, ctx.config, int(file_id), now=ctx.at)
    except (LookupError, ValueError) as exc:
        raise ReviewError(str(exc)) from exc
    detail = {"files": [o.as_dict() for o in outcomes]}
    ctx.event("statement_import_approved", file_id=file_id, **detail)
    refused = [o for o in outcomes if o.status in ("failed", "quarantined")]
    if refused:
        reasons = "; ".join(f"{o.filename}: {o.reason}" for o in refused)
        return f"still not importable: {reasons}", False, detail
    booked = sum(o.new for o in outcomes)
    return f"imported; {booked} new payment(s) booked", True, detail


def apply_snapshot(ctx: _Ctx) -> Result:
    """A held open-items snapshot, applied after all: a person checked that it is whole."""
    file_id = ctx.item["evidence"].get("intake_file")
    if file_id is None:
        raise ReviewError(f"item #{ctx.item['id']} names no snapshot")
    from daemon.app.snapshots import apply_held

    try:
        outcome = apply_held(ctx.store, ctx.config, int(file_id), now=ctx.now, actor=ctx.actor)
    except (LookupError, ValueError) as exc:
        raise ReviewError(str(exc)) from exc
    d = outcome.decision
    ctx.event("snapshot_applied", intake_file=file_id, settled=list(d.settled))
    return (
        f"snapshot applied: {len(d.settled)} settled outside dunmail, {len(d.reduced)} reduced",
        True,
        outcome.summary,
    )


def requeue(ctx: _Ctx) -> Result:
    """A failed drop file, put back into its folder after a fix (taken again when stable)."""
    file_id = ctx.item["evidence"].get("intake_file")
    if file_id is None:
        raise ReviewError(f"item #{ctx.item['id']} names no drop file")
    from daemon.app.intake import retry_failed

    try:
        path = retry_failed(ctx.store, ctx.config, int(file_id), now=ctx.now)
    except (LookupError, ValueError) as exc:
        raise ReviewError(str(exc)) from exc
    ctx.event("drop_file_requeued", intake_file=file_id, path=str(path))
    return f"put back as {path}", True, {"path": str(path)}


def fix_address(ctx: _Ctx) -> Result:
    evidence = ctx.item["evidence"]
    found = evidence.get("recipients") or evidence.get("addresses") or []
    for key in ("address", "email", "recipient"):
        if evidence.get(key):
            found = [evidence[key], *found]
    addresses = [ctx.req.email] if ctx.req.email else list(found)
    if not addresses and ctx.item["outbox_id"] is not None:
        addresses = review_store.outbox_recipients(ctx.store, ctx.item["outbox_id"])
    if not addresses and ctx.item["debtor_id"]:
        addresses = review_store.undeliverable_addresses(ctx.store, ctx.item["debtor_id"])
    if not addresses:
        raise ReviewError("name the address with --email ADDRESS")
    changed = review_store.mark_addresses_ok(
        ctx.store,
        addresses,
        "fixed by " + ctx.actor,
        debtor_id=ctx.item["debtor_id"],
        at=ctx.at,
    )
    if not changed:
        raise ReviewError(f"no debtor address {', '.join(addresses)} to mark fixed")
    ctx.event("address_fixed", addresses=addresses)
    return f"address {', '.join(addresses)} deliverable again", True, {"addresses": addresses}


def _outbox_row(ctx: _Ctx) -> dict[str, Any]:
    if ctx.item["outbox_id"] is None:
        raise ReviewError(f"item #{ctx.item['id']} has no outgoing mail")
    row = review_store.outbox_row(ctx.store, ctx.item["outbox_id"])
    if row is None:
        raise ReviewError(f"outgoing mail {ctx.item['outbox_id']} not found")
    return row


def mark_sent(ctx: _Ctx) -> Result:
    row = _outbox_row(ctx)
    review_store.confirm_sent(ctx.store, row["id"], at=ctx.at)
    # A person confirms it left: what it claimed is booked, as when SMTP accepted it (#15).
    book_sent_claims(ctx.store, row, ctx.at)
    ctx.event("delivery_confirmed", message_id=row["message_id"], previous=row["status"])
    return f"mail {row['message_id']} recorded as sent", True, {}


def resend(ctx: _Ctx) -> Result:
    row = _outbox_row(ctx)
    review_store.queue_again(ctx.store, row["id"])
    ctx.event("resend_approved", message_id=row["message_id"], previous=row["status"])
    return f"mail {row['message_id']} queued again (a person decided)", True, {}


# --- payment plans --------------------------------------------------------------------------


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


_HANDLERS: dict[str, Callable[[_Ctx], Result]] = {
    "snooze": snooze,
    "assign": assign,
    "comment": comment,
    "dismiss": dismiss,
    "done": done,
    "resume": resume,
    "promise": promise,
    "credit": credit,
    "write_off": write_off,
    "handover": handover,
    "allocate": allocate,
    "ignore": ignore,
    "retry": retry,
    "import": import_file,
    "apply_snapshot": apply_snapshot,
    "requeue": requeue,
    "fix_address": fix_address,
    "mark_sent": mark_sent,
    "resend": resend,
    "approve": approve,
    "change": change,
    "reject": reject,
    "skip_step": review_letters.skip_step,
    "remake": review_letters.remake,
    "accept": review_letters.accept,
}


def wake_snoozed(store: Store, today: date, now: datetime) -> int:
    """Snoozed items whose date has come are open again."""
    return review_store.wake_snoozed(store, today.isoformat(), at=iso_utc(now))
