"""What a classified debtor reply does to its case — decided purely, returned as commands.

The shell (daemon.app.replies) reads a ReplyContext in one go, calls ``decide_reply`` and
applies the commands in one transaction. Nothing here touches storage, mail or the clock.
What the decision knows is in daemon.domain.reply_facts, what it returns in
daemon.domain.reply_commands; both are named here too, so a caller needs one import.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import date, timedelta

from daemon.domain.classify import Classification, Intent
from daemon.domain.nothing_open import answer_refusal
from daemon.domain.plans import make_schedule
from daemon.domain.reply_commands import (
    AutoAnswer,
    Command,
    DisputeInvoices,
    HoldInvoices,
    MarkInsolvent,
    MarkUndeliverable,
    Note,
    OpenCase,
    OpenReview,
    PauseCase,
    ProposePlan,
    RecordPromise,
    ReplyDecision,
    SetCaseStatus,
)
from daemon.domain.reply_facts import (
    PLAN_DEFAULT_INSTALMENTS,
    PLAN_MAX_INSTALMENTS,
    BankCredit,
    BusinessDay,
    InvoiceFacts,
    PaymentCandidate,
    ReplyContext,
    ReplySettings,
    add_business_days,
    answer_blockers,
    find_payment_candidates,
    next_business_day,
    requested_instalments,
)

# The decision's vocabulary, named here so a caller needs one import.
__all__ = [
    "PLAN_DEFAULT_INSTALMENTS",
    "PLAN_MAX_INSTALMENTS",
    "AutoAnswer",
    "BankCredit",
    "BusinessDay",
    "Command",
    "DisputeInvoices",
    "HoldInvoices",
    "InvoiceFacts",
    "MarkInsolvent",
    "MarkUndeliverable",
    "Note",
    "OpenCase",
    "OpenReview",
    "PauseCase",
    "PaymentCandidate",
    "ProposePlan",
    "RecordPromise",
    "ReplyContext",
    "ReplyDecision",
    "ReplySettings",
    "SetCaseStatus",
    "add_business_days",
    "answer_blockers",
    "decide_reply",
    "find_payment_candidates",
    "next_business_day",
    "requested_instalments",
]

# Case states a reply must not overwrite with a softer one (paused / disputed).
_FINAL_CASE_STATES = frozenset({"insolvent", "handed_over", "closed"})


# -- the decision -----------------------------------------------------------------------


def decide_reply(
    context: ReplyContext, classification: Classification, today: date, settings: ReplySettings
) -> ReplyDecision:
    """The commands one classified reply causes; status 'review' when a person must look.

    A reply from a debtor without a case to belong to opens one first (OpenCase)."""
    decision = _decide(context, classification, today, settings)
    if context.case_to_open is None:
        return decision
    opening = OpenCase(context.case_to_open)
    return replace(decision, commands=(opening, *decision.commands))


def _decide(
    context: ReplyContext, classification: Classification, today: date, settings: ReplySettings
) -> ReplyDecision:
    intent = classification.intent
    if intent is Intent.BOUNCE:
        return _finish(_bounce(context, classification))
    if intent is Intent.AUTO_REPLY and not classification.needs_review:
        # An unsure "auto-reply" may be a person writing: it goes to review below.
        return _finish(_auto_reply(context, classification, today, settings))
    if classification.machine == "auto_generated":
        return _finish([Note("machine_mail", "automatic mail that is not an answer to us")])
    if context.debtor_id is None or context.identity_review is not None:
        return _finish([_identity_review(context, intent)])
    low = classification.needs_review or classification.confidence < settings.min_confidence
    # A dispute or insolvency is acted on even when unsure: stopping the ladder is the safe side.
    if intent is Intent.INSOLVENCY:
        return _finish(_insolvency(context))
    if intent is Intent.DISPUTE:
        return _finish(_dispute(context, classification))
    if low or intent is Intent.OTHER:
        reason = (
            f"unsure what this reply means (looks like {intent.value}, confidence "
            f"{classification.confidence:.2f})"
            if low and intent is not Intent.OTHER
            else "a reply that needs a person"
        )
        return _finish(
            [
                OpenReview(
                    "other_reply",
                    2,
                    reason,
                    _numbers(_targets(context)),
                    ("answer", "record promise", "mark disputed", "no action"),
                )
            ]
        )
    handlers = {
        Intent.PROMISE_TO_PAY: _promise,
        Intent.PAID_CLAIM: _paid_claim,
        Intent.PAYMENT_PLAN: _payment_plan,
        Intent.INVOICE_REQUEST: _invoice_request,
    }
    return _finish(handlers[intent](context, classification, today, settings))


def _identity_review(context: ReplyContext, intent: Intent) -> OpenReview:
    """A mail that may not act: a person sees why (the sender, what it points at and whose
    that is). Its invoice numbers are never put on the item unless they are the linked
    debtor's own: a stranger's words must not attach to another debtor's invoices."""
    why = "; ".join(context.identity_problems)
    urgent = 1 if intent in (Intent.DISPUTE, Intent.INSOLVENCY) else 2
    if context.debtor_id is None:
        return OpenReview(
            "unknown_sender",
            urgent,
            f"mail from {context.sender or 'an unreadable sender'}, who is not a known debtor "
            f"(classified as {intent.value})" + (f": {why}" if why else ""),
            (),
            ("link to debtor", "ignore"),
        )
    kind = context.identity_review or "unverified_sender"
    first = (
        "check whose invoice or mail it means; answer by hand"
        if kind == "sender_mismatch"
        else "register the sender for the debtor, then retry"
    )
    return OpenReview(
        kind,
        urgent,
        f"mail from {context.sender} may not act for debtor {context.debtor_id} "
        f"(classified as {intent.value}): {why}",
        _numbers(context.invoices),
        (first, "ignore"),
    )


