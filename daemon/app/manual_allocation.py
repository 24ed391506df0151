"""A person's allocation of a bank payment to invoices (the review queue's ``allocate``, the
CLI's ``payments allocate``): checked, booked like a matched one, the payer's IBAN
remembered for the debtor."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import bank
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import remember_iban
from daemon.app.statement_booking import allocate, loads_dict, settle_effects
from daemon.domain.matching import (
    TxStatus,
)
from daemon.domain.money import from_cents, to_cents


class AllocationRefused(ValueError):
    """A manual allocation that would book money that is not there."""


def allocate_manually(
    store: Store,
    transaction_id: int,
    allocations: Sequence[tuple[str, Decimal]],
    *,
    actor: str,
    now: str | None = None,
) -> dict[str, Any]:
    """Book a person's allocation of a payment and remember the payer's IBAN for the debtor.

    Refuses (AllocationRefused) a debit or returned payment, an unknown invoice, an amount
    beyond an invoice's open amount, or more than the payment has left."""
    at = now or iso_utc()
    with store.transaction():
        row = bank.transaction(store, transaction_id)
        if row is None:
            raise AllocationRefused(f"payment {transaction_id} does not exist")
        if row["direction"] != "credit" or row["status"] == "returned":
            raise AllocationRefused(
                f"payment {transaction_id} is a {row['status']} "
                f"{row['direction']}: it cannot pay an invoice"
            )
        booked = sum(a["amount_cents"] for a in bank.live_allocations(store, [transaction_id]))
        left = int(row["amount_cents"]) - booked
        touched: set[str] = set()
        for number, amount in allocations:
            cents = to_cents(amount)
            invoice = bank.invoice_debtor(store, number)
            if invoice is None:
                raise AllocationRefused(f"invoice {number} does not exist")
            if cents <= 0:
                raise AllocationRefused(f"{number}: the amount must be positive")
            if cents > invoice["open_cents"]:
                raise AllocationRefused(
                    f"{number}: {amount} is more than its open amount "
                    f"{from_cents(max(invoice['open_cents'], 0))}"
                )
            if cents > left:
                raise AllocationRefused(
                    f"payment {transaction_id} has only {from_cents(left)} left to allocate"
                )
            left -= cents
            allocate(
                store,
                transaction_id,
                number,
                cents,
                rule="manual",
                score=None,
                evidence={"rule": "manual", "by": actor},
                actor=actor,
                now=at,
            )
            if row["counterparty_iban"]:
                remember_iban(store, invoice["debtor_id"], row["counterparty_iban"], now=at)
            touched.add(number)
        status = TxStatus.MATCHED if left == 0 else TxStatus.PARTIALLY_MATCHED
        detail = {
            **loads_dict(row["match_detail"]),
            "manual_by": actor,
            "unallocated": format(from_cents(left), "f"),
        }
        bank.set_transaction_status(store, transaction_id, status.value, detail)
        settle_effects(store, touched, at)
    result = bank.payment_details(store, transaction_id)
    assert result is not None
    return result
