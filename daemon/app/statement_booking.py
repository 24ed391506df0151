"""Booking one statement payment: the pure decision (daemon.domain.payment_booking: match,
split over booked costs and interest, review item, events, remainder policy) returns
commands, applied here in the file's transaction by small named handlers
(``COMMAND_HANDLERS``); a return is booked against what it returns; and what the booking
changed is settled (invoice status, promises kept)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from daemon.adapters.store import bank
from daemon.adapters.store import claims as ledger_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import refresh_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.app.claims import reverse_claim_payments
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
    Running,
    SetEntryStatus,
    WaiveRemainder,
    decide_payment,
)
from parsers.bank import Direction, Payment


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
        return _book_return(store, tx_id, payment, book, claims, touched, now)
    status, commands = decide_payment(tx_id, payment, book, claims, running, settings)
    for command in commands:
        COMMAND_HANDLERS[type(command)](store, command, now)
        if isinstance(command, AllocateToInvoice):
            touched.add(command.invoice)
    return status


# -- the handlers: one small write each, in the order decided ------------------------------------


def _allocate(store: Store, c: AllocateToInvoice, now: str) -> None:
    allocate_for(
        store,
        c.tx_id,
        c.invoice,
        c.cents,
        rule=c.rule,
        score=c.score,
        evidence=c.evidence,
        actor="daemon",
        now=now,
        charges_cents=c.charges_cents,
        debtor_id=c.debtor_id,
    )


def _set_entry_status(store: Store, c: SetEntryStatus, now: str) -> None:
    bank.set_transaction_status(store, c.tx_id, c.status, c.detail)


def _open_review(store: Store, c: OpenReview, now: str) -> None:
    add_review_item(
        store,
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
        now=now,
    )


def _book_claim_allocation(store: Store, c: BookClaimAllocation, now: str) -> None:
    ledger_store.allocate(store, c.line_id, c.tx_id, c.cents, basis=c.basis, now=now)


def _waive_remainder(store: Store, c: WaiveRemainder, now: str) -> None:
    bank.write_off(store, c.invoice, c.cents, now)
    refresh_invoice(store, c.invoice, now=now)


def _record_event(store: Store, c: RecordEvent, now: str) -> None:
    record_event(
        store,
        c.kind,
        debtor_id=c.debtor_id,
        case_id=c.case_id,
        transaction_id=c.transaction_id,
        at=now,
        detail=c.detail,
    )


# A new command type of domain/payment_booking needs its row here.
COMMAND_HANDLERS: dict[type[Any], Callable[[Store, Any, str], None]] = {
    AllocateToInvoice: _allocate,
    SetEntryStatus: _set_entry_status,
    OpenReview: _open_review,
    BookClaimAllocation: _book_claim_allocation,
    WaiveRemainder: _waive_remainder,
    RecordEvent: _record_event,
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


def _book_return(
    store: Store,
    tx_id: int,
    payment: Payment,
    book: InvoiceBook,
    claims: ClaimsBook,
    touched: set[str],
    now: str,
) -> str:
    row = bank.transaction(store, tx_id)
    assert row is not None
    original = (
        bank.find_returned_original(store, row) if payment.direction is Direction.DEBIT else None
    )
    undone: list[dict[str, Any]] = []
    if original is not None:
        for allocation in bank.reverse_allocations(store, int(original["id"]), tx_id, now):
            number = allocation["invoice_number"]
            charges = to_cents(Decimal(loads_dict(allocation["evidence"]).get("charges", "0")))
            if charges:
                bank.undo_charges(store, number, charges, now)
            status = refresh_invoice(store, number, now=now)
            book.release(number, int(allocation["amount_cents"]) + charges)
            touched.add(number)
            undone.append(
                {
                    "invoice": number,
                    "amount": format(from_cents(allocation["amount_cents"]), "f"),
                    "invoice_status": status,
                }
            )
            record_event(
                store,
                "allocation_reversed",
                invoice_number=number,
                transaction_id=tx_id,
                at=now,
                detail={
                    "original_transaction": original["id"],
                    "return_reason": payment.return_reason,
                },
            )
        for line_id, cents in reverse_claim_payments(store, int(original["id"]), tx_id, now):
            claims.give_back(line_id, cents)
        bank.set_transaction_status(
            store,
            int(original["id"]),
            TxStatus.RETURNED.value,
            {**loads_dict(original["match_detail"]), "returned_by": tx_id},
        )
    detail = {
        "original_transaction": None if original is None else original["id"],
        "return_reason": payment.return_reason,
        "reversed": undone,
        "reason": "returned payment"
        if original is not None
        else "return without a matching original payment",
    }
    bank.set_transaction_status(store, tx_id, TxStatus.RETURNED.value, detail)
    record_event(store, "payment_returned", transaction_id=tx_id, at=now, detail=detail)
    return TxStatus.RETURNED.value


def loads_dict(text: str | None) -> dict[str, Any]:
    value = loads(text, {})
    return value if isinstance(value, dict) else {}
