"""Booking one statement payment: the pure decision (daemon.domain.payment_booking: match,
split over booked costs and interest, review item, events, remainder policy) returns
commands, applied here in the file's transaction by small named handlers
(``COMMAND_HANDLERS``); a return is booked against what it returns; and what the booking
changed is settled (invoice status, promises kept)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from daemon.adapters.store import bank
from daemon.adapters.store import claims as ledger_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import refresh_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.app.promises import record_kept_promises
from daemon.config import Config
from daemon.domain.claim_split import ClaimsBook
from daemon.domain.invoice_states import SETTLED_STATES
from daemon.domain.matching import InvoiceBook, MatchSettings, TxStatus, is_return
from daemon.domain.money import from_cents, to_cents
from daemon.domain.payment_booking import (
    AllocateToInvoice,
    BookClaimAllocation,
    BookingSettings,
    OpenReview,
    RecordEvent,
    RecordReturn,
    ReinstateInvoice,
    ReverseAllocations,
    ReverseClaimAllocations,
    Running,
    SetEntryStatus,
    WaiveRemainder,
    decide_payment,
    decide_return,
)
from parsers.bank import Payment


def booking_settings(config: Config, ms: MatchSettings) -> BookingSettings:
    return BookingSettings(
        ms,
        config.office.jurisdiction,
        config.dunning.remainder_policy,
        to_cents(config.dunning.remainder_waive_below_amount),
        config.dunning.remainder_waive_below,
    )


def book_payment(
    store: Store,
    tx_id: int,
    payment: Payment,
    book: InvoiceBook,
    claims: ClaimsBook,
    running: Running,
    settings: BookingSettings,
    touched: set[str],
    now: str,
) -> str:
    """Decide one newly stored payment on the file's snapshot and apply the commands; the
    snapshot follows what it took."""
    if is_return(payment):
        status, commands = decide_return(tx_id, payment, book, claims, running)
    else:
        status, commands = decide_payment(tx_id, payment, book, claims, running, settings)
    applying = _Applying(store, now)
    for command in commands:
        COMMAND_HANDLERS[type(command)](applying, command)
        if isinstance(command, AllocateToInvoice | ReinstateInvoice):
            touched.add(command.invoice)
    return status


# -- the handlers: one small write each, in the order decided ------------------------------------


@dataclass
class _Applying:
    """One payment's commands being applied: the invoices' statuses after a reinstatement,
    in order, for the return's record."""

    store: Store
    now: str
    statuses: list[str | None] = field(default_factory=list)


def _allocate(a: _Applying, c: AllocateToInvoice) -> None:
    allocate_for(
        a.store,
        c.tx_id,
        c.invoice,
        c.cents,
        rule=c.rule,
        score=c.score,
        evidence=c.evidence,
        actor="daemon",
        now=a.now,
        charges_cents=c.charges_cents,
        debtor_id=c.debtor_id,
    )


def _set_entry_status(a: _Applying, c: SetEntryStatus) -> None:
    bank.set_transaction_status(a.store, c.tx_id, c.status, c.detail)


def _open_review(a: _Applying, c: OpenReview) -> None:
    add_review_item(
        a.store,
        c.type,
        c.title,
        priority=c.priority,
        evidence=c.evidence,
        proposed_actions=c.proposed_actions,
        debtor_id=c.debtor_id,
        case_id=c.case_id,
        invoice_numbers=c.invoice_numbers,
        transaction_id=c.transaction_id,
        dedupe_key=c.dedupe_key,
        now=a.now,
    )


def _book_claim_allocation(a: _Applying, c: BookClaimAllocation) -> None:
    ledger_store.allocate(a.store, c.line_id, c.tx_id, c.cents, basis=c.basis, now=a.now)


def _waive_remainder(a: _Applying, c: WaiveRemainder) -> None:
    bank.write_off(a.store, c.invoice, c.cents, a.now)
    refresh_invoice(a.store, c.invoice, now=a.now)


def _record_event(a: _Applying, c: RecordEvent) -> None:
    record_event(
        a.store,
        c.kind,
        debtor_id=c.debtor_id,
        case_id=c.case_id,
        invoice_number=c.invoice_number,
        transaction_id=c.transaction_id,
        at=a.now,
        detail=c.detail,
    )


def _reverse_allocations(a: _Applying, c: ReverseAllocations) -> None:
    bank.reverse_allocations(a.store, c.original_tx, c.by_tx, a.now)


def _reinstate_invoice(a: _Applying, c: ReinstateInvoice) -> None:
    if c.charges_cents:
        bank.undo_charges(a.store, c.invoice, c.charges_cents, a.now)
    a.statuses.append(refresh_invoice(a.store, c.invoice, now=a.now))


