"""decide_reply: what each kind of reply does to a case, as data."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from daemon.domain import reply_effects as fx
from daemon.domain.classify import Classification, Intent
from daemon.domain.linking import is_public_domain, parse_reminder_id, thread_ids, unique

TODAY = date(2026, 11, 26)  # a Thursday
SETTINGS = fx.ReplySettings()
INV_A = fx.InvoiceFacts("F2026-0001", "EUR", 100_000, 100_000, "open", date(2026, 10, 1))
INV_B = fx.InvoiceFacts(
    "F2026-0002", "EUR", 50_000, 50_000, "open", date(2026, 10, 15), pdf_path="/x/F2026-0002.pdf"
)
PAID = fx.InvoiceFacts("F2026-0003", "EUR", 20_000, 0, "paid", date(2026, 9, 1))
CTX = fx.ReplyContext(
    sender="ap@debtor.example",
    debtor_id="D1",
    case_id=7,
    case_status="active",
    link="thread",
    invoices=(INV_A,),
    open_invoices=(INV_A, INV_B),
    excerpt="…",
)


# A mail linked to D1 that may not act for it (daemon.domain.identity): no case, no answer.
MISMATCH = fx.ReplyContext(
    sender="ap@debtor.example",
    debtor_id="D1",
    invoices=(INV_A,),
    open_invoices=(INV_A, INV_B),
    identity_problems=("ap@debtor.example writes for debtor D1 but names invoice F2026-0099",),
    identity_review="sender_mismatch",
)


def cls(intent: Intent, **kw: Any) -> Classification:
    values: dict[str, Any] = dict(
        intent=intent,
        language="nl",
        promise_date=None,
        paid_date=None,
        return_date=None,
        invoice_numbers=(),
        bounce_recipients=(),
        bounce_permanent=None,
        amounts=(),
        confidence=0.95,
        evidence=("test",),
        needs_review=False,
    )
    values.update(kw)
    return Classification(**values)


def kinds(decision: fx.ReplyDecision) -> list[str]:
    return [type(c).__name__ for c in decision.commands]


def of(decision: fx.ReplyDecision, kind: type) -> list[Any]:
    return [c for c in decision.commands if isinstance(c, kind)]


CASES = [
    (
        "promise-dated-confirmed",
        CTX,
        cls(Intent.PROMISE_TO_PAY, promise_date=date(2026, 12, 4)),
        "processed",
        ["RecordPromise", "AutoAnswer"],
    ),
    (
        "promise-undated-asks-for-a-date",
        CTX,
        cls(Intent.PROMISE_TO_PAY),
        "processed",
        ["RecordPromise", "AutoAnswer"],
    ),
    (
        "promise-too-far-goes-to-review",
        CTX,
        cls(Intent.PROMISE_TO_PAY, promise_date=date(2027, 6, 1)),
        "review",
        ["RecordPromise", "OpenReview"],
    ),
    (
        "promise-to-a-list-is-not-answered",
        replace(CTX, answer_blockers=("mailing list",)),
        cls(Intent.PROMISE_TO_PAY, promise_date=date(2026, 12, 4)),
        "processed",
        ["RecordPromise", "Note"],
    ),
    (
        "paid-claim-without-payment-asks-proof",
        CTX,
        cls(Intent.PAID_CLAIM),
        "processed",
        ["HoldInvoices", "AutoAnswer"],
    ),
    (
        "paid-claim-with-payment-found",
        replace(
            CTX,
            payment_candidates=(
                fx.PaymentCandidate(9, 100_000, ("F2026-0001",), "amount equals the open amount"),
            ),
        ),
        cls(Intent.PAID_CLAIM),
        "review",
        ["OpenReview"],
    ),
    (
        "dispute-stops-invoices",
        CTX,
        cls(Intent.DISPUTE),
        "review",
        ["DisputeInvoices", "SetCaseStatus", "OpenReview"],
    ),
    (
        "dispute-when-unsure-still-stops",
        CTX,
        cls(Intent.DISPUTE, confidence=0.3, needs_review=True),
        "review",
        ["DisputeInvoices", "SetCaseStatus", "OpenReview"],
    ),
    (
        "insolvency-stops-everything",
        CTX,
        cls(Intent.INSOLVENCY),
        "review",
        ["MarkInsolvent", "SetCaseStatus", "OpenReview"],
    ),
    (
        "plan-proposed-for-review",
        CTX,
        cls(Intent.PAYMENT_PLAN),
        "review",
        ["ProposePlan", "OpenReview"],
    ),
    ("invoice-request-without-pdf", CTX, cls(Intent.INVOICE_REQUEST), "review", ["OpenReview"]),
    (
        "invoice-request-with-pdf",
        replace(CTX, invoices=(INV_B,)),
        cls(Intent.INVOICE_REQUEST),
        "processed",
        ["AutoAnswer"],
    ),
    (
        "invoice-request-rate-limited",
        replace(CTX, invoices=(INV_B,), answer_blockers=("recent",)),
        cls(Intent.INVOICE_REQUEST),
        "review",
        ["OpenReview", "Note"],
    ),
    (
        "auto-reply-with-return-date-pauses",
        CTX,
        cls(Intent.AUTO_REPLY, return_date=date(2026, 12, 4), machine="auto_reply"),
        "processed",
        ["PauseCase"],
    ),
    (
        "unsure-auto-reply-may-be-a-person-and-goes-to-review",
        CTX,
        cls(Intent.AUTO_REPLY, confidence=0.4, needs_review=True, machine="auto_reply"),
        "review",
        ["OpenReview"],
    ),
    (
        "auto-reply-never-shortens-a-pause",
        replace(CTX, paused_until=date(2027, 1, 4)),
        cls(Intent.AUTO_REPLY, return_date=date(2026, 12, 4), machine="auto_reply"),
        "processed",
        ["Note"],
    ),
    (
        "auto-reply-does-not-lift-a-dispute",
        replace(CTX, case_status="disputed"),
        cls(Intent.AUTO_REPLY, return_date=date(2026, 12, 4), machine="auto_reply"),
        "processed",
        ["Note"],
    ),
    (
        "bounce-permanent-flags-address",
        CTX,
        cls(Intent.BOUNCE, bounce_recipients=("ap@debtor.example",), bounce_permanent=True),
        "review",
        ["MarkUndeliverable", "OpenReview"],
    ),
    (
        "bounce-delay-flags-nothing",
        CTX,
        cls(Intent.BOUNCE, bounce_recipients=("ap@debtor.example",), bounce_permanent=False),
        "processed",
        ["Note"],
    ),
    (
        "other-goes-to-a-person",
        CTX,
        cls(Intent.OTHER, confidence=0.5, needs_review=True),
        "review",
        ["OpenReview"],
    ),
    (
        # the classifier may be sure a reply is "other" (handled automatically, in its
        # terms): what to answer is still a person's
        "confident-other-goes-to-a-person-too",
        CTX,
        cls(Intent.OTHER, confidence=0.999, needs_review=False),
        "review",
        ["OpenReview"],
    ),
    (
        "low-confidence-promise-goes-to-a-person",
        CTX,
        cls(Intent.PROMISE_TO_PAY, confidence=0.5, needs_review=True),
        "review",
        ["OpenReview"],
    ),
    (
        "machine-mail-is-only-noted",
        CTX,
        cls(Intent.OTHER, machine="auto_generated"),
        "processed",
        ["Note"],
    ),
    (
        "unknown-sender-goes-to-review",
        fx.ReplyContext(sender="x@y.example"),
        cls(Intent.PROMISE_TO_PAY, promise_date=date(2026, 12, 4)),
        "review",
        ["OpenReview"],
    ),
    (
        "mismatched-sender-dispute-changes-nothing",
        MISMATCH,
        cls(Intent.DISPUTE, invoice_numbers=("F2026-0099",)),
        "review",
        ["OpenReview"],
    ),
    (
        "colleague-copy-request-is-not-answered",
        replace(MISMATCH, identity_review="unverified_sender"),
        cls(Intent.INVOICE_REQUEST, invoice_numbers=("F2026-0002",)),
        "review",
        ["OpenReview"],
    ),
    (
        "unverified-auto-reply-pauses-nothing",
        MISMATCH,
        cls(Intent.AUTO_REPLY, return_date=date(2026, 12, 4), machine="auto_reply"),
        "processed",
        ["Note"],
    ),
    (
        "unknown-bounce-still-flags-the-address",
        fx.ReplyContext(sender="mailer-daemon@mx.example", identity_review="unknown_sender"),
        cls(Intent.BOUNCE, bounce_recipients=("ap@debtor.example",), bounce_permanent=True),
        "review",
        ["MarkUndeliverable", "OpenReview"],
    ),
]


@pytest.mark.parametrize(
    ("context", "classification", "status", "commands"),
    [c[1:] for c in CASES],
    ids=[c[0] for c in CASES],
)
def test_decide_reply(
    context: fx.ReplyContext, classification: Classification, status: str, commands: list[str]
) -> None:
    decision = fx.decide_reply(context, classification, TODAY, SETTINGS)
    assert (decision.status, kinds(decision)) == (status, commands)


def test_a_mail_that_may_not_act_gets_a_review_naming_why() -> None:
    decision = fx.decide_reply(MISMATCH, cls(Intent.DISPUTE), TODAY, SETTINGS)
    (review,) = of(decision, fx.OpenReview)
    assert (review.type, review.priority) == ("sender_mismatch", 1)  # a dispute is urgent
    assert "F2026-0099" in review.reason and "may not act for debtor D1" in review.reason
    assert review.invoice_numbers == ("F2026-0001",)  # only the linked debtor's own


def test_an_unknown_senders_review_carries_no_invoice_numbers() -> None:
    context = fx.ReplyContext(sender="x@y.example", identity_problems=("names F2026-0002",))
    decision = fx.decide_reply(
        context, cls(Intent.INVOICE_REQUEST, invoice_numbers=("F2026-0002",)), TODAY, SETTINGS
    )
    (review,) = of(decision, fx.OpenReview)
    assert (review.type, review.invoice_numbers) == ("unknown_sender", ())
    assert "names F2026-0002" in review.reason


def test_promise_grace_counts_business_days_and_names_the_invoices() -> None:
    decision = fx.decide_reply(
        CTX, cls(Intent.PROMISE_TO_PAY, promise_date=date(2026, 12, 4)), TODAY, SETTINGS
    )
    (promise,) = of(decision, fx.RecordPromise)
    assert promise.invoice_numbers == ("F2026-0001",)
    assert promise.grace_until == date(2026, 12, 9)  # Fri + 3 business days
    (answer,) = of(decision, fx.AutoAnswer)
    assert (answer.template, answer.promise_date) == ("promise_confirmation", date(2026, 12, 4))


def test_auto_reply_resumes_on_the_first_business_day_after_return() -> None:
    decision = fx.decide_reply(
        CTX,
        cls(Intent.AUTO_REPLY, return_date=date(2026, 12, 4), machine="auto_reply"),
        TODAY,
        SETTINGS,
    )
    assert of(decision, fx.PauseCase)[0].until == date(2026, 12, 7)  # Friday → Monday


def test_dispute_without_named_invoices_stops_all_open_ones() -> None:
    decision = fx.decide_reply(replace(CTX, invoices=()), cls(Intent.DISPUTE), TODAY, SETTINGS)
    assert of(decision, fx.DisputeInvoices)[0].invoice_numbers == ("F2026-0001", "F2026-0002")


def test_paid_claim_pause_and_proof_request() -> None:
    decision = fx.decide_reply(
        CTX,
        cls(Intent.PAID_CLAIM, paid_date=date(2026, 11, 20)),
        TODAY,
        replace(SETTINGS, paid_claim_pause_business_days=5),
    )
    (hold,) = of(decision, fx.HoldInvoices)
    assert hold.until == date(2026, 12, 3) and hold.reason.startswith("paid_claim:")
    assert of(decision, fx.AutoAnswer)[0].template == "paid_proof_request"


@pytest.mark.parametrize(
    ("text", "count", "max_instalments", "accepted"),
    [
        ("Kunnen we in 4 termijnen betalen?", 4, 0, False),
        ("Could we pay over six months?", 6, 6, True),
        ("Wir möchten in drei Raten zahlen", 3, 2, False),
        ("Est-il possible de payer en plusieurs fois ?", 3, 3, True),
    ],
    ids=["nl-digits-never-auto", "en-words-within-limit", "de-beyond-limit", "fr-default-three"],
)
def test_payment_plan_schedule(text: str, count: int, max_instalments: int, accepted: bool) -> None:
    ctx = replace(CTX, requested_instalments=fx.requested_instalments(text))
    settings = replace(
        SETTINGS,
        plan_auto_accept_max_instalments=max_instalments,
        plan_auto_accept_max_months=max_instalments,
    )
    decision = fx.decide_reply(ctx, cls(Intent.PAYMENT_PLAN), TODAY, settings)
    (plan,) = of(decision, fx.ProposePlan)
    assert len(plan.instalments) == count
    assert sum(cents for _, cents in plan.instalments) == plan.total_cents == 100_000
    assert plan.accepted is accepted
    assert (decision.status == "review") is not accepted


@pytest.mark.parametrize(
    ("headers", "answer_to", "blocked"),
    [
        ((), "ap@debtor.example", False),
        ((("list-id", "<ap.example>"),), "ap@debtor.example", True),
        ((("precedence", "bulk"),), "ap@debtor.example", True),
        ((("auto-submitted", "no"),), "ap@debtor.example", False),
        ((("auto-submitted", "auto-replied"),), "ap@debtor.example", True),
        ((("return-path", "<>"),), "ap@debtor.example", True),
        ((), "debiteuren@office.example", True),
        ((), None, True),
    ],
    ids=[
        "person",
        "list-id",
        "precedence-bulk",
        "auto-submitted-no-is-a-person",
        "auto-submitted",
        "empty-return-path",
        "own-address",
        "no-address",
    ],
)
def test_answer_blockers(
    headers: tuple[tuple[str, str], ...], answer_to: str | None, blocked: bool
) -> None:
    found = fx.answer_blockers(headers, answer_to, ("debiteuren@office.example",))
    assert bool(found) is blocked


def test_payment_candidates_by_remittance_amount_and_sum() -> None:
    credits = [
        fx.BankCredit(1, 12_345, None, None, "betaling F2026-0002"),
        fx.BankCredit(2, 100_000, None, None, ""),
        fx.BankCredit(3, 150_000, None, None, ""),
        fx.BankCredit(4, 99, None, None, "unrelated"),
    ]
    found = fx.find_payment_candidates(credits, [INV_A, INV_B, PAID])
    assert [(p.transaction_id, p.invoice_numbers) for p in found] == [
        (1, ("F2026-0002",)),
        (2, ("F2026-0001",)),
        (3, ("F2026-0001", "F2026-0002")),
    ]


@pytest.mark.parametrize(
    ("message_id", "expected"),
    [
        ("<reminder.F2026-0412.1@voorbeeld-bv.nl>", ("F2026-0412", 1)),
        ("<reminder.case_ab12.3@voorbeeld-bv.nl>", ("case_ab12", 3)),
        ("<reminder.F2026-0412.1@elsewhere.example>", None),
        ("<CAF=abc@mail.gmail.com>", None),
    ],
    ids=["invoice-key", "case-key", "foreign-domain", "not-ours"],
)
def test_reminder_ids(message_id: str, expected: tuple[str, int] | None) -> None:
    ref = parse_reminder_id(message_id, ["voorbeeld-bv.nl"])
    assert (None if ref is None else (ref.key, ref.level)) == expected


def test_linking_helpers() -> None:
    assert thread_ids("<a@x>", ("<b@x>", "<c@x>"), ("Message-ID: <d@y>",)) == (
        "<a@x>",
        "<c@x>",
        "<b@x>",
        "<d@y>",
    )
    assert is_public_domain("Gmail.com") and not is_public_domain("debtor.example")
    assert unique(["D1", "D1"]) == "D1" and unique(["D1", "D2"]) is None and unique([]) is None


def test_invoice_request_whose_pdf_was_refused_says_why() -> None:
    """Issue #11: a stored PDF that fails the read-time check is not attached; the person
    sees why."""
    refused = replace(INV_B, pdf_path=None, pdf_problem="pdf path '/etc/passwd' … outside")
    decision = fx.decide_reply(
        replace(CTX, invoices=(refused,)), cls(Intent.INVOICE_REQUEST), TODAY, SETTINGS
    )
    assert [type(c).__name__ for c in decision.commands] == ["OpenReview"]
    review = decision.commands[0]
    assert isinstance(review, fx.OpenReview)
    assert "PDF not attached: F2026-0002: pdf path '/etc/passwd' … outside" in review.reason


NOTHING_OPEN = replace(CTX, invoices=(PAID,), open_invoices=())


@pytest.mark.parametrize(
    "classification",
    [
        cls(Intent.PAID_CLAIM, paid_date=date(2026, 11, 20)),
        cls(Intent.PAID_CLAIM),
        cls(Intent.PROMISE_TO_PAY),
        cls(Intent.PROMISE_TO_PAY, promise_date=date(2026, 12, 4)),
    ],
    ids=["paid-dated", "paid", "promise-undated", "promise-dated"],
)
def test_nothing_open_means_no_answer_hold_or_promise(classification: Classification) -> None:
    """Issue #15: "Uw betaling van : op welke datum?" to a debtor who owes nothing."""
    decision = fx.decide_reply(NOTHING_OPEN, classification, TODAY, SETTINGS)
    assert kinds(decision) == ["Note"]
    assert of(decision, fx.Note)[0].event == "nothing_open"


def test_an_answer_never_names_an_empty_invoice_list() -> None:
    answer = fx.AutoAnswer("paid_proof_request", "auto_answer", ())
    (note,) = fx._answer(CTX, answer, [])
    assert isinstance(note, fx.Note) and note.event == "auto_answer_withheld"
    named = fx.AutoAnswer("paid_proof_request", "auto_answer", ("F2026-0001",))
    assert fx._answer(CTX, named, []) == [named]  # positive control
