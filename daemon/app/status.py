"""`dunmail status`: what an admin needs to know at a glance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import parse_iso
from daemon.adapters.store.db import Store, loads
from daemon.config import Config
from daemon.cycle import InstanceLock


def _age(moment: str | None, now: datetime) -> str | None:
    if not moment:
        return None
    seconds = int((now - parse_iso(moment)).total_seconds())
    if seconds < 120:
        return f"{seconds}s ago"
    if seconds < 7200:
        return f"{seconds // 60}m ago"
    if seconds < 172800:
        return f"{seconds // 3600}h ago"
    return f"{seconds // 86400}d ago"


def _review_waits(store: Store, config: Config, today: date) -> list[dict[str, Any]]:
    """Debtors whose ladder is paused because their own reply waits for a person."""
    from daemon.app.review_wait import load_review_waits
    from daemon.domain.cases import review_wait_overdue

    limit = config.inbound.review_wait_max_days
    return [
        {
            "debtor_id": debtor_id,
            "review_item": wait.item_id,
            "type": wait.item_type,
            "since": wait.since.isoformat(),
            "overdue": review_wait_overdue(wait, today, limit),
            "reason": f"waiting for review #{wait.item_id} since {wait.since.isoformat()}",
        }
        for debtor_id, wait in sorted(load_review_waits(store, config).items())
    ]


def daemon_status(store: Store, config: Config, *, now: datetime, today: date) -> dict[str, Any]:
    pid = InstanceLock.holder(config.database.path)
    last_cycle = store.get_state("last_cycle")
    healthy = store.get_state("last_healthy_cycle")
    queue = {
        r["type"]: r["n"]
        for r in store.query(
            "SELECT type, COUNT(*) AS n FROM review_items WHERE state != 'resolved'"
            " GROUP BY type ORDER BY type"
        )
    }
    urgent = store.scalar("SELECT COUNT(*) FROM review_items WHERE state = 'open' AND priority = 0")
    outbox = {
        r["status"]: r["n"]
        for r in store.query("SELECT status, COUNT(*) AS n FROM outbox GROUP BY status")
    }
    inbox = {
        r["status"]: r["n"]
        for r in store.query("SELECT status, COUNT(*) AS n FROM inbox GROUP BY status")
    }
    accounts = store.query(
        "SELECT account_iban, MAX(COALESCE(latest_booking_date, closing_date, to_date)) AS latest,"
        " MAX(imported_at) AS imported_at FROM statements GROUP BY account_iban ORDER BY 1"
    )
    for account in accounts:
        latest = account["latest"]
        account["age_days"] = (today - date.fromisoformat(latest[:10])).days if latest else None
    next_sends = store.query(
        "SELECT id, kind, debtor_id, step_name, subject, not_before FROM outbox"
        " WHERE status = 'queued' ORDER BY COALESCE(not_before, created_at) LIMIT 10"
    )
    freshness: dict[str, Any] = {}
    try:
        from daemon.app.dunning import bank_freshness

        ok, latest, reason = bank_freshness(store, config, today)
        freshness = {"ok": ok, "latest": latest.isoformat() if latest else None, "reason": reason}
    except ImportError:
        freshness = {"ok": None, "latest": None, "reason": "dunning engine not installed"}
    return {
        "waiting_for_review": _review_waits(store, config, today),
        "running": pid is not None,
        "pid": pid,
        "database": config.database.path,
        "config": config.source or "built-in defaults",
        "global_pause": store.get_state("global_pause") == "1",
        "last_cycle": last_cycle,
        "daemon_clock": store.get_state("clock"),  # differs from now under --now/--speed
        "last_cycle_age": _age(last_cycle, now),
        "last_healthy_cycle": healthy,
        "stages": loads(store.get_state("stages"), {}),
        "last_dunning_slot": store.get_state("dunning_last_slot"),
        "queue": {"open": sum(queue.values()), "urgent": urgent, "by_type": queue},
        "outbox": outbox,
        "inbox": inbox,
        "statements": accounts,
        "bank_freshness": freshness,
        "next_sends": next_sends,
    }
