"""The case file: one debtor's whole story in time order, and what a person does to a case
directly (hold, resume, close, a phone note)."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import casefile as casefile_store
from daemon.adapters.store.cases import (
    add_hold,
    add_promise,
    open_case,
    release_holds,
    set_case_status,
)
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import debtor_row, invoice_rows
from daemon.adapters.store.queue import resolve_debtor_items
from daemon.app.claims import ledger_view
from daemon.app.debtor_mail import mail_debtor
from daemon.app.invoices import invoice_view
from daemon.app.promises import confirm_promise
from daemon.config import Config
from daemon.domain.invoice_states import LIVE_STATES, OPEN_STATES
from daemon.domain.money import from_cents


class CaseError(ValueError):
    """The case request cannot be done; the message says what to fix."""


def resolve_target(store: Store, key: str) -> tuple[str, str | None]:
    """A debtor id or an invoice number → (debtor id, invoice number or None)."""
    if casefile_store.is_debtor(store, key):
        return key, None
    owner = casefile_store.invoice_owner(store, key)
    if owner is not None:
        return owner, key
    raise CaseError(f"no debtor or invoice {key!r}; see: dunmail debtors list")


def list_cases(store: Store) -> list[dict[str, Any]]:
    rows = casefile_store.case_rows(store)
    return [
        {
            "case_id": r["id"],
            "debtor_id": r["debtor_id"],
            "debtor_name": r["debtor_name"],
            "status": r["status"],
            "paused_until": r["paused_until"],
            "opened_at": r["opened_at"],
            "closed_at": r["closed_at"],
            "open_invoices": r["open_invoices"],
            "open_amount": str(from_cents(r["open_cents"])),
            "open_items": r["open_items"],
        }
        for r in rows
    ]


def case_timeline(store: Store, debtor_id: str, invoice: str | None = None) -> dict[str, Any]:
    """Everything about a debtor: invoices, cases, and one timeline of mails in and out,
    payments, promises, plans, review items and decisions (with their reasons)."""
    debtor = debtor_row(store, debtor_id)
    if debtor is None:
        raise CaseError(f"no debtor {debtor_id}")
    entries: list[dict[str, Any]] = []
    for m in casefile_store.mails_in(store, debtor_id):
        entries.append(
            {
                "at": m["received_at"],
                "kind": "mail_in",
                "ref": f"in:{m['id']}",
                "summary": f"from {m['from_addr']}: {m['subject']}",
                "detail": {
                    "status": m["status"],
                    "kind": m["kind"],
                    "intent": m["intent"],
                    "sha256": m["sha256"],
                    "stored": bool(m["stored"]),
                    "purged_at": m["purged_at"],
                },
            }
        )
    for m in casefile_store.mails_out(store, debtor_id):
        entries.append(
            {
                "at": m["sent_at"] or m["created_at"],
                "kind": "mail_out",
                "ref": f"out:{m['id']}",
                "summary": f"{m['kind']} to {', '.join(loads(m['recipients'], []))}:"
                f" {m['subject']} [{m['status']}]",
                "detail": {
                    "step": m["step_name"],
                    "sha256": m["sha256"],
                    "decision": loads(m["decision"], {}),
                    "stored": bool(m["stored"]),
                    "purged_at": m["purged_at"],
                },
            }
        )
    for p in casefile_store.payments(store, debtor_id):
        # A payment happened on the bank's booking date; when its statement was imported
        # (and the payment allocated) is secondary, kept in the detail.
        entries.append(
            {
                "at": p["booking_date"] or p["created_at"],
                "kind": "payment",
                "ref": f"tx:{p['transaction_id']}",
                "summary": f"{from_cents(p['amount_cents'])} on {p['invoice_number']}"
                f" from {p['counterparty_name'] or '?'} (booked {p['booking_date']},"
                f" imported {p['created_at'][:10]})" + (" — reversed" if p["reversed_at"] else ""),
                "detail": {
                    "booking_date": p["booking_date"],
                    "imported_at": p["created_at"],
                    "rule": p["rule"],
                    "actor": p["actor"],
                    "evidence": loads(p["evidence"], {}),
                    "iban": p["counterparty_iban"],
                },
            }
        )
    for e in casefile_store.events(store, debtor_id):
        # An opened review item is listed below from review_items itself, with its state.
        detail = loads(e["detail"], {})
        kind = "note" if e["event"] == "note" else "event"
        summary = detail.get("text") if kind == "note" else e["event"]
        reason = detail.get("reason")
        entries.append(
            {
                "at": e["at"],
                "kind": kind,
                "ref": f"event:{e['id']}",
                "summary": f"{summary}" + (f" — {reason}" if reason and kind != "note" else ""),
                "actor": e["actor"],
                "detail": detail,
            }
        )
    for r in casefile_store.review_items(store, debtor_id):
        entries.append(
            {
                "at": r["created_at"],
                "kind": "review",
                "ref": f"item:{r['id']}",
                "summary": f"{r['type']}: {r['reason']} [{r['state']}]",
                "detail": {"resolution": r["resolution"]},
            }
        )
    entries.sort(key=lambda x: (x["at"] or "", x["ref"]))
    invoices = invoice_rows(store, debtor_id=debtor_id)
    promises = casefile_store.promises(store, debtor_id)
    plans = casefile_store.plans(store, debtor_id)
    cases = casefile_store.cases(store, debtor_id)
    return {
        "debtor": {
            k: debtor[k]
            for k in (
                "id",
                "name",
                "language",
                "debtor_type",
                "country",
                "tags",
                "insolvent",
                "erased_at",
                "all_emails",
                "ibans",
            )
        },
        "focus_invoice": invoice,
        "cases": cases,
        "invoices": [invoice_view(r) for r in invoices],
        "promises": [{**p, "invoice_numbers": loads(p["invoice_numbers"], [])} for p in promises],
        "plans": [{**p, "invoice_numbers": loads(p["invoice_numbers"], [])} for p in plans],
        "timeline": entries,
        # #15: principal, costs and interest apart (the claims ledger of the open case).
        "claims": ledger_view(store, debtor_id),
    }


def stored_message(store: Store, ref: str) -> bytes:
    """The stored .eml behind a timeline reference ``in:ID`` or ``out:ID``."""
    direction, _, number = ref.partition(":")
    if direction not in ("in", "out") or not number.isdigit():
        raise CaseError(f"message reference {ref!r}: use in:ID or out:ID from `dunmail cases show`")
    row = casefile_store.stored_raw(store, direction, int(number))
    if row is None:
        raise CaseError(f"no message {ref}")
    if row["raw"] is None or row["purged_at"] or not len(row["raw"]):
        raise CaseError(f"message {ref} was purged on {row['purged_at']} (retention)")
    return bytes(row["raw"])


def hold(
    store: Store, key: str, *, reason: str, until: date | None, actor: str, now: datetime
) -> int:
    debtor_id, invoice = resolve_target(store, key)
    at = iso_utc(now)
    with store.transaction():
        hold_id = add_hold(
            store,
            "invoice" if invoice else "debtor",
            invoice or debtor_id,
            reason,
            until=until.isoformat() if until else None,
            by=actor,
            now=at,
        )
        case = open_case(store, debtor_id, now=at)
        record_event(
            store,
            "hold_added",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            invoice_number=invoice,
            detail={
                "hold_id": hold_id,
                "reason": reason,
                "until": until.isoformat() if until else None,
            },
            at=at,
        )
    return hold_id


def resume(store: Store, key: str, *, actor: str, now: datetime) -> dict[str, Any]:
    """Release holds on the debtor (or invoice) and lift a pause: the ladder continues."""
    debtor_id, invoice = resolve_target(store, key)
    at = iso_utc(now)
    with store.transaction():
        released = release_holds(
            store, "invoice" if invoice else "debtor", invoice or debtor_id, now=at
        )
        case = open_case(store, debtor_id, now=at)
        previous = case["status"]
        if previous == "paused":
            set_case_status(store, case["id"], "active", now=at)
        record_event(
            store,
            "case_resumed",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            invoice_number=invoice,
            detail={
                "holds_released": released,
                "previous_status": previous,
                "reason": "resumed by a person",
            },
            at=at,
        )
    return {"holds_released": released, "previous_status": previous}


def close(store: Store, key: str, *, reason: str, force: bool, actor: str, now: datetime) -> int:
    debtor_id, _ = resolve_target(store, key)
    at = iso_utc(now)
    open_rows = [r for r in invoice_rows(store, debtor_id=debtor_id) if r["status"] in OPEN_STATES]
    if open_rows and not force:
        raise CaseError(
            f"debtor {debtor_id} still has {len(open_rows)} open invoice(s);"
            " add --force to close anyway"
        )
    with store.transaction():
        case = open_case(store, debtor_id, now=at)
        set_case_status(store, case["id"], "closed", reason=reason, now=at)
        record_event(
            store,
            "case_closed",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            detail={"reason": reason, "open_invoices": [r["number"] for r in open_rows]},
            at=at,
        )
    return int(case["id"])


def record_call(
    store: Store,
    config: Config,
    debtor_key: str,
    *,
    text: str,
    promise: date | None,
    email: bool,
    actor: str,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    """A phone note: the event, optionally a promise (source 'call'), optionally the summary
    mailed to the debtor — good practice is to confirm every call in writing."""
    debtor_id, invoice = resolve_target(store, debtor_key)
    if not text.strip():
        raise CaseError("the note needs --text")
    if promise is not None and promise < today:
        raise CaseError(f"promise date {promise.isoformat()} is in the past")
    at = iso_utc(now)
    out: dict[str, Any] = {"debtor_id": debtor_id}
    with store.transaction():
        case = open_case(store, debtor_id, now=at)
        invoices = [invoice] if invoice else []
        if promise is not None:
            grace = promise + timedelta(days=config.inbound.promise_grace_days)
            out["promise_id"] = add_promise(
                store,
                debtor_id,
                case_id=case["id"],
                invoice_numbers=invoices,
                promised_date=promise.isoformat(),
                grace_until=grace.isoformat(),
                source="call",
                now=at,
            )
        # The call was the task: the debtor's open call tasks are done with it.
        closed = resolve_debtor_items(
            store, debtor_id, "call_task", f"done: call noted — {text}", actor=actor, now=at
        )
        out["closed_tasks"] = closed
        out["event_id"] = record_event(
            store,
            "note",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            invoice_number=invoice,
            detail={
                "kind": "call",
                "text": text,
                "promise_date": promise.isoformat() if promise else None,
                "closed_tasks": closed,
            },
            at=at,
        )
        if promise is not None:
            out["confirmation_outbox_id"] = confirm_promise(
                store,
                config,
                debtor_id,
                promise_id=out["promise_id"],
                promised_date=promise,
                invoice_numbers=invoices,
                source="call",
                now=now,
            )
        if email:
            open_rows = [
                r for r in invoice_rows(store, debtor_id=debtor_id) if r["status"] in LIVE_STATES
            ]
            currency = open_rows[0]["currency"] if open_rows else "EUR"
            outbox_id = mail_debtor(
                store,
                config,
                debtor_id,
                kind="call_summary",
                template="call_summary",
                context={
                    "text": text,
                    "call_date": today.isoformat(),
                    "promise_date": promise.isoformat() if promise else None,
                    "currency": currency,
                    "invoices": [
                        {
                            "number": r["number"],
                            "due_date": r["due_date"],
                            "open": from_cents(
                                r["amount_cents"]
                                - r["paid_cents"]
                                - r["credited_cents"]
                                - r["written_off_cents"]
                            ),
                        }
                        for r in open_rows
                    ],
                },
                seed=f"call:{out['event_id']}",
                now=now,
                invoice_numbers=invoices,
                decision={"template": "call_summary", "note_event": out["event_id"]},
            )
            if outbox_id is None:
                raise CaseError(
                    f"debtor {debtor_id} has no deliverable e-mail address;"
                    " the note was not saved — drop --email or fix the address"
                )
            out["outbox_id"] = outbox_id
    return out
