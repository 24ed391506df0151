"""Which use case takes an incoming mail: its sender class, found from the From, and the
table of hand-overs the loop passes in (bank mail, the office's invoice mail, staff mail).

Mail of no other class is a debtor's reply (daemon.app.replies); "own" is our own mail come
back (loop protection). The table is data: daemon.app.mail_routes builds the default one, the
loop and the CLI pass it down, and nothing here imports the use cases it names — so a use
case (staff mail's ``retry``) may use ingestion without an import cycle.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, tzinfo
from typing import Any

from daemon.adapters.store.db import Store
from daemon.config import Config
from daemon.domain.classify import Classification, classify
from daemon.domain.workdays import is_business_day
from parsers.mail import ParsedMail

# Sender classes with a use case of their own, and the inbox ``kind`` each is stored as.
HANDOVER_KINDS: dict[str, str] = {"bank": "statement", "invoices": "invoice_mail", "staff": "staff"}

# (store, config, inbox id, now) -> (what processing it again gave, where its copy moves)
RetryMail = Callable[[Store, Config, int, datetime], tuple[str, str | None]]


@dataclass(frozen=True, slots=True)
class HandOver:
    """One stored mail handed to the use case of its sender class."""

    store: Store
    config: Config
    raw: bytes
    inbox_id: int
    attempts: int
    now: datetime
    retry_mail: RetryMail


# sender class -> use case; its result has a ``status`` ("review", "quarantined" or
# "refused" file the mail for review).
Handler = Callable[[HandOver], Any]
RouteTable = Mapping[str, Handler]


@dataclass(frozen=True, slots=True)
class Understanding:
    """The parts of the configuration parse + classify depend on; small, sent to workers."""

    max_message_bytes: int
    tz: tzinfo
    invoice_pattern: str
    country: str
    own_addresses: tuple[str, ...]
    trusted: frozenset[str]
    staff: frozenset[str]
    invoice_senders: frozenset[str] = frozenset()


def understanding_of(config: Config) -> Understanding:
    return Understanding(
        max_message_bytes=config.imap.max_message_bytes,
        tz=config.office.tz,
        invoice_pattern=config.invoices.number_pattern,
        country=config.office.jurisdiction,
        own_addresses=tuple(config.office.addresses),
        trusted=frozenset(t.lower().lstrip("@") for t in config.bank.trusted_senders),
        staff=frozenset(a.lower() for a in config.staff.addresses),
        invoice_senders=frozenset(t.lower().lstrip("@") for t in config.intake.invoice_senders),
    )


def sender_class(u: Understanding, mail: ParsedMail) -> str | None:
    """ "own", "bank", "invoices", "staff", or None: a debtor's reply."""
    # Loop protection trusts only the strictly read sender: a hostile From naming our own
    # address is not silently ignored but reviewed as an unknown sender's mail. Bank and
    # staff mail are routed on the From as shown; their handlers authenticate it (one
    # unambiguous From, aligned DKIM/DMARC) and quarantine or refuse what fails.
    if mail.sender and mail.sender in u.own_addresses:
        return "own"
    sender = mail.from_addr.lower()
    domain = sender.rpartition("@")[2]
    if sender and (sender in u.trusted or domain in u.trusted):
        return "bank"
    # The office's own invoice mail, BCC'd (daemon.app.invoicemail). A named invoice sender
    # wins; a whole domain ("@office.nl") does not take a staff member's replies.
    if sender and sender in u.invoice_senders:
        return "invoices"
    if sender and sender in u.staff:
        return "staff"
    if sender and domain in u.invoice_senders:
        return "invoices"
    return None


def classify_reply(mail: ParsedMail, u: Understanding) -> Classification:
    """A debtor's reply, understood (intent, amounts, dates, invoice numbers)."""
    country = u.country

    def business(d: date) -> bool:
        return is_business_day(d, country)

    return classify(
        mail,
        tz=u.tz,
        invoice_pattern=u.invoice_pattern,
        is_business_day=business,
        own_addresses=u.own_addresses,
    )
