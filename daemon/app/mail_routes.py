"""The default routing table: which use case takes bank mail, the office's invoice mail and
staff mail (daemon.app.routing names the classes). Built once by the loop and the CLI and
passed down to ingestion, so ingestion imports none of these use cases."""

from __future__ import annotations

from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.app.bankmail import import_statement_mail
from daemon.app.invoicemail import import_invoice_mail
from daemon.app.routing import HandOver, RouteTable
from daemon.app.staffmail import handle_staff_reply


def bank_mail(h: HandOver) -> Any:
    return import_statement_mail(h.store, h.config, h.raw, inbox_id=h.inbox_id, now=iso_utc(h.now))


def invoice_mail(h: HandOver) -> Any:
    return import_invoice_mail(
        h.store, h.config, h.raw, inbox_id=h.inbox_id, now=iso_utc(h.now), attempt=h.attempts
    )


def staff_mail(h: HandOver) -> Any:
    return handle_staff_reply(
        h.store, h.config, h.raw, inbox_id=h.inbox_id, now=h.now, retry_mail=h.retry_mail
    )


def default_routes() -> RouteTable:
    return {"bank": bank_mail, "invoices": invoice_mail, "staff": staff_mail}
