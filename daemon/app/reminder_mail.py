"""Turning a planned email action into an OutgoingMail: template context, payment details,
EPC QR code, payment link, Reply-To and the deterministic Message-ID."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from string import Formatter
from typing import Any

from daemon.adapters.qr import epc_qr_png
from daemon.adapters.templates import LANGUAGES
from daemon.app.mail_composer import compose_mail, mail_context
from daemon.app.mailout import (
    OutgoingMail,
    derived_message_id,
    mail_domain,
    plus_address,
    reminder_message_id,
)
from daemon.config import Config
from daemon.domain.charge_lines import render_convention, render_lines
from daemon.domain.dunning_planner import Action
from daemon.domain.epc_qr import epc_payload
from daemon.domain.money import format_plain
from daemon.domain.references import display_reference


def message_id_for(action: Action, config: Config, attempt: int = 1) -> str:
    """Reminders: ``<reminder.{lowest invoice number taking the step}.{step}@domain>``; a
    planned mail that was cancelled before it went out is re-planned as ``key-rN``."""
    domain = mail_domain(config.office.email)
    if action.kind == "thank_you":
        return derived_message_id("thanks", action.message_key, domain)
    key = action.message_key if attempt == 1 else f"{action.message_key}-r{attempt}"
    return reminder_message_id(key, action.step or 0, domain)


def language_of(action: Action, config: Config) -> str:
    return action.language if action.language in LANGUAGES else config.office.language


def _payment_reference(action: Action) -> tuple[str | None, str | None, str]:
    """(structured RF reference, free text, reference shown to the reader)."""
    if len(action.invoices) == 1:
        item = action.invoices[0]
        if item.reference_kind == "rf":
            return item.reference, None, item.reference
        digits = "".join(ch for ch in item.reference if ch.isdigit()) or item.number
        return None, digits, item.reference
    numbers = " ".join(i.number for i in action.invoices)
    text = numbers if len(numbers) <= 140 else numbers[:137] + "..."
    return None, text, numbers


def _payment_link(template: str, reference: str, amount: Decimal, invoice: str) -> str:
    if not template:
        return ""
    fields = {"reference": reference, "amount": format_plain(amount), "invoice": invoice}
    try:
        names = {name for _, name, _, _ in Formatter().parse(template) if name}
        if not names <= set(fields):
            return ""
        return template.format_map(fields)
    except (ValueError, KeyError, IndexError):
        return ""


def _qr(action: Action, config: Config, amount: Decimal) -> bytes | None:
    if not config.dunning.attach_qr or amount <= 0:
        return None
    if any(i.currency != "EUR" for i in action.invoices) or not action.invoices:
        return None
    structured, text, _ = _payment_reference(action)
    try:
        payload = epc_payload(
            config.office.name[:70],
            config.office.iban,
            amount,
            bic=config.office.bic or None,
            reference=structured,
            text=text,
        )
        return epc_qr_png(payload)
    except ValueError:
        return None  # a reminder without QR beats no reminder; the decision records it


def context_for(action: Action, config: Config, debtor_name: str, today: date) -> dict[str, Any]:
    office = config.office
    lang = language_of(action, config)
    structured, _text, shown = _payment_reference(action)
    total = action.total
    # #15: the totals are in the statement's own currency; other currencies' invoices are
    # totalled apart (other_amounts), never added in.
    currency = action.currency
    first = action.invoices[0].number if action.invoices else action.message_key
    link = _payment_link(office.payment_link_template, structured or shown, total, first)
    # Shown to the reader in its printed form (+++ddd/dddd/ddddd+++, groups of four); the
    # link and the QR code keep the normalised value.
    if len(action.invoices) == 1:
        shown = display_reference(shown, action.invoices[0].reference_kind)
    return mail_context(
        office,
        debtor_id=action.debtor_id,
        debtor_name=debtor_name,
        values={
            "today": today,
            "step": {"name": action.step_name or "", "number": action.step or 0},
            "invoices": [
                {
                    "number": i.number,
                    "issue_date": i.issue_date,
                    "due_date": i.due_date,
                    "amount": i.amount,
                    "open": i.open,
                    "currency": i.currency,
                    "reference": display_reference(i.reference, i.reference_kind),
                    "overdue_days": max((today - i.due_date).days, 0),
                    "overdue": i.due_date < today,
                }
                for i in action.invoices
            ],
            "currency": currency,
            "amount_due": action.amount_due,
            "costs": action.charges.costs,
            # The working, said in the debtor's language (the decision log keeps English).
            "cost_lines": render_lines(action.charges.cost_lines, lang),
            "costs_basis": action.charges.costs_basis,
            "interest": action.charges.interest,
            "interest_lines": render_lines(action.charges.interest_lines, lang),
            "interest_convention": render_convention(action.charges.interest_convention, lang),
            "total": total,
            "other_amounts": [{"currency": c, "amount": a} for c, a in action.other_amounts],
            "notice_costs": action.notice_costs if action.notice_costs is not None else Decimal(0),
            "notice_cost_lines": render_lines(action.notice_cost_lines, lang),
            "notice_invoices": list(action.notice_invoices),
            "deadline": action.deadline,
            "payment_reference": shown,
            "payment_link": link,
            "qr": False,
        },
    )


def build_mail(
    action: Action,
    config: Config,
    *,
    debtor_name: str,
    case_token: str | None,
    now: datetime,
    today: date,
    message_id: str,
    letter_attached: bool = False,
) -> tuple[OutgoingMail, dict[str, Any]]:
    """The mail and the context it was rendered from (kept in the outbox decision).
    ``letter_attached``: the mail carries the step's formal letter (#16) and says so."""
    lang = language_of(action, config)
    context = context_for(action, config, debtor_name, today)
    context["letter_attached"] = letter_attached
    png = _qr(action, config, action.total) if action.kind == "reminder" else None
    context["qr"] = png is not None
    reply_to = config.office.reply_to or config.office.email
    if config.dunning.reply_plus_tag and case_token:
        reply_to = plus_address(reply_to, case_token)
    mail = compose_mail(
        config.office,
        kind=action.kind,
        message_id=message_id,
        template=action.template or action.kind,
        language=lang,
        context=context,
        to=action.to,
        now=now,
        reply_to=reply_to,
        inline_png=png,
    )
    return mail, context
