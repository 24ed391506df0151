"""Linking an inbound message to a debtor: the pure rules, without the lookups.

The shell looks candidates up (outbox Message-IDs, invoice numbers, debtor addresses) and
asks these functions which of them count. Order of trust: the thread (our own deterministic
Message-IDs), then invoice numbers, then the sender's address, then the sender's domain —
only when exactly one debtor uses that domain and it is not a public mail provider.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

# Domains shared by many unrelated people: a match on them says nothing about the debtor.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.nl",
        "live.com",
        "live.nl",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "hetnet.nl",
        "home.nl",
        "xs4all.nl",
        "telfort.nl",
        "casema.nl",
        "upcmail.nl",
        "chello.nl",
        "zeelandnet.nl",
        "skynet.be",
        "telenet.be",
        "proximus.be",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "mail.com",
        "zoho.com",
        "fastmail.com",
        "posteo.de",
        "mailbox.org",
    }
)

_REMINDER_ID = re.compile(r"^<reminder\.(?P<key>[^<>@]+)\.(?P<level>\d+)@(?P<domain>[^<>@]+)>$")
_MESSAGE_ID = re.compile(r"<[^<>\s@]+@[^<>\s]+>")


@dataclass(frozen=True, slots=True)
class ReminderRef:
    """What one of our reminder Message-IDs names: the invoice or case key and the step."""

    key: str
    level: int


def domain_of(address: str) -> str:
    return address.rpartition("@")[2].strip().lower()


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