def _finish(commands: list[Command]) -> ReplyDecision:
    review = any(isinstance(c, OpenReview) for c in commands)
    reasons = tuple(getattr(c, "reason", type(c).__name__) for c in commands)
    return ReplyDecision("review" if review else "processed", tuple(commands), reasons)


def _targets(context: ReplyContext) -> tuple[InvoiceFacts, ...]:
    """The invoices the reply is about; all open ones when it names none of the debtor's."""
    return context.invoices or context.open_invoices


def _numbers(invoices: Iterable[InvoiceFacts]) -> tuple[str, ...]:
    return tuple(i.number for i in invoices)


def _answer(context: ReplyContext, answer: AutoAnswer, fallback: list[Command]) -> list[Command]:
    # A mail about no invoice reads "your payment of : on which date?" (issue #15).
    known = {i.number: i.open_cents for i in (*context.open_invoices, *context.invoices)}
    refusal = answer_refusal(answer.template, answer.invoice_numbers, known)
    if refusal is not None:
        return [*fallback, Note("auto_answer_withheld", refusal)]
    if context.answer_blockers:
        return [*fallback, Note("auto_answer_withheld", "; ".join(context.answer_blockers))]
    return [answer]


def _bounce(context: ReplyContext, c: Classification) -> list[Command]:
    if c.bounce_permanent is False:
        return [
            Note("delivery_delayed", "the receiving server is still retrying; no address flagged")
        ]
    commands: list[Command] = [
        MarkUndeliverable(addr, "permanent delivery failure") for addr in c.bounce_recipients
    ]
    failed = ", ".join(c.bounce_recipients) or "an unknown recipient"
    commands.append(
        OpenReview(
            "bounce",
            2,
            f"mail to {failed} could not be delivered",
            c.invoice_numbers,
            ("fix address", "call debtor"),
        )
    )
    return commands


def _auto_reply(
    context: ReplyContext, c: Classification, today: date, settings: ReplySettings
) -> list[Command]:
    if c.return_date is None or (context.case_id is None and context.case_to_open is None):
        return [Note("auto_reply", "automatic reply; never answered")]
    until = next_business_day(c.return_date, settings.is_business_day)
    if until <= today or context.case_status in _FINAL_CASE_STATES | {"disputed", "plan"}:
        return [Note("auto_reply", f"away until {c.return_date}; nothing to defer")]
    if context.paused_until is not None and context.paused_until >= until:
        return [Note("auto_reply", f"away until {c.return_date}; already paused longer")]
    return [PauseCase(until, f"out of office, back {c.return_date}")]


def _insolvency(context: ReplyContext) -> list[Command]:
    return [
        MarkInsolvent("reply reports insolvency"),
        SetCaseStatus("insolvent", "reply reports insolvency"),
        OpenReview(
            "insolvency",
            0,
            "the debtor reports insolvency: stop all collection and "
            "file the claim with the administrator",
            _numbers(context.open_invoices),
            ("file claim with administrator", "write off", "hand over"),
        ),
    ]


def _dispute(context: ReplyContext, c: Classification) -> list[Command]:
    disputed = _numbers(i for i in _targets(context) if i.is_open)
    commands: list[Command] = [DisputeInvoices(disputed)] if disputed else []
    if context.case_status not in _FINAL_CASE_STATES:
        commands.append(
            SetCaseStatus(
                "disputed", "the debtor disputes " + (", ".join(disputed) or "an invoice")
            )
        )
    commands.append(
        OpenReview(
            "dispute",
            1,
            "the debtor disputes " + (", ".join(disputed) or "an invoice"),
            disputed,
            ("resume", "credit", "write off"),
        )
    )
    return commands


