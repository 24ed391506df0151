"""The pure planner: one mail per debtor, holds and pauses, gates, costs and interest."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal

import pytest

from daemon.domain.dunning_planner import (
    ActionKind,
    DebtorSnapshot,
    InvoiceState,
    LastReminder,
    PlanSettings,
    ReviewWait,
    plan_day,
    plan_debtor,
)
from daemon.domain.policy import Progress
from daemon.domain.statement_of_account import InvoiceItem
from daemon.ladders import DEFAULT_LADDERS

TODAY = date(2026, 5, 20)  # Wednesday
SETTINGS = PlanSettings(ladders=dict(DEFAULT_LADDERS), tag_ladders={"key-account": "key-account"})


def inv(
    number: str,
    due: date,
    open_: str = "100.00",
    *,
    done: int = 1,
    last: date | None = date(2026, 4, 1),
    status: str = "open",
    notice: date | None = None,
    notice_costs: str | None = None,
    **kw: object,
) -> InvoiceState:
    issue = date(due.year, due.month, 1) if due.day > 14 else date(2026, 1, 2)
    item = InvoiceItem(
        number,
        "EUR",
        Decimal(open_),
        Decimal(open_),
        issue,
        due,
        "RF18539007547034",
        "rf",
        notice,
        Decimal(notice_costs) if notice_costs else None,
    )
    return InvoiceState(item, status, Progress(issue, due, done, last, notice), **kw)  # type: ignore[arg-type]


def debtor(*invoices: InvoiceState, **kw: object) -> DebtorSnapshot:
    base = dict(
        debtor_id="D1",
        name="Jansen",
        language="nl",
        debtor_type="b2b",
        jurisdiction="NL",
        emails=("jansen@example.nl",),
        invoices=invoices,
    )
    base.update(kw)
    return DebtorSnapshot(**base)  # type: ignore[arg-type]


def only(actions):
    assert len(actions) == 1, actions
    return actions[0]


def test_one_mail_lists_all_overdue_invoices_at_the_highest_step() -> None:
    a = inv("F1", date(2026, 4, 15), done=1, last=date(2026, 4, 10))  # reminder due
    b = inv("F2", date(2026, 3, 1), done=3, last=date(2026, 4, 20))  # formal (step 4) due
    act = only(plan_debtor(debtor(a, b), TODAY, SETTINGS))
    assert act.action == ActionKind.EMAIL and act.step == 4 and act.template == "reminder2"
    assert [i.number for i in act.invoices] == ["F2", "F1"]
    assert {x.number: x.to_step for x in act.advances} == {"F1": 2, "F2": 4}
    assert act.message_key == "F2"
    assert act.amount_due == Decimal("200.00")


@pytest.mark.parametrize(
    ("snapshot_kw", "settings_kw", "kind", "needle"),
    [
        pytest.param(
            {}, {"global_pause": "audit"}, ActionKind.HOLD, "global pause", id="global-pause"
        ),
        pytest.param({"hold": "talks"}, {}, ActionKind.HOLD, "debtor on hold", id="debtor-hold"),
        pytest.param(
            {"case_status": "insolvent"}, {}, ActionKind.SKIP, "insolvent", id="insolvent"
        ),
        pytest.param(
            {"case_status": "paused", "paused_until": date(2026, 5, 21)},
            {},
            ActionKind.HOLD,
            "paused until",
            id="paused-until-tomorrow",
        ),
        pytest.param(
            {}, {"bank_block": "bank gate closed"}, ActionKind.HOLD, "bank gate", id="bank-gate"
        ),
        pytest.param(
            {"mail_pending": True}, {}, ActionKind.SKIP, "already queued", id="mail-pending"
        ),
        pytest.param(
            {"last_mail_date": date(2026, 5, 15)},
            {},
            ActionKind.SKIP,
            "not before 2026-05-22",
            id="minimum-spacing",
        ),
        pytest.param({}, {"min_open": Decimal("500")}, ActionKind.SKIP, "below", id="small-amount"),
        pytest.param({"emails": ()}, {}, ActionKind.TASK, "no deliverable", id="no-address"),
    ],
)
def test_what_stops_a_mail(snapshot_kw, settings_kw, kind, needle) -> None:
    s = debtor(inv("F1", date(2026, 4, 15), done=1, last=date(2026, 4, 10)), **snapshot_kw)
    act = only(plan_debtor(s, TODAY, replace(SETTINGS, **settings_kw)))
    assert act.action == kind and needle in act.reason


def test_paused_case_resumes_on_paused_until() -> None:
    s = debtor(inv("F1", date(2026, 4, 15)), case_status="paused", paused_until=TODAY)
    assert only(plan_debtor(s, TODAY, SETTINGS)).action == ActionKind.EMAIL


@pytest.mark.parametrize(
    "kw",
    [
        pytest.param({"status": "disputed"}, id="disputed"),
        pytest.param({"held": "checking"}, id="invoice-hold"),
        pytest.param({"promised": "until 2026-05-25"}, id="promise"),
        pytest.param({"in_plan": True}, id="payment-plan"),
    ],
)
def test_excluded_invoice_is_left_out_others_continue(kw) -> None:
    bad = inv("F1", date(2026, 4, 15), **kw)
    good = inv("F2", date(2026, 4, 16))
    act = only(plan_debtor(debtor(bad, good), TODAY, SETTINGS))
    assert [i.number for i in act.invoices] == ["F2"]
    alone = only(plan_debtor(debtor(bad), TODAY, SETTINGS))
    assert alone.action == ActionKind.HOLD


def test_key_account_goes_to_a_person() -> None:
    s = debtor(inv("F1", date(2026, 4, 15)), tags=("key-account",))
    act = only(plan_debtor(s, TODAY, SETTINGS))
    assert act.action == ActionKind.TASK and act.kind == "call_task" and "key account" in act.reason


def test_final_step_is_a_handover_task() -> None:
    s = debtor(inv("F1", date(2026, 2, 1), done=5, last=date(2026, 5, 1)))
    act = only(plan_debtor(s, TODAY, SETTINGS))
    assert (act.action, act.kind, act.final) == (ActionKind.TASK, "handover", True)


def test_b2b_formal_step_costs_and_interest() -> None:
    s = debtor(inv("F1", date(2026, 3, 31), "1000.00", done=3, last=date(2026, 5, 1)))
    act = only(plan_debtor(s, TODAY, SETTINGS))
    assert act.step_name == "formal"
    assert act.charges.costs == Decimal("150.00")  # 15 % staffel, not the 40 minimum
    # handelsrente 10.15 % from 1 April through 20 May 2026: 50 days on 1000.00
    assert act.charges.interest == Decimal("13.90")
    assert act.total == Decimal("1163.90")


def test_b2c_notice_states_costs_and_demand_charges_them_after_the_term() -> None:
    s = debtor(
        inv("F1", date(2026, 3, 31), "1234.50", done=3, last=date(2026, 5, 5)), debtor_type="b2c"
    )
    notice = only(plan_debtor(s, TODAY, SETTINGS))
    assert notice.step_name == "notice" and notice.charges.costs == 0
    assert notice.notice_costs == Decimal("185.18")
    # notice received Wed 20 May: last day 3 June, costs from 4 June; the demand offset
    # (17 days -> 6 June, a Saturday) is later, so the demand goes out on 6 June.
    sent = debtor(
        inv(
            "F1",
            date(2026, 3, 31),
            "1234.50",
            done=4,
            last=TODAY,
            notice=TODAY,
            notice_costs="185.18",
        ),
        debtor_type="b2c",
    )
    assert only(plan_debtor(sent, date(2026, 6, 5), SETTINGS)).action == ActionKind.SKIP
    demand = only(plan_debtor(sent, date(2026, 6, 6), SETTINGS))
    assert demand.step_name == "demand" and demand.charges.costs == Decimal("185.18")
    assert demand.charges.interest > 0


def test_b2c_demand_waits_for_term_even_with_short_offset() -> None:
    ladders = dict(DEFAULT_LADDERS)
    steps = list(ladders["b2c"].steps)
    steps[4] = replace(steps[4], offset_days=1)
    ladders["b2c"] = replace(ladders["b2c"], steps=tuple(steps))
    settings = replace(SETTINGS, ladders=ladders)
    sent = debtor(
        inv(
            "F1",
            date(2026, 3, 31),
            "300.00",
            done=4,
            last=TODAY,
            notice=TODAY,
            notice_costs="45.00",
        ),
        debtor_type="b2c",
    )
    assert only(plan_debtor(sent, date(2026, 6, 3), settings)).action == ActionKind.SKIP
    assert only(plan_debtor(sent, date(2026, 6, 4), settings)).action == ActionKind.EMAIL


def test_partial_payment_lowers_costs_never_above_stated() -> None:
    sent = debtor(
        inv(
            "F1",
            date(2026, 3, 31),
            "600.00",
            done=4,
            last=TODAY,
            notice=TODAY,
            notice_costs="150.00",
        ),
        debtor_type="b2c",
    )
    demand = only(plan_debtor(sent, date(2026, 6, 6), SETTINGS))
    assert demand.charges.costs == Decimal("90.00")


def test_notice_is_never_merged_into_a_higher_mail() -> None:
    at_notice = inv("F1", date(2026, 3, 31), done=3, last=date(2026, 5, 5))
    at_demand = inv(
        "F0",
        date(2026, 1, 31),
        done=4,
        last=date(2026, 4, 1),
        notice=date(2026, 4, 1),
        notice_costs="40.00",
    )
    act = only(plan_debtor(debtor(at_notice, at_demand, debtor_type="b2c"), TODAY, SETTINGS))
    assert act.step_name == "demand"
    assert [a.number for a in act.advances] == ["F0"]
    assert act.charges.costs == Decimal("40.00")  # only the invoice whose term ended


def test_thank_you_after_full_payment() -> None:
    paid = inv("F1", date(2026, 4, 15), status="paid")
    last = LastReminder("<reminder.F1.2@x>", ("F1",), True)
    act = only(plan_debtor(debtor(paid, last_reminder=last), TODAY, SETTINGS))
    assert act.action == ActionKind.EMAIL and act.kind == "thank_you"
    off = only(
        plan_debtor(debtor(paid, last_reminder=last), TODAY, replace(SETTINGS, thank_you=False))
    )
    assert off.action == ActionKind.SKIP


def test_plan_day_is_deterministic_and_sorted() -> None:
    a = debtor(inv("F1", date(2026, 4, 15)), debtor_id="B")
    b = debtor(inv("F2", date(2026, 4, 15)), debtor_id="A")
    assert [x.debtor_id for x in plan_day([a, b], TODAY, SETTINGS)] == ["A", "B"]


def test_a_reply_waiting_for_review_holds_every_automated_step() -> None:
    wait = ReviewWait(item_id=42, item_type="other_reply", since=TODAY - timedelta(days=2))
    s = debtor(inv("F1", date(2026, 4, 15), done=1, last=date(2026, 4, 10)), review_wait=wait)
    act = only(plan_debtor(s, TODAY, SETTINGS))
    assert act.action == ActionKind.HOLD
    assert "waiting for review #42 (other_reply) since" in act.reason
    assert "overdue" not in act.reason
    late = replace(s, review_wait=replace(wait, since=TODAY - timedelta(days=6)))
    act = only(plan_debtor(late, TODAY, replace(SETTINGS, review_wait_max_days=5)))
    assert act.action == ActionKind.HOLD and "overdue" in act.reason  # escalated, still held
    # positive control: without the waiting item the same debtor gets its reminder
    assert (
        only(plan_debtor(replace(s, review_wait=None), TODAY, SETTINGS)).action == ActionKind.EMAIL
    )


# Issue #15: the deadline counts from the day the mail really leaves (settings.send_day, the
# window's next opening) and never ends on a closed day of the debtor or the office.
@pytest.mark.parametrize(
    ("planned", "send_day", "kw", "done", "expected"),
    [
        pytest.param(
            date(2026, 4, 11), date(2026, 4, 13), {}, 4, date(2026, 4, 20), id="planned-saturday"
        ),
        pytest.param(
            date(2026, 12, 25), date(2026, 12, 28), {}, 4, date(2027, 1, 4), id="christmas"
        ),
        pytest.param(
            date(2026, 4, 6), date(2026, 4, 7), {}, 4, date(2026, 4, 14), id="easter-monday"
        ),
        pytest.param(
            date(2026, 4, 20),
            date(2026, 4, 20),
            {"jurisdiction": "BE"},
            4,
            date(2026, 4, 28),
            id="be-debtor-office-koningsdag",
        ),
        pytest.param(
            date(2026, 4, 11),
            date(2026, 4, 13),
            {"debtor_type": "b2c"},
            3,
            date(2026, 4, 28),
            id="notice-14-days",
        ),
    ],
)
def test_deadline_counts_from_the_real_send_day(planned, send_day, kw, done, expected) -> None:
    s = debtor(inv("F1", date(2026, 1, 31), "1000.00", done=done, last=date(2026, 3, 1)), **kw)
    act = only(plan_debtor(s, planned, replace(SETTINGS, send_day=send_day)))
    assert act.action == ActionKind.EMAIL and act.deadline == expected, act


def test_formal_notice_never_states_fewer_than_14_days() -> None:
    ladders = dict(DEFAULT_LADDERS)
    b2c = ladders["b2c"]
    steps = tuple(replace(st, deadline_days=7) if st.formal_notice else st for st in b2c.steps)
    ladders["b2c"] = replace(b2c, steps=steps)
    s = debtor(
        inv("F1", date(2026, 1, 31), "1000.00", done=3, last=date(2026, 3, 1)), debtor_type="b2c"
    )
    act = only(plan_debtor(s, date(2026, 3, 16), replace(SETTINGS, ladders=ladders)))
    assert act.step_name == "notice" and act.deadline == date(2026, 3, 30)
