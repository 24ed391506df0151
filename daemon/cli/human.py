"""Output for people: times in the office timezone to the minute, lists joined with commas.

JSON output keeps the stored ISO 8601 text (UTC, with its Z); only tables and key: value
lines go through here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, tzinfo
from typing import Any

from daemon.adapters.store.db import Store
from daemon.app.debtors import names_of as debtor_names

# Stored moments: '2026-03-17T12:30:00.000000Z', '…+01:00', or naive (= UTC).
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")


def local_minute(value: str | datetime | None, tz: tzinfo) -> str:
    """'2026-03-17T12:30:00.000000Z' → '2026-03-17 13:30' (Amsterdam); '' for None."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    else:
        moment = value
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")


def is_moment(value: Any) -> bool:
    return isinstance(value, str) and _MOMENT.match(value) is not None


def joined(values: Iterable[Any]) -> str:
    return ", ".join(str(v) for v in values)


def human(value: Any, tz: tzinfo | None) -> str:
    """One cell: moments in ``tz`` to the minute, lists and mappings without Python syntax."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple, set, frozenset)):
        return joined(human(v, tz) for v in value)
    if isinstance(value, Mapping):
        return joined(f"{k}: {human(v, tz)}" for k, v in value.items())
    if tz is not None and is_moment(value):
        return local_minute(value, tz)
    return str(value)


def debtor_label(debtor_id: str | None, name: str | None) -> str:
    """'A01 Debiteur A01'; the id alone when the name is unknown (or erased)."""
    if not debtor_id:
        return ""
    return f"{debtor_id} {name}" if name else debtor_id


def with_debtors(
    store: Store, rows: list[dict[str, Any]], key: str = "debtor_id"
) -> list[dict[str, Any]]:
    """Copies of ``rows`` with a ``debtor`` column: 'A01 Debiteur A01' (id and name)."""
    names = debtor_names(store, (r.get(key) for r in rows))
    return [{**r, "debtor": debtor_label(r.get(key), names.get(r.get(key) or ""))} for r in rows]
