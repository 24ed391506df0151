"""No reminder and no answer without an open amount (#15): the domain guard at the root."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from daemon.domain import reply_effects as fx
from daemon.domain.cases import Action, ActionKind, guard_reminder, plan_day
from daemon.domain.classify import Intent
from daemon.domain.nothing_open import answer_refusal, reminder_refusal
from tests.unit.test_cases_planner import SETTINGS, TODAY, debtor, inv
from tests.unit.test_reply_effects import CTX, INV_A, cls


@pytest.mark.parametrize(
    ("opens", "due", "refused"),
    [
        ({"F1": Decimal("10.00")}, Decimal("10.00"), None),
        ({}, Decimal("0"), "nothing open: the reminder would list no invoice"),
        ({"F1": Decimal("0.00")}, Decimal("0.00"), "nothing open on F1"),
        ({"F1": Decimal("5"), "F2": Decimal("-5")}, Decimal("0"), "nothing open on F2"),
        ({"F1": Decimal("5")}, Decimal("0"), "nothing open: the amount due is 0"),
    ],
)
def test_reminder_refusal(opens: dict[str, Decimal], due: Decimal, refused: str | None) -> None:
    got = reminder_refusal(opens, due)
    assert got == refused if refused is None else got is not None and got.startswith(refused)


@pytest.mark.parametrize(
    ("template", "numbers", "opens", "refused"),
    [
        ("paid_proof_request", ("F1",), {"F1": 100}, False),
        ("paid_proof_request", (), {"F1": 100}, True),  # "Uw betaling van : op welke datum?"
        ("promise_date_request", ("F1",), {"F1": 0}, True),
        ("promise_confirmation", ("F1", "F9"), {"F1": 100}, True),  # F9 unknown: not open
        ("invoice_copy", ("F1",), {"F1": 0}, False),  # a copy of a paid invoice may be asked
        ("invoice_copy", (), {}, True),
    ],
)
def test_answer_refusal(
    template: str, numbers: tuple[str, ...], opens: dict[str, int], refused: bool
) -> None:
    assert (answer_refusal(template, numbers, opens) is not None) is refused


def _reminder(**kw: object) -> Action:
    base = dict(
        debtor_id="D1",
        action=ActionKind.EMAIL,
        reason="step 2 'reminder2' for F1",
        kind="reminder",
        template="reminder2",
        to=("a@example.nl",),
        invoices=(inv("F1", date(2026, 4, 1), "0.00").item,),
        amount_due=Decimal("0.00"),
    )
    base.update(kw)
    return Action(**base)  # type: ignore[arg-type]


def test_guard_turns_a_reminder_for_nothing_into_a_skip() -> None:
    guarded = guard_reminder(_reminder())
    assert guarded.action is ActionKind.SKIP and guarded.template is None
    assert (
        guarded.reason
        == "step 2 'reminder2' for F1: nothing open on F1: a reminder lists only open invoices"
    )
    empty = guard_reminder(_reminder(invoices=(), amount_due=Decimal("10")))
    assert empty.action is ActionKind.SKIP
    # a thank-you has no invoices by design, and a real reminder passes unchanged
    thanks = _reminder(kind="thank_you", template="thank_you", invoices=())
    assert guard_reminder(thanks) is thanks
    fine = _reminder(invoices=(inv("F1", date(2026, 4, 1)).item,), amount_due=Decimal("100.00"))
    assert guard_reminder(fine) is fine


def test_the_planner_sends_no_reminder_without_an_open_amount() -> None:
    snapshots = [
        debtor(inv("F1", date(2026, 4, 1), "0.00")),  # open status, nothing left
        debtor(inv("F2", date(2026, 4, 1)), debtor_id="D2"),
    ]
    actions = plan_day(snapshots, TODAY, SETTINGS)
    mails = [a for a in actions if a.action is ActionKind.EMAIL and a.kind == "reminder"]
    assert [a.debtor_id for a in mails] == ["D2"]
    assert all(a.invoices and a.amount_due > 0 for a in mails)


def test_an_answer_about_a_settled_invoice_is_withheld() -> None:
    # The reply names an invoice whose status still says open but whose amount is settled.
    settled = replace(INV_A, open_cents=0)
    context = replace(CTX, invoices=(settled,), open_invoices=(settled,))
    decision = fx.decide_reply(context, cls(Intent.PAID_CLAIM), TODAY, fx.ReplySettings())
    assert not [c for c in decision.commands if isinstance(c, fx.AutoAnswer)]
    answer = fx.AutoAnswer("paid_proof_request", "auto_answer", (settled.number,))
    (note,) = fx._answer(context, answer, [])
    assert isinstance(note, fx.Note) and note.event == "auto_answer_withheld"
    assert "nothing open on F2026-0001" in note.reason
