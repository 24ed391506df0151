"""Running `dunmail run` as a subprocess against the test servers, and the mail the outside
world sends it: debtor replies threaded onto the reminders it sent, and bank statement mails.

The office, its debtors and invoices are those of tests/integration/inbound_corpus.py (one
debtor per sender of the reply corpus), so the corpus replies have cases to land in.
"""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any, TypeVar

from daemon.config import ImapSettings, SmtpSettings
from tests.integration.inbound_corpus import OFFICE

ROOT = Path(__file__).resolve().parents[2]
OFFICE_IBAN = "NL91ABNA0417164300"
BANK_SENDER = "afschriften@bank.example"
AUTHSERV_ID = "mx.voorbeeld-bv.example"
PASSWORD_ENV = "DUNMAIL_TEST_IMAP_PASSWORD"

T = TypeVar("T")


def write_config(
    path: Path,
    *,
    db: Path,
    imap: ImapSettings | None,
    smtp: SmtpSettings | None,
    tick: float = 0.1,
    backoff_max: int = 2,
    log_level: str = "INFO",
) -> Path:
    """The office as a config file; the IMAP password comes from PASSWORD_ENV."""
    lines = [
        "[office]",
        'name = "Voorbeeld Installatietechniek B.V."',
        f'email = "{OFFICE}"',
        f'iban = "{OFFICE_IBAN}"',
        "[database]",
        f'path = "{db}"',
    ]
    if imap is not None:
        lines += [
            "[imap]",
            f'host = "{imap.host}"',
            f"port = {imap.port}",
            'security = "plain"',
            f'username = "{imap.username}"',
            f'password_env = "{PASSWORD_ENV}"',
            "timeout_seconds = 10",
            "poll_seconds = 1",
        ]
    if smtp is not None:
        lines += [
            "[smtp]",
            f'host = "{smtp.host}"',
            f"port = {smtp.port}",
            'security = "plain"',
            "timeout_seconds = 10",
        ]
    lines += [
        "[dunning]",
        # The test world mails statements now and then, not every business day.
        "bank_freshness_business_days = 10",
        "[bank]",
        f'accounts = ["{OFFICE_IBAN}"]',
        f'trusted_senders = ["@{BANK_SENDER.split("@")[1]}"]',
        f'authserv_id = "{AUTHSERV_ID}"',
        "[daemon]",
        f'log_level = "{log_level}"',
        f"tick_seconds = {tick}",
        f"backoff_max_seconds = {backoff_max}",
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    path.chmod(0o600)  # it names where a secret comes from: keep it private, as advised
    return path


def poll(check: Callable[[], T], timeout_s: float, what: str, interval: float = 0.02) -> T:
    """Call ``check`` until it returns something truthy (bounded); fail saying ``what``."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout_s}s waiting for {what}")
        time.sleep(interval)


def db_query(db: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """A short read-only look at the daemon's database (never holds a lock for long)."""
    if not db.exists():
        return []
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=10) as conn:
            return list(conn.execute(sql, params).fetchall())
    except sqlite3.OperationalError:  # schema not created yet
        return []


def state(db: Path, key: str) -> str | None:
    rows = db_query(db, "SELECT value FROM state WHERE key = ?", (key,))
    return str(rows[0][0]) if rows else None


@dataclass
class DaemonRun:
    """One `dunmail run` subprocess; its log (stderr) goes to a file, never a full pipe."""

    config: Path
    log: Path
    now: datetime | None = None
    speed: float | None = None
    env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> DaemonRun:
        args = [sys.executable, "-m", "daemon", "--config", str(self.config), "run"]
        if self.now is not None:
            args += ["--now", self.now.isoformat()]
        if self.speed is not None:
            args += ["--speed", str(self.speed)]
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(
                args,
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
            )
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def wait_started(self, db: Path, timeout_s: float = 20.0) -> None:
        """Until this process has taken the lock and opened the database (its pid is in the
        state table) — or it died, which fails with its log."""

        def started() -> bool:
            if not self.alive():
                raise AssertionError(f"dunmail run exited early:\n{self.text()[-3000:]}")
            return state(db, "daemon_pid") == str(self.pid)

        poll(started, timeout_s, "the daemon to start")

    def signal(self, signum: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(signum)

    def kill(self) -> None:
        self.signal(signal.SIGKILL)
        self.wait(10)

    def wait(self, timeout_s: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout_s)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def status_json(config: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "daemon", "--config", str(config), "status", "--json"],
        cwd=ROOT,
        capture_output=True,
        timeout=30,
        check=True,
    )
    data: dict[str, Any] = json.loads(out.stdout)
    return data


# -- the outside world's mail ---------------------------------------------------------------

_THREAD_HEADER = re.compile(rb"^(in-reply-to|references):", re.IGNORECASE)


def reply_to(raw: bytes, message_id: str) -> bytes:
    """The same reply, threaded onto ``message_id`` (a reminder dunmail really sent): the
    message's own In-Reply-To/References (with their folded lines) are replaced."""
    newline = b"\r\n" if b"\r\n" in raw[:2000] else b"\n"
    head, sep, body = raw.partition(newline + newline)
    kept: list[bytes] = []
    skipping = False
    for line in head.split(newline):
        if line[:1] in (b" ", b"\t") and skipping:
            continue
        skipping = bool(_THREAD_HEADER.match(line))
        if not skipping:
            kept.append(line)
    thread = [b"In-Reply-To: " + message_id.encode(), b"References: " + message_id.encode()]
    return newline.join(thread + kept) + sep + body


def recipients_by_message(received: list[Any]) -> dict[str, str]:
    """recipient address → Message-ID of the latest reminder the SMTP server accepted."""
    latest: dict[str, str] = {}
    for mail in received:
        msg = message_from_bytes(mail.raw, policy=policy.default)
        message_id = str(msg["Message-ID"] or "")
        if message_id.startswith("<reminder."):
            for rcpt in mail.rcpt_tos:
                latest[rcpt.lower()] = message_id
    return latest


def statement_mail(camt: bytes, *, serial: int, when: datetime) -> bytes:
    """A daily statement from the bank: CAMT.053 attached, with our own MX's
    Authentication-Results saying the bank's DKIM signature verified."""
    msg = EmailMessage()
    msg["Authentication-Results"] = (
        f"{AUTHSERV_ID}; dkim=pass header.d=bank.example; spf=pass smtp.mailfrom=bank.example"
    )
    msg["From"] = f"Bank Rekeningoverzicht <{BANK_SENDER}>"
    msg["To"] = OFFICE
    msg["Subject"] = f"Dagafschrift {serial}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<statement.{serial}@bank.example>"
    msg.set_content("Uw dagafschrift is bijgevoegd.")
    msg.add_attachment(camt, maintype="application", subtype="xml", filename=f"camt-{serial}.xml")
    return msg.as_bytes()
