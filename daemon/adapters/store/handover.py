"""A hand-over to a collection agency (daemon.app.handover): what it stops, what its dossier
reads."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store


def cancel_queued_reminders(store: Store, debtor_id: str) -> int:
    """Queued reminders of the debtor go no more; returns how many."""
    return store.execute(
        "UPDATE outbox SET status = 'cancelled', last_error = 'handed over'"
        " WHERE debtor_id = ? AND status = 'queued' AND kind = 'reminder'",
        (debtor_id,),
    ).rowcount


def break_live_plans(store: Store, debtor_id: str, *, at: str) -> None:
    store.execute(
        "UPDATE payment_plans SET status = 'broken', closed_at = ?"
        " WHERE debtor_id = ? AND status IN ('proposed', 'active')",
        (at, debtor_id),
    )


def dossier_payments(store: Store, numbers: Sequence[str]) -> list[dict[str, Any]]:
    """Allocations to the invoices with their bank transaction, by booking date."""
    return store.query(
        "SELECT a.invoice_number, a.amount_cents, a.rule, a.actor, a.created_at, a.reversed_at,"
        " t.booking_date, t.counterparty_name, t.counterparty_iban, t.remittance,"
        " t.bank_reference, t.end_to_end_id FROM allocations a"
        " JOIN bank_transactions t ON t.id = a.transaction_id"
        f" WHERE a.invoice_number IN ({','.join('?' * len(numbers))}) ORDER BY t.booking_date",
        list(numbers),
    )


def dossier_events(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM case_events WHERE debtor_id = ? ORDER BY at, id", (debtor_id,)
    )


def dossier_mail_in(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, received_at, from_addr, subject, raw, purged_at, sha256"
        " FROM inbox WHERE debtor_id = ? ORDER BY id",
        (debtor_id,),
    )


def dossier_mail_out(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT id, created_at, sent_at, kind, subject, raw, purged_at, sha256,"
        " status FROM outbox WHERE debtor_id = ? ORDER BY id",
        (debtor_id,),
    )
