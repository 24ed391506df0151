"""What booking one bank payment does, as commands (data), decided on the file's snapshot.
PURE.

``decide_payment`` matches a credit (``matching.match``), splits it over booked costs and
interest (``claim_split``), decides the review item, the events and the remainder policy,
and moves the snapshot on (``InvoiceBook``, ``ClaimsBook``) so the next payment of the batch
sees what this one took. The store applies the commands in order, in the file's one
transaction (``app/statement_booking.COMMAND_HANDLERS``).

A return (``matching.is_return``) is decided by ``decide_return`` on the batch's
``payment_return.Entries``: which credit it gives back, which allocations and claim parts
it reverses. What a handler still asks the store: an invoice's status after an allocation
or a reversal (credit notes and payments booked outside dunmail count in it), which the
events carry.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from daemon.domain.claim_split import ClaimsBook, ClaimSplit, line_parts, split_payment
from daemon.domain.claims import COSTS, INTEREST
from daemon.domain.matching import (
    InvoiceBook,
    MatchResult,
    MatchSettings,
    apply,
    match,
)
from daemon.domain.money import from_cents
from daemon.domain.payment_return import Entries, LiveAllocation, amount_text
from parsers.bank import Direction, Payment


@dataclass(frozen=True, slots=True)
class BookingSettings:
    """The configuration a payment's booking depends on."""

    match: MatchSettings
    jurisdiction: str  # office.jurisdiction, for a debtor without a country
    remainder_policy: str  # dunning.remainder_policy: claim | waive_below | review
    remainder_limit_cents: int  # dunning.remainder_waive_below, in cents
    remainder_limit: str  # the same as configured, for the event


# -- the commands ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class AllocateToInvoice:
    """Allocate ``cents`` of the entry to an invoice; ``charges_cents`` of a shortfall within
    the bank-charges tolerance are written off. Its events need the invoice's new status."""

    tx_id: int
    invoice: str
    cents: int
    rule: str
    score: float | None
    evidence: dict[str, Any]
    charges_cents: int
    debtor_id: str | None


@dataclass(frozen=True, slots=True)
class SetEntryStatus:
    tx_id: int
    status: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class OpenReview:
    type: str
    title: str
    priority: int
    evidence: dict[str, Any]
    proposed_actions: list[str]
    invoice_numbers: list[str]
    transaction_id: int
    dedupe_key: str
    debtor_id: str | None = None
    case_id: int | None = None


@dataclass(frozen=True, slots=True)
class BookClaimAllocation:
    """Part of a payment settles a booked cost or interest line."""

    line_id: int
    tx_id: int
    cents: int
    basis: str


@dataclass(frozen=True, slots=True)
class WaiveRemainder:
    """Write off what the remainder policy waives of an invoice (its status follows)."""

    invoice: str
    cents: int


@dataclass(frozen=True, slots=True)
class RecordEvent:
    kind: str
    transaction_id: int
    detail: dict[str, Any]
    debtor_id: str | None = None
    case_id: int | None = None
    invoice_number: str | None = None


@dataclass(frozen=True, slots=True)
class ReverseAllocations:
    """Every live allocation of ``original_tx`` is reversed by the return ``by_tx``."""

    original_tx: int
    by_tx: int


@dataclass(frozen=True, slots=True)
class ReinstateInvoice:
    """A reversed allocation reopens its invoice (and undoes the charges it settled); the
    invoice's new status goes into the return's record."""

    invoice: str
    charges_cents: int


@dataclass(frozen=True, slots=True)
class ReverseClaimAllocations:
    """What ``original_tx`` settled of claim lines is given back."""

    original_tx: int
    by_tx: int


@dataclass(frozen=True, slots=True)
class RecordReturn:
    """The return's status and its ``payment_returned`` event; ``reversed`` lists (invoice,
    amount) in the order reinstated, each completed with the status its ReinstateInvoice
    left."""

    tx_id: int
    detail: dict[str, Any]
    reversed: tuple[tuple[str, str], ...]


Command = (
    AllocateToInvoice
    | SetEntryStatus
    | OpenReview
    | BookClaimAllocation
    | WaiveRemainder
    | RecordEvent
    | ReverseAllocations
    | ReinstateInvoice
    | ReverseClaimAllocations
    | RecordReturn
)


