"""Review queue actions on a case (called by daemon.app.review inside its transaction):
resume the ladder, record a promise, credit or write off an invoice, hand the claim over."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from daemon.adapters.store import review as review_store
from daemon.adapters.store.cases import add_promise, open_case, set_case_status
from daemon.adapters.store.events import record_event
from daemon.adapters.store.holds import release_invoice_holds
from daemon.adapters.store.invoices import invoice_rows, refresh_invoice, set_invoice_status
from daemon.app import plans as plan_app
from daemon.app.promises import confirm_promise
from daemon.app.review_context import ActionContext as _Ctx
from daemon.app.review_context import (
    Result,
    ReviewError,
)
from daemon.domain.invoice_states import WITHHELD_STATES
from daemon.domain.model import CLOSED_STATES
from daemon.domain.money import from_cents, to_cents


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
