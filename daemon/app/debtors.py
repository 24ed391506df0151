"""`dunmail debtors list`: each debtor with its open balance, as a person reads it."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.debtors import debtor_balances
from daemon.adapters.store.invoices import debtor_names
from daemon.domain.money import from_cents


def names_of(store: Store, debtor_ids: Iterable[str | None]) -> dict[str, str]:
    """Debtor id → name, for the ids given (None and unknown ids left out)."""
    return debtor_names(store, debtor_ids)


def debtor_list(store: Store) -> list[dict[str, Any]]:
    return [
        {
            "id": r["id"],
            "name": r["name"],
            "emails": (r["emails"] or "").split(";") if r["emails"] else [],
            "domains": (r["domains"] or "").split(";") if r["domains"] else [],
            "language": r["language"],
            "debtor_type": r["debtor_type"],
            "country": r["country"],
            "tags": loads(r["tags"], []),
            "open_invoices": r["open_invoices"],
            "open_amount": format(from_cents(r["open_cents"]), "f"),
        }
        for r in debtor_balances(store)
    ]
