"""A small office on a real database file, driven through the real CLI (issue 6 tests)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from daemon.adapters.store.db import Store, dumps, open_store
from daemon.adapters.store.invoices import upsert_debtor
from daemon.adapters.store.queue import add_review_item
from daemon.cli import main
from daemon.config import Config, parse_config

NOW = "2026-12-01T10:00:00Z"  # a Tuesday, inside the sending window
AT = "2026-12-01T10:00:00.000000Z"

CONFIG = """
[office]
name = "Voorbeeld Installatietechniek B.V."
email = "debiteuren@voorbeeld.test"
iban = "NL91ABNA0417164300"
language = "en"
jurisdiction = "NL"

[staff]
notify_address = "boss@voorbeeld.test"
addresses = ["ann@voorbeeld.test", "boss@voorbeeld.test"]
me = "ann"

[bank]
authserv_id = "mx.voorbeeld.test"

[plans]
reminder_days_before = 3
grace_days = 3
missed_action = "review"
"""


@dataclass
class World:
    tmp: Path
    extra_config: str = ""
    _store: Store | None = field(default=None, repr=False)

    @property
    def db(self) -> Path:
        return self.tmp / "office.db"

    @property
    def config_path(self) -> Path:
        path = self.tmp / "config.toml"
        if not path.exists():
            path.write_text(CONFIG + self.extra_config, encoding="utf-8")
        return path

    @property
    def config(self) -> Config:
        return parse_config(self.config_path.read_text(encoding="utf-8"))

    @property
    def store(self) -> Store:
        if self._store is None:
            self._store = open_store(self.db)
        return self._store

    def cli(self, *args: str, ok: bool = True, user: str = "ann") -> Result:
        result = CliRunner().invoke(
            main,
            ["--config", str(self.config_path), "--db", str(self.db), *args],
            env={"DUNMAIL_USER": user},
            catch_exceptions=False,
        )
        if ok:
            assert result.exit_code == 0, result.output
        return result

    def cli_json(self, *args: str) -> Any:
        return json.loads(self.cli(*args, "--json").output)

    def debtor(
        self,
        debtor_id: str,
        *,
        email: str | None = None,
        lang: str = "en",
        kind: str = "b2b",
        country: str | None = "NL",
    ) -> str:
        upsert_debtor(
            self.store,
            debtor_id=debtor_id,
            name=f"{debtor_id} Holding",
            emails=[email or f"ap@{debtor_id.lower()}.test"],
            language=lang,
            debtor_type=kind,
            ibans=[],
            tags=[],
            country=country,
            now=AT,
        )
        return debtor_id

    def invoice(
        self,
        number: str,
        debtor_id: str,
        cents: int = 100000,
        *,
        issue: str = "2026-09-01",
        due: str = "2026-10-01",
        status: str = "open",
    ) -> str:
        self.store.execute(
            "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
            " reference, status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (number, debtor_id, cents, issue, due, f"RF18{number[-4:]}", status, AT, AT),
        )
        return number

    def case(self, debtor_id: str, status: str = "active") -> int:
        self.store.execute(
            "INSERT INTO cases (debtor_id, status, token, opened_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?)",
            (debtor_id, status, hashlib.sha256(debtor_id.encode()).hexdigest()[:12], AT, AT),
        )
        return int(self.store.scalar("SELECT id FROM cases WHERE debtor_id = ?", (debtor_id,)))

    def item(self, type: str, reason: str, **kw: Any) -> int:
        return add_review_item(self.store, type, reason, now=AT, **kw)

    def payment(
        self,
        cents: int,
        *,
        iban: str = "NL02RABO0123456789",
        name: str = "Payer BV",
        remittance: str = "",
        day: str = "2026-11-30",
    ) -> int:
        key = f"tx-{self.store.scalar('SELECT COUNT(*) FROM bank_transactions')}"
        cursor = self.store.execute(
            "INSERT INTO bank_transactions (entry_key, account_iban, booking_date, value_date,"
            " amount, amount_cents, currency, direction, counterparty_name, counterparty_iban,"
            " remittance, status, created_at) VALUES (?, 'NL91ABNA0417164300', ?, ?, ?, ?, 'EUR',"
            " 'credit', ?, ?, ?, 'needs_review', ?)",
            (key, day, day, f"{cents / 100:.2f}", cents, name, iban, remittance, AT),
        )
        return int(cursor.lastrowid or 0)

    def mail_in(
        self,
        debtor_id: str | None,
        raw: bytes,
        *,
        status: str = "processed",
        uid: int | None = None,
    ) -> int:
        uid = uid or int(self.store.scalar("SELECT COUNT(*) FROM inbox") or 0) + 1
        subject = message_from_bytes(raw, policy=policy.default)["Subject"]
        cursor = self.store.execute(
            "INSERT INTO inbox (account, mailbox, uidvalidity, uid, message_id, received_at,"
            " from_addr, subject, size, sha256, raw, status, debtor_id) VALUES"
            " ('test@imap', 'INBOX', 1, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                uid,
                f"<in{uid}@debtor.test>",
                AT,
                "ap@debtor.test",
                subject,
                len(raw),
                hashlib.sha256(raw).hexdigest(),
                raw,
                status,
                debtor_id,
            ),
        )
        return int(cursor.lastrowid or 0)

    def mail_out(
        self,
        debtor_id: str,
        raw: bytes,
        *,
        kind: str = "reminder",
        status: str = "sent",
        recipients: list[str] | None = None,
    ) -> int:
        n = int(self.store.scalar("SELECT COUNT(*) FROM outbox") or 0) + 1
        cursor = self.store.execute(
            "INSERT INTO outbox (kind, debtor_id, message_id, mail_from, recipients, subject, raw,"
            " sha256, status, created_at, sent_at) VALUES (?, ?, ?, 'debiteuren@voorbeeld.test',"
            " ?, 'Reminder', ?, ?, ?, ?, ?)",
            (
                kind,
                debtor_id,
                f"<reminder.{debtor_id}.{n}@voorbeeld.test>",
                dumps(recipients or [f"ap@{debtor_id.lower()}.test"]),
                raw,
                hashlib.sha256(raw).hexdigest(),
                status,
                AT,
                AT,
            ),
        )
        return int(cursor.lastrowid or 0)

    def events(self, event: str) -> list[dict[str, Any]]:
        return self.store.query("SELECT * FROM case_events WHERE event = ? ORDER BY id", (event,))

    def invoice_status(self, number: str) -> str:
        return str(self.store.scalar("SELECT status FROM invoices WHERE number = ?", (number,)))

    def case_status(self, debtor_id: str) -> str:
        return str(
            self.store.scalar(
                "SELECT status FROM cases WHERE debtor_id = ? ORDER BY id DESC LIMIT 1",
                (debtor_id,),
            )
        )


def eml(subject: str, body: str, *, sender: str = "ap@debtor.test", msgid: str = "m1") -> bytes:
    return (
        f"From: {sender}\r\nTo: debiteuren@voorbeeld.test\r\nSubject: {subject}\r\n"
        f"Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMessage-ID: <{msgid}@debtor.test>\r\n"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()
