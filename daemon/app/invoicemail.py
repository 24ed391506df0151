"""Invoices by mail: the office BCCs its outgoing invoice mails to the dunning mailbox.

A mail whose single From address is one of ``intake.invoice_senders`` (the office's own
sending addresses, checked by daemon.intakeconfig) is authenticated exactly as bank mail is
(:func:`daemon.app.bankmail.authenticate`: an aligned DKIM signature that verifies, or a pass
in the top-most ``Authentication-Results`` of ``bank.authserv_id``). Only then are its UBL /
Peppol BIS XML attachments imported, through the same all-or-nothing invoice import as a file.

Nothing is dropped: a mail that fails authentication, one with only a PDF (the data cannot be
read from a picture of an invoice), an attachment too large or an XML the import refuses each
becomes a review item naming the reason; `queue resolve ID --action retry` processes the mail
again after the fix (a debtor registered, a config key set).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from typing import Any

from daemon.adapters.store.db import Store
from daemon.adapters.store.queue import add_review_item
from daemon.app.bankmail import authenticate, claimed_senders, from_address, is_trusted_sender
from daemon.app.invoices import ImportRejected, import_invoice_data
from daemon.config import Config

_XML_TYPES = ("application/xml", "text/xml")
REVIEW_TYPE = "invoice_mail"


@dataclass
class InvoiceMailResult:
    status: str  # not_invoice_sender | imported | review | refused
    reason: str = ""
    authenticated_by: str | None = None
    new: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    credit_notes: list[str] = field(default_factory=list)
    review_item: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "authenticated_by": self.authenticated_by,
            "new": self.new,
            "updated": self.updated,
            "credit_notes": self.credit_notes,
            "review_item": self.review_item,
        }


def import_invoice_mail(
    store: Store,
    config: Config,
    raw: bytes,
    *,
    inbox_id: int | None,
    now: str,
    attempt: int = 0,
    dnsfunc: Callable[..., bytes | None] | None = None,
) -> InvoiceMailResult:
    """Import the UBL attachments of an authenticated invoice mail of the office, or open a
    review item saying why not. ``not_invoice_sender`` for any other mail.

    ``attempt`` (the inbox row's retry count) keeps a retried mail that fails again from
    being folded into the item its retry resolved."""

    def review(status: str, reason: str, **kw: Any) -> InvoiceMailResult:
        return _review(store, inbox_id, attempt, now, status, reason, **kw)

    message = message_from_bytes(raw, policy=policy.compat32)
    senders = config.intake.invoice_senders
    sender = from_address(message)
    if sender is None:
        claimed = claimed_senders(message)
        if not any(is_trusted_sender(a, senders) for a in claimed):
            return InvoiceMailResult("not_invoice_sender", "the mail has no single From address")
        return review(
            "refused",
            f"invoice mail claiming {', '.join(claimed)} refused: the mail has no single, "
            "unambiguous From address",
            priority=1,
        )
    if not is_trusted_sender(sender, senders):
        return InvoiceMailResult("not_invoice_sender", f"{sender} is not an invoice sender")
    method, why_not = authenticate(raw, sender.rsplit("@", 1)[1], config.bank.authserv_id, dnsfunc)
    if method is None:
        return review(
            "refused",
            f"invoice mail from {sender} refused: it does not prove its sender ({why_not}); "
            "nothing was imported",
            priority=1,
        )
    xmls, pdfs, too_big = _attachments(message, config.bank.max_attachment_bytes)
    if too_big:
        return review(
            "review",
            f"invoice mail from {sender}: {', '.join(too_big)} larger than "
            f"bank.max_attachment_bytes ({config.bank.max_attachment_bytes}); nothing imported",
            method=method,
        )
    if not xmls:
        what = f"PDF {', '.join(pdfs)} but no UBL/Peppol XML" if pdfs else "no attachment"
        return review(
            "review",
            f"invoice mail from {sender} has {what}: dunmail reads invoice data only from "
            "UBL XML; import this invoice from your package's export, or send it with UBL",
            method=method,
        )
    where = f"mail {inbox_id}" if inbox_id is not None else "mail"
    try:
        report = import_invoice_data(
            store,
            [(f"{where}: {name}", data) for name, data in xmls],
            now=now,
            actor=f"mail:{sender}",
            pdfs=config.invoices.pdf_policy,
        )
    except ImportRejected as exc:
        problems = "; ".join(str(p) for p in exc.problems[:10])
        return review(
            "review",
            f"invoice mail from {sender}: nothing was imported: {problems}",
            method=method,
        )
    return InvoiceMailResult(
        "imported",
        "",
        method,
        list(report.new),
        [u["number"] for u in report.updated],
        list(report.credit_notes),
    )


def _review(
    store: Store,
    inbox_id: int | None,
    attempt: int,
    now: str,
    status: str,
    reason: str,
    *,
    priority: int = 2,
    method: str | None = None,
) -> InvoiceMailResult:
    item = add_review_item(
        store,
        REVIEW_TYPE,
        reason,
        priority=priority,
        evidence={"reason": reason, "authenticated_by": method},
        proposed_actions=("retry",),
        inbox_id=inbox_id,
        dedupe_key=f"invoice_mail:{inbox_id}:{attempt}" if inbox_id is not None else None,
        now=now,
    )
    return InvoiceMailResult(status, reason, method, review_item=item)


def _attachments(
    message: Message, limit: int
) -> tuple[list[tuple[str, bytes]], list[str], list[str]]:
    """(UBL-looking XML attachments, PDF names, names over the size limit)."""
    xmls: list[tuple[str, bytes]] = []
    pdfs: list[str] = []
    too_big: list[str] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        name = part.get_filename() or ""
        kind = part.get_content_type()
        is_xml = kind in _XML_TYPES or name.lower().endswith(".xml")
        is_pdf = kind == "application/pdf" or name.lower().endswith(".pdf")
        if not (is_xml or is_pdf):
            continue  # the mail text, a logo
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes) or not payload:
            continue
        label = name or f"attachment-{len(xmls) + len(pdfs) + 1}"
        if len(payload) > limit:
            too_big.append(label)
        elif is_xml:
            xmls.append((label, payload))
        else:
            pdfs.append(label)
    return xmls, pdfs, too_big
