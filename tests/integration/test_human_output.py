"""What people read: `status`, `preview`, `outbox list`, `queue list`, `cases show`,
`payments list` and `log` — office-local times to the minute, debtor names, no Python list
syntax, no negative ages, next sends from the planner, staff mail named as such."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import Result

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.events import record_event
from daemon.config import DatabaseSettings
from daemon.cycle import Daemon
from tests.integration.dunning_support import add_invoice, add_statement
from tests.integration.human_world import World

TZ = ZoneInfo("Europe/Amsterdam")
RUN_AT = "2026-12-01T10:00+01:00"
UTC_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d+Z")


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path, extra_config='\n[database]\npath = "unused.db"\n')
    w.debtor("D1")
    w.debtor("D2")
    add_invoice(w.store, "F2026-0101", "D1", 50000, date(2026, 10, 1), date(2026, 10, 15))
    add_invoice(w.store, "F2026-0201", "D2", 20000, date(2026, 10, 1), date(2026, 10, 20))
    add_invoice(w.store, "F2026-0202", "D2", 30000, date(2026, 10, 2), date(2026, 10, 20))
    add_statement(w.store, date(2026, 11, 30), datetime(2026, 12, 1, 7, tzinfo=TZ))
    return w


def _no_python_lists(result: Result) -> None:
    assert "['" not in result.output and "[]" not in result.output, result.output


def test_preview_names_debtors_and_joins_invoices(world: World) -> None:
    out = world.cli("preview", "--date", "2026-12-01")
    _no_python_lists(out)
    assert "D1 D1 Holding" in out.output and "D2 D2 Holding" in out.output
    assert "F2026-0201, F2026-0202" in out.output


def test_status_next_sends_are_the_planners_and_staff_mail_says_staff(world: World) -> None:
    preview = world.cli_json("preview", "--date", "2026-12-01")
    acting = sorted(i["debtor_id"] for i in preview if i["action"] in ("email", "task"))
    assert acting == ["D1", "D2"]
    status = world.cli_json("status", "--now", RUN_AT)
    assert sorted(p["debtor_id"] for p in status["next_sends"]["planned"]) == acting
    text = world.cli("status", "--now", RUN_AT).output
    assert "planned 2026-12-01 13:30  email reminder to D1 D1 Holding" in text
    # A staff alert in the outbox: addressed to staff, never "to None".
    world.item("dispute", "disputes F2026-0101", priority=0, debtor_id="D1")
    world.cli("queue", "notify", "--now", RUN_AT)
    text = world.cli("status", "--now", RUN_AT).output
    assert "to None" not in text
    assert "staff_alert to staff boss@voorbeeld.test" in text


def _daemon_cycle_at(world: World, moment: datetime) -> None:
    """One loop turn of the real daemon whose clock reads ``moment`` (as under --now)."""
    config = replace(world.config, database=DatabaseSettings(path=str(world.db)))
    Daemon(config, clock=lambda: moment, stages={}, max_cycles=1, tick_seconds=0.01).run()


def test_status_after_a_run_with_now_never_shows_a_negative_age(world: World) -> None:
    _daemon_cycle_at(world, datetime(2026, 12, 1, 10, 0, tzinfo=TZ))
    before = world.cli("status", "--now", "2026-12-01T09:30+01:00").output
    assert not re.search(r"-\d+[smhd] ago", before), before
    assert "last cycle 2026-12-01 10:00, 30m ahead of this clock" in before
    assert "daemon clock at 2026-12-01 10:00" in before
    after = world.cli("status", "--now", "2026-12-01T10:05+01:00").output
    assert "last cycle 2026-12-01 10:00, 5m ago" in after
    assert "daemon clock" not in after  # a stopped daemon's old clock is just old


def test_listings_show_local_minutes_names_and_joined_lists(world: World) -> None:
    world.cli("run", "--once", "--now", RUN_AT, ok=False)  # queues; no SMTP server to send to
    outbox = world.cli("outbox", "list")
    _no_python_lists(outbox)
    assert not UTC_TEXT.search(outbox.output), outbox.output
    assert "D2 D2 Holding" in outbox.output and "F2026-0201, F2026-0202" in outbox.output
    assert world.cli_json("outbox", "list")[0]["created_at"].endswith("Z")  # JSON keeps ISO
    item = world.item("dispute", "disputes it", debtor_id="D2", invoice_numbers=["F2026-0201"])
    queue = world.cli("queue", "list")
    assert "D2 D2 Holding" in queue.output
    shown = world.cli("queue", "show", str(item))
    _no_python_lists(shown)
    assert "F2026-0201" in shown.output and "D2 D2 Holding" in shown.output
    assert "2026-12-01 11:00" in shown.output  # created 10:00 UTC, shown in Amsterdam time
    case = world.cli("cases", "show", "D2")
    assert not UTC_TEXT.search(case.output) and "T10:00" not in case.output
    assert re.search(r"^2026-12-01 11:00 ", case.output, re.M), case.output


def test_payments_list_joins_invoices_and_names_the_debtor(world: World) -> None:
    tx = world.payment(50000)
    world.store.execute(
        "INSERT INTO allocations (transaction_id, invoice_number, amount_cents, rule, created_at)"
        " VALUES (?, 'F2026-0201', 20000, 'manual', ?), (?, 'F2026-0202', 30000, 'manual', ?)",
        (tx, iso_utc(), tx, iso_utc()),
    )
    out = world.cli("payments", "list")
    _no_python_lists(out)
    assert "F2026-0201, F2026-0202" in out.output and "D2 D2 Holding" in out.output


def test_log_tells_one_debtors_story_with_names_and_local_times(world: World) -> None:
    world.cli("run", "--once", "--now", RUN_AT, ok=False)  # queues; no SMTP server to send to
    world.cli(
        "cases",
        "hold",
        "F2026-0101",
        "--reason",
        "director on holiday",
        "--now",
        "2026-12-01T10:30+01:00",
    )
    with world.store.transaction():
        record_event(
            world.store, "note", actor="cli:ann", debtor_id="D2", at="2026-12-01T12:00:00Z"
        )
    out = world.cli("log", "--debtor", "D1")
    lines = out.output.splitlines()
    assert lines and all("D1 D1 Holding" in line for line in lines), out.output
    assert any(" reminder_queued " in line for line in lines)
    assert any(
        re.match(r"^2026-12-01 10:00  D1 D1 Holding  case_opened case=\d+$", x) for x in lines
    )
    assert lines[-1].startswith("2026-12-01 10:30  D1 D1 Holding  hold_added ")
    assert 'reason="director on holiday"' in lines[-1] and "invoice=F2026-0101" in lines[-1]
    assert "D2" not in out.output
    entries = world.cli_json("log", "--debtor", "D2")
    assert {e["debtor_id"] for e in entries} == {"D2"}
    assert entries[0]["at"].endswith("+01:00") and entries[0]["debtor_name"] == "D2 Holding"
    assert entries[-1]["event"] == "note"
    # --since: a date (office midnight) or a duration back from --now.
    later = world.cli_json("log", "--since", "2026-12-01T12:30+01:00", "--now", RUN_AT)
    assert [e["event"] for e in later] == ["note"]
    recent = world.cli_json("log", "--since", "1h", "--now", "2026-12-01T13:30+01:00")
    assert [e["event"] for e in recent] == ["note"]
    assert world.cli_json("log", "--since", "2026-12-02") == []
    bad = world.cli("log", "--debtor", "NOPE", ok=False)
    assert bad.exit_code == 1 and "no debtor 'NOPE'" in bad.output
    bad = world.cli("log", "--since", "yesterday", ok=False)
    assert bad.exit_code == 1 and "--since" in bad.output
    assert json.loads(world.cli("log", "--json").output)  # the whole story, all debtors
