"""Kept promises (#15): a payment booked by the promised date records the promise as kept at
once — state and event with the booking date — shown in `cases show`, its timeline and
`dunmail log`; the timeline dates payments by the bank's booking date, not the import."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.manual_allocation import allocate_manually
from daemon.app.promises import review_promises
from tests.integration.human_world import NOW, World

IMPORTED = "2026-12-09T08:15:00Z"  # the statement arrives days after the payment was booked


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test")
    world.invoice("F2026-0001", "ACME", 100000)
    world.case("ACME")
    # A phone call on Tue 1 Dec: "we pay by Fri 4 Dec" (grace 3 days: until 7 Dec).
    world.cli(
        "note", "ACME", "--call", "--text", "will pay", "--promise", "2026-12-04", "--now", NOW
    )
    return world


def _pay(w: World, day: str, cents: int = 100000) -> None:
    tx = w.payment(cents, day=day)
    allocate_manually(
        w.store, tx, [("F2026-0001", Decimal(cents) / 100)], actor="test", now=IMPORTED
    )


def _promise(w: World) -> dict[str, object]:
    (row,) = w.store.query("SELECT * FROM promises")
    return row


def test_payment_by_the_promised_date_keeps_the_promise_at_once(w: World) -> None:
    _pay(w, "2026-12-03")
    promise = _promise(w)
    assert (promise["status"], promise["resolved_at"]) == ("kept", IMPORTED)
    events = [e["event"] for e in w.store.query("SELECT event FROM case_events ORDER BY id")]
    # kept before the case closes: the case file reads in order
    assert events.index("promise_kept") < events.index("case_closed")

    data = w.cli_json("cases", "show", "ACME")
    (kept,) = [e for e in data["timeline"] if e["summary"].startswith("promise_kept")]
    assert kept["detail"]["paid_on"] == "2026-12-03" and kept["detail"]["on_time"] is True
    assert kept["summary"] == "promise_kept — paid on 2026-12-03, by the promised date 2026-12-04"
    (payment,) = [e for e in data["timeline"] if e["kind"] == "payment"]
    assert payment["at"] == "2026-12-03"  # the booking date, not the import
    assert payment["detail"]["imported_at"] == IMPORTED
    assert "booked 2026-12-03, imported 2026-12-09" in payment["summary"]
    # the payment sits before the kept promise in the timeline although both were recorded
    # at the import
    order = [e["kind"] for e in data["timeline"]]
    assert order.index("payment") < data["timeline"].index(kept)

    text = w.cli("cases", "show", "ACME").output
    assert "PROMISED_DATE" in text and "kept" in text
    log = w.cli_json("log", "--debtor", "ACME")
    (line,) = [e for e in log if e["event"] == "promise_kept"]
    assert line["paid_on"] == "2026-12-03" and line["promised_date"] == "2026-12-04"


def test_payment_within_the_grace_is_kept_but_not_on_time(w: World) -> None:
    _pay(w, "2026-12-07")
    (kept,) = w.store.query("SELECT detail FROM case_events WHERE event = 'promise_kept'")
    assert '"on_time": false' in kept["detail"]
    assert "within the grace period after the promised date 2026-12-04" in kept["detail"]


def test_late_payment_does_not_keep_it_and_review_breaks_it_first(w: World) -> None:
    review = review_promises(
        w.store, w.config, date(2026, 12, 8), datetime(2026, 12, 8, 6, tzinfo=UTC)
    )
    assert review.broken == [1]
    _pay(w, "2026-12-08")
    assert _promise(w)["status"] == "broken"
    assert not w.store.query("SELECT 1 FROM case_events WHERE event = 'promise_kept'")


def test_partial_payment_keeps_nothing_yet(w: World) -> None:
    _pay(w, "2026-12-03", cents=40000)
    assert _promise(w)["status"] == "open"


def test_paid_after_the_grace_is_recorded_as_paid_late_not_kept(w: World) -> None:
    # The statement with the late payment is imported before the daily review ran.
    _pay(w, "2026-12-08")
    assert _promise(w)["status"] == "open"
    review = review_promises(
        w.store, w.config, date(2026, 12, 9), datetime(2026, 12, 9, tzinfo=UTC)
    )
    assert (review.kept, review.broken) == ([], [1])
    assert _promise(w)["status"] == "broken"
    (late,) = w.store.query("SELECT detail FROM case_events WHERE event = 'promise_paid_late'")
    assert "paid on 2026-12-08, after the grace period that ended 2026-12-07" in late["detail"]
    # nothing is owed, so nobody is asked to chase it
    assert not w.store.query("SELECT 1 FROM review_items WHERE type = 'promise_broken'")
