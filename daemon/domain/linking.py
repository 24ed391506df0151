"""Linking an inbound message to a debtor: the pure rules, without the lookups.

The shell looks candidates up (outbox Message-IDs, invoice numbers, debtor addresses) with
these helpers; which debtor a mail may act for is decided by daemon.domain.identity, from
the sender alone — a thread reference or invoice number only narrows it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parsers.addresses import PUBLIC_MAIL_DOMAINS

_REMINDER_ID = re.compile(r"^<reminder\.(?P<key>[^<>@]+)\.(?P<level>\d+)@(?P<domain>[^<>@]+)>$")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class ReminderRef:
    """What one of our reminder Message-IDs names: the invoice or case key and the step."""

    key: str
    level: int


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


__all__ = [
    "PUBLIC_MAIL_DOMAINS",
    "ReminderRef",
    "domain_of",
    "is_public_domain",
    "parse_reminder_id",
    "thread_ids",
    "unique",
]


def is_public_domain(domain: str) -> bool:
    return domain.lower() in PUBLIC_MAIL_DOMAINS


def parse_reminder_id(message_id: str, own_domains: Iterable[str]) -> ReminderRef | None:
    """``<reminder.F2026-0412.1@our-domain>`` → ReminderRef('F2026-0412', 1); others None."""
    match = _REMINDER_ID.match(message_id.strip())
    if match is None or match["domain"].lower() not in {d.lower() for d in own_domains}:
        return None
    return ReminderRef(key=match["key"], level=int(match["level"]))


def thread_ids(
    in_reply_to: str | None, references: Sequence[str], embedded_texts: Sequence[str] = ()
) -> tuple[str, ...]:
    """The Message-IDs that may name our earlier mail, most specific first.

    In-Reply-To, then References newest first, then Message-IDs quoted in a returned
    message (bounces carry the original headers in their body)."""
    found: dict[str, None] = {}
    if in_reply_to:
        found[in_reply_to] = None
    for ref in reversed(references):
        found.setdefault(ref, None)
    for text in embedded_texts:
        for mid in _MESSAGE_ID.findall(text):
            found.setdefault(mid, None)
    return tuple(found)


def unique(debtor_ids: Iterable[str]) -> str | None:
    """The one debtor named, or None when there are none or several (ambiguous)."""
    distinct = set(debtor_ids)
    return next(iter(distinct)) if len(distinct) == 1 else None
