"""daemon.domain.identity: which debtor a mail may act for, and who receives our answers."""

from __future__ import annotations

import pytest

from daemon.domain.identity import (
    COLLEAGUE,
    DOMAIN,
    REGISTERED,
    UNKNOWN,
    Claim,
    SenderFacts,
    bind,
    bind_bounce,
    choose_recipients,
)

A, B = "ALPHA", "BETA"
INV_A = Claim("invoice", "F-A-1", A, ("F-A-1",))
INV_B = Claim("invoice", "F-B-1", B, ("F-B-1",))
THREAD_A = Claim("thread", "<answer.1@us.example>", A, ("F-A-1", "F-A-2"), case_id=7)
REMINDER_B = Claim("reminder", "<reminder.F-B-1.1@us.example>", B, ("F-B-1",))

REG_A = SenderFacts("ap@alpha.example", registered_for=(A,), colleague_of=(A,))
DOMAIN_A = SenderFacts("boss@alpha.example", domain_of=(A,), colleague_of=(A,))
COLLEAGUE_A = SenderFacts("boss@alpha.example", colleague_of=(A,))
SHARED = SenderFacts("bookkeeper@office.example", registered_for=(A, B))
STRANGER = SenderFacts("someone@gmail.com")
HOSTILE = SenderFacts("", ("2 addresses in the From header (a@x, b@y)",))

# (sender, claims) -> (debtor, trust, acts, via, invoice numbers, review type)
CASES = [
    ("registered-alone", REG_A, [], (A, REGISTERED, True, "address", (), None)),
    ("registered-own-invoice", REG_A, [INV_A], (A, REGISTERED, True, "invoice", ("F-A-1",), None)),
    (
        "registered-own-thread",
        REG_A,
        [THREAD_A],
        (A, REGISTERED, True, "thread", ("F-A-1", "F-A-2"), None),
    ),
    (
        "registered-names-other-debtors-invoice",
        REG_A,
        [INV_B],
        (A, REGISTERED, False, "address", (), "sender_mismatch"),
    ),
    (
        "registered-forged-thread-of-other-debtor",
        REG_A,
        [REMINDER_B],
        (A, REGISTERED, False, "address", (), "sender_mismatch"),
    ),
    (
        "registered-own-and-other-invoice",
        REG_A,
        [INV_A, INV_B],
        (A, REGISTERED, False, "invoice", ("F-A-1",), "sender_mismatch"),
    ),
    ("declared-domain", DOMAIN_A, [INV_A], (A, DOMAIN, True, "invoice", ("F-A-1",), None)),
    (
        "declared-domain-other-invoice",
        DOMAIN_A,
        [INV_B],
        (A, DOMAIN, False, "domain", (), "sender_mismatch"),
    ),
    (
        "colleague-review-only",
        COLLEAGUE_A,
        [INV_A],
        (A, COLLEAGUE, False, "invoice", ("F-A-1",), "unverified_sender"),
    ),
    (
        "shared-address-narrowed-by-claim",
        SHARED,
        [INV_B],
        (B, REGISTERED, True, "invoice", ("F-B-1",), None),
    ),
    ("shared-address-ambiguous", SHARED, [], (None, UNKNOWN, False, None, (), "unknown_sender")),
    ("stranger", STRANGER, [], (None, UNKNOWN, False, None, (), "unknown_sender")),
    (
        "stranger-names-invoice",
        STRANGER,
        [INV_B],
        (None, UNKNOWN, False, None, (), "unknown_sender"),
    ),
    (
        "stranger-in-thread",
        STRANGER,
        [THREAD_A],
        (None, UNKNOWN, False, None, (), "unknown_sender"),
    ),
    ("hostile-from", HOSTILE, [INV_A], (None, UNKNOWN, False, None, (), "unknown_sender")),
]


@pytest.mark.parametrize(
    ("sender", "claims", "expected"), [pytest.param(s, c, e, id=i) for i, s, c, e in CASES]
)
def test_bind(sender: SenderFacts, claims: list[Claim], expected: tuple[object, ...]) -> None:
    debtor, trust, acts, via, numbers, review = expected
    got = bind(sender, claims)
    assert (got.debtor_id, got.trust, got.acts, got.via, got.invoice_numbers) == (
        debtor,
        trust,
        acts,
        via,
        numbers,
    )
    assert (None if got.acts else got.review_type) == review
    assert got.claims == tuple(claims)  # every pointer is kept as evidence
    if not got.acts:
        assert got.problems


def test_a_mismatch_names_the_sender_the_pointer_and_its_owner() -> None:
    got = bind(REG_A, [REMINDER_B])
    [problem] = got.problems
    assert "ap@alpha.example" in problem and REMINDER_B.value in problem and B in problem


def test_an_unknown_sender_keeps_the_parsers_reason_and_the_pointers() -> None:
    got = bind(HOSTILE, [INV_B])
    assert got.problems[0] == HOSTILE.problems[0]
    assert "invoice F-B-1 of debtor BETA" in got.problems[1]


def test_a_thread_claim_carries_its_case() -> None:
    assert bind(REG_A, [THREAD_A]).case_id == 7


@pytest.mark.parametrize(
    ("registered", "asked", "to", "refused"),
    [
        pytest.param(["a@x.example"], ["a@x.example"], ("a@x.example",), (), id="from-registered"),
        pytest.param(
            ["a@x.example"],
            ["mallory@evil.example", "a@x.example"],
            ("a@x.example",),
            ("mallory@evil.example",),
            id="reply-to-stranger-from-registered",
        ),
        pytest.param(
            ["a@x.example", "b@x.example"],
            ["b@x.example", "a@x.example"],
            ("b@x.example",),
            (),
            id="reply-to-registered-wins",
        ),
        pytest.param(
            ["a@x.example", "b@x.example"],
            ["boss@x.example"],
            ("a@x.example", "b@x.example"),
            ("boss@x.example",),
            id="declared-domain-sender-gets-nothing-registered-get-it",
        ),
        pytest.param(["a@x.example"], [], ("a@x.example",), (), id="nothing-asked-all-registered"),
        pytest.param([], ["a@x.example"], (), ("a@x.example",), id="no-registered-address"),
        pytest.param(["A@X.example"], ["a@x.EXAMPLE"], ("a@x.example",), (), id="case-insensitive"),
    ],
)
def test_choose_recipients(
    registered: list[str], asked: list[str], to: tuple[str, ...], refused: tuple[str, ...]
) -> None:
    got = choose_recipients(registered, asked)
    assert (got.to, got.refused) == (to, refused)
    assert set(got.to) <= {r.lower() for r in registered}
    assert bool(got.note) == bool(refused)


def test_bounce_links_through_our_message_then_the_failed_recipient() -> None:
    assert bind_bounce([THREAD_A], [("b@beta.example", B)]).debtor_id == A
    by_recipient = bind_bounce([], [("b@beta.example", B)])
    assert (by_recipient.debtor_id, by_recipient.via) == (B, "recipient")
    shared = bind_bounce([], [("s@x.example", A), ("s@x.example", B)])
    assert shared.debtor_id is None
    assert bind_bounce([], []).debtor_id is None
