"""A person stops the ladder: a global pause, or a hold on one debtor or invoice.

Each is one transaction: the state or hold row and its event together.
"""

from __future__ import annotations

from daemon.adapters.store.cases import add_hold, release_holds
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.holds import hold_scope


class HoldError(ValueError):
    """The target names neither a debtor nor an invoice."""


def pause(store: Store, reason: str, *, actor: str) -> None:
    with store.transaction():
        store.set_state("global_pause", "1")
        store.set_state("global_pause_reason", reason)
        record_event(store, "global_pause", actor=actor, detail={"reason": reason})


def unpause(store: Store, *, actor: str) -> None:
    with store.transaction():
        store.set_state("global_pause", "0")
        record_event(store, "global_unpause", actor=actor)


def target_of(store: Store, target: str) -> tuple[str, str]:
    """(scope, target) for a debtor id or invoice number."""
    scope = hold_scope(store, target)
    if scope is None:
        raise HoldError(f"{target!r} is neither a debtor id nor an invoice number")
    return scope, target


def hold(
    store: Store, target: str, reason: str, *, until: str | None, actor: str
) -> tuple[str, str]:
    """Hold the ladder for ``target``; returns (scope, target)."""
    scope, value = target_of(store, target)
    with store.transaction():
        hold_id = add_hold(store, scope, value, reason, until=until, by=actor)
        record_event(
            store,
            "hold",
            actor=actor,
            debtor_id=value if scope == "debtor" else None,
            invoice_number=value if scope == "invoice" else None,
            detail={"hold": hold_id, "reason": reason, "until": until},
        )
    return scope, value


def unhold(store: Store, target: str, *, actor: str) -> tuple[str, str, int]:
    """Release the holds on ``target``; returns (scope, target, holds released)."""
    scope, value = target_of(store, target)
    with store.transaction():
        count = release_holds(store, scope, value)
        record_event(
            store,
            "unhold",
            actor=actor,
            debtor_id=value if scope == "debtor" else None,
            invoice_number=value if scope == "invoice" else None,
            detail={"released": count},
        )
    return scope, value, count
