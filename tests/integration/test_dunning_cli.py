"""`dunmail preview`, `run`, `pause`, `hold` through the click CLI."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.cli import main
from tests.integration.dunning_support import add_debtor, add_invoice


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
