"""Review queue actions on mail and files (called by daemon.app.review inside its
transaction): retry a message, import a quarantined statement, apply a held snapshot, requeue
an intake file, fix a bounced address, settle a mail in doubt or send it again."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store import review as review_store
from daemon.app import review_letters
from daemon.app.claims import book_sent_claims
from daemon.app.review_context import ActionContext as _Ctx
from daemon.app.review_context import (
    Result,
    ReviewError,
)
from daemon.app.review_letters import LETTER_TYPES


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
