"""Review queue actions on a bank payment (called by daemon.app.review inside its
transaction): allocate it to invoices by hand, or ignore it."""

from __future__ import annotations

from decimal import Decimal

from daemon.adapters.store import review as review_store
from daemon.adapters.store.invoices import invoice_rows
from daemon.app import plans as plan_app
from daemon.app.review_context import ActionContext as _Ctx
from daemon.app.review_context import (
    Result,
    ReviewError,
)
from daemon.domain.money import from_cents, to_cents


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
    from daemon.app.manual_allocation import allocate_manually

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
