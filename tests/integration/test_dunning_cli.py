"""`dunmail preview`, `run`, `pause`, `hold` through the click CLI."""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.cli import main
from tests.integration.dunning_support import add_debtor, add_invoice, add_statement


def _db(tmp_path: Path) -> str:
    path = tmp_path / "cli.db"
    store = open_store(path)
    add_debtor(store, "D1")
    add_invoice(store, "F2026-0001", "D1", 12345, date(2026, 4, 1), date(2026, 4, 15))
    store.close()
    return str(path)


def test_preview_json_shows_the_bank_gate_and_the_mail(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    out = runner.invoke(main, ["--db", db, "preview", "--date", "2026-05-20", "--json"])
    assert out.exit_code == 0, out.output
    items = json.loads(out.output)
    assert items[0]["action"] == "hold" and "no bank statement" in items[0]["reason"]
    for key in (
        "debtor_id",
        "step",
        "template",
        "to",
        "invoices",
        "amount_due",
        "costs",
        "interest",
        "reason",
    ):
        assert key in items[0]


def test_pause_hold_and_run(tmp_path: Path) -> None:
    db = _db(tmp_path)
    runner = CliRunner()
    assert (
        runner.invoke(main, ["--db", db, "hold", "F2026-0001", "--reason", "check"]).exit_code == 0
    )
    assert runner.invoke(main, ["--db", db, "hold", "nope", "--reason", "x"]).exit_code == 1
    assert runner.invoke(main, ["--db", db, "pause", "--reason", "audit"]).exit_code == 0
    out = runner.invoke(main, ["--db", db, "preview", "--date", "2026-05-20", "--json"])
    assert "global pause: audit" in json.loads(out.output)[0]["reason"]
    assert runner.invoke(main, ["--db", db, "unpause"]).exit_code == 0
    assert runner.invoke(main, ["--db", db, "unhold", "F2026-0001"]).exit_code == 0
    run = runner.invoke(main, ["--db", db, "run", "--once", "--now", "2026-05-20T10:00+02:00"])
    assert run.exit_code == 0, run.output
    listed = runner.invoke(main, ["--db", db, "outbox", "list", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.output) == []


def test_preview_on_a_closed_day_shows_the_real_send_time_and_deadline(tmp_path: Path) -> None:
    """Issue #15: on Christmas Day preview said "email" as if it left now; the daemon defers
    it to Monday 28 December and the deadline must count from that day. Preview and the
    daemon's not_before come from the same window computation."""
    path = tmp_path / "cli.db"
    store = open_store(path)
    add_debtor(store, "D1")
    add_invoice(store, "F2026-0001", "D1", 12345, date(2026, 11, 2), date(2026, 11, 16))
    store.execute(
        "UPDATE invoices SET dunning_step = 3, last_step_name = 'call',"
        " last_step_date = '2026-12-01'"
    )
    add_statement(store, date(2026, 12, 24), datetime(2026, 12, 24, 18, tzinfo=AMS))
    store.close()
    db = str(path)
    runner = CliRunner()
    out = runner.invoke(main, ["--db", db, "preview", "--date", "2026-12-25", "--json"])
    assert out.exit_code == 0, out.output
    (item,) = json.loads(out.output)
    assert (item["action"], item["step_name"]) == ("email", "formal"), item
    assert item["send_at"] == "2026-12-28T09:00:00+01:00"
    # 7 days from Mon 28 Dec is Mon 4 Jan 2027 (not 1 Jan: New Year, nor a day from the 25th)
    assert item["deadline"] == "2027-01-04"
    text = runner.invoke(main, ["--db", db, "preview", "--date", "2026-12-25"])
    assert "goes out at 2026-12-28T09:00:00+01:00" in text.output, text.output
    # Positive control: on an open day inside the window the mail leaves that day.
    out = runner.invoke(main, ["--db", db, "preview", "--date", "2026-12-23", "--json"])
    assert json.loads(out.output)[0]["send_at"] == "2026-12-23T09:00:00+01:00"
    # The daemon, run on Christmas Day, queues the mail for exactly that moment and deadline.
    run = runner.invoke(main, ["--db", db, "run", "--once", "--now", "2026-12-25T10:00+01:00"])
    assert run.exit_code == 0, run.output
    store = open_store(path)
    row = store.one("SELECT not_before, decision FROM outbox")
    store.close()
    assert row is not None and row["not_before"].startswith("2026-12-28T08:00:00")
    decision = json.loads(row["decision"])
    assert (decision["send_day"], decision["deadline"]) == ("2026-12-28", "2027-01-04")


AMS = ZoneInfo("Europe/Amsterdam")
