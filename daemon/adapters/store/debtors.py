"""Debtors as a person lists them: registered addresses, domains and the open balance."""

from __future__ import annotations

from typing import Any

from daemon.adapters.store.db import Store, marks
from daemon.domain.invoice_states import OPEN_STATES


def debtor_balances(store: Store) -> list[dict[str, Any]]:
    """Every debtor not erased, by id, with ``emails``/``domains`` (';'-joined or None),
    ``open_invoices`` and ``open_cents`` (invoices in daemon.domain.invoice_states.OPEN_STATES)."""
    return store.query(
        "SELECT d.*, (SELECT group_concat(email, ';') FROM debtor_emails e"
        "  WHERE e.debtor_id = d.id AND e.status = 'ok') AS emails,"
        " (SELECT group_concat(domain, ';') FROM debtor_domains m"
        "  WHERE m.debtor_id = d.id) AS domains,"
        " (SELECT COUNT(*) FROM invoices i WHERE i.debtor_id = d.id"
        f"  AND i.status IN ({marks(OPEN_STATES)})) AS open_invoices,"
        " (SELECT COALESCE(SUM(amount_cents - paid_cents - credited_cents - written_off_cents), 0)"
        "  FROM invoices i WHERE i.debtor_id = d.id"
        f"  AND i.status IN ({marks(OPEN_STATES)})) AS open_cents"
        " FROM debtors d WHERE d.erased_at IS NULL ORDER BY d.id",
        (*OPEN_STATES, *OPEN_STATES),
    )


def mark_address_undeliverable(store: Store, address: str, reason: str, *, now: str) -> int:
    cursor = store.execute(
        "UPDATE debtor_emails SET status = 'undeliverable', status_reason = ?, status_at = ?"
        " WHERE email = ? AND status != 'undeliverable'",
        (reason, now, address.lower()),
    )
    return cursor.rowcount


def mark_debtor_insolvent(store: Store, debtor_id: str, *, now: str) -> None:
    store.execute("UPDATE debtors SET insolvent = 1, updated_at = ? WHERE id = ?", (now, debtor_id))
