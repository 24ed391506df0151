"""Payment matching: evidence ranks, splits, partials, charges, overpayments, typos."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.matching import (
    InvoiceBook,
    InvoiceFacts,
    MatchSettings,
    TxStatus,
    apply,
    match,
)
from daemon.domain.references import generate_kenmerk, generate_ogm, generate_rf
from parsers.bank import Direction, Payment

SETTINGS = MatchSettings(charges_tolerance_cents=250, name_threshold=88)
RF_412 = generate_rf("F2026-0412")
KENMERK_413 = generate_kenmerk("202604130")
OGM_414 = generate_ogm("2026041400")


def _invoices() -> list[InvoiceFacts]:
    return [
        InvoiceFacts("F2026-0412", "D1", "Jansen Bouw B.V.", "EUR", 100000, RF_412, "2026-01-10"),
        InvoiceFacts(
            "F2026-0413", "D2", "Bakkerij De Vries", "EUR", 25000, KENMERK_413, "2026-01-11"
        ),
        InvoiceFacts("F2026-0414", "D3", "Peeters NV", "EUR", 50050, OGM_414, "2026-01-12"),
        InvoiceFacts(
            "F2026-0415", "D4", "Müller GmbH", "EUR", 12100, generate_rf("F2026-0415"), "2026-01-13"
        ),
        InvoiceFacts(
            "F2026-0416", "D4", "Müller GmbH", "EUR", 7900, generate_rf("F2026-0416"), "2026-01-20"
        ),
        InvoiceFacts(
            "F2026-0417",
            "D5",
            "Klaassen Installatietechniek",
            "EUR",
            33300,
            generate_rf("F2026-0417"),
            "2026-01-14",
        ),
        InvoiceFacts(
            "F2026-0418", "D6", "Van Dijk Advies", "EUR", 0, generate_rf("F2026-0418"), "2026-01-02"
        ),
        InvoiceFacts(
            "F2026-0419",
            "D7",
            "Smit Logistiek",
            "EUR",
            48000,
            generate_rf("F2026-0419"),
            "2026-01-15",
        ),
        InvoiceFacts(
            "C2026-0419", "D8", "Bos Groep", "EUR", 61000, generate_rf("C2026-0419"), "2026-01-15"
        ),
    ]


def _book() -> InvoiceBook:
    return InvoiceBook(_invoices(), [("D4", "DE89370400440532013000")])


def _pay(amount: str, text: str = "", **kw: object) -> Payment:
    fields: dict[str, object] = {
        "account_iban": "NL91ABNA0417164300",
        "booking_date": date(2026, 2, 1),
        "value_date": date(2026, 2, 1),
        "amount": Decimal(amount),
        "currency": "EUR",
        "direction": Direction.CREDIT,
        "remittance_lines": (text,) if text else (),
    }
    fields.update(kw)
    return Payment(**fields)  # type: ignore[arg-type]


def _typo(ref: str) -> str:
    """Swap two adjacent differing body characters: check digits then fail."""
    for i in range(len(ref) - 2, 3, -1):
        if ref[i] != ref[i + 1]:
            return ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]
    raise AssertionError(ref)


CASES = [
    # id, payment, status, [(invoice, cents, charges)], rule
    (
        "rf-structured",
        _pay("1000.00", structured_references=(RF_412,)),
        "matched",
        [("F2026-0412", 100000, 0)],
        "reference",
    ),
    (
        "rf-in-text-with-spaces",
        _pay("1000.00", " ".join(RF_412[i : i + 4] for i in range(0, len(RF_412), 4))),
        "matched",
        [("F2026-0412", 100000, 0)],
        "reference",
    ),
    (
        "kenmerk-grouped-in-text",
        _pay(
            "250.00",
            "betalingskenmerk "
            + " ".join(KENMERK_413[i : i + 4] for i in range(0, len(KENMERK_413), 4)),
        ),
        "matched",
        [("F2026-0413", 25000, 0)],
        "reference",
    ),
    (
        "ogm-display-form",
        _pay("500.50", f"{OGM_414}"),
        "matched",
        [("F2026-0414", 50050, 0)],
        "reference",
    ),
    (
        "number-with-space",
        _pay("1000.00", "F2026 0412"),
        "matched",
        [("F2026-0412", 100000, 0)],
        "invoice_number",
    ),
    (
        "number-fact-prefix-word",
        _pay("1000.00", "fact 20260412"),
        "matched",
        [("F2026-0412", 100000, 0)],
        "invoice_number",
    ),
    (
        "number-inv-slash",
        _pay("1000.00", "inv F2026/0412 thanks"),
        "matched",
        [("F2026-0412", 100000, 0)],
        "invoice_number",
    ),
    (
        "number-lower-case-hyphen",
        _pay("1000.00", "betaling f2026-0412"),
        "matched",
        [("F2026-0412", 100000, 0)],
        "invoice_number",
    ),
    (
        "two-invoices-add-up",
        _pay("200.00", "F2026-0415 en F2026-0416"),
        "matched",
        [("F2026-0415", 12100, 0), ("F2026-0416", 7900, 0)],
        "invoice_number",
    ),
    (
        "partial-payment",
        _pay("400.00", "F2026-0412"),
        "matched",
        [("F2026-0412", 40000, 0)],
        "invoice_number",
    ),
    (
        "partial-over-two-oldest-first",
        _pay("150.00", "F2026-0416 F2026-0415"),
        "matched",
        [("F2026-0415", 12100, 0), ("F2026-0416", 2900, 0)],
        "invoice_number",
    ),
    (
        "bank-charges-settle",
        _pay("998.25", "F2026-0412"),
        "matched",
        [("F2026-0412", 99825, 175)],
        "invoice_number",
    ),
    (
        "third-party-payer-with-reference",
        _pay(
            "1000.00",
            structured_references=(RF_412,),
            counterparty_name="Holding XYZ",
            counterparty_iban="NL02ABNA0123456789",
        ),
        "matched",
        [("F2026-0412", 100000, 0)],
        "reference",
    ),
    (
        "known-iban-amount",
        _pay("121.00", "", counterparty_iban="DE89 3704 0044 0532 0130 00"),
        "matched",
        [("F2026-0415", 12100, 0)],
        "iban_amount",
    ),
    (
        "known-iban-pays-all-open",
        _pay("200.00", "", counterparty_iban="DE89370400440532013000"),
        "matched",
        [("F2026-0415", 12100, 0), ("F2026-0416", 7900, 0)],
        "iban_amount",
    ),
    (
        "name-and-amount",
        _pay("333.00", "", counterparty_name="KLAASSEN INSTALLATIETECHNIEK BV"),
        "matched",
        [("F2026-0417", 33300, 0)],
        "name_amount",
    ),
    (
        "reference-typo-amount-agrees",
        _pay("1000.00", _typo(RF_412)),
        "matched",
        [("F2026-0412", 100000, 0)],
        "reference_typo",
    ),
    (
        "bare-digits-amount-agrees",
        _pay("480.00", "20260419"),
        "matched",
        [("F2026-0419", 48000, 0)],
        "number_without_prefix",
    ),
    (
        "overpayment-excess-unallocated",
        _pay("1200.00", "F2026-0412"),
        "partially_matched",
        [("F2026-0412", 100000, 0)],
        "invoice_number",
    ),
    ("second-payment-of-paid-invoice", _pay("100.00", "F2026-0418"), "needs_review", [], None),
    ("reference-typo-amount-differs", _pay("900.00", _typo(RF_412)), "needs_review", [], None),
    ("bare-digits-amount-differs", _pay("300.00", "20260419"), "needs_review", [], None),
    (
        "name-alone-amount-differs",
        _pay("100.00", "", counterparty_name="Klaassen Installatietechniek"),
        "needs_review",
        [],
        None,
    ),
    (
        "iban-known-amount-differs",
        _pay("50.00", "", counterparty_iban="DE89370400440532013000"),
        "needs_review",
        [],
        None,
    ),
    (
        "unrelated-credit",
        _pay("77.77", "refund insurance", counterparty_name="Acme Verzekeringen"),
        "unmatched",
        [],
        None,
    ),
    (
        "valid-reference-of-nobody",
        _pay("1000.00", structured_references=(generate_rf("X99"),)),
        "unmatched",
        [],
        None,
    ),
    (
        "other-currency-is-not-ours",
        _pay("1000.00", "F2026-0412", currency="USD"),
        "unmatched",
        [],
        None,
    ),
    (
        "debit-ignored",
        _pay("1000.00", "F2026-0412", direction=Direction.DEBIT),
        "ignored",
        [],
        None,
    ),
]


@pytest.mark.parametrize(
    ("payment", "status", "expected", "rule"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_match(
    payment: Payment, status: str, expected: list[tuple[str, int, int]], rule: str | None
) -> None:
    result = match(payment, _book(), SETTINGS)
    assert result.status == TxStatus(status), result
    got = [(a.invoice, a.cents, a.charges_cents) for a in result.allocations]
    assert got == expected
    if rule is not None:
        assert {a.rule for a in result.allocations} == {rule}
        assert all(a.evidence for a in result.allocations)
    if status == "needs_review":
        assert result.review in ("payment_uncertain", "overpayment")
        assert result.suggestions, "a person gets ranked suggestions"
    if status == "unmatched":
        assert result.review == "payment_unmatched"


def test_suggestions_are_ranked_with_reasons() -> None:
    result = match(_pay("300.00", "20260419"), _book(), SETTINGS)
    assert [s.invoice for s in result.suggestions][:2] == ["C2026-0419", "F2026-0419"] or [
        s.invoice for s in result.suggestions
    ][:2] == ["F2026-0419", "C2026-0419"]
    assert all(s.reasons for s in result.suggestions)
    scores = [s.score for s in result.suggestions]
    assert scores == sorted(scores, reverse=True)


def test_second_payment_in_same_batch_is_overpayment() -> None:
    book = _book()
    first = match(_pay("250.00", "F2026-0413"), book, SETTINGS)
    apply(book, first)
    second = match(_pay("250.00", "F2026-0413"), book, SETTINGS)
    assert first.status is TxStatus.MATCHED
    assert second.status is TxStatus.NEEDS_REVIEW and second.review == "overpayment"
    assert second.allocations == ()


def test_amount_index_follows_allocations() -> None:
    book = _book()
    apply(book, match(_pay("400.00", "F2026-0412"), book, SETTINGS))
    assert book.open["F2026-0412"] == 60000
    assert "F2026-0412" in book.with_amount(60000)
    assert "F2026-0412" not in book.with_amount(100000)
    book.release("F2026-0412", 40000)
    assert book.with_amount(100000) == ["F2026-0412"]


def test_never_allocates_beyond_open_amount() -> None:
    book = _book()
    for text in ("F2026-0412 F2026-0413", "F2026-0412", "fact 20260413"):
        result = match(_pay("5000.00", text), book, SETTINGS)
        for allocation in result.allocations:
            assert allocation.cents + allocation.charges_cents <= book.open[allocation.invoice]
        apply(book, result)
    assert all(v >= 0 for v in book.open.values())
