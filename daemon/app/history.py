"""`dunmail log`: the audit story read back from the database — the same facts the daemon's
audit log lines carry (daemon.adapters.auditlog), with debtor names and office-local times."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from typing import Any

from daemon.adapters.auditlog import event_fields
from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import read_events
from daemon.adapters.store.invoices import debtor_row

_DURATION = re.compile(r"^(\d+)\s*([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class HistoryError(ValueError):
    """A --since or --debtor that cannot be used; the message says what to give instead."""


def parse_since(text: str, now: datetime, tz: tzinfo) -> datetime:
    """'2026-03-17' (midnight, office time), an ISO date-time, or a duration back from
    ``now``: '30m', '12h', '7d', '2w'."""
    text = text.strip()
    match = _DURATION.match(text.lower())
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        if len(text) == 10:
            return datetime.combine(date.fromisoformat(text), time(0), tzinfo=tz)
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise HistoryError(
            f"--since: expected a date (2026-03-17), a date-time or a duration (30m, 12h, 7d, "
            f"2w), got {text!r}"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: datetime  # in the office timezone
    event: str
    debtor_id: str | None
    debtor_name: str | None
    fields: dict[str, Any]  # ids and facts, as on the audit log line

    def as_dict(self) -> dict[str, Any]:
        facts = {k: v for k, v in self.fields.items() if k not in ("event", "debtor")}
        return {
            "id": self.id,
            "at": self.at.isoformat(timespec="seconds"),
            "event": self.event,
            "debtor_id": self.debtor_id,
            "debtor_name": self.debtor_name,
            **facts,
        }


def audit_story(
    store: Store,
    tz: tzinfo,
    *,
    since: datetime | None = None,
    debtor_id: str | None = None,
    limit: int = 1000,
) -> list[Entry]:
    """The newest ``limit`` events (since ``since``, of ``debtor_id``), oldest first."""
    if debtor_id is not None and debtor_row(store, debtor_id) is None:
        raise HistoryError(f"no debtor {debtor_id!r}; see: dunmail debtors list")
    rows = read_events(
        store,
        since=iso_utc(since) if since is not None else None,
        debtor_id=debtor_id,
        limit=limit,
    )
    return [
        Entry(
            id=row["id"],
            at=parse_iso(row["at"]).astimezone(tz),
            event=row["event"],
            debtor_id=row["debtor_id"],
            debtor_name=row["debtor_name"],
            fields=event_fields(row, row["detail"]),
        )
        for row in rows
    ]
