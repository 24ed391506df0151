"""A bank payment's booking decided as data (domain/payment_booking): the commands, and the
running state a batch threads from one payment to the next (#14)."""

from __future__ import annotations

from decimal import Decimal

from daemon.domain.claim_split import CaseFacts, ClaimsBook, LineFacts
from daemon.domain.matching import InvoiceBook, InvoiceFacts, MatchSettings
from daemon.domain.payment_booking import (
    AllocateToInvoice,
    BookClaimAllocation,
    BookingSettings,
    OpenReview,
    RecordEvent,
    RecordReturn,
    ReinstateInvoice,
    ReverseAllocations,
    ReverseClaimAllocations,
    Running,
    SetEntryStatus,
    WaiveRemainder,
    decide_payment,
    decide_return,
)
from daemon.domain.payment_return import Entries, EntryFacts
from parsers.bank import Direction, Payment


def _settings(policy: str = "claim", limit_cents: int = 1000) -> BookingSettings:
    return BookingSettings(MatchSettings(250, 88), "NL", policy, limit_cents, "10.00")


def _books() -> tuple[InvoiceBook, ClaimsBook]:
    book = InvoiceBook(
        [
            InvoiceFacts("F1001", "D1", "Acme BV", "EUR", 100000, due_date="2026-01-01"),
            InvoiceFacts("F2002", "D2", "Other BV", "EUR", 5000, due_date="2026-01-01"),
        ]
    )
    claims = ClaimsBook(
        [("F1001", CaseFacts(7, "D1", "NL")), ("F2002", CaseFacts(None, "D2", "NL"))],
        [
            LineFacts(2, 7, "costs", "EUR", 10000),
            LineFacts(1, 7, "costs", "EUR", 5000),
            LineFacts(3, 7, "interest", "EUR", 1234),
        ],
    )
    return book, claims


def _payment(amount: str, remittance: str) -> Payment:
    return Payment(
        account_iban="NL91ABNA0417164300",
        booking_date=None,
        value_date=None,
        amount=Decimal(amount),
        currency="EUR",
        direction=Direction.CREDIT,
        counterparty_name="Acme BV",
        remittance_lines=(remittance,),
    )


def test_a_batch_threads_claim_lines_and_open_amounts_from_payment_to_payment() -> None:
    book, claims = _books()
    running = Running()
    status, first = decide_payment(
        11, _payment("100.00", "F1001"), book, claims, running, _settings()
    )
    # The costs come first, oldest line first; nothing is left for the principal.
    assert status == "matched"
    assert [
        (c.line_id, c.tx_id, c.cents, c.basis) for c in first if isinstance(c, BookClaimAllocation)
    ] == [(1, 11, 5000, "art. 6:44 lid 1 BW"), (2, 11, 5000, "art. 6:44 lid 1 BW")]
    assert not [c for c in first if isinstance(c, AllocateToInvoice)]
    assert claims.open_lines(7, "costs", "EUR") == [(2, 5000)]

    status, second = decide_payment(
        12, _payment("200.00", "F1001"), book, claims, running, _settings()
    )
    # The second payment sees what the first left: 50.00 costs, 12.34 interest, then principal.
    assert status == "matched"
    allocations = [c for c in second if isinstance(c, AllocateToInvoice)]
    assert [(a.invoice, a.cents, a.charges_cents, a.debtor_id) for a in allocations] == [
        ("F1001", 13766, 0, "D1")
    ]
    assert [(c.line_id, c.cents) for c in second if isinstance(c, BookClaimAllocation)] == [
        (2, 5000),
        (3, 1234),
    ]
    events = [c for c in second if isinstance(c, RecordEvent)]
    assert [(e.kind, e.detail.get("amount") or e.detail.get("remainder")) for e in events] == [
        ("claim_paid", "50.00"),
        ("claim_paid", "12.34"),
        ("remainder_open", "862.34"),
    ]
    assert events[-1].detail["decision"] == "claim"
    assert book.open["F1001"] == 86234
    assert claims.open_lines(7, "costs", "EUR") == []


def test_waive_below_writes_off_a_small_remainder_and_remembers_it_for_the_batch() -> None:
    book, claims = _books()
    book.take("F1001", 99000)  # 10.00 open
    running = Running()
    settings = _settings("waive_below", limit_cents=1000)
    # 150.00 costs, 12.34 interest, 2.66 principal: 7.34 stays open, above the charges
    # tolerance and below the 10.00 limit.
    _, commands = decide_payment(13, _payment("165.00", "F1001"), book, claims, running, settings)
    assert [c for c in commands if isinstance(c, WaiveRemainder)] == [WaiveRemainder("F1001", 734)]
    waived = [c for c in commands if isinstance(c, RecordEvent) and c.kind == "remainder_waived"]
    assert waived[0].detail["limit"] == "10.00"
    assert waived[0].detail["remainder"] == "7.34"
    assert running.waived == {"F1001": 734}


def test_an_invoice_without_an_open_case_is_only_allocated_and_an_excess_goes_to_review() -> None:
    book, claims = _books()
    status, commands = decide_payment(
        14, _payment("80.00", "F2002"), book, claims, Running(), _settings()
    )
    assert status == "partially_matched"
    kinds = [type(c) for c in commands]
    assert kinds == [AllocateToInvoice, SetEntryStatus, OpenReview]
    review = commands[-1]
    assert isinstance(review, OpenReview)
    assert (review.type, review.priority, review.dedupe_key) == (
        "overpayment",
        1,
        "payment:14:overpayment",
    )
    assert review.title.startswith("80.00 EUR from Acme BV: ")


def test_a_return_in_the_same_batch_gives_back_what_its_original_just_took() -> None:
    book, claims = _books()
    running = Running()
    original = _payment("200.00", "F1001")
    running.entries = Entries(
        returns={
            21: EntryFacts(21, "NL91ABNA0417164300", 20000, None, None, None, None, "Acme BV")
        },
        credits={
            20: EntryFacts(20, "NL91ABNA0417164300", 20000, None, None, None, None, "Acme BV")
        },
    )
    decide_payment(20, original, book, claims, running, _settings())
    # 150.00 costs, 12.34 interest, 37.66 principal
    assert running.entries.credits[20].claim_parts == [(1, 5000), (2, 10000), (3, 1234)]
    assert book.open["F1001"] == 96234
    returned = Payment(
        account_iban="NL91ABNA0417164300",
        booking_date=None,
        value_date=None,
        amount=Decimal("200.00"),
        currency="EUR",
        direction=Direction.DEBIT,
        return_reason="AC04",
        counterparty_name="Acme BV",
    )
    status, commands = decide_return(21, returned, book, claims, running)
    assert status == "returned"
    assert [type(c) for c in commands] == [
        ReverseAllocations,
        ReinstateInvoice,
        RecordEvent,
        ReverseClaimAllocations,
        SetEntryStatus,
        RecordReturn,
    ]
    record = commands[-1]
    assert isinstance(record, RecordReturn)
    assert record.detail["original_transaction"] == 20
    assert record.reversed == (("F1001", "37.66"),)
    # The snapshot is back where it was before the original: a second return finds nothing.
    assert book.open["F1001"] == 100000
    assert claims.open_lines(7, "costs", "EUR") == [(1, 5000), (2, 10000)]
    assert claims.open_lines(7, "interest", "EUR") == [(3, 1234)]
    assert running.entries.credits[20].status == "returned"
    _, again = decide_return(21, returned, book, claims, running)
    assert [type(c) for c in again] == [RecordReturn]
