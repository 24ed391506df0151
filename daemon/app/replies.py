"""A classified reply → its case: one load (store.reply_snapshot), a pure decision (whose
reply: domain.reply_snapshot + domain.identity; what it causes: domain.reply_effects), one
apply (the command handlers below).

Runs inside the caller's transaction (daemon.app.inbox_processing), so the inbox row, the effects,
outbox answers, review items and events of one message are written together or not at all.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.invoice_pdfs import read_pdf
from daemon.adapters.store.cases import (
    add_case,
    add_hold,
    add_promise,
    pause_case,
    set_case_status,
)
from daemon.adapters.store.db import Store
from daemon.adapters.store.debtors import mark_address_undeliverable, mark_debtor_insolvent
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import set_invoice_status
from daemon.adapters.store.plans import add_proposed_plan
from daemon.adapters.store.queue import add_review_item
from daemon.adapters.store.reply_snapshot import load_reply_snapshot
from daemon.app.mail_composer import compose_mail, mail_context
from daemon.app.mailout import Attachment, derived_message_id, enqueue, mail_domain
from daemon.config import Config
from daemon.domain import reply_effects as fx
from daemon.domain.classify import Classification
from daemon.domain.identity import Binding
from daemon.domain.linking import domain_of
from daemon.domain.money import from_cents
from daemon.domain.reply_snapshot import bind_reply, reply_context
from daemon.domain.workdays import is_business_day
from parsers.mail import ParsedMail


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    status: str
    debtor_id: str | None
    case_id: int | None
    link: str | None


def settings_of(config: Config) -> fx.ReplySettings:
    country = config.office.jurisdiction
    s = config.inbound
    return fx.ReplySettings(
        promise_grace_days=s.promise_grace_days,
        promise_max_days=s.promise_max_days,
        paid_claim_pause_business_days=s.paid_claim_pause_business_days,
        min_confidence=s.min_confidence,
        plan_auto_accept_max_instalments=s.plan_auto_accept_max_instalments,
        plan_auto_accept_max_months=s.plan_auto_accept_max_months,
        is_business_day=lambda d: is_business_day(d, country),
    )


def own_domains(config: Config) -> set[str]:
    return {domain_of(a) for a in config.office.addresses}


# -- applying -----------------------------------------------------------------------------


def handle_reply(
    store: Store,
    config: Config,
    inbox: dict[str, Any],
    mail: ParsedMail,
    c: Classification,
    *,
    now: datetime,
) -> ReplyOutcome:
    """One load, a pure decision, one apply; call inside the message's transaction."""
    window = timedelta(hours=config.inbound.auto_answer_per_address_hours)
    snapshot = load_reply_snapshot(
        store,
        mail,
        c,
        own_domains=own_domains(config),
        pdfs=config.invoices.pdf_policy,
        answered_since=iso_utc(now - window),
    )
    link = bind_reply(snapshot, c)
    context, debtor = reply_context(
        snapshot,
        mail,
        c,
        link,
        office_addresses=tuple(config.office.addresses),
        auto_answer=config.inbound.auto_answer,
    )
    today = now.astimezone(config.office.tz).date()
    decision = fx.decide_reply(context, c, today, settings_of(config))
    case_id = apply_decision(
        store, config, inbox, mail, c, context, debtor, link, decision, now=now
    )
    return ReplyOutcome(decision.status, context.debtor_id, case_id, link.via)


def classification_json(c: Classification) -> dict[str, Any]:
    out = dataclasses.asdict(c)
    return {k: (str(v) if isinstance(v, date) else v) for k, v in out.items()} | {
        "amounts": [str(a) for a in c.amounts],
        "intent": c.intent.value,
    }


def apply_decision(
    store: Store,
    config: Config,
    inbox: dict[str, Any],
    mail: ParsedMail,
    c: Classification,
    ctx: fx.ReplyContext,
    debtor: dict[str, Any] | None,
    link: Binding,
    decision: fx.ReplyDecision,
    *,
    now: datetime,
) -> int | None:
    """Write a decision: the case it belongs to, an event for the reply, then each command
    through its handler. Returns the reply's case id."""
    apply = _Apply(
        store, config, inbox, mail, ctx, debtor, _evidence(mail, c, ctx, link), iso_utc(now), now
    )
    # The case comes first: the reply's events and effects belong to it.
    opening = [cmd for cmd in decision.commands if isinstance(cmd, fx.OpenCase)]
    effects = [cmd for cmd in decision.commands if not isinstance(cmd, fx.OpenCase)]
    for opens in opening:
        _open_case(apply, opens, f"inbox:{apply.inbox_id}:case")
    apply.event("reply_received", decision=list(decision.reasons))
    for n, cmd in enumerate(effects):
        COMMAND_HANDLERS[type(cmd)](apply, cmd, f"inbox:{apply.inbox_id}:{n}")
    return apply.ctx.case_id


