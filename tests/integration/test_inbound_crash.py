"""Crash the ingestion mid-batch — for real (kill -9 of `dunmail inbox fetch`) and at each
commit boundary — then run again: every mail processed once, nothing lost or doubled."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import Store, loads, open_store
from daemon.app import ingestion
from daemon.app.ingestion import run_ingestion_pass
from daemon.config import Config
from tests.integration.inbound_corpus import (
    NOW,
    config_toml,
    corpus_config,
    corpus_files,
    corpus_store,
    run_pass,
    wait_for_login,
)
from tests.servers import DovecotServer, MailAccount

KILL_AFTER = 15  # stored before the kill: the first commit group (32) of the batch of 90
DEADLINE_S = 60.0


class Crash(BaseException):
    """The process dies here: no error boundary catches a BaseException."""


def outcome(store: Store) -> dict[str, Any]:
    """Everything a pass decides, in a form two runs can be compared by."""
    inbox = store.query("SELECT message_id, status, intent, debtor_id FROM inbox ORDER BY id")
    answers = store.query("SELECT kind, recipients, decision FROM outbox")
    return {
        "inbox": sorted((r["message_id"], r["status"], r["intent"], r["debtor_id"]) for r in inbox),
        "answers": sorted(
            (a["kind"], a["recipients"], loads(a["decision"])["template"]) for a in answers
        ),
        "reviews": sorted(
            (r["type"], r["priority"], r["debtor_id"])
            for r in store.query("SELECT type, priority, debtor_id FROM review_items")
        ),
        "promises": sorted(
            (r["debtor_id"], r["promised_date"], r["grace_until"])
            for r in store.query("SELECT debtor_id, promised_date, grace_until FROM promises")
        ),
        "disputed": store.scalar("SELECT COUNT(*) FROM invoices WHERE status = 'disputed'"),
        "undeliverable": store.scalar(
            "SELECT COUNT(*) FROM debtor_emails WHERE status = 'undeliverable'"
        ),
        "holds": store.scalar("SELECT COUNT(*) FROM holds"),
        "plans": store.scalar("SELECT COUNT(*) FROM payment_plans"),
    }


def assert_exactly_once(store: Store, account: MailAccount, delivered: int) -> None:
    rows = store.query("SELECT * FROM inbox")
    assert len(rows) == delivered  # nothing lost, nothing stored twice
    assert len({r["message_id"] for r in rows}) == delivered
    assert not [r for r in rows if r["status"] in ("new", "shunted")]
    assert all(r["server_done"] == 1 for r in rows)
    events = Counter(
        r["inbox_id"]
        for r in store.query("SELECT inbox_id FROM case_events WHERE event = 'reply_received'")
    )
    assert max(events.values()) == 1  # no message took effect twice
    ids = [r["message_id"] for r in store.query("SELECT message_id FROM outbox")]
    assert len(ids) == len(set(ids))
    assert account.uids("INBOX") == []
    moved = len(account.uids("dunmail/processed")) + len(account.uids("dunmail/review"))
    assert moved == delivered


@pytest.fixture(scope="module")
def reference(
    tmp_path_factory: pytest.TempPathFactory, dovecot_server: DovecotServer
) -> dict[str, Any]:
    """The same batch ingested without any crash."""
    account = wait_for_login(dovecot_server.add_user())
    store, _ = corpus_store(tmp_path_factory.mktemp("reference"))
    for path in corpus_files():
        account.deliver(path.read_bytes())
    config = corpus_config(account.imap_settings())
    client = ImapMailbox.connect(config.imap)
    try:
        run_ingestion_pass(store, config, client, now=NOW)
    finally:
        client.logout()
    return outcome(store)


def _fetch(config_path: Path, password: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DUNMAIL_TEST_IMAP_PASSWORD": password}
    return subprocess.Popen(
        [sys.executable, "-m", "daemon", "--config", str(config_path), "inbox", "fetch", "--once",
         "--now", NOW.isoformat()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip


def _stored(db_path: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=5) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM inbox").fetchone()[0])
    except sqlite3.OperationalError:  # not created yet
        return 0


def test_kill_9_mid_batch_then_run_again(
    tmp_path: Path, dovecot: MailAccount, reference: dict[str, Any]
) -> None:
    account = wait_for_login(dovecot)
    store, _ = corpus_store(tmp_path)
    store.close()
    files = corpus_files()
    for path in files:
        account.deliver(path.read_bytes())
    db_path = tmp_path / "dunmail.db"
    config_path = tmp_path / "config.toml"
    config_path.write_text(config_toml(account.imap_settings(), db_path))

    victim = _fetch(config_path, account.password)
    deadline = time.monotonic() + DEADLINE_S
    while _stored(db_path) < KILL_AFTER:
        assert victim.poll() is None, victim.stderr.read() if victim.stderr else ""
        assert time.monotonic() < deadline, "the fetch never got going"
        time.sleep(0.002)  # polling the database for progress, not waiting for time to pass
    victim.send_signal(signal.SIGKILL)
    victim.wait()
    partial = _stored(db_path)
    assert KILL_AFTER <= partial < len(files), "the kill must land mid-batch"
    assert len(account.uids("INBOX")) > 0

    survivor = _fetch(config_path, account.password)
    _out, err = survivor.communicate(timeout=DEADLINE_S)
    assert survivor.returncode == 0, err.decode()

    store = open_store(db_path)
    assert_exactly_once(store, account, len(files))
    assert outcome(store) == reference


GROUP = 16  # messages per commit in these tests (ingestion.COMMIT_GROUP)


def corpus_in_mailbox(
    tmp_path: Path, dovecot: MailAccount
) -> tuple[MailAccount, Store, list[Path], Config]:
    """The corpus delivered to a fresh mailbox, its debtors in a fresh database."""
    account = wait_for_login(dovecot)
    store, _ = corpus_store(tmp_path)
    files = corpus_files()
    for path in files:
        account.deliver(path.read_bytes())
    return account, store, files, corpus_config(account.imap_settings())


@pytest.mark.parametrize(
    ("point", "after"),
    [("stored", 1), ("stored", 37), ("processed", 37), ("committed", 32), ("done", 37)],
    ids=[
        "before-first-is-processed",
        "stored-not-processed",
        "processed-not-committed",
        "committed-not-moved",
        "batch-moved-crash-after",
    ],
)
def test_crash_at_each_commit_boundary(
    tmp_path: Path,
    dovecot: MailAccount,
    reference: dict[str, Any],
    point: str,
    after: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account, store, files, config = corpus_in_mailbox(tmp_path, dovecot)
    monkeypatch.setattr(ingestion, "COMMIT_GROUP", GROUP)

    def crash(at: str, inbox_id: int) -> None:
        if at == point and inbox_id == after:
            raise Crash

    for hook in (crash, None):
        client = ImapMailbox.connect(config.imap)
        try:
            if hook is crash:
                with pytest.raises(Crash):
                    run_ingestion_pass(store, config, client, now=NOW, hook=hook)
                # A crash inside a commit group undoes the group; "done" fires after the
                # batch's single MOVE, when the whole batch is stored.
                stored = {
                    "done": len(files),
                    "committed": after,
                }.get(point, (after - 1) // GROUP * GROUP)
                assert store.scalar("SELECT COUNT(*) FROM inbox") == stored
            else:
                run_ingestion_pass(store, config, client, now=NOW)
        finally:
            client.logout()
    assert_exactly_once(store, account, len(files))
    assert outcome(store) == reference


def test_crash_with_the_next_batch_fetched_ahead(
    tmp_path: Path,
    dovecot: MailAccount,
    reference: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Batches of 20: while batch 3 is processed, batch 4 is already fetched and in the
    workers. A crash then loses nothing of it (it was never stored) and doubles nothing."""
    account, store, files, config = corpus_in_mailbox(tmp_path, dovecot)
    monkeypatch.setattr(ingestion, "FETCH_BATCH", 20)
    monkeypatch.setattr(ingestion, "COMMIT_GROUP", 8)
    fetched: list[int] = []
    real_fetch = ImapMailbox.fetch

    def counting_fetch(self: ImapMailbox, uids: Any) -> Any:
        got = real_fetch(self, uids)
        fetched.extend(m.uid for m in got)
        return got

    monkeypatch.setattr(ImapMailbox, "fetch", counting_fetch)

    def crash(at: str, inbox_id: int) -> None:
        if at == "processed" and inbox_id == 51:  # batch 3 (41-60), second group (49-56)
            raise Crash

    with pytest.raises(Crash):
        run_pass(store, config, hook=crash)
    assert len(fetched) == 80  # batches 1-3 and the one ahead
    assert store.scalar("SELECT COUNT(*) FROM inbox") == 40 + 8  # batches 1, 2 + a group
    run_pass(store, config)
    assert_exactly_once(store, account, len(files))
    assert outcome(store) == reference
