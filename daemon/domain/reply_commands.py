"""The commands a debtor reply's decision returns (daemon.domain.reply_effects): data the
shell applies in one transaction, one small handler each (daemon.app.replies)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class OpenCase:
    """Open the debtor's case before anything else of the reply is written."""

    status: str  # active | closed (the debtor owes nothing)


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
    OpenCase
    | RecordPromise
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