def _evidence(
    mail: ParsedMail, c: Classification, ctx: fx.ReplyContext, link: Binding
) -> dict[str, Any]:
    """Why the reply was read so: kept with its events and review items."""
    return {
        "intent": c.intent.value,
        "confidence": c.confidence,
        "evidence": list(c.evidence),
        "link": link.via,
        "link_evidence": link.evidence,
        "excerpt": ctx.excerpt[:500],
        "from": mail.from_addr,
        "subject": mail.subject,
        "identity": {
            "from_header": (mail.header("from") or "")[:300],
            "sender": mail.sender or None,
            "sender_problems": list(mail.sender_problems),
            "trust": link.trust,
            "linked_debtor": link.debtor_id,
            "problems": list(link.problems),
            "claims": [claim.as_evidence() for claim in link.claims],
        },
    }


@dataclass(slots=True)
class _Apply:
    """What every command handler writes with: the reply, its context and its evidence.
    Not frozen: OpenCase puts the new case's id into ``ctx``."""

    store: Store
    config: Config
    inbox: dict[str, Any]
    mail: ParsedMail
    ctx: fx.ReplyContext
    debtor: dict[str, Any] | None
    evidence: dict[str, Any]
    at: str
    now: datetime

    @property
    def inbox_id(self) -> int:
        return int(self.inbox["id"])

    @property
    def common(self) -> dict[str, Any]:
        return {"debtor_id": self.ctx.debtor_id, "case_id": self.ctx.case_id}

    def event(self, name: str, **detail: Any) -> None:
        record_event(
            self.store,
            name,
            actor=f"mail:{self.mail.from_addr or 'unknown'}",
            detail={**detail, "classification": self.evidence},
            message_sha256=self.inbox["sha256"],
            inbox_id=self.inbox_id,
            at=self.at,
            **self.common,
        )


def _open_case(a: _Apply, cmd: fx.OpenCase, key: str) -> None:
    assert a.ctx.debtor_id
    case = add_case(a.store, a.ctx.debtor_id, cmd.status, now=a.at)
    a.ctx = dataclasses.replace(a.ctx, case_id=case["id"], case_to_open=None)


def _record_promise(a: _Apply, cmd: fx.RecordPromise, key: str) -> None:
    assert a.ctx.debtor_id
    add_promise(
        a.store,
        a.ctx.debtor_id,
        case_id=a.ctx.case_id,
        invoice_numbers=list(cmd.invoice_numbers),
        promised_date=cmd.promised_date.isoformat() if cmd.promised_date else None,
        grace_until=cmd.grace_until.isoformat(),
        source="mail",
        inbox_id=a.inbox_id,
        now=a.at,
    )
    a.event(
        "promise_recorded",
        invoices=list(cmd.invoice_numbers),
        promised_date=str(cmd.promised_date),
        grace_until=str(cmd.grace_until),
    )


def _pause_case(a: _Apply, cmd: fx.PauseCase, key: str) -> None:
    assert a.ctx.case_id is not None
    pause_case(a.store, a.ctx.case_id, cmd.until.isoformat(), cmd.reason, now=a.at)
    a.event("case_paused", until=str(cmd.until), reason=cmd.reason)


def _hold_invoices(a: _Apply, cmd: fx.HoldInvoices, key: str) -> None:
    targets: list[tuple[str, str | None]] = [("invoice", n) for n in cmd.invoice_numbers]
    for scope, target in targets or [("debtor", a.ctx.debtor_id)]:
        add_hold(
            a.store,
            scope,
            target,
            f"{cmd.reason} (inbox {a.inbox_id})",
            until=cmd.until.isoformat(),
            now=a.at,
        )
    a.event(
        "hold_added", invoices=list(cmd.invoice_numbers), until=str(cmd.until), reason=cmd.reason
    )


def _dispute_invoices(a: _Apply, cmd: fx.DisputeInvoices, key: str) -> None:
    for number in cmd.invoice_numbers:
        set_invoice_status(a.store, number, "disputed", now=a.at)
    a.event("invoices_disputed", invoices=list(cmd.invoice_numbers))


def _set_case_status(a: _Apply, cmd: fx.SetCaseStatus, key: str) -> None:
    assert a.ctx.case_id is not None
    set_case_status(a.store, a.ctx.case_id, cmd.status, reason=cmd.reason, now=a.at)
    a.event("case_status", status=cmd.status, reason=cmd.reason)


def _mark_insolvent(a: _Apply, cmd: fx.MarkInsolvent, key: str) -> None:
    assert a.ctx.debtor_id
    mark_debtor_insolvent(a.store, a.ctx.debtor_id, now=a.at)
    a.event("debtor_insolvent", reason=cmd.reason)


def _mark_undeliverable(a: _Apply, cmd: fx.MarkUndeliverable, key: str) -> None:
    changed = mark_address_undeliverable(a.store, cmd.address, cmd.reason, now=a.at)
    a.event("address_undeliverable", address=cmd.address, rows=changed, reason=cmd.reason)


