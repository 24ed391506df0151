"""What the CLI lists and looks up (#14: the CLI calls use cases, never the store): each a
read-only view over one store module, in the shape the command prints."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from daemon.adapters.store import bank, intake, letters
from daemon.adapters.store import inbox as inbox_store
from daemon.adapters.store.claims import open_case_id
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import debtor_names, invoice_debtors, invoice_rows
from daemon.adapters.store.migrations import MIGRATIONS


def open_case_of(store: Store, debtor_id: str) -> int | None:
    """The id of the debtor's open case (None: no open case)."""
    return open_case_id(store, debtor_id)


def inbox_list(
    store: Store, *, status: str | None = None, limit: int = 500
) -> list[dict[str, Any]]:
    return inbox_store.inbox_rows(store, status=status, limit=limit)


def inbox_message(store: Store, inbox_id: int) -> dict[str, Any] | None:
    return inbox_store.inbox_row(store, inbox_id)


def intake_files(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    return intake.file_rows(store, status)


def invoice_list(
    store: Store, *, status: str | None = None, debtor_id: str | None = None
) -> list[dict[str, Any]]:
    """Invoices by due date, optionally of one status or debtor."""
    return invoice_rows(store, status=status, debtor_id=debtor_id)


def letter_list(
    store: Store, *, status: str | None = None, debtor_id: str | None = None
) -> list[dict[str, Any]]:
    return letters.list_letters(store, status=status, debtor_id=debtor_id)


def payment_list(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """Payment records with their live allocations (``dunmail payments list --json``)."""
    by_tx: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for allocation in bank.live_allocations(store):
        by_tx[allocation["transaction_id"]].append(allocation)
    return [
        bank.payment_view(r, by_tx.get(r["id"], [])) for r in bank.transaction_rows(store, status)
    ]


def invoice_owners(store: Store, numbers: list[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(invoice → debtor id, debtor id → name) for the invoices given."""
    owner = invoice_debtors(store, numbers)
    return owner, debtor_names(store, owner.values())


def payment_details(store: Store, payment_id: int) -> dict[str, Any] | None:
    return bank.payment_details(store, payment_id)


def statement_list(store: Store) -> list[dict[str, Any]]:
    return bank.statement_rows(store)


def latest_schema_version() -> int:
    """The schema version this dunmail migrates a database to."""
    return MIGRATIONS[-1].version
