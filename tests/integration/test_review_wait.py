"""Fail safe (issue #12): a debtor whose reply waits for a person gets nothing automated —
through the CLI a user runs: `inbox import`, `preview`, `run`, `status`, `queue resolve`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.cli import main
from tests.integration.dunning_support import add_debtor, add_invoice
from tests.servers import SmtpServer

REPLY = """\
From: Debiteur D1 <d1@klant.example>
To: debiteuren@voorbeeld-bv.nl
Subject: Re: Herinnering: factuur F2026-0001
Date: Wed, 20 May 2026 09:12:00 +0200
Message-ID: <wait-1@klant.example>
In-Reply-To: <reminder.F2026-0001.1@voorbeeld-bv.nl>
Content-Type: text/plain; charset=utf-8

Goedemorgen, mijn collega van de administratie neemt deze week contact met u op.
Groet, Piet
"""


@pytest.fixture
def office(tmp_path: Path, smtp_server: SmtpServer) -> tuple[Path, Path]:
    db = tmp_path / "office.db"
    store = open_store(db)
    for debtor in ("D1", "D2"):  # D2 never writes: the positive control
        add_debtor(store, debtor)
    add_invoice(store, "F2026-0001", "D1", 12345, date(2026, 4, 1), date(2026, 4, 15))
    add_invoice(store, "F2026-0002", "D2", 23456, date(2026, 4, 1), date(2026, 4, 15))
    store.close()
    config = tmp_path / "dunmail.toml"
    config.write_text(
        "[office]\n"
        'name = "Voorbeeld B.V."\nemail = "debiteuren@voorbeeld-bv.nl"\n'
        'iban = "NL91ABNA0417164300"\n'
        f'[database]\npath = "{db}"\n'
        f'[smtp]\nhost = "127.0.0.1"\nport = {smtp_server.port}\nsecurity = "plain"\n'
        "[dunning]\nbank_freshness_business_days = 0\n"
        "[inbound]\nreview_wait_max_days = 3\n"
        '[staff]\nnotify_address = "office@voorbeeld-bv.nl"\n'
    )
    eml = tmp_path / "reply.eml"
    eml.write_text(REPLY)
    return config, eml


def _cli(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def _preview(config: Path, day: str) -> dict[str, dict]:
    rows = json.loads(_cli(config, "preview", "--date", day, "--json"))
    return {row["debtor_id"]: row for row in rows}


def test_an_unresolved_reply_pauses_the_debtor_until_a_person_resolves_it(
    office: tuple[Path, Path], smtp_server: SmtpServer
) -> None:
    config, eml = office
    before = _preview(config, "2026-05-20")
    assert before["D1"]["action"] == "email" and before["D2"]["action"] == "email"

    imported = json.loads(
        _cli(config, "inbox", "import", "--json", "--now", "2026-05-20T09:30+02:00", str(eml))
    )
    assert imported[0]["status"] == "review" and imported[0]["debtor_id"] == "D1"
    store = open_store(json.loads(_cli(config, "status", "--json"))["database"])
    item = store.one("SELECT * FROM review_items WHERE debtor_id = 'D1'")
    assert item is not None and item["inbox_id"] is not None

    held = _preview(config, "2026-05-20")
    assert held["D1"]["action"] == "hold"
    assert f"waiting for review #{item['id']}" in held["D1"]["reason"]
    assert "since 2026-05-20" in held["D1"]["reason"]
    assert held["D2"]["action"] == "email"  # others are not affected

    status = json.loads(_cli(config, "status", "--json"))
    assert [(w["debtor_id"], w["review_item"]) for w in status["waiting_for_review"]] == [
        ("D1", item["id"])
    ]
    assert "paused: D1 waiting for review" in _cli(config, "status")

    # The ladder does not go on while nobody has read the reply: no reminder for D1.
    _cli(config, "run", "--once", "--now", "2026-05-21T10:00+02:00")
    queued = {
        r["debtor_id"] for r in store.query("SELECT debtor_id FROM outbox WHERE kind = 'reminder'")
    }
    assert queued == {"D2"}
    received = {rcpt for mail in smtp_server.received for rcpt in mail.rcpt_tos}
    assert "d2@klant.example" in received and "d1@klant.example" not in received
    assert store.scalar("SELECT priority FROM review_items WHERE id = ?", (item["id"],)) == 2

    # Past review_wait_max_days the item escalates (urgent, staff alert) — and stays paused.
    _cli(config, "run", "--once", "--now", "2026-05-26T10:00+02:00")
    assert store.scalar("SELECT priority FROM review_items WHERE id = ?", (item["id"],)) == 0
    escalated = store.query("SELECT * FROM case_events WHERE event = 'review_escalated'")
    assert len(escalated) == 1
    _cli(config, "queue", "notify", "--now", "2026-05-26T10:05+02:00")
    alerts = store.query("SELECT * FROM outbox WHERE kind = 'staff_alert'")
    assert len(alerts) == 1 and f"#{item['id']}" in alerts[0]["subject"]
    late = _preview(config, "2026-05-26")["D1"]
    assert late["action"] == "hold" and "overdue" in late["reason"]
    _cli(config, "run", "--once", "--now", "2026-05-27T10:00+02:00")
    assert len(store.query("SELECT * FROM case_events WHERE event = 'review_escalated'")) == 1
    assert (
        store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'reminder' AND debtor_id = 'D1'")
        == 0
    )

    # A person resolves it: the ladder goes on.
    _cli(config, "queue", "resolve", str(item["id"]), "--action", "done")
    after = _preview(config, "2026-05-27")
    assert after["D1"]["action"] == "email", after["D1"]["reason"]
    assert json.loads(_cli(config, "status", "--json"))["waiting_for_review"] == []
    store.close()
