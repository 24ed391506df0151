"""Which invoices a bank payment pays, and why (pure, explainable).

Evidence, strongest first:

1. a structured reference (RF, betalingskenmerk, OGM) equal to an invoice's reference, in the
   structured field or the remittance text;
2. invoice numbers in the remittance text ("F2026 0412", "inv F2026/0412", "fact 20260412");
3. the amount with a known IBAN of the debtor;
4. the amount with a counterparty name that fuzzy-matches the debtor's name.

A weak signal (a reference one typo away whose check digits fail, the bare digits of an
invoice number) is used only when the amount agrees. Strong hits are allocated oldest due
first and never beyond an invoice's open amount: an excess stays unallocated and goes to
review as an overpayment. A payment short of the named invoices by at most the bank-charges
tolerance settles them: the received amount is allocated and the remainder is settled as
charges (the store writes it off with an audit event), so the invoice closes.

Decisions come back as a ``MatchResult``; the caller writes them and then calls
``InvoiceBook.take`` (via :func:`apply`) so the next payment sees the new open amounts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from rapidfuzz import fuzz

from daemon.domain.matching_evidence import Hit, find_hits
from daemon.domain.matching_index import InvoiceBook, InvoiceFacts, name_key, reference_key
from parsers.bank import Direction, Payment

__all__ = [
    "Allocation",
    "InvoiceBook",
    "InvoiceFacts",
    "MatchResult",
    "MatchSettings",
    "Suggestion",
    "TxStatus",
    "apply",
    "is_return",
    "match",
]

_MAX_SUGGESTIONS = 5


class TxStatus(StrEnum):
    MATCHED = "matched"
    PARTIALLY_MATCHED = "partially_matched"
    NEEDS_REVIEW = "needs_review"
    UNMATCHED = "unmatched"
    IGNORED = "ignored"
    RETURNED = "returned"


@dataclass(frozen=True, slots=True)
class MatchSettings:
    charges_tolerance_cents: int = 250
    name_threshold: int = 88


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice: str
    cents: int
    rule: str
    score: float
    evidence: str
    charges_cents: int = 0  # remainder settled as bank charges on this invoice

    @property
    def amount(self) -> Decimal:
        return Decimal(self.cents) / 100


@dataclass(frozen=True, slots=True)
class Suggestion:
    invoice: str
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MatchResult:
    status: TxStatus
    allocations: tuple[Allocation, ...] = ()
    unallocated_cents: int = 0
    review: str | None = None  # review item type, when a person must look
    reason: str = ""
    suggestions: tuple[Suggestion, ...] = ()
    evidence: tuple[str, ...] = field(default=())


def is_return(payment: Payment) -> bool:
    """A returned or reversed payment (RvslInd, RtrInf, MT940 RC/RD or storno)."""
    return payment.reversal or payment.return_reason is not None


def cents_of(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def apply(book: InvoiceBook, result: MatchResult) -> None:
    for allocation in result.allocations:
        book.take(allocation.invoice, allocation.cents + allocation.charges_cents)


def match(payment: Payment, book: InvoiceBook, settings: MatchSettings) -> MatchResult:
    """Decide what one payment pays. Debits and returns are not matched here."""
    if payment.direction is Direction.DEBIT or is_return(payment):
        return MatchResult(TxStatus.IGNORED, reason="debit: recorded, never matched")
    cents = cents_of(payment.amount)
    hits = [h for h in find_hits(payment, book) if _currency_ok(book, h.invoice, payment)]
    strong = [h for h in hits if h.strong]
    if strong:
        return _allocate_named(cents, strong, book, settings)
    weak = [h for h in hits if not h.strong]
    agreeing = [h for h in weak if _agrees(book.open[h.invoice], cents, settings)]
    if len(agreeing) == 1:
        hit = agreeing[0]
        score = 0.8 if hit.rule == "reference_typo" else 0.75
        return _single(cents, hit.invoice, hit.rule, score, f"{hit.found!r}, amount agrees", book)
    suggestions = [
        Suggestion(h.invoice, 0.6, (f"{h.rule}: {h.found!r}", _amount_note(book, h.invoice, cents)))
        for h in weak
    ]
    by_iban = _by_iban(payment, cents, book, settings, suggestions)
    if by_iban is not None:
        return by_iban
    by_name = _by_name(payment, cents, book, settings, suggestions)
    if by_name is not None:
        return by_name
    return _undecided(cents, suggestions)


def _currency_ok(book: InvoiceBook, number: str, payment: Payment) -> bool:
    return book.invoices[number].currency == (payment.currency or "EUR")


def _agrees(open_cents: int, cents: int, settings: MatchSettings) -> bool:
    return open_cents > 0 and 0 <= open_cents - cents <= settings.charges_tolerance_cents


def _amount_note(book: InvoiceBook, number: str, cents: int) -> str:
    open_cents = book.open[number]
    if open_cents == cents:
        return "amount equals the open amount"
    return f"open {Decimal(open_cents) / 100:.2f}, paid {Decimal(cents) / 100:.2f}"


def _single(
    cents: int, number: str, rule: str, score: float, evidence: str, book: InvoiceBook
) -> MatchResult:
    open_cents = book.open[number]
    allocation = Allocation(
        number, min(cents, open_cents), rule, score, evidence, max(open_cents - cents, 0)
    )
    return MatchResult(TxStatus.MATCHED, (allocation,), evidence=(f"{rule}: {evidence}",))


def _allocate_named(
    cents: int, hits: list[Hit], book: InvoiceBook, settings: MatchSettings
) -> MatchResult:
    ordered = sorted(hits, key=lambda h: (book.invoices[h.invoice].due_date, h.invoice))
    total_open = sum(book.open[h.invoice] for h in ordered)
    evidence = tuple(f"{h.rule}: {h.found!r} names {h.invoice}" for h in hits)
    shortfall = total_open - cents
    settle = 0 < shortfall <= settings.charges_tolerance_cents
    remaining = cents
    allocations: list[Allocation] = []
    for hit in ordered:
        take = min(book.open[hit.invoice], remaining)
        if take <= 0:
            continue
        remaining -= take
        score = 1.0 if hit.rule == "reference" else 0.95
        allocations.append(Allocation(hit.invoice, take, hit.rule, score, hit.found))
    if settle and allocations:
        last = allocations[-1]
        allocations[-1] = Allocation(
            last.invoice, last.cents, last.rule, last.score, last.evidence, shortfall
        )
        evidence += (f"short by {Decimal(shortfall) / 100:.2f}: settled as bank charges",)
    if remaining == 0:
        return MatchResult(TxStatus.MATCHED, tuple(allocations), evidence=evidence)
    named = ", ".join(h.invoice for h in ordered)
    if not allocations:
        reason = f"payment names {named}, which are already paid: nothing to allocate"
        status = TxStatus.NEEDS_REVIEW
    else:
        reason = f"payment exceeds the open amount of {named} by {Decimal(remaining) / 100:.2f}"
        status = TxStatus.PARTIALLY_MATCHED
    suggestions = tuple(Suggestion(h.invoice, 0.9, (f"{h.rule}: {h.found!r}",)) for h in ordered)
    return MatchResult(
        status, tuple(allocations), remaining, "overpayment", reason, suggestions, evidence
    )


def _by_iban(
    payment: Payment,
    cents: int,
    book: InvoiceBook,
    settings: MatchSettings,
    suggestions: list[Suggestion],
) -> MatchResult | None:
    if not payment.counterparty_iban:
        return None
    currency = payment.currency or "EUR"
    debtors = book.by_iban.get(reference_key(payment.counterparty_iban), ())
    open_numbers = [n for d in debtors for n in book.open_of(d, currency)]
    agreeing = [n for n in open_numbers if _agrees(book.open[n], cents, settings)]
    exact = [n for n in agreeing if book.open[n] == cents]
    chosen = exact if exact else agreeing
    if len(chosen) == 1:
        return _single(
            cents,
            chosen[0],
            "iban_amount",
            0.85,
            f"known IBAN {payment.counterparty_iban}, amount agrees",
            book,
        )
    if len(open_numbers) > 1 and sum(book.open[n] for n in open_numbers) == cents:
        allocations = tuple(
            Allocation(
                n,
                book.open[n],
                "iban_amount",
                0.8,
                f"known IBAN {payment.counterparty_iban}, pays all open invoices",
            )
            for n in open_numbers
        )
        return MatchResult(
            TxStatus.MATCHED, allocations, evidence=("iban_amount: the sum of all open invoices",)
        )
    demanded = _demanded_total(payment, cents, book, debtors, currency)
    if demanded is not None:
        return demanded
    for n in open_numbers:
        suggestions.append(
            Suggestion(
                n,
                0.7 if n in agreeing else 0.5,
                (f"known IBAN {payment.counterparty_iban}", _amount_note(book, n, cents)),
            )
        )
    return None


def _demanded_total(
    payment: Payment, cents: int, book: InvoiceBook, debtors: Sequence[str], currency: str
) -> MatchResult | None:
    """A known IBAN paying exactly the open invoices plus the booked costs and interest (the
    total a reminder demanded). The invoices are allocated in full and the rest is left as an
    overpayment, which the caller splits over the costs and interest (art. 6:44 BW) — so if
    it cannot, a person still sees it."""
    for debtor_id in debtors:
        extra = book.claims.get((debtor_id, currency), 0)
        numbers = book.open_of(debtor_id, currency)
        if not extra or not numbers or sum(book.open[n] for n in numbers) + extra != cents:
            continue
        allocations = tuple(
            Allocation(
                n,
                book.open[n],
                "iban_amount",
                0.8,
                f"known IBAN {payment.counterparty_iban}, pays the demanded total",
            )
            for n in numbers
        )
        return MatchResult(
            TxStatus.PARTIALLY_MATCHED,
            allocations,
            extra,
            "overpayment",
            f"pays the open invoices and {Decimal(extra) / 100:.2f} of booked costs and interest",
            evidence=("iban_amount: open invoices plus booked costs and interest",),
        )
    return None


def _by_name(
    payment: Payment,
    cents: int,
    book: InvoiceBook,
    settings: MatchSettings,
    suggestions: list[Suggestion],
) -> MatchResult | None:
    name = name_key(payment.counterparty_name or "")
    if not name:
        return None
    currency = payment.currency or "EUR"
    scored: list[tuple[float, str]] = []
    for number in book.with_amount(cents):
        invoice = book.invoices[number]
        if invoice.currency != currency:
            continue
        score = fuzz.token_sort_ratio(name, book.names[invoice.debtor_id])
        if score >= settings.name_threshold:
            scored.append((score, number))
    if len(scored) == 1:
        score, number = scored[0]
        return _single(
            cents,
            number,
            "name_amount",
            round(0.7 * score / 100, 3),
            f"name {payment.counterparty_name!r} ~ "
            f"{book.invoices[number].debtor_name!r} ({score:.0f}), amount equal",
            book,
        )
    for score, number in scored:
        suggestions.append(
            Suggestion(
                number, round(0.6 * score / 100, 3), (f"name similar ({score:.0f})", "amount equal")
            )
        )
    for debtor_id in book.debtors_named_like(name):
        score = fuzz.token_sort_ratio(name, book.names[debtor_id])
        if score < settings.name_threshold:
            continue
        for number in book.open_of(debtor_id, currency):
            suggestions.append(
                Suggestion(
                    number,
                    round(0.4 * score / 100, 3),
                    (f"name similar ({score:.0f})", _amount_note(book, number, cents)),
                )
            )
    return None


def _undecided(cents: int, suggestions: list[Suggestion]) -> MatchResult:
    best: dict[str, Suggestion] = {}
    for s in suggestions:
        if s.invoice not in best or s.score > best[s.invoice].score:
            best[s.invoice] = s
    ranked = tuple(sorted(best.values(), key=lambda s: (-s.score, s.invoice))[:_MAX_SUGGESTIONS])
    if ranked:
        return MatchResult(
            TxStatus.NEEDS_REVIEW,
            unallocated_cents=cents,
            review="payment_uncertain",
            reason="no certain match; see the ranked suggestions",
            suggestions=ranked,
        )
    return MatchResult(
        TxStatus.UNMATCHED,
        unallocated_cents=cents,
        review="payment_unmatched",
        reason="no reference, invoice number, known IBAN or similar name",
    )
