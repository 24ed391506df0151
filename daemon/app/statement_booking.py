"""Booking one statement payment: match it against the open invoices (daemon.domain.matching),
write the result (allocations, claims parts, review items), book a return against what it
returns, and settle what the booking changed (invoice status, promises kept)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from daemon.adapters.store import bank
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import refresh_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.app.claims import (
    apply_remainder_policy,
    reverse_claim_payments,
    split_payment,
    write_split,
)
from daemon.app.promises import record_kept_promises
from daemon.config import Config
from daemon.domain.invoice_states import SETTLED_STATES
from daemon.domain.matching import (
    InvoiceBook,
    MatchResult,
    MatchSettings,
    TxStatus,
    apply,
    is_return,
    match,
)
from daemon.domain.money import from_cents, to_cents
from parsers.bank import Direction, Payment


def book_payment(
    store: Store,
    config: Config,
    tx_id: int,
    payment: Payment,
    book: InvoiceBook,
    ms: MatchSettings,
    touched: set[str],
    now: str,
) -> str:
    """Match and apply one newly stored payment; the book follows what it allocated."""
    if is_return(payment):
        return _book_return(store, tx_id, payment, book, touched, now)
    result = match(payment, book, ms)
    # Booked costs and interest are paid first (art. 6:44 BW, § 367 BGB, art. 1254 BW).
    plan = split_payment(store, config, payment, result, book, ms.charges_tolerance_cents)
    if plan is not None:
        result = plan.result
    _write_result(store, tx_id, payment, result, touched, now)
    if plan is not None:
        write_split(store, tx_id, plan, now)
        book.take_claims(
            plan.debtor_id, plan.currency, plan.split.costs_cents + plan.split.interest_cents
        )
        apply_remainder_policy(store, config, tx_id, plan, now)
    apply(book, result)
    return result.status.value


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


def _write_result(
    store: Store,
    tx_id: int,
    payment: Payment,
    result: MatchResult,
    touched: set[str],
    now: str,
) -> None:
    for allocation in result.allocations:
        evidence = {
            "rule": allocation.rule,
            "found": allocation.evidence,
            "score": allocation.score,
            "charges": format(from_cents(allocation.charges_cents), "f"),
        }
        allocate(
            store,
            tx_id,
            allocation.invoice,
            allocation.cents,
            rule=allocation.rule,
            score=allocation.score,
            evidence=evidence,
            actor="daemon",
            now=now,
            charges_cents=allocation.charges_cents,
        )
        touched.add(allocation.invoice)
    detail: dict[str, Any] = {
        "evidence": list(result.evidence),
        "reason": result.reason,
        "unallocated": format(from_cents(result.unallocated_cents), "f"),
        "suggestions": [
            {"invoice": s.invoice, "score": s.score, "reasons": list(s.reasons)}
            for s in result.suggestions
        ],
    }
    bank.set_transaction_status(store, tx_id, result.status.value, detail)
    if result.review is not None:
        priority = {"overpayment": 1, "payment_uncertain": 2}.get(result.review, 3)
        add_review_item(
            store,
            result.review,
            f"{payment.amount:f} {payment.currency} from "
            f"{payment.counterparty_name or payment.counterparty_iban or 'unknown'}: "
            f"{result.reason}",
            priority=priority,
            evidence={"transaction_id": tx_id, "remittance": payment.remittance, **detail},
            proposed_actions=["allocate", "ignore"],
            invoice_numbers=[s.invoice for s in result.suggestions],
            transaction_id=tx_id,
            dedupe_key=f"payment:{tx_id}:{result.review}",
            now=now,
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
    debtor = bank.invoice_debtor(store, invoice)
    debtor_id = debtor["debtor_id"] if debtor else None
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
    store: Store, tx_id: int, payment: Payment, book: InvoiceBook, touched: set[str], now: str
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
        reverse_claim_payments(store, int(original["id"]), tx_id, now)
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