def _propose_plan(a: _Apply, cmd: fx.ProposePlan, key: str) -> None:
    assert a.ctx.debtor_id
    status = "active" if cmd.accepted else "proposed"
    plan_id = add_proposed_plan(
        a.store,
        debtor_id=a.ctx.debtor_id,
        case_id=a.ctx.case_id,
        invoice_numbers=cmd.invoice_numbers,
        instalments=[(d.isoformat(), cents) for d, cents in cmd.instalments],
        total_cents=cmd.total_cents,
        status=status,
        now=a.at,
    )
    a.event(
        "plan_" + status,
        plan_id=plan_id,
        invoices=list(cmd.invoice_numbers),
        instalments=[[str(d), cents] for d, cents in cmd.instalments],
    )


def _auto_answer(a: _Apply, cmd: fx.AutoAnswer, key: str) -> None:
    outbox_id = _queue_answer(a.store, a.config, a.inbox, a.mail, a.ctx, a.debtor, cmd, now=a.now)
    a.event(
        "auto_answer_queued" if outbox_id else "auto_answer_exists",
        template=cmd.template,
        outbox_id=outbox_id,
        to=list(a.ctx.answer_to),
        **({"not_sent_to": a.ctx.answer_note} if a.ctx.answer_note else {}),
    )


def _open_review(a: _Apply, cmd: fx.OpenReview, key: str) -> None:
    add_review_item(
        a.store,
        cmd.type,
        cmd.reason,
        priority=cmd.priority,
        evidence=a.evidence,
        proposed_actions=cmd.proposed_actions,
        due_date=cmd.due_date.isoformat() if cmd.due_date else None,
        invoice_numbers=cmd.invoice_numbers,
        inbox_id=a.inbox_id,
        dedupe_key=f"{cmd.type}:{key}",
        now=a.at,
        **a.common,
    )


def _note(a: _Apply, cmd: fx.Note, key: str) -> None:
    a.event(cmd.event, reason=cmd.reason)


# One small named handler per command type of daemon.domain.reply_effects; ``key`` is the
# command's idempotency key within its message. A new command type needs its row here
# (tests/unit/test_reply_commands.py checks that every type of fx.Command has one).
COMMAND_HANDLERS: dict[type[Any], Callable[[_Apply, Any, str], None]] = {
    fx.OpenCase: _open_case,
    fx.RecordPromise: _record_promise,
    fx.PauseCase: _pause_case,
    fx.HoldInvoices: _hold_invoices,
    fx.DisputeInvoices: _dispute_invoices,
    fx.SetCaseStatus: _set_case_status,
    fx.MarkInsolvent: _mark_insolvent,
    fx.MarkUndeliverable: _mark_undeliverable,
    fx.ProposePlan: _propose_plan,
    fx.AutoAnswer: _auto_answer,
    fx.OpenReview: _open_review,
    fx.Note: _note,
}


def _queue_answer(
    store: Store,
    config: Config,
    inbox: dict[str, Any],
    mail: ParsedMail,
    ctx: fx.ReplyContext,
    debtor: dict[str, Any] | None,
    cmd: fx.AutoAnswer,
    *,
    now: datetime,
) -> int | None:
    office = config.office
    lang = (debtor or {}).get("language") or office.language
    invoices = [
        {
            "number": i.number,
            "currency": i.currency,
            "amount": from_cents(i.amount_cents),
            "open_amount": from_cents(i.open_cents),
            "due_date": i.due_date,
        }
        for i in (ctx.invoices or ctx.open_invoices)
        if i.number in cmd.invoice_numbers
    ]
    debtor_name = (debtor or {}).get("name", "")
    context = mail_context(
        office,
        debtor_id=ctx.debtor_id,
        debtor_name=debtor_name,
        values={
            "debtor_name": debtor_name,
            "invoices": invoices,
            "promise_date": cmd.promise_date,
            "until": cmd.until,
            "subject": mail.subject,
            "source": "mail",
        },
    )
    domain = mail_domain(office.email)
    seed = f"{mail.message_id or inbox['sha256']}:{cmd.template}"
    if not ctx.answer_to:  # the decision never answers without a registered address
        return None
    # The checked read again (TOCTOU): a file changed since _facts raises PdfRefused, and the
    # reply is shunted with that reason, to be retried after a fix.
    pdfs = config.invoices.pdf_policy
    attachments = tuple(Attachment(Path(p).name, read_pdf(p, pdfs)) for p in cmd.attachments)
    outgoing = compose_mail(
        office,
        kind=cmd.kind,
        message_id=derived_message_id("answer", seed, domain),
        template=cmd.template,
        language=lang,
        context=context,
        to=list(ctx.answer_to),
        now=now,
        reply_to=office.reply_to or None,
        in_reply_to=mail.message_id,
        references=(*mail.references, *((mail.message_id,) if mail.message_id else ())),
        auto_submitted="auto-replied",
        attachments=attachments,
    )
    return enqueue(
        store,
        outgoing,
        debtor_id=ctx.debtor_id,
        case_id=ctx.case_id,
        invoice_numbers=cmd.invoice_numbers,
        decision={
            "template": cmd.template,
            "inbox_id": inbox["id"],
            "reason": "automatic answer to a debtor reply",
        },
        now=iso_utc(now),
    )
