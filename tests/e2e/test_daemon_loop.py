"""The daemon loop as a process: stopping, the instance lock, SIGHUP, sd_notify and the
watchdog, stage backoff, status, and what its logs may (not) contain."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.adapters.store.db import open_store
from tests.e2e.chaos_support import (
    PASSWORD_ENV,
    ROOT,
    DaemonRun,
    db_query,
    poll,
    state,
    status_json,
    write_config,
)
from tests.integration.dunning_support import add_debtor, add_invoice, add_statement
from tests.integration.inbound_corpus import OFFICE, wait_for_login
from tests.servers import DovecotServer, MailAccount, SmtpServer, free_port

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(120)]

TZ = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)  # Monday, inside the sending window
DEBTORS = 30
STAGES = {"inbound", "intake", "dunning", "outbox", "staff", "upkeep"}


@dataclass
class Office:
    db: Path
    config: Path
    log: Path
    env: dict[str, str]

    def write(self, imap: Any, smtp: Any, **kwargs: Any) -> None:
        write_config(self.config, db=self.db, imap=imap, smtp=smtp, **kwargs)

    def run(self, **env: str) -> DaemonRun:
        run = DaemonRun(self.config, self.log, now=NOW, env={**self.env, **env}).start()
        run.wait_started(self.db)
        return run

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def office(tmp_path: Path) -> Office:
    """DEBTORS debtors, each with one invoice two months overdue; a fresh bank statement."""
    db = tmp_path / "dunmail.db"
    store = open_store(db)
    for n in range(1, DEBTORS + 1):
        add_debtor(store, f"L{n:02d}")
        add_invoice(store, f"F2026-7{n:03d}", f"L{n:02d}", 10_000 + n, date(2026, 9, 1),
                    date(2026, 10, 1))  # fmt: skip
    add_statement(store, date(2026, 11, 27), NOW)
    store.close()
    return Office(db, tmp_path / "config.toml", tmp_path / "daemon.log", {})


def _stop(run: DaemonRun) -> None:
    run.signal(signal.SIGTERM)
    assert run.wait(15) == 0, run.text()[-3000:]


def test_sigterm_lets_the_send_in_flight_finish_and_exits_0(
    office: Office, smtp_server: SmtpServer
) -> None:
    # The SMTP server holds its answer to the first DATA until the daemon has been told to
    # stop: SIGTERM lands while the outbox stage is inside a send.
    arrived, release = threading.Event(), threading.Event()
    record = smtp_server._record

    def held(mail: Any) -> None:
        record(mail)
        if not arrived.is_set():
            arrived.set()
            release.wait(10)

    smtp_server._record = held  # type: ignore[method-assign]
    office.write(None, smtp_server.smtp_settings())
    run = office.run()
    assert arrived.wait(30), run.text()[-3000:]
    run.signal(signal.SIGTERM)
    release.set()
    assert run.wait(15) == 0, run.text()[-3000:]

    rows = {r[0]: r[1] for r in db_query(office.db, "SELECT message_id, status FROM outbox")}
    received = [str(message_from_bytes(m.raw)["Message-ID"]) for m in smtp_server.received]
    assert received and all(rows[m] == "sent" for m in received)  # the send was finished
    assert "sending" not in rows.values() and "uncertain" not in rows.values()
    assert sum(s == "sent" for s in rows.values()) == len(received)
    assert state(office.db, "daemon_stopped") is not None
    assert "dunmail daemon stopped" in office.log_text()


def test_a_second_instance_refuses_and_status_shows_the_running_one(
    office: Office, smtp_server: SmtpServer
) -> None:
    office.write(None, smtp_server.smtp_settings())
    run = office.run()
    try:
        info = poll(
            lambda: (s := status_json(office.config))["stages"] and s,
            20,
            "status to show the stages",
        )
        assert info["running"] is True and info["pid"] == run.pid
        assert set(info["stages"]) == STAGES

        second = subprocess.run(
            [sys.executable, "-m", "daemon", "--config", str(office.config), "run"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert second.returncode == 1
        assert f"another dunmail daemon (pid {run.pid}) is running on this database" in (
            second.stderr
        )
        assert run.alive()
    finally:
        _stop(run)
    after = status_json(office.config)
    assert after["running"] is False and after["pid"] is None


def test_sighup_refuses_a_broken_config_and_applies_a_good_one(
    office: Office, smtp_server: SmtpServer
) -> None:
    office.write(None, smtp_server.smtp_settings())
    run = office.run()
    try:
        office.config.write_text(office.config.read_text() + "[daemon]\nnot toml at all = =\n")
        run.signal(signal.SIGHUP)
        poll(lambda: "config reload refused" in office.log_text(), 20, "the refusal")
        before = state(office.db, "last_cycle")
        poll(lambda: state(office.db, "last_cycle") != before, 20, "the loop to go on")
        assert run.alive() and "DEBUG" not in office.log_text()

        office.write(None, smtp_server.smtp_settings(), log_level="DEBUG")
        run.signal(signal.SIGHUP)
        poll(lambda: "configuration reloaded" in office.log_text(), 20, "the reload")
        poll(lambda: "DEBUG dunmail: stage outbox ok" in office.log_text(), 20, "debug lines")
    finally:
        _stop(run)


@pytest.fixture
def notify_socket() -> Iterator[socket.socket]:
    """What systemd listens on: an AF_UNIX datagram socket (short path: sun_path ≤ 108)."""
    folder = tempfile.mkdtemp(prefix="dn-")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(f"{folder}/notify")
    sock.settimeout(0.05)
    yield sock
    sock.close()
    shutil.rmtree(folder, ignore_errors=True)


class Notifications:
    """The datagrams the daemon sent, each as its KEY=value fields, in arrival order."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self.seen: list[dict[str, str]] = []

    def drain(self) -> list[dict[str, str]]:
        while True:
            try:
                data = self.sock.recv(4096)
            except TimeoutError:
                return self.seen
            fields = dict(line.split("=", 1) for line in data.decode().splitlines())
            self.seen.append(fields)

    def has(self, key: str) -> bool:
        return any(key in m for m in self.drain())