def _promise(
    context: ReplyContext, c: Classification, today: date, settings: ReplySettings
) -> list[Command]:
    numbers = _numbers(i for i in _targets(context) if i.is_open)
    if not numbers:
        return [_nothing_open("promise to pay")]
    if c.promise_date is None:
        grace = add_business_days(today, settings.promise_grace_days, settings.is_business_day)
        answer = AutoAnswer("promise_date_request", "auto_answer", numbers)
        return [RecordPromise(numbers, None, grace), *_answer(context, answer, [])]
    grace = add_business_days(c.promise_date, settings.promise_grace_days, settings.is_business_day)
    limit = today + timedelta(days=settings.promise_max_days)
    if c.promise_date > limit:
        return [
            RecordPromise(numbers, c.promise_date, limit),
            OpenReview(
                "promise",
                2,
                f"promise to pay on {c.promise_date}, beyond the "
                f"{settings.promise_max_days} days we accept; paused until {limit}",
                numbers,
                ("accept promise", "change promise date", "resume"),
                due_date=limit,
            ),
        ]
    answer = AutoAnswer(
        "promise_confirmation", "confirmation", numbers, promise_date=c.promise_date
    )
    return [RecordPromise(numbers, c.promise_date, grace), *_answer(context, answer, [])]


def _nothing_open(what: str) -> Note:
    """A debtor who owes nothing gets no question, hold or promise about an empty list."""
    return Note("nothing_open", f"the debtor {what}; nothing is open, so no answer and no hold")


def _paid_claim(
    context: ReplyContext, c: Classification, today: date, settings: ReplySettings
) -> list[Command]:
    numbers = _numbers(i for i in _targets(context) if i.is_open)
    if not numbers:
        return [_nothing_open("says it paid")]
    if context.payment_candidates:
        found = "; ".join(
            f"transaction {p.transaction_id} → {', '.join(p.invoice_numbers)} ({p.rule})"
            for p in context.payment_candidates
        )
        return [
            OpenReview(
                "paid_claim",
                2,
                f"the debtor says it paid; an unallocated payment matches: {found}",
                numbers,
                tuple(
                    f"allocate transaction {p.transaction_id} to {', '.join(p.invoice_numbers)}"
                    for p in context.payment_candidates
                ),
            )
        ]
    until = add_business_days(
        today, settings.paid_claim_pause_business_days, settings.is_business_day
    )
    answer = AutoAnswer("paid_proof_request", "auto_answer", numbers, until=until)
    paid = f" on {c.paid_date}" if c.paid_date else ""
    return [
        HoldInvoices(
            numbers, until, f"paid_claim: the debtor says it paid{paid}; no payment found yet"
        ),
        *_answer(context, answer, []),
    ]


def _payment_plan(
    context: ReplyContext, c: Classification, today: date, settings: ReplySettings
) -> list[Command]:
    targets = tuple(i for i in _targets(context) if i.is_open)
    total = sum(i.open_cents for i in targets)
    count = context.requested_instalments or PLAN_DEFAULT_INSTALMENTS
    if total < count:
        return [
            OpenReview(
                "payment_plan",
                2,
                "the debtor asks for a payment plan; no open amount to spread",
                _numbers(targets),
                ("answer",),
            )
        ]
    schedule = make_schedule(
        total, count, today + timedelta(days=30), 30, is_business_day=settings.is_business_day
    )
    instalments = tuple((s.due_date, s.amount_cents) for s in schedule)
    months = (schedule[-1].due_date - today).days // 30
    accept = (
        0 < count <= settings.plan_auto_accept_max_instalments
        and 0 < months <= settings.plan_auto_accept_max_months
    )
    plan = ProposePlan(_numbers(targets), instalments, total, accept)
    if accept:
        return [
            plan,
            SetCaseStatus(
                "plan", f"payment plan of {count} instalments accepted within the configured limits"
            ),
        ]
    return [
        plan,
        OpenReview(
            "payment_plan",
            2,
            f"the debtor asks for a payment plan; proposed: {count} monthly instalments",
            _numbers(targets),
            ("approve plan", "change plan", "reject plan"),
        ),
    ]


def _invoice_request(
    context: ReplyContext, c: Classification, today: date, settings: ReplySettings
) -> list[Command]:
    targets = _targets(context) if context.invoices else ()
    pdfs = tuple(i.pdf_path for i in targets if i.pdf_path)
    refused = "; ".join(f"{i.number}: {i.pdf_problem}" for i in targets if i.pdf_problem)
    review = OpenReview(
        "invoice_request",
        2,
        "the debtor asks for an invoice (copy, reissue or details)"
        + (f"; PDF not attached: {refused}" if refused else ""),
        _numbers(targets or context.open_invoices),
        ("send invoice copy", "reissue invoice"),
    )
    if not targets or len(pdfs) < len(targets):
        return [review]
    answer = AutoAnswer("invoice_copy", "invoice_copy", _numbers(targets), attachments=pdfs)
    return _answer(context, answer, [review])
