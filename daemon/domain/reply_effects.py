"""What a classified debtor reply does to its case — decided purely, returned as commands.

The shell (daemon.app.replies) reads a ReplyContext in one go, calls ``decide_reply`` and
applies the commands in one transaction. Nothing here touches storage, mail or the clock.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from daemon.domain.classify import Classification, Intent
from daemon.domain.invoice_states import OPEN_STATES
from daemon.domain.nothing_open import answer_refusal
from daemon.domain.plans import make_schedule

BusinessDay = Callable[[date], bool]

PLAN_DEFAULT_INSTALMENTS = 3
PLAN_MAX_INSTALMENTS = 24
# Case states a reply must not overwrite with a softer one (paused / disputed).
_FINAL_CASE_STATES = frozenset({"insolvent", "handed_over", "closed"})


@dataclass(frozen=True, slots=True)
class InvoiceFacts:
    number: str
    currency: str
    amount_cents: int
    open_cents: int
    status: str
    due_date: date
    pdf_path: str | None = None  # set only when the file exists and may be attached
    pdf_problem: str | None = None  # why a stored pdf may not be attached (issue #11)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES and self.open_cents > 0


@dataclass(frozen=True, slots=True)
class BankCredit:
    transaction_id: int
    amount_cents: int
    booking_date: str | None
    counterparty_name: str | None
    remittance: str


@dataclass(frozen=True, slots=True)
class PaymentCandidate:
    transaction_id: int
    amount_cents: int
    invoice_numbers: tuple[str, ...]
    rule: str


@dataclass(frozen=True, slots=True)
class ReplySettings:
    promise_grace_days: int = 3
    promise_max_days: int = 60
    paid_claim_pause_business_days: int = 5
    min_confidence: float = 0.6
    plan_auto_accept_max_instalments: int = 0
    plan_auto_accept_max_months: int = 0
    is_business_day: BusinessDay = field(default=lambda d: d.weekday() < 5)


@dataclass(frozen=True, slots=True)
class ReplyContext:
    """Everything the decision needs, read once by the shell."""

    sender: str
    debtor_id: str | None = None
    case_id: int | None = None
    case_status: str | None = None
    paused_until: date | None = None
    link: str | None = None  # thread | invoice | address | domain | recipient
    invoices: tuple[InvoiceFacts, ...] = ()  # the ones this reply is about
    open_invoices: tuple[InvoiceFacts, ...] = ()  # all open invoices of the debtor
    answer_blockers: tuple[str, ...] = ()  # why no automatic answer may go to the sender
    payment_candidates: tuple[PaymentCandidate, ...] = ()
    requested_instalments: int | None = None
    excerpt: str = ""
    # Where an automatic answer goes: registered addresses of the debtor only
    # (daemon.domain.identity.choose_recipients), and why an address asked for was left out.
    answer_to: tuple[str, ...] = ()
    answer_note: str = ""
    # Why the mail may not act for the debtor it is linked to (daemon.domain.identity), and
    # the review item it gets instead: unknown_sender | unverified_sender | sender_mismatch.
    identity_problems: tuple[str, ...] = ()
    identity_review: str | None = None


# -- commands ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RecordPromise:
    invoice_numbers: tuple[str, ...]
    promised_date: date | None
    grace_until: date


@dataclass(frozen=True, slots=True)
class PauseCase:
    until: date
    reason: str


@dataclass(frozen=True, slots=True)
class HoldInvoices:
    """Pause reminders for these invoices (the whole debtor when empty) through ``until``."""

    invoice_numbers: tuple[str, ...]
    until: date
    reason: str


@dataclass(frozen=True, slots=True)
class DisputeInvoices:
    invoice_numbers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SetCaseStatus:
    status: str
    reason: str


@dataclass(frozen=True, slots=True)
class MarkInsolvent:
    reason: str


@dataclass(frozen=True, slots=True)
class MarkUndeliverable:
    address: str
    reason: str


@dataclass(frozen=True, slots=True)
class ProposePlan:
    invoice_numbers: tuple[str, ...]
    instalments: tuple[tuple[date, int], ...]
    total_cents: int
    accepted: bool


@dataclass(frozen=True, slots=True)
class AutoAnswer:
    template: str  # promise_confirmation | promise_date_request | paid_proof_request | invoice_copy
    kind: str  # outbox kind
    invoice_numbers: tuple[str, ...]
    attachments: tuple[str, ...] = ()
    promise_date: date | None = None
    until: date | None = None


@dataclass(frozen=True, slots=True)
class OpenReview:
    type: str
    priority: int
    reason: str
    invoice_numbers: tuple[str, ...] = ()
    proposed_actions: tuple[str, ...] = ()
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class Note:
    """An event with no state change (a delay notice, an auto-reply without a date)."""

    event: str
    reason: str


Command = (
    RecordPromise
    | PauseCase
    | HoldInvoices
    | DisputeInvoices
    | SetCaseStatus
    | MarkInsolvent
    | MarkUndeliverable
    | ProposePlan
    | AutoAnswer
    | OpenReview
    | Note
)


@dataclass(frozen=True, slots=True)
class ReplyDecision:
    status: str  # processed | review
    commands: tuple[Command, ...]
    reasons: tuple[str, ...] = ()


# -- helpers the shell uses to fill the context -----------------------------------------

_LIST_HEADERS = ("list-id", "list-unsubscribe", "list-post")
_INSTALMENTS = re.compile(
    r"\b(\d{1,2}|twee|drie|vier|vijf|zes|two|three|four|five|six|zwei|drei|vier|fünf|sechs|"
    r"deux|trois|quatre|cinq|six)\s+(termijnen|maandelijkse|maanden|delen|instal?lments|"
    r"monthly|months|payments|raten|monatsraten|monate[n]?|mensualités|mois|échéances|fois)\b",
    re.IGNORECASE,
)
_WORDS = {
    "twee": 2,
    "drie": 3,
    "vier": 4,
    "vijf": 5,
    "zes": 6,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "zwei": 2,
    "drei": 3,
    "fünf": 5,
    "sechs": 6,
    "deux": 2,
    "trois": 3,
    "quatre": 4,
    "cinq": 5,
}


def answer_blockers(
    headers: Iterable[tuple[str, str]],
    answer_to: str | None,
    own_addresses: Iterable[str],
    *,
    enabled: bool = True,
    recently_answered: bool = False,
) -> tuple[str, ...]:
    """Reasons an automatic answer must not go out (RFC 3834 §2 and loop protection)."""
    found: list[str] = []
    values: dict[str, str] = {}
    for name, value in headers:
        values.setdefault(name.lower(), value)
    if not enabled:
        found.append("auto-answers disabled (inbound.auto_answer = false)")
    if any(h in values for h in _LIST_HEADERS):
        found.append("mailing list (List-* header)")
    if values.get("precedence", "").strip().lower() in ("list", "bulk", "junk"):
        found.append(f"Precedence: {values['precedence'].strip()}")
    auto = values.get("auto-submitted", "").strip().lower()
    if auto and auto != "no":
        found.append(f"Auto-Submitted: {auto}")
    if "return-path" in values and values["return-path"].strip() in ("<>", ""):
        found.append("empty Return-Path (sent by a machine)")
    if not answer_to:
        found.append("no address to answer")
    elif answer_to.lower() in {a.lower() for a in own_addresses}:
        found.append("our own address")
    if recently_answered:
        found.append("already answered this address recently")
    return tuple(found)


def requested_instalments(text: str) -> int | None:
    """'in 4 termijnen', 'over six months', 'in drei Raten' → the number asked for."""
    match = _INSTALMENTS.search(text)
    if match is None:
        return None
    word = match.group(1).lower()
    count = int(word) if word.isdigit() else _WORDS.get(word)
    return count if count and 1 < count <= PLAN_MAX_INSTALMENTS else None


def find_payment_candidates(
    credits: Sequence[BankCredit], invoices: Sequence[InvoiceFacts]
) -> tuple[PaymentCandidate, ...]:
    """Unallocated credits that look like the payment a debtor says was made."""
    open_inv = [i for i in invoices if i.is_open]
    total = sum(i.open_cents for i in open_inv)
    found: list[PaymentCandidate] = []
    for credit in credits:
        named = tuple(i.number for i in open_inv if i.number.lower() in credit.remittance.lower())
        same = tuple(i.number for i in open_inv if i.open_cents == credit.amount_cents)
        if named:
            found.append(
                PaymentCandidate(
                    credit.transaction_id,
                    credit.amount_cents,
                    named,
                    "remittance names the invoice",
                )
            )
        elif same:
            found.append(
                PaymentCandidate(
                    credit.transaction_id,
                    credit.amount_cents,
                    same[:1],
                    "amount equals the open amount",
                )
            )
        elif len(open_inv) > 1 and credit.amount_cents == total:
            found.append(
                PaymentCandidate(
                    credit.transaction_id,
                    credit.amount_cents,
                    tuple(i.number for i in open_inv),
                    "amount equals the sum of the open invoices",
                )
            )
    return tuple(found)


def add_business_days(day: date, n: int, is_business_day: BusinessDay) -> date:
    while n > 0:
        day += timedelta(days=1)
        if is_business_day(day):
            n -= 1
    return day


def next_business_day(day: date, is_business_day: BusinessDay) -> date:
    return add_business_days(day, 1, is_business_day)


# -- the decision -----------------------------------------------------------------------


def decide_reply(
    context: ReplyContext, classification: Classification, today: date, settings: ReplySettings
) -> ReplyDecision:
    """The commands one classified reply causes; status 'review' when a person must look."""
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
    if c.return_date is None or context.case_id is None:
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
