"""The one composer of outgoing mail (#14): one template-context shape, one way from a
template to an OutgoingMail. Reminders and thank-you mails (and a letter's carrier mail,
daemon.app.reminder_mail), mail to a debtor about a plan, promise or call
(daemon.app.debtor_mail.mail_debtor), the automatic answers to a debtor's reply
(daemon.app.replies) and staff mail (daemon.app.staffmail) all come through here;
daemon.app.mailout turns the result into bytes and queues it.

Every template gets the same shape: ``office`` (who writes, how to pay, the legal foot:
daemon.app.mailout.office_context) and ``debtor`` (``id``, ``name``; empty for staff mail),
beside the values of its own kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from daemon.adapters.templates import render
from daemon.app.mailout import Attachment, OutgoingMail, clean_header, office_context
from daemon.config import OfficeSettings


def mail_context(
    office: OfficeSettings,
    *,
    debtor_id: str | None = None,
    debtor_name: str = "",
    values: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The template context: ``office``, ``debtor`` and the kind's own ``values``. A debtor
    name is one line (a CR or LF in it never reaches a header or starts a line of its own)."""
    return {
        "office": office_context(office),
        "debtor": {"id": debtor_id or "", "name": clean_header(debtor_name)},
        **(values or {}),
    }


def compose_mail(
    office: OfficeSettings,
    *,
    kind: str,
    message_id: str,
    template: str,
    language: str,
    context: dict[str, Any],
    to: Sequence[str],
    now: datetime,
    from_name: str | None = None,
    reply_to: str | None = None,
    in_reply_to: str | None = None,
    references: Sequence[str] = (),
    auto_submitted: str | None = None,
    inline_png: bytes | None = None,
    attachments: Sequence[Attachment] = (),
) -> OutgoingMail:
    """``template`` rendered in ``language`` from ``context`` (see :func:`mail_context`),
    from the office's address (under ``from_name``, default the office's name)."""
    return OutgoingMail(
        kind=kind,
        message_id=message_id,
        from_name=from_name or office.name,
        from_address=office.email,
        to=to,
        rendered=render(template, language, context),
        date=now,
        reply_to=reply_to,
        language=language,
        in_reply_to=in_reply_to,
        references=references,
        auto_submitted=auto_submitted,
        inline_png=inline_png,
        attachments=attachments,
    )
