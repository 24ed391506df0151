"""What an invoice import writes (daemon.app.invoices): new invoices, the columns a newer
file may change, and credit notes. Never the ladder state (store/ladder_state.py)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store


def invoices_by_number(store: Store) -> dict[str, dict[str, Any]]:
    return {row["number"]: row for row in store.query("SELECT * FROM invoices")}


def credit_note_numbers(store: Store) -> set[str]:
    return {r["number"] for r in store.query("SELECT number FROM credit_notes")}


def insert_credit_note(
    store: Store, number: str, invoice_number: str, cents: int, issue_date: str, at: str
) -> None:
    store.execute(
        "INSERT INTO credit_notes (number, invoice_number, amount_cents, issue_date,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        (number, invoice_number, cents, issue_date, at),
    )


def insert_invoice(store: Store, row: dict[str, Any], at: str) -> None:
    columns = [*row, "created_at", "updated_at"]
    store.execute(
        f"INSERT INTO invoices ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        (*row.values(), at, at),
    )


def update_invoice(
    store: Store, number: str, row: dict[str, Any], columns: Sequence[str], at: str
) -> None:
    """The ``columns`` of ``row`` and its source (the file that changed them)."""
    sets = ", ".join(f"{k} = ?" for k in columns)
    store.execute(
        f"UPDATE invoices SET {sets}, source = ?, updated_at = ? WHERE number = ?",
        (*(row[k] for k in columns), row["source"], at, number),
    )
