"""Ladder arithmetic: due dates, optional steps, one step per day, the 14-day notice term."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.domain.policy import (
    Progress,
    ladder_name_for,
    next_step,
    spacing_ok,
    statutory_costs_from,
)
from daemon.ladders import B2B, B2C

ISSUE, DUE = date(2026, 3, 2), date(2026, 3, 16)  # Monday, Monday


def progress(done: int = 0, last: date | None = None, notice: date | None = None) -> Progress:
    return Progress(ISSUE, DUE, done, last, notice)


@pytest.mark.parametrize(
    ("done", "last", "today", "want_number", "want_due"),
    [
        pytest.param(
            0, None, date(2026, 3, 3), 1, date(2026, 3, 5), id="courtesy-three-days-after-issue"
        ),
        pytest.param(
            0,
            None,
            date(2026, 3, 20),
            2,
            date(2026, 3, 17),
            id="courtesy-skipped-once-reminder-due",
        ),
        pytest.param(
            1,
            date(2026, 3, 5),
            date(2026, 3, 10),
            2,
            date(2026, 3, 17),
            id="reminder-day-after-due",
        ),
        pytest.param(
            2,
            date(2026, 3, 17),
            date(2026, 3, 18),
            3,
            date(2026, 3, 26),
            id="call-seven-business-days-after-actual",
        ),
        pytest.param(
            2,
            date(2026, 4, 1),
            date(2026, 4, 2),
            3,
            date(2026, 4, 14),
            id="counts-from-actual-send-day-over-easter",
        ),
        pytest.param(6, date(2026, 5, 1), date(2026, 6, 1), None, None, id="ladder-finished"),
    ],
)
def test_next_step_dates(done, last, today, want_number, want_due) -> None:
    nxt = next_step(B2B.steps, progress(done, last), today, country="NL", jurisdiction="NL")
    if want_number is None:
        assert nxt is None
        return
    assert nxt is not None
    assert (nxt.number, nxt.due_on) == (want_number, want_due)


def test_mandatory_step_never_skipped_after_downtime() -> None:
    # Long downtime: reminder (step 2) was never sent; even months later it comes first.
    nxt = next_step(
        B2B.steps, progress(1, date(2026, 3, 5)), date(2026, 9, 1), country="NL", jurisdiction="NL"
    )
    assert nxt is not None and nxt.number == 2 and nxt.is_due(date(2026, 9, 1))


def test_one_step_per_day() -> None:
    nxt = next_step(
        B2B.steps,
        progress(1, date(2026, 3, 17)),
        date(2026, 3, 17),
        country="NL",
        jurisdiction="NL",
    )
    assert nxt is not None and nxt.due_on == date(2026, 3, 18)


def test_demand_waits_for_notice_delivery() -> None:
    nxt = next_step(
        B2C.steps,
        progress(4, date(2026, 4, 1), None),
        date(2026, 6, 1),
        country="NL",
        jurisdiction="NL",
    )
    assert nxt is not None and nxt.due_on is None and "delivered" in nxt.reason


@pytest.mark.parametrize(
    ("received", "atw", "want"),
    [
        pytest.param(date(2026, 2, 9), True, date(2026, 2, 24), id="weekday-end"),
        # received Sat 28 Mar: day 14 = Sat 11 Apr -> ATW moves the last day to Mon 13 Apr
        pytest.param(
            date(2026, 3, 28), True, date(2026, 4, 14), id="atw-moves-saturday-end-to-monday"
        ),
        pytest.param(date(2026, 3, 28), False, date(2026, 4, 12), id="without-atw"),
    ],
)
def test_costs_from_after_notice(received, atw, want) -> None:
    assert statutory_costs_from("NL", received, atw_extension=atw) == want


def test_demand_not_before_term_even_if_offset_earlier() -> None:
    steps = B2C.steps
    notice = date(2026, 3, 28)  # Saturday receipt; last day Sat 11 Apr -> ATW -> Tue 14 Apr
    nxt = next_step(
        steps, progress(4, notice, notice), date(2026, 4, 20), country="NL", jurisdiction="NL"
    )
    assert nxt is not None and nxt.due_on == date(2026, 4, 14)
    early = next_step(
        steps, progress(4, notice, notice), date(2026, 4, 13), country="NL", jurisdiction="NL"
    )
    assert early is not None and not early.is_due(date(2026, 4, 13))


@pytest.mark.parametrize(
    ("override", "tags", "kind", "want"),
    [
        pytest.param("b2c", ("key-account",), "b2b", "b2c", id="debtor-override-wins"),
        pytest.param(None, ("key-account",), "b2b", "key-account", id="tag-ladder"),
        pytest.param(None, (), "b2c", "b2c", id="consumer"),
        pytest.param(None, ("unknown",), "b2b", "b2b", id="business-default"),
    ],
)
def test_ladder_assignment(override, tags, kind, want) -> None:
    name, _ = ladder_name_for(
        override=override,
        tags=tags,
        debtor_type=kind,
        tag_ladders={"key-account": "key-account"},
        ladder_names=["b2b", "b2c", "key-account"],
        ladder_b2b="b2b",
        ladder_b2c="b2c",
    )
    assert name == want


@pytest.mark.parametrize(
    ("last", "today", "want"),
    [
        pytest.param(None, date(2026, 3, 1), None, id="never-mailed"),
        pytest.param(date(2026, 3, 1), date(2026, 3, 5), date(2026, 3, 8), id="too-soon"),
        pytest.param(date(2026, 3, 1), date(2026, 3, 8), None, id="exactly-spaced"),
    ],
)
def test_spacing(last, today, want) -> None:
    assert spacing_ok(last, today, 7) == want
