"""Fail safe for replies: a debtor whose own words wait for a person gets nothing automated.

Every unresolved review item opened from a debtor's reply (unsure classification, dispute,
plan request, paid claim with a candidate payment, …) pauses the whole ladder for that
debtor — not just the invoice — until a person resolves it. After
``inbound.review_wait_max_days`` the item escalates (urgent priority, staff alert); the
ladder does not silently resume.
"""

from __future__ import annotations

from datetime import date, datetime

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import debtor_reply_items, escalate_item
from daemon.config import Config
from daemon.domain.dunning_planner import ReviewWait, review_wait_overdue


def load_review_waits(store: Store, config: Config) -> dict[str, ReviewWait]:
    """The oldest waiting reply item per debtor (the one a person should read first)."""
    waits: dict[str, ReviewWait] = {}
    for row in debtor_reply_items(store):
        if row["debtor_id"] in waits:
            continue
        since = parse_iso(row["created_at"]).astimezone(config.office.tz).date()
        waits[row["debtor_id"]] = ReviewWait(int(row["id"]), row["type"], since)
    return waits


def escalate_review_waits(store: Store, config: Config, today: date, now: datetime) -> list[int]:
    """Escalate every waiting reply item older than the configured maximum; the ids."""
    limit = config.inbound.review_wait_max_days
    at = iso_utc(now)
    escalated: list[int] = []
    with store.transaction():
        for row in debtor_reply_items(store):
            since = parse_iso(row["created_at"]).astimezone(config.office.tz).date()
            wait = ReviewWait(int(row["id"]), row["type"], since)
            if not review_wait_overdue(wait, today, limit):
                continue
            if escalate_item(store, wait.item_id, now=at):
                escalated.append(wait.item_id)
                record_event(
                    store,
                    "review_escalated",
                    debtor_id=row["debtor_id"],
                    detail={
                        "review_item": wait.item_id,
                        "type": wait.item_type,
                        "since": since.isoformat(),
                        "max_days": limit,
                        "why": "the debtor's reply waited longer than inbound.review_wait_max_days;"
                        " the ladder stays paused",
                    },
                    at=at,
                )
    return escalated
