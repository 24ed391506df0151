"""`dunmail run` as a process tells the journal what it did: one audit line per sent mail,
the same story as the database, as text or (--log-format json) one JSON object per line."""

from __future__ import annotations

import json
import re
import signal
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.adapters.store.db import open_store
from tests.e2e.chaos_support import DaemonRun, db_query, poll, write_config
from tests.integration.dunning_support import add_debtor, add_invoice, add_statement
from tests.servers import SmtpServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # Monday, inside the sending window
DEBTORS = 5


def _office(tmp_path: Path, smtp_server: SmtpServer) -> tuple[Path, Path]:
    db = tmp_path / "dunmail.db"
    store = open_store(db)
    for n in range(1, DEBTORS + 1):
        add_debtor(store, f"L{n:02d}", name=f"Klant {n} B.V.")
        add_invoice(store, f"F2026-7{n:03d}", f"L{n:02d}", 10_000 + n, date(2026, 9, 1),
                    date(2026, 10, 1))  # fmt: skip
    add_statement(store, date(2026, 11, 27), NOW)
    store.close()
    config = tmp_path / "config.toml"
    write_config(config, db=db, imap=None, smtp=smtp_server.smtp_settings())
    return db, config


def _run_until_sent(db: Path, config: Path, log: Path, smtp_server: SmtpServer, **env: str) -> None:
    run = DaemonRun(config, log, now=NOW, env=env).start()
    run.wait_started(db)
    try:
        poll(lambda: len(smtp_server.received) >= DEBTORS, 30, "the reminders to go out")
        poll(
            lambda: (
                db_query(db, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'")[0][0] >= DEBTORS
            ),
            10,
            "the sends to be recorded",
        )
    finally:
        run.signal(signal.SIGTERM)
        assert run.wait(15) == 0, run.text()[-3000:]


def test_the_journal_has_a_line_per_sent_reminder_like_the_database(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    db, config = _office(tmp_path, smtp_server)
    log = tmp_path / "daemon.log"
    _run_until_sent(db, config, log, smtp_server)
    text = log.read_text()
    sent = re.findall(
        r"^INFO dunmail\.audit: reminder_sent debtor=(\S+) .*outbox=(\d+)", text, re.M
    )
    rows = db_query(db, "SELECT debtor_id, id FROM outbox WHERE status = 'sent' ORDER BY id")
    assert sorted(sent) == sorted((d, str(i)) for d, i in rows)
    assert re.search(
        r"^INFO dunmail: dunning cycle 2026-11-30 \d\d:\d\d: 5 mail\(s\) queued", text, re.M
    )
    assert "Klant 1 B.V." not in text and "@klant.example" in text  # ids, not names/addresses
    assert "l01@klant.example" not in text


def test_log_format_json_writes_one_object_per_line(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    db, config = _office(tmp_path, smtp_server)
    log = tmp_path / "daemon.log"
    _run_until_sent(db, config, log, smtp_server, DUNMAIL_LOG_FORMAT="json")
    objects = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    assert {o["level"] for o in objects} <= {"INFO", "WARNING", "ERROR", "DEBUG"}
    for o in objects:
        stamp = datetime.fromisoformat(o["timestamp"])
        assert stamp.utcoffset() is not None, o
    assert any(o.get("message", "").startswith("dunmail daemon started") for o in objects)
    sent = [o for o in objects if o.get("event") == "reminder_sent"]
    assert len(sent) == DEBTORS
    first = sent[0]
    assert first["logger"] == "dunmail.audit" and first["debtor"].startswith("L")
    assert isinstance(first["outbox"], int) and first["invoices"][0].startswith("F2026-7")
    assert first["at"].startswith("2026-11-30T") and first["at"].endswith("+01:00")
