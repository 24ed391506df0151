"""Composing outgoing mail and putting it in the outbox (the outbox drain sends it).

Headers are built with the email package's strict SMTP policy: a CR or LF smuggled into a
name or subject is removed before it can start a header of its own.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps
from daemon.adapters.templates import RenderedMail

_CONTROL = re.compile(r"[\x00-\x1f\x7f]+")


def clean_header(value: str) -> str:
    """One line of header text: control characters (CR, LF, TAB …) become single spaces."""
    return " ".join(_CONTROL.sub(" ", value).split())


def mail_domain(address: str) -> str:
    return address.rpartition("@")[2].lower() or "localhost"


def reminder_message_id(key: str, level: int, domain: str) -> str:
    """Deterministic: the same case and step can never become two different messages."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", key)
    return f"<reminder.{safe}.{level}@{domain}>"


def derived_message_id(kind: str, seed: str, domain: str) -> str:
    digest = hashlib.sha256(f"{kind}\0{seed}".encode()).hexdigest()[:24]
    return f"<{kind}.{digest}@{domain}>"


def plus_address(address: str, tag: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local}+{re.sub(r'[^A-Za-z0-9]', '', tag)}@{domain}"


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content: bytes
    maintype: str = "application"
    subtype: str = "pdf"


@dataclass(frozen=True, slots=True)
class OutgoingMail:
    kind: str
    message_id: str
    from_name: str
    from_address: str
    to: Sequence[str]
    rendered: RenderedMail
    date: datetime
    reply_to: str | None = None
    language: str | None = None
    in_reply_to: str | None = None
    references: Sequence[str] = ()
    auto_submitted: str | None = None  # "auto-replied" for answers to debtors' mail
    inline_png: bytes | None = None  # EPC QR code, shown in the HTML part as cid:epcqr
    attachments: Sequence[Attachment] = ()
    extra_headers: dict[str, str] = field(default_factory=dict)


def compose(mail: OutgoingMail) -> bytes:
    msg = EmailMessage(policy=SMTP)
    msg["From"] = Address(clean_header(mail.from_name), addr_spec=mail.from_address)
    msg["To"] = ", ".join(clean_header(a) for a in mail.to)
    if mail.reply_to:
        msg["Reply-To"] = clean_header(mail.reply_to)
    msg["Subject"] = clean_header(mail.rendered.subject)
    msg["Date"] = format_datetime(mail.date)
    msg["Message-ID"] = mail.message_id
    if mail.in_reply_to:
        msg["In-Reply-To"] = clean_header(mail.in_reply_to)
    if mail.references:
        msg["References"] = " ".join(clean_header(r) for r in mail.references)
    if mail.auto_submitted:
        msg["Auto-Submitted"] = mail.auto_submitted
        # Ask the other side's auto-responders not to answer us (Exchange honours this).
        msg["X-Auto-Response-Suppress"] = "All"
    if mail.language:
        msg["Content-Language"] = mail.language
    for name, value in mail.extra_headers.items():
        msg[name] = clean_header(value)
    msg.set_content(mail.rendered.text)
    if mail.rendered.html is not None:
        msg.add_alternative(mail.rendered.html, subtype="html")
        html_part = msg.get_body(preferencelist=("html",))
        if mail.inline_png is not None and isinstance(html_part, EmailMessage):
            html_part.add_related(
                mail.inline_png,
                maintype="image",
                subtype="png",
                cid="<epcqr>",
                filename="betaal-qr.png",
            )
    for attachment in mail.attachments:
        msg.add_attachment(
            attachment.content,
            maintype=attachment.maintype,
            subtype=attachment.subtype,
            filename=clean_header(attachment.filename),
        )
    return msg.as_bytes()


def enqueue(
    store: Store,
    mail: OutgoingMail,
    *,
    debtor_id: str | None = None,
    case_id: int | None = None,
    step: int | None = None,
    step_name: str | None = None,
    invoice_numbers: Sequence[str] = (),
    decision: dict[str, Any] | None = None,
    not_before: str | None = None,
    now: str | None = None,
) -> int | None:
    """Queue a composed mail. The Message-ID is unique: queuing the same one again does
    nothing and returns None, which keeps every producer idempotent across crashes."""
    raw = compose(mail)
    cursor = store.execute(
        "INSERT OR IGNORE INTO outbox (kind, debtor_id, case_id, step, step_name, message_id,"
        " mail_from, recipients, subject, raw, sha256, invoice_numbers, decision, status,"
        " not_before, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'queued', ?, ?)",
        (
            mail.kind,
            debtor_id,
            case_id,
            step,
            step_name,
            mail.message_id,
            mail.from_address,
            dumps(list(mail.to)),
            clean_header(mail.rendered.subject),
            raw,
            hashlib.sha256(raw).hexdigest(),
            dumps(list(invoice_numbers)),
            dumps(decision or {}),
            not_before,
            now or iso_utc(),
        ),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount else None
