"""`dunmail status`: what an admin needs to know at a glance."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.instance_lock import InstanceLock
from daemon.adapters.store import status as status_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.intake import latest_invoice_intake
from daemon.app.dunning import plan
from daemon.app.freshness import bank_freshness, invoice_freshness
from daemon.app.preview import action_view
from daemon.config import Config
from daemon.domain.dunning_planner import ActionKind


def describe_age(moment: str | None, now: datetime) -> str | None:
    """'5m ago' — or, for a moment after ``now`` (a daemon run with --now/--speed ahead of
    this clock), '5m ahead of this clock', never a negative age."""
    if not moment:
        return None
    seconds = int((now - parse_iso(moment)).total_seconds())
    if seconds < 0:
        return f"{_span(-seconds)} ahead of this clock (a run with --now or --speed?)"
    return f"{_span(seconds)} ago"


def _span(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds}s"
    if seconds < 7200:
        return f"{seconds // 60}m"
    if seconds < 172800:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def next_cycle(config: Config, now: datetime) -> str | None:
    """The next dunning cycle time today (office time, 'HH:MM'), or None after the last."""
    local = now.astimezone(config.office.tz)
    for slot in sorted(config.dunning.cycle_times):
        hour, minute = (int(p) for p in slot.split(":"))
        if (hour, minute) > (local.hour, local.minute):
            return f"{hour:02d}:{minute:02d}"
    return None


def next_sends(store: Store, config: Config, today: date, now: datetime) -> dict[str, Any]:
    """What goes out next: mail already queued, then what the planner (the same plan()
    preview uses) would queue at the next dunning cycle of ``today``."""
    queued = status_store.queued_mail(store)
    day = plan(store, config, today)
    planned = [
        action_view(a, day.names.get(a.debtor_id, ""))
        for a in day.actions
        if a.action in (ActionKind.EMAIL, ActionKind.TASK)
    ]
    others: dict[str, int] = {}
    for a in day.actions:
        if a.action not in (ActionKind.EMAIL, ActionKind.TASK):
            others[str(a.action)] = others.get(str(a.action), 0) + 1
    return {
        "queued": queued,
        "planned": planned,
        "planned_date": today.isoformat(),
        "next_cycle": next_cycle(config, now),
        "not_planned": others,
    }


def _review_waits(store: Store, config: Config, today: date) -> list[dict[str, Any]]:
    """Debtors whose ladder is paused because their own reply waits for a person."""
    from daemon.app.review_wait import load_review_waits
    from daemon.domain.dunning_planner import review_wait_overdue

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
    queue = status_store.unresolved_by_type(store)
    urgent = status_store.urgent_open(store)
    outbox = status_store.outbox_by_status(store)
    inbox = status_store.inbox_by_status(store)
    accounts = status_store.statement_accounts(store)
    for account in accounts:
        latest = account["latest"]
        account["age_days"] = (today - date.fromisoformat(latest[:10])).days if latest else None
    ok, latest, reason = bank_freshness(store, config, today)
    freshness = {"ok": ok, "latest": latest.isoformat() if latest else None, "reason": reason}
    invoice_ok, _, invoice_reason = invoice_freshness(store, config, today)
    intake_at = latest_invoice_intake(store)
    invoice_intake = {
        "ok": invoice_ok,
        "latest": intake_at,
        "age": describe_age(intake_at, now),
        "reason": invoice_reason,
    }
    return {
        "waiting_for_review": _review_waits(store, config, today),
        "running": pid is not None,
        "pid": pid,
        "database": config.database.path,
        "config": config.source or "built-in defaults",
        "global_pause": store.get_state("global_pause") == "1",
        "last_cycle": last_cycle,
        "daemon_clock": store.get_state("clock"),  # differs from now under --now/--speed
        "now": iso_utc(now),
        "last_cycle_age": describe_age(last_cycle, now),
        "last_healthy_cycle": healthy,
        "stages": loads(store.get_state("stages"), {}),
        "last_dunning_slot": store.get_state("dunning_last_slot"),
        "queue": {"open": sum(queue.values()), "urgent": urgent, "by_type": queue},
        "outbox": outbox,
        "inbox": inbox,
        "statements": accounts,
        "bank_freshness": freshness,
        "invoice_intake": invoice_intake,
        "next_sends": next_sends(store, config, today, now),
    }
