"""Promises and paid claims coming due: kept, broken, or a person must look.

The daily dunning cycle calls ``review_promises`` before planning. A broken promise only
ends the pause: the ladder resumes at the step after the last one sent (invoices keep their
dunning_step), never from the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.cases import case_row, open_promises, set_case_status
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.holds import paid_claim_holds_due, release_hold
from daemon.adapters.store.invoices import invoice_rows
from daemon.adapters.store.promises import (
    last_booking_date,
    open_invoice_numbers,
    promises_due,
    resolve_promise,
    unsettled,
)
from daemon.adapters.store.queue import add_review_item
from daemon.adapters.store.reply_lookups import invoice_debtors
from daemon.app.debtor_mail import mail_debtor
from daemon.app.mailout import office_context
from daemon.config import Config
from daemon.domain.model import CLOSED_STATES, open_cents
from daemon.domain.money import from_cents
from daemon.domain.promise_outcome import kept_promise


@dataclass
class PromiseReview:
    kept: list[int] = field(default_factory=list)
    broken: list[int] = field(default_factory=list)
    lapsed: list[int] = field(default_factory=list)  # undated promises that ran out
    paid_claims_settled: list[int] = field(default_factory=list)
    paid_claims_to_review: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, list[int]]:
        return {k: list(v) for k, v in self.__dict__.items()}


def confirm_promise(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    promise_id: int,
    promised_date: date,
    invoice_numbers: list[str],
    source: str,
    now: datetime,
) -> int | None:
    """Queue the written confirmation of a promise a person registered (phone call, review
    queue, staff mail): the same ``promise_confirmation`` mail a promise recognised in a
    debtor's reply gets. None when the debtor has no deliverable address."""
    rows = [
        r
        for r in invoice_rows(store, debtor_id=debtor_id, numbers=invoice_numbers or None)
        if r["status"] not in CLOSED_STATES
    ]
    office = config.office
    context = {
        "office": office_context(office),
        "invoices": [
            {
                "number": r["number"],
                "currency": r["currency"],
                "amount": from_cents(r["amount_cents"]),
                "open_amount": from_cents(
                    open_cents(
                        r["amount_cents"],
                        r["paid_cents"],
                        r["credited_cents"],
                        r["written_off_cents"],
                    )
                ),
                "due_date": r["due_date"],
            }
            for r in rows
        ],
        "promise_date": promised_date,
        "until": None,
        "subject": "",
        "source": source,
    }
    return mail_debtor(
        store,
        config,
        debtor_id,
        kind="confirmation",
        template="promise_confirmation",
        context=context,
        seed=f"promise:{promise_id}",
        now=now,
        invoice_numbers=[r["number"] for r in rows],
        decision={
            "template": "promise_confirmation",
            "promise_id": promise_id,
            "reason": f"promise registered by a person ({source})",
        },
    )


def review_promises(store: Store, config: Config, today: date, now: datetime) -> PromiseReview:
    """Settle every promise whose grace period ended before ``today``, and every paid-claim
    pause that ran out; one transaction."""
    result = PromiseReview()
    at = iso_utc(now)
    with store.transaction():
        for promise in promises_due(store, today.isoformat()):
            _settle_promise(store, promise, result, at)
        for hold in paid_claim_holds_due(store, today.isoformat()):
            _settle_paid_claim(store, hold, result, at)
    return result


def record_kept_promises(store: Store, debtor_ids: set[str], at: str) -> list[int]:
    """Right after payments were booked: every open promise of ``debtor_ids`` whose invoices
    are now settled by a payment booked within its grace period is recorded as kept (state
    and a ``promise_kept`` event with the booking date). Call inside the booking transaction,
    before settled cases close, so the case file tells the story in order."""
    kept: list[int] = []
    for debtor_id in sorted(debtor_ids):
        for promise in open_promises(store, debtor_id):
            still_open = _invoices_of(store, promise)
            paid_on = last_booking_date(
                store,
                since=promise["created_at"],
                numbers=promise["invoice_numbers"],
                debtor_id=debtor_id,
            )
            promised = _day(promise["promised_date"])
            outcome = kept_promise(
                promised=promised,
                grace_until=_day(promise["grace_until"]),
                still_open=bool(still_open),
                paid_on=_day(paid_on),
            )
            if outcome is None:
                continue
            resolve_promise(store, promise["id"], "kept", now=at)
            record_event(
                store,
                "promise_kept",
                debtor_id=debtor_id,
                case_id=promise["case_id"],
                at=at,
                detail={
                    "promise_id": promise["id"],
                    "promised_date": promise["promised_date"],
                    "grace_until": promise["grace_until"],
                    "invoices": promise["invoice_numbers"],
                    "paid_on": outcome.paid_on.isoformat(),
                    "on_time": outcome.on_time,
                    "reason": outcome.reason(promised),
                },
            )
            kept.append(promise["id"])
    return kept


def _day(value: str | None) -> date | None:
    return date.fromisoformat(value[:10]) if value else None


