"""What the store knows that a reply's decision needs, read once (store.reply_snapshot), and
the pure steps from it to the decision's context: whose reply it is (domain.identity) and
what it is about (its debtor, case, invoices, payment candidates, who may get an answer).

The snapshot holds every debtor the reply could be bound to (its sender's, the ones its
thread and invoice numbers name, a bounce's recipients'): binding picks one of them, so no
read has to wait for a decision.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from daemon.domain import reply_effects as fx
from daemon.domain.classify import Classification, Intent
from daemon.domain.identity import Binding, Claim, SenderFacts, bind, bind_bounce, choose_recipients
from parsers.mail import ParsedMail
from parsers.replies.quotes import split_reply

EXCERPT_CHARS = 1500


@dataclass(frozen=True, slots=True)
class DebtorSnapshot:
    """One debtor the reply could be bound to."""

    row: dict[str, Any]  # the debtor with its registered ``emails``
    invoices: tuple[fx.InvoiceFacts, ...]
    case: dict[str, Any] | None  # its open case (None: none yet)
    case_to_open: str  # the status a case opened for it starts in ("" when it has one)


@dataclass(frozen=True, slots=True)
class ReplySnapshot:
    claims: tuple[Claim, ...]  # what the thread and the invoice numbers point to
    sender: SenderFacts
    bounce_owners: tuple[tuple[str, str], ...] = ()  # (bounced address, its debtor)
    debtors: Mapping[str, DebtorSnapshot] = field(default_factory=dict)
    cases: Mapping[int, dict[str, Any]] = field(default_factory=dict)  # named by the thread
    answered_recently: frozenset[str] = frozenset()  # addresses answered within the window
    credits: tuple[fx.BankCredit, ...] = ()  # unallocated bank credits (paid claims only)


def asked_addresses(mail: ParsedMail) -> tuple[str, ...]:
    """Where the mail wants its answer: Reply-To first, then the sender."""
    return (*mail.reply_to, mail.sender)


def bind_reply(s: ReplySnapshot, c: Classification) -> Binding:
    """The debtor this mail speaks for: from its sender; thread references and invoice
    numbers only say which of that debtor's invoices it is about."""
    if c.intent is Intent.BOUNCE:
        return bind_bounce(list(s.claims), list(s.bounce_owners))
    return bind(s.sender, s.claims)


def reply_context(
    s: ReplySnapshot,
    mail: ParsedMail,
    c: Classification,
    link: Binding,
    *,
    office_addresses: tuple[str, ...],
    auto_answer: bool,
) -> tuple[fx.ReplyContext, dict[str, Any] | None]:
    """The decision's context and the bound debtor's row (None: no debtor)."""
    excerpt = split_reply(mail.text).new.strip()[:EXCERPT_CHARS] if mail.text else ""
    base = fx.ReplyContext(
        sender=mail.from_addr,
        answer_blockers=("the sender may not act for a debtor",),
        excerpt=excerpt,
        identity_problems=link.problems,
        identity_review=None if link.acts else link.review_type,
    )
    debtor = s.debtors.get(link.debtor_id) if link.debtor_id is not None else None
    if link.debtor_id is None or debtor is None:
        return base, None
    if not link.acts:
        # Linked for a person only: no case is opened or changed, nothing is answered.
        own = {f.number: f for f in debtor.invoices}
        about = tuple(own[n] for n in link.invoice_numbers if n in own)
        return dataclasses.replace(base, debtor_id=link.debtor_id, invoices=about), debtor.row
    base = _answering(s, mail, base, debtor, office_addresses, auto_answer)
    return _with_case(s, c, link, base, debtor, excerpt), debtor.row


def _answering(
    s: ReplySnapshot,
    mail: ParsedMail,
    base: fx.ReplyContext,
    debtor: DebtorSnapshot,
    office_addresses: tuple[str, ...],
    auto_answer: bool,
) -> fx.ReplyContext:
    # Anything we answer carries the debtor's data: it goes to registered addresses only.
    recipients = choose_recipients(debtor.row["emails"], asked_addresses(mail))
    answer_to = recipients.to[0] if recipients.to else None
    blockers = fx.answer_blockers(
        mail.headers,
        answer_to,
        office_addresses,
        enabled=auto_answer,
        recently_answered=bool(answer_to) and (answer_to or "").lower() in s.answered_recently,
    )
    return dataclasses.replace(
        base, answer_blockers=blockers, answer_to=recipients.to, answer_note=recipients.note
    )


def _with_case(
    s: ReplySnapshot,
    c: Classification,
    link: Binding,
    base: fx.ReplyContext,
    debtor: DebtorSnapshot,
    excerpt: str,
) -> fx.ReplyContext:
    case = s.cases.get(link.case_id) if link.case_id else None
    to_open = ""
    if case is None or case["closed_at"] is not None:
        # A case still to be opened is the decision's first command (OpenCase).
        case, to_open = debtor.case, debtor.case_to_open
    named = set(c.invoice_numbers) | set(link.invoice_numbers)
    linked = tuple(f for f in debtor.invoices if f.number in named)
    open_invoices = tuple(f for f in debtor.invoices if f.is_open)
    candidates: tuple[fx.PaymentCandidate, ...] = ()
    if c.intent is Intent.PAID_CLAIM:
        candidates = fx.find_payment_candidates(list(s.credits), linked or open_invoices)
    paused = date.fromisoformat(case["paused_until"]) if case and case["paused_until"] else None
    return dataclasses.replace(
        base,
        debtor_id=link.debtor_id,
        case_id=case["id"] if case else None,
        case_status=case["status"] if case else to_open,
        case_to_open=to_open or None,
        paused_until=paused,
        link=link.via,
        invoices=linked,
        open_invoices=open_invoices,
        payment_candidates=candidates,
        requested_instalments=fx.requested_instalments(excerpt),
    )