def _reverse_claim_allocations(a: _Applying, c: ReverseClaimAllocations) -> None:
    ledger_store.reverse_allocations(a.store, c.original_tx, c.by_tx, a.now)


def _record_return(a: _Applying, c: RecordReturn) -> None:
    detail = {
        **c.detail,
        "reversed": [
            {"invoice": invoice, "amount": amount, "invoice_status": status}
            for (invoice, amount), status in zip(c.reversed, a.statuses, strict=True)
        ],
    }
    bank.set_transaction_status(a.store, c.tx_id, TxStatus.RETURNED.value, detail)
    record_event(a.store, "payment_returned", transaction_id=c.tx_id, at=a.now, detail=detail)


# A new command type of domain/payment_booking needs its row here.
COMMAND_HANDLERS: dict[type[Any], Callable[[_Applying, Any], None]] = {
    AllocateToInvoice: _allocate,
    SetEntryStatus: _set_entry_status,
    OpenReview: _open_review,
    BookClaimAllocation: _book_claim_allocation,
    WaiveRemainder: _waive_remainder,
    RecordEvent: _record_event,
    ReverseAllocations: _reverse_allocations,
    ReinstateInvoice: _reinstate_invoice,
    ReverseClaimAllocations: _reverse_claim_allocations,
    RecordReturn: _record_return,
}


def settle_effects(store: Store, invoices: set[str], now: str) -> None:
    """Queued reminders of closed invoices are cancelled; promises paid in time are kept;
    settled debtors' cases close."""
    if not invoices:
        return
    for outbox_id in bank.cancel_reminders_for_closed(store, invoices, now):
        record_event(
            store,
            "reminder_cancelled",
            outbox_id=outbox_id,
            at=now,
            detail={"reason": "all invoices of the reminder are paid"},
        )
    debtors = {d["debtor_id"] for n in invoices if (d := bank.invoice_debtor(store, n))}
    record_kept_promises(store, debtors, now)
    for case_id in bank.close_settled_cases(store, debtors, now):
        record_event(
            store, "case_closed", case_id=case_id, at=now, detail={"reason": "all invoices paid"}
        )


def allocate(
    store: Store,
    tx_id: int,
    invoice: str,
    cents: int,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
    actor: str,
    now: str,
    charges_cents: int = 0,
) -> str | None:
    """A person's (or the daemon's) allocation to one invoice, with its events."""
    debtor = bank.invoice_debtor(store, invoice)
    return allocate_for(
        store,
        tx_id,
        invoice,
        cents,
        rule=rule,
        score=score,
        evidence=evidence,
        actor=actor,
        now=now,
        charges_cents=charges_cents,
        debtor_id=debtor["debtor_id"] if debtor else None,
    )


def allocate_for(
    store: Store,
    tx_id: int,
    invoice: str,
    cents: int,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
    actor: str,
    now: str,
    charges_cents: int,
    debtor_id: str | None,
) -> str | None:
    """Write one allocation; its events carry the invoice's status after it (credit notes
    and outside payments count in it, so the store computes it)."""
    bank.insert_allocation(
        store,
        tx_id=tx_id,
        invoice=invoice,
        cents=cents,
        rule=rule,
        score=score,
        evidence=evidence,
        actor=actor,
        now=now,
    )
    if charges_cents:
        bank.write_off(store, invoice, charges_cents, now)
        record_event(
            store,
            "bank_charges_written_off",
            actor=actor,
            debtor_id=debtor_id,
            invoice_number=invoice,
            transaction_id=tx_id,
            at=now,
            detail={
                "amount": format(from_cents(charges_cents), "f"),
                "reason": "payment short by at most bank.charges_tolerance",
            },
        )
    status = refresh_invoice(store, invoice, now=now)
    if charges_cents:
        bank.mark_settled_paid(store, invoice)
        status = "paid" if status == "written_off" else status
    record_event(
        store,
        "payment_allocated",
        actor=actor,
        debtor_id=debtor_id,
        invoice_number=invoice,
        transaction_id=tx_id,
        at=now,
        detail={"amount": format(from_cents(cents), "f"), **evidence, "invoice_status": status},
    )
    if status in SETTLED_STATES:
        record_event(
            store,
            "invoice_paid",
            actor=actor,
            debtor_id=debtor_id,
            invoice_number=invoice,
            transaction_id=tx_id,
            at=now,
            detail={"status": status},
        )
    return status


def loads_dict(text: str | None) -> dict[str, Any]:
    value = loads(text, {})
    return value if isinstance(value, dict) else {}
