"""Crash injection: the drain is killed with SIGKILL between claim, send and mark; start-up
recovery plus a new drain must end with zero duplicates at the SMTP server, and the
interrupted sends that cannot be proven in the review queue (never resent blindly)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path

from daemon.adapters.store.db import open_store
from daemon.adapters.store.queue import open_items
from daemon.app.dunning import queue_day
from tests.integration.dunning_support import add_debtor, add_invoice, make_config, message_ids

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)

SCRIPT = """
import json, os, sys
from datetime import datetime
from daemon.adapters.store.db import open_store
from daemon.app.outbox import drain_outbox
from daemon.app.recovery import recover_outbox
from daemon.config import ImapSettings, SmtpSettings
from tests.integration.dunning_support import make_config, smtp_sender

args = json.loads(os.environ["SIM_ARGS"])
config = make_config(ImapSettings(**args["imap"]), SmtpSettings(**args["smtp"]),
                     bank_freshness_business_days=0)
store = open_store(args["db"], daemon=True)
now = datetime.fromisoformat(args["now"])
recovered = recover_outbox(store, config, now=now)
report = drain_outbox(store, config, now=now, smtp_send=smtp_sender())
print(json.dumps({"recovered": recovered.as_dict(), "sent": report.sent}))
"""


def _run(args: dict, crash_at: str | None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SIM_ARGS": json.dumps(args), "PYTHONPATH": str(ROOT)}
    env.pop("DUNMAIL_CRASH_AT", None)
    if crash_at:
        env["DUNMAIL_CRASH_AT"] = crash_at
    return subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_kill_between_claim_send_and_mark_never_duplicates(
    tmp_path: Path, dovecot, smtp_server
) -> None:
    imap = dovecot.imap_settings()
    smtp = smtp_server.smtp_settings()
    db = tmp_path / "crash.db"
    store = open_store(db)
    config = make_config(imap, smtp, bank_freshness_business_days=0)
    for n in range(1, 6):
        add_debtor(store, f"D{n}")
        add_invoice(store, f"F2026-010{n}", f"D{n}", 10000 + n, date(2026, 4, 1), date(2026, 4, 15))
    _, queued = queue_day(store, config, NOW)
    assert len(queued.queued) == 5
    store.close()
    args = {
        "db": str(db),
        "now": NOW.isoformat(),
        "imap": {
            k: getattr(imap, k)
            for k in ("host", "port", "security", "username", "password", "timeout_seconds")
        },
        "smtp": {k: getattr(smtp, k) for k in ("host", "port", "security", "timeout_seconds")},
    }
    outcomes = []
    for crash_at in ("after_send", "after_claim", "after_mark", "after_send:2", None, None):
        done = _run(args, crash_at)
        outcomes.append((crash_at, done.returncode, done.stdout[-300:], done.stderr[-300:]))
        if crash_at:
            assert done.returncode == -signal.SIGKILL, (crash_at, done.stdout, done.stderr)
        else:
            assert done.returncode == 0, done.stderr
    received = message_ids([m.raw for m in smtp_server.received])
    assert len(received) == len(set(received)), "a debtor received the same reminder twice"
    store = open_store(db)
    rows = {r["message_id"]: r for r in store.query("SELECT * FROM outbox")}
    statuses = sorted(r["status"] for r in rows.values())
    # run 1 sent #1 and died before marking; run 2 recovered it as uncertain, claimed #2 and
    # died before sending; run 3 recovered #2, sent and marked #3, died before the Sent copy;
    # run 4 sent and marked #4, sent #5 and died before marking it; run 5 recovered #5 as
    # uncertain; run 6 has nothing left to do.
    assert statuses == ["sent", "sent", "uncertain", "uncertain", "uncertain"], outcomes
    uncertain = {r["id"] for r in rows.values() if r["status"] == "uncertain"}
    review = {i["outbox_id"] for i in open_items(store, "delivery_uncertain")}
    assert review == uncertain
    sent_ids = {mid for mid, r in rows.items() if r["status"] == "sent"}
    assert sent_ids <= set(received)
    in_sent_folder = message_ids(dovecot.messages("Sent"))
    assert sorted(in_sent_folder) == sorted(sent_ids)  # each exactly once, none missing
    assert all(rows[m]["in_sent_folder"] == 1 for m in sent_ids)
    # A new planning day never re-plans an uncertain step.
    _, again = queue_day(store, config, datetime(2026, 5, 21, 9, tzinfo=UTC))
    assert again.queued == []
    store.close()