def _settled_by_grace_end(
    store: Store, promise: dict[str, Any], detail: dict[str, Any], result: PromiseReview, at: str
) -> None:
    """Nothing promised is open when the grace period has ended: kept, unless the bank booked
    the payment after the grace period (a late payment settles the debt but broke the
    promise: recorded as such, with no review item since nothing is owed)."""
    ids = {"debtor_id": promise["debtor_id"], "case_id": promise["case_id"]}
    paid_on = last_booking_date(
        store,
        since=promise["created_at"],
        numbers=promise["invoice_numbers"],
        debtor_id=promise["debtor_id"],
    )
    grace = promise["grace_until"]
    if paid_on is not None and grace is not None and paid_on[:10] > grace[:10]:
        resolve_promise(store, promise["id"], "broken", now=at)
        reason = f"paid on {paid_on[:10]}, after the grace period that ended {grace[:10]}"
        record_event(
            store,
            "promise_paid_late",
            detail={**detail, "paid_on": paid_on[:10], "reason": reason},
            at=at,
            **ids,
        )
        result.broken.append(promise["id"])
        closing = "promise paid late"
    else:
        resolve_promise(store, promise["id"], "kept", now=at)
        reason = "nothing was open any more when the grace period ended"
        extra = {"paid_on": paid_on[:10]} if paid_on else {}
        record_event(
            store, "promise_kept", detail={**detail, **extra, "reason": reason}, at=at, **ids
        )
        result.kept.append(promise["id"])
        closing = "promise kept"
    case = case_row(store, promise["case_id"]) if promise["case_id"] else None
    # The payment usually closed the case already: close it (and say so) only when it is
    # still open.
    still_open = case is not None and case["closed_at"] is None
    if still_open and not open_invoice_numbers(store, promise["debtor_id"]):
        set_case_status(store, promise["case_id"], "closed", reason=closing, now=at)
        record_event(store, "case_closed", detail={"reason": closing}, at=at, **ids)


def _invoices_of(store: Store, promise: dict[str, Any]) -> list[str]:
    numbers = list(promise["invoice_numbers"])
    return (
        unsettled(store, numbers) if numbers else open_invoice_numbers(store, promise["debtor_id"])
    )


def _settle_promise(store: Store, promise: dict[str, Any], result: PromiseReview, at: str) -> None:
    open_numbers = _invoices_of(store, promise)
    ids = {"debtor_id": promise["debtor_id"], "case_id": promise["case_id"]}
    detail = {
        "promise_id": promise["id"],
        "promised_date": promise["promised_date"],
        "grace_until": promise["grace_until"],
        "invoices": promise["invoice_numbers"],
        "still_open": open_numbers,
    }
    if not open_numbers:
        _settled_by_grace_end(store, promise, detail, result, at)
        return
    resolve_promise(store, promise["id"], "broken", now=at)
    if promise["promised_date"] is None:
        # An undated "we'll pay soon" only bought a short pause; the ladder simply goes on.
        record_event(store, "promise_lapsed", detail=detail, at=at, **ids)
        result.lapsed.append(promise["id"])
        return
    record_event(store, "promise_broken", detail=detail, at=at, **ids)
    add_review_item(
        store,
        "promise_broken",
        f"promised to pay by {promise['promised_date']} (grace until {promise['grace_until']}); "
        f"still open: {', '.join(open_numbers)}. The ladder resumes at its next step.",
        priority=1,
        evidence=detail,
        proposed_actions=("call debtor", "accept new date", "resume"),
        invoice_numbers=open_numbers,
        inbox_id=promise["inbox_id"],
        dedupe_key=f"promise_broken:{promise['id']}",
        now=at,
        **ids,
    )
    result.broken.append(promise["id"])


def _settle_paid_claim(store: Store, hold: dict[str, Any], result: PromiseReview, at: str) -> None:
    release_hold(store, hold["id"], now=at)
    if hold["scope"] == "invoice":
        open_numbers = unsettled(store, [hold["target"]])
        debtor = invoice_debtors(store, [hold["target"]]).get(hold["target"])
    else:
        debtor = hold["target"]
        open_numbers = open_invoice_numbers(store, debtor) if debtor else []
    detail = {
        "hold_id": hold["id"],
        "reason": hold["reason"],
        "until": hold["until"],
        "still_open": open_numbers,
    }
    if not open_numbers:
        record_event(store, "paid_claim_confirmed", debtor_id=debtor, detail=detail, at=at)
        result.paid_claims_settled.append(hold["id"])
        return
    record_event(store, "paid_claim_unconfirmed", debtor_id=debtor, detail=detail, at=at)
    add_review_item(
        store,
        "paid_claim",
        f"the debtor said it had paid, but no payment arrived by {hold['until']}: "
        f"{', '.join(open_numbers)}",
        priority=2,
        evidence=detail,
        proposed_actions=("allocate payment", "resume", "call debtor"),
        debtor_id=debtor,
        invoice_numbers=open_numbers,
        dedupe_key=f"paid_claim_expired:{hold['id']}",
        now=at,
    )
    result.paid_claims_to_review.append(hold["id"])
