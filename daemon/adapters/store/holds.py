"""What a hold or a pause is put on: the debtor or invoice a person names."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store


def hold_scope(store: Store, target: str) -> str | None:
    """``invoice`` when ``target`` is an invoice number, ``debtor`` when a debtor id, else None.

    An invoice number wins: the CLI accepts either without a flag."""
    if store.scalar("SELECT 1 FROM invoices WHERE number = ?", (target,)):
        return "invoice"
    if store.scalar("SELECT 1 FROM debtors WHERE id = ?", (target,)):
        return "debtor"
    return None


def release_invoice_holds(store: Store, invoice_number: str, *, at: str) -> None:
    store.execute(
        "UPDATE holds SET released_at = ? WHERE scope = 'invoice' AND target = ?"
        " AND released_at IS NULL",
        (at, invoice_number),
    )


def paid_claim_holds_due(store: Store, today: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM holds WHERE released_at IS NULL AND reason LIKE 'paid_claim:%'"
        " AND until IS NOT NULL AND until < ? ORDER BY id",
        (today,),
    )


def release_hold(store: Store, hold_id: int, *, now: str) -> None:
    store.execute("UPDATE holds SET released_at = ? WHERE id = ?", (now, hold_id))