@dataclass
class Running:
    """What the snapshot does not hold but a later payment of the same file must see: the
    cents the remainder policy waived per invoice (``InvoiceBook`` keeps them open, as the
    matcher always did)."""

    waived: dict[str, int] = field(default_factory=dict)
    entries: Entries = field(default_factory=Entries)


# -- the decision ----------------------------------------------------------------------------


def decide_payment(
    tx_id: int,
    payment: Payment,
    book: InvoiceBook,
    claims: ClaimsBook,
    running: Running,
    settings: BookingSettings,
) -> tuple[str, list[Command]]:
    """(the entry's status, the commands) for one stored credit or debit that is not a
    return; ``book``, ``claims`` and ``running`` move on by what it takes."""
    result = match(payment, book, settings.match)
    # Booked costs and interest are paid first (art. 6:44 BW, § 367 BGB, art. 1254 BW).
    plan = split_payment(
        claims,
        settings.jurisdiction,
        payment.currency or "EUR",
        result,
        book,
        settings.match.charges_tolerance_cents,
    )
    if plan is not None:
        result = plan.result
    commands = _result_commands(tx_id, payment, result, book)
    if plan is not None:
        commands += _split_commands(tx_id, plan, claims)
        book.take_claims(
            plan.debtor_id, plan.currency, plan.split.costs_cents + plan.split.interest_cents
        )
    apply(book, result)
    if plan is not None:
        commands += _remainder_commands(tx_id, plan, book, running, settings)
    _note(running.entries, tx_id, commands)
    return result.status.value, commands


def decide_return(
    tx_id: int, payment: Payment, book: InvoiceBook, claims: ClaimsBook, running: Running
) -> tuple[str, list[Command]]:
    """(status, commands) for a returned payment: it gives back the credit it returns (a
    debit only), reopening what that credit paid."""
    original = running.entries.original_of(tx_id) if payment.direction is Direction.DEBIT else None
    commands: list[Command] = []
    reversed_: list[tuple[str, str]] = []
    if original is not None:
        commands.append(ReverseAllocations(original.id, tx_id))
        for allocation in original.allocations:
            commands.append(ReinstateInvoice(allocation.invoice, allocation.charges_cents))
            book.release(allocation.invoice, allocation.cents + allocation.charges_cents)
            reversed_.append((allocation.invoice, amount_text(allocation.cents)))
            commands.append(
                RecordEvent(
                    "allocation_reversed",
                    tx_id,
                    {"original_transaction": original.id, "return_reason": payment.return_reason},
                    invoice_number=allocation.invoice,
                )
            )
        commands.append(ReverseClaimAllocations(original.id, tx_id))
        for line_id, cents in original.claim_parts:
            claims.give_back(line_id, cents)
        detail = {**original.detail, "returned_by": tx_id}
        commands.append(SetEntryStatus(original.id, "returned", detail))
        original.status, original.detail = "returned", detail
        original.allocations, original.claim_parts = [], []
    detail = {
        "original_transaction": None if original is None else original.id,
        "return_reason": payment.return_reason,
        "reversed": [],
        "reason": "returned payment"
        if original is not None
        else "return without a matching original payment",
    }
    commands.append(RecordReturn(tx_id, detail, tuple(reversed_)))
    return "returned", commands


def _note(entries: Entries, tx_id: int, commands: list[Command]) -> None:
    """A credit a later return of the batch may give back: keep what it just took."""
    entry = entries.credits.get(tx_id)
    if entry is None:
        return
    for c in commands:
        if isinstance(c, SetEntryStatus) and c.tx_id == tx_id:
            entry.status, entry.detail = c.status, c.detail
        elif isinstance(c, AllocateToInvoice):
            entry.allocations.append(LiveAllocation(c.invoice, c.cents, c.charges_cents))
        elif isinstance(c, BookClaimAllocation):
            entry.claim_parts.append((c.line_id, c.cents))


