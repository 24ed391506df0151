"""README quick-start command 1: the demo runs the real daemon against real servers."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.e2e
def test_demo_tells_the_whole_story_and_keeps_its_files(tmp_path: Path) -> None:
    keep = tmp_path / "kept"
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "demo", "--seconds", "25", "--keep", str(keep)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    out = result.stdout
    assert result.returncode == 0, result.stderr[-2000:]
    for line in (
        'sent to administratie@goudenkorst.example: "Betalingsherinnering F2026-0801"',
        "Bakkerij De Gouden Korst replies (promise)",
        "Larkfield Healthcare Ltd replies (dispute)",
        "(dispute): the debtor disputes F2026-0802",
        "bank: EUR 860.00 from Yılmaz Transport: matched → F2026-0803",
        "Bedankt voor uw betaling",
    ):
        assert line in out, f"missing {line!r} in:\n{out}"
    assert "F2026-0803: paid" in out and "F2026-0802: disputed" in out
    with sqlite3.connect(keep / "dunmail.db") as db:
        sent = db.execute("SELECT COUNT(*) FROM outbox WHERE status = 'sent'").fetchone()[0]
        inbox = db.execute("SELECT COUNT(*) FROM inbox").fetchone()[0]
    assert sent >= 8 and inbox >= 4
    assert len(list((keep / "smtp").glob("*.eml"))) == sent
    assert list((keep / "imap").rglob("*.eml"))
