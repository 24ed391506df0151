"""What a debtor reply's decision knows (daemon.domain.reply_effects): the invoices, bank
credits and case around it, the settings, and the pure helpers the shell uses to fill the
context (answer blockers, requested instalments, payment candidates, business days)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from daemon.domain.invoice_states import OPEN_STATES
from parsers.replies.dates import common_working_day

BusinessDay = Callable[[date], bool]

PLAN_DEFAULT_INSTALMENTS = 3
PLAN_MAX_INSTALMENTS = 24


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
    is_business_day: BusinessDay = field(default=common_working_day)


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
    # The debtor has no case this reply can belong to yet: the status of the one to open
    # ("active", or "closed" when it owes nothing). case_id is then None and case_status
    # this status; the decision starts with OpenCase.
    case_to_open: str | None = None


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