def _result_commands(
    tx_id: int, payment: Payment, result: MatchResult, book: InvoiceBook
) -> list[Command]:
    commands: list[Command] = []
    for allocation in result.allocations:
        evidence = {
            "rule": allocation.rule,
            "found": allocation.evidence,
            "score": allocation.score,
            "charges": format(from_cents(allocation.charges_cents), "f"),
        }
        facts = book.invoices.get(allocation.invoice)
        commands.append(
            AllocateToInvoice(
                tx_id,
                allocation.invoice,
                allocation.cents,
                allocation.rule,
                allocation.score,
                evidence,
                allocation.charges_cents,
                facts.debtor_id if facts else None,
            )
        )
    detail: dict[str, Any] = {
        "evidence": list(result.evidence),
        "reason": result.reason,
        "unallocated": format(from_cents(result.unallocated_cents), "f"),
        "suggestions": [
            {"invoice": s.invoice, "score": s.score, "reasons": list(s.reasons)}
            for s in result.suggestions
        ],
    }
    commands.append(SetEntryStatus(tx_id, result.status.value, detail))
    if result.review is not None:
        commands.append(
            OpenReview(
                result.review,
                f"{payment.amount:f} {payment.currency} from "
                f"{payment.counterparty_name or payment.counterparty_iban or 'unknown'}: "
                f"{result.reason}",
                priority={"overpayment": 1, "payment_uncertain": 2}.get(result.review, 3),
                evidence={"transaction_id": tx_id, "remittance": payment.remittance, **detail},
                proposed_actions=["allocate", "ignore"],
                invoice_numbers=[s.invoice for s in result.suggestions],
                transaction_id=tx_id,
                dedupe_key=f"payment:{tx_id}:{result.review}",
            )
        )
    return commands


def _split_commands(tx_id: int, plan: ClaimSplit, claims: ClaimsBook) -> list[Command]:
    """What the payment settles of the claim lines, oldest line first."""
    commands: list[Command] = []
    for kind, cents in ((COSTS, plan.split.costs_cents), (INTEREST, plan.split.interest_cents)):
        if cents <= 0:
            continue
        for line_id, part in line_parts(claims, plan, kind, cents):
            commands.append(BookClaimAllocation(line_id, tx_id, part, plan.split.basis))
            claims.pay(line_id, part)
        commands.append(
            RecordEvent(
                "claim_paid",
                tx_id,
                {
                    "kind": kind,
                    "amount": format(from_cents(cents), "f"),
                    "currency": plan.currency,
                    "rule": plan.split.basis,
                },
                debtor_id=plan.debtor_id,
                case_id=plan.case_id,
            )
        )
    return commands


def _remainder_commands(
    tx_id: int, plan: ClaimSplit, book: InvoiceBook, running: Running, settings: BookingSettings
) -> list[Command]:
    """Principal left open because the payment went to costs and interest first
    (``dunning.remainder_policy``): keep claiming it, waive it below an amount, or ask a
    person. Called after ``book`` took the payment's allocations."""
    numbers = [n for n, _ in plan.split.principal] or [a.invoice for a in plan.result.allocations]
    left = [
        (n, cents)
        for n in sorted(set(numbers))
        if (cents := book.open[n] - running.waived.get(n, 0)) > 0
    ]
    if not left or plan.split.costs_cents + plan.split.interest_cents == 0:
        return []
    total = sum(c for _, c in left)
    policy = settings.remainder_policy
    detail: dict[str, Any] = {
        "remainder": format(from_cents(total), "f"),
        "currency": plan.currency,
        "invoices": [n for n, _ in left],
        "rule": plan.split.basis,
        "policy": policy,
        "reason": f"the payment settled costs and interest first ({plan.split.basis}); "
        f"{from_cents(total)} {plan.currency} of the principal stays open",
    }
    commands: list[Command] = []
    if policy == "waive_below" and total < settings.remainder_limit_cents:
        for number, cents in left:
            commands.append(WaiveRemainder(number, cents))
            running.waived[number] = running.waived.get(number, 0) + cents
        detail["decision"] = "waived"
        detail["limit"] = settings.remainder_limit
        commands.append(
            RecordEvent(
                "remainder_waived",
                tx_id,
                detail,
                debtor_id=plan.debtor_id,
                case_id=plan.case_id,
            )
        )
        return commands
    if policy == "review":
        detail["decision"] = "review"
        commands.append(
            OpenReview(
                "remainder_open",
                f"{detail['reason']}: keep claiming it or write it off?",
                priority=2,
                evidence={"transaction_id": tx_id, **detail},
                proposed_actions=["keep claiming", "write off"],
                invoice_numbers=[n for n, _ in left],
                transaction_id=tx_id,
                dedupe_key=f"remainder:{tx_id}",
                debtor_id=plan.debtor_id,
                case_id=plan.case_id,
            )
        )
    else:
        detail["decision"] = "claim"
    commands.append(
        RecordEvent(
            "remainder_open",
            tx_id,
            detail,
            debtor_id=plan.debtor_id,
            case_id=plan.case_id,
        )
    )
    return commands
