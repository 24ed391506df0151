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


def test_the_demo_names_what_of_its_story_did_not_happen(tmp_path: Path) -> None:
    """A demo in which nothing happened (no mail sent, no replies, no statement) must not
    pass for a success: story_gaps names each missing part, and run_demo exits 1 on it."""
    from datetime import UTC, datetime

    from daemon.config import load_config
    from daemon.demo import Narrator, demo_start, prepare_database, story_gaps, write_config

    config = load_config(write_config(tmp_path, 1, 1, tmp_path / "dunmail.db"), {})
    prepare_database(config, demo_start(datetime.now(UTC).date()))
    narrator = Narrator(None, None, None, None)  # type: ignore[arg-type]
    gaps = story_gaps(config, narrator)
    assert gaps[0] == "no mail was sent (see the stage errors above)"
    for part in ("'promise'", "'dispute'", "'away'", "bank statement was never mailed"):
        assert any(part in gap for gap in gaps), (part, gaps)
    assert any("F2026-0803 was not matched" in gap for gap in gaps)
    # Positive control: a told story has no gaps left for the parts it covers.
    narrator.done |= {"promise", "dispute", "away"}
    narrator.statement_sent = True
    told = story_gaps(config, narrator)
    assert not any("reply of kind" in gap or "never mailed" in gap for gap in told)