def _retry_delays(log: str, stage: str) -> list[float]:
    return [float(x) for x in re.findall(rf"stage {stage} failed .*?retrying in ([\d.]+)s", log)]


def test_sd_notify_and_watchdog_only_after_healthy_cycles(
    office: Office,
    smtp_server: SmtpServer,
    dovecot: MailAccount,
    notify_socket: socket.socket,
) -> None:
    account = wait_for_login(dovecot)
    office.env = {PASSWORD_ENV: account.password, "NOTIFY_SOCKET": notify_socket.getsockname()}
    # IMAP on a port where nothing listens: the inbound stage fails at every run.
    office.write(account.imap_settings(port=free_port()), smtp_server.smtp_settings(),
                 backoff_max=1)  # fmt: skip
    notes = Notifications(notify_socket)
    run = office.run()
    try:
        poll(lambda: len(_retry_delays(office.log_text(), "inbound")) >= 6, 30, "6 failures")
        # The others keep running meanwhile: reminders go out.
        poll(lambda: len(smtp_server.received) >= 5, 30, "the outbox to send while inbound fails")
        # Capped exponential backoff: from min(tick, 2) = 0.1 s, doubling, at most 1 s.
        assert _retry_delays(office.log_text(), "inbound")[:6] == [0.1, 0.2, 0.4, 0.8, 1.0, 1.0]
        seen = notes.drain()
        assert seen[0].get("READY") == "1"
        assert not any("WATCHDOG" in m for m in seen), "watchdog pinged while a stage fails"
        assert any("stage inbound failing" in m.get("STATUS", "") for m in seen)

        # A good config (SIGHUP): the stage recovers, the watchdog is pinged, mail is read.
        office.write(account.imap_settings(), smtp_server.smtp_settings(), backoff_max=1)
        run.signal(signal.SIGHUP)
        poll(lambda: notes.has("WATCHDOG"), 30, "a WATCHDOG=1 after the stage recovered")
        account.deliver(_reply("L01", "Wij betalen de factuur F2026-7001 vrijdag."))
        poll(lambda: db_query(office.db, "SELECT 1 FROM inbox WHERE status != 'new'"), 30,
             "the new mailbox settings to be used")  # fmt: skip
    finally:
        _stop(run)
    seen = notes.drain()
    assert seen[-1].get("STOPPING") == "1"
    first_watchdog = next(i for i, m in enumerate(seen) if "WATCHDOG" in m)
    assert first_watchdog > 0 and "healthy" in seen[first_watchdog + 1].get("STATUS", "")
    assert "stage inbound recovered" in office.log_text()


def _reply(debtor_id: str, body: str) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"{debtor_id.lower()}@klant.example"
    msg["To"] = OFFICE
    msg["Subject"] = "Re: betalingsherinnering"
    msg["Date"] = format_datetime(NOW)
    msg["Message-ID"] = f"<reply.{debtor_id}@klant.example>"
    msg.set_content(body)
    return msg.as_bytes()


def test_logs_hold_no_secrets_and_no_mail_bodies(
    office: Office, smtp_server: SmtpServer, dovecot_server: DovecotServer
) -> None:
    password = "Pw-d4e1-never-in-a-log"
    account = wait_for_login(dovecot_server.add_user(password=password))
    office.env = {PASSWORD_ENV: password}
    office.write(account.imap_settings(), smtp_server.smtp_settings(), log_level="DEBUG")
    marker = "De kat van de buren heeft de factuur opgegeten, excuses daarvoor."
    account.deliver(_reply("L02", f"Beste,\n\n{marker}\nWij betalen F2026-7002 morgen.\n"))
    run = office.run()
    try:
        poll(lambda: db_query(office.db, "SELECT 1 FROM inbox WHERE status != 'new'"), 30,
             "the reply to be processed")  # fmt: skip
        poll(lambda: len(smtp_server.received) >= DEBTORS, 30, "the reminders to go out")
    finally:
        _stop(run)
    log = office.log_text()
    assert "DEBUG dunmail" in log  # the most talkative level was on
    assert password not in log
    assert marker not in log
    for mail in smtp_server.received:
        body = message_from_bytes(mail.raw, policy=policy.default).get_body(("plain",))
        assert body is not None
        for line in body.get_content().splitlines():
            assert len(line) < 25 or line not in log, line
