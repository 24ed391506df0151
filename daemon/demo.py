"""`dunmail demo`: the real daemon against real IMAP and SMTP servers, on an accelerated clock.

An in-process IMAP server (pymap) holds the office mailbox, an in-process SMTP server
(aiosmtpd) stands in for the outside world. Sample debtors and invoices go into a temporary
database; the daemon sends reminders; one debtor promises to pay, one disputes, one is out
of office, and the bank mails a statement that pays an invoice. Everything the daemon does
goes through the same code as in production; only the clock runs about 1,800 times faster.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from email import message_from_bytes, policy
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daemon.adapters.clock import iso_utc
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store import demo as demo_store
from daemon.adapters.store.db import Store, open_store
from daemon.app.preflight import template_problems
from daemon.config import Config, load_config

OFFICE = "debiteuren@voorbeeld-demo.example"
PASSWORD_ENV = "DUNMAIL_DEMO_IMAP_PASSWORD"
TZ = ZoneInfo("Europe/Amsterdam")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- the two servers ------------------------------------------------------------------------


class ImapServer:
    """pymap's in-memory backend on a loopback port, in a thread with its own event loop."""

    def __init__(self, user: str, password: str) -> None:
        self.port = free_port()
        self.user, self.password = user, password
        self._stop: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="demo-imap", daemon=True)

    def _arguments(self) -> argparse.Namespace:
        from pymap.backend import backends
        from pymap.service import services

        parser = argparse.ArgumentParser()
        parser.add_argument("--debug", action="store_true")
        sub = parser.add_subparsers(dest="backend", required=True)
        for name, backend in backends.items():
            backend.add_subparser(name, sub).set_defaults(backend_type=backend)
        services["imap"].add_arguments(parser)
        parser.set_defaults(passlib_cfg=None, skip_services=[])
        return parser.parse_args(
            [
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
                "dict",
                "--demo-user",
                self.user,
                "--demo-password",
                self.password,
            ]
        )

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()

    async def _serve(self) -> None:
        from pymap.service import services

        args = self._arguments()
        self._loop = asyncio.get_running_loop()
        self._stop = asyncio.Event()
        backend, config = await args.backend_type.init(args)
        config.apply_context()
        service = services["imap"](backend, config)
        async with contextlib.AsyncExitStack() as stack:
            await backend.start(stack)
            await service.start(stack)
            self._ready.set()
            await self._stop.wait()

    def start(self) -> None:
        self._thread.start()
        self._ready.wait(30)
        if self._error is not None:
            raise RuntimeError(f"demo IMAP server did not start: {self._error}")

    def stop(self) -> None:
        if self._loop is not None and self._stop is not None:
            self._loop.call_soon_threadsafe(self._stop.set)
        self._thread.join(10)

    def client(self) -> Any:
        from imapclient import IMAPClient

        client = IMAPClient("127.0.0.1", port=self.port, ssl=False, timeout=10)
        client.login(self.user, self.password)
        return client

    def deliver(self, raw: bytes) -> None:
        client = self.client()
        try:
            client.append("INBOX", raw)
        finally:
            client.logout()

    def dump(self, target: Path) -> int:
        """Write every message of every folder as .eml files; returns how many."""
        client = self.client()
        count = 0
        try:
            for _flags, _delim, name in client.list_folders():
                info = client.select_folder(name, readonly=True)
                if not info.get(b"EXISTS"):
                    continue
                folder = target / name.replace("/", "_")
                folder.mkdir(parents=True, exist_ok=True)
                uids = client.search(["ALL"])
                for uid, data in client.fetch(uids, ["RFC822"]).items():
                    (folder / f"{uid}.eml").write_bytes(data[b"RFC822"])
                    count += 1
        finally:
            client.logout()
        return count


class SmtpSink:
    """aiosmtpd on a loopback port: the outside world, recording what dunmail sends."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[list[str], bytes]] = []
        self._lock = threading.Lock()
        self._controller: Any = None

    def start(self) -> None:
        from aiosmtpd.controller import Controller

        sink = self

        class Handler:
            async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
                with sink._lock:
                    sink.received.append((list(envelope.rcpt_tos), bytes(envelope.content)))
                return "250 OK"

        self._controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()

    def take(self, start: int) -> list[tuple[list[str], bytes]]:
        with self._lock:
            return self.received[start:]


# -- sample data ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDebtor:
    debtor_id: str
    name: str
    email: str
    language: str
    debtor_type: str
    invoice: str
    amount: str
    days_overdue: int
    behaviour: str  # promise | dispute | away | pays | silent


DEBTORS = (
    DemoDebtor(
        "D001",
        "Bakkerij De Gouden Korst",
        "administratie@goudenkorst.example",
        "nl",
        "b2b",
        "F2026-0801",
        "1234.50",
        12,
        "promise",
    ),
    DemoDebtor(
        "D002",
        "Larkfield Healthcare Ltd",
        "ap@larkfield.example",
        "en",
        "b2b",
        "F2026-0802",
        "12950.00",
        9,
        "dispute",
    ),
    DemoDebtor(
        "D003",
        "Yılmaz Transport",
        "a.yilmaz@yilmaz-transport.example",
        "nl",
        "b2b",
        "F2026-0803",
        "860.00",
        15,
        "pays",
    ),
    DemoDebtor(
        "D004",
        "Dupont Rénovation SARL",
        "compta@dupont-renovation.example",
        "fr",
        "b2b",
        "F2026-0804",
        "2310.00",
        10,
        "away",
    ),
    DemoDebtor(
        "D005",
        "Jan de Vries",
        "jan.devries@mail.example",
        "nl",
        "b2c",
        "F2026-0805",
        "489.95",
        20,
        "silent",
    ),
    DemoDebtor(
        "D006",
        "Müller Haustechnik GmbH",
        "buchhaltung@mueller-haustechnik.example",
        "de",
        "b2b",
        "F2026-0806",
        "5120.00",
        -10,
        "silent",
    ),
)


def demo_start(today: date) -> datetime:
    """08:00 office time on the next business day (so the first cycle sends at once)."""
    day = today
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return datetime(day.year, day.month, day.day, 8, 0, tzinfo=TZ)


def write_config(folder: Path, imap_port: int, smtp_port: int, db: Path) -> Path:
    path = folder / "config.toml"
    path.write_text(
        f"""
[office]
name = "Voorbeeld Installatietechniek B.V."
email = "{OFFICE}"
iban = "NL91ABNA0417164300"
bic = "ABNANL2A"
language = "nl"
jurisdiction = "NL"

[database]
path = "{db}"

[imap]
host = "127.0.0.1"
port = {imap_port}
security = "plain"
username = "office"
password_env = "{PASSWORD_ENV}"
sent_folder = "Sent"
poll_seconds = 1

[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"

[dunning]
cycle_times = ["08:30", "13:30"]
bank_freshness_business_days = 3

[bank]
accounts = ["NL91ABNA0417164300"]
trusted_senders = ["@bank.example"]
authserv_id = "mx.voorbeeld-demo.example"

[staff]
notify_address = "ann@voorbeeld-demo.example"
addresses = ["ann@voorbeeld-demo.example"]
""".lstrip(),
        encoding="utf-8",
    )
    os.chmod(path, 0o600)
    return path


def invoices_csv(start: datetime) -> str:
    today = start.date()
    lines = [
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,language,debtor_type"
    ]
    for d in DEBTORS:
        due = today - timedelta(days=d.days_overdue)
        issue = due - timedelta(days=30)
        lines.append(
            f"{d.invoice},{d.debtor_id},{d.name},{d.email},{issue},{due},{d.amount},"
            f"{d.language},{d.debtor_type}"
        )
    return "\n".join(lines) + "\n"


def camt_statement(booked: date, entries: list[tuple[str, str, str, str]], seq: int) -> bytes:
    """A small CAMT.053 for the office account: (amount, name, iban, remittance) credits."""
    ntries = "".join(
        f"""
    <Ntry><Amt Ccy="EUR">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
      <BookgDt><Dt>{booked}</Dt></BookgDt><ValDt><Dt>{booked}</Dt></ValDt>
      <AcctSvcrRef>DEMO{seq:03d}{i:03d}</AcctSvcrRef>
      <BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>RCDT</Cd><SubFmlyCd>ESCT</SubFmlyCd></Fmly></Domn></BkTxCd>
      <NtryDtls><TxDtls><Refs><EndToEndId>E2E-DEMO-{seq}-{i}</EndToEndId></Refs>
        <RltdPties><Dbtr><Nm>{name}</Nm></Dbtr><DbtrAcct><Id><IBAN>{iban}</IBAN></Id></DbtrAcct></RltdPties>
        <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>"""
        for i, (amount, name, iban, remittance) in enumerate(entries)
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
  <GrpHdr><MsgId>DEMO-{seq}</MsgId><CreDtTm>{booked}T18:00:00</CreDtTm></GrpHdr>
  <Stmt><Id>DEMO-STMT-{seq}</Id><ElctrncSeqNb>{seq}</ElctrncSeqNb><CreDtTm>{booked}T18:00:00</CreDtTm>
    <Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>{ntries}
  </Stmt></BkToCstmrStmt></Document>""".encode()


def mail(
    sender: str,
    subject: str,
    body: str,
    when: datetime,
    *,
    in_reply_to: str | None = None,
    headers: dict[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    from email.message import EmailMessage

    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = OFFICE
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = (
        f"<demo.{abs(hash((sender, subject, body))) % 10**12}@{sender.split('@')[1]}>"
    )
    if in_reply_to:
        msg["In-Reply-To"] = in_reply_to
        msg["References"] = in_reply_to
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if attachment:
        msg.add_attachment(
            attachment[1], maintype="application", subtype="xml", filename=attachment[0]
        )
    return msg.as_bytes()


# -- the story ------------------------------------------------------------------------------


@dataclass
class Narrator:
    """Watches the SMTP sink and the database, says what happens, and plays the debtors."""

    imap: ImapServer
    sink: SmtpSink
    clock: Callable[[], datetime]
    say: Callable[[str], None]
    seen_mail: int = 0
    seen_items: set[int] = field(default_factory=set)
    seen_payments: set[int] = field(default_factory=set)
    done: set[str] = field(default_factory=set)
    statement_sent: bool = False

    def local(self) -> datetime:
        return self.clock().astimezone(TZ)

    def __call__(self, rt: Any) -> None:
        store: Store = rt.store
        for recipients, raw in self.sink.take(self.seen_mail):
            self.seen_mail += 1
            message = message_from_bytes(raw, policy=policy.default)
            subject = str(message["Subject"])
            self.say(f'sent to {", ".join(recipients)}: "{subject}"')
            self.react(recipients, message)
        for item in demo_store.review_items_told(store):
            if item["id"] not in self.seen_items:
                self.seen_items.add(item["id"])
                self.say(f"queue item #{item['id']} ({item['type']}): {item['reason']}")
        for pay in demo_store.payments_told(store):
            if pay["id"] not in self.seen_payments:
                self.seen_payments.add(pay["id"])
                where = f" → {pay['invoices']}" if pay["invoices"] else ""
                self.say(
                    f"bank: EUR {pay['amount']} from {pay['counterparty_name']}: "
                    f"{pay['status']}{where}"
                )
        if "promise" in self.done and not self.statement_sent and self.local().hour >= 11:
            self.send_statement()

    def react(self, recipients: list[str], message: Any) -> None:
        message_id = str(message["Message-ID"])
        for debtor in DEBTORS:
            if debtor.email not in recipients or debtor.behaviour in self.done:
                continue
            if not message_id.startswith("<reminder."):
                continue
            when = self.clock()
            subject = f"RE: {message['Subject']}"
            replies = {
                "promise": (
                    "Goedemorgen,\n\nExcuses voor de vertraging. Wij betalen de factuur "
                    f"{debtor.invoice} uiterlijk vrijdag.\n\nMet vriendelijke groet,\nMarieke"
                ),
                "dispute": (
                    f"Hello,\n\nWe dispute invoice {debtor.invoice}: the hours charged do not "
                    "match the signed timesheets (32 instead of 24 hours). Please send a "
                    "corrected invoice.\n\nKind regards,\nAccounts Payable"
                ),
                "away": (
                    "Bonjour,\n\nJe suis absente du bureau jusqu'au lundi prochain inclus et "
                    "n'ai pas accès à mes e-mails.\n\nCordialement,\nSophie Dupont"
                ),
            }
            if debtor.behaviour not in replies:
                continue
            headers = {"Auto-Submitted": "auto-replied"} if debtor.behaviour == "away" else {}
            if debtor.behaviour == "away":
                subject = "Réponse automatique : " + str(message["Subject"])
            raw = mail(
                f"{debtor.name} <{debtor.email}>",
                subject,
                replies[debtor.behaviour],
                when,
                in_reply_to=message_id,
                headers=headers,
            )
            self.imap.deliver(raw)
            self.done.add(debtor.behaviour)
            self.say(f"{debtor.name} replies ({debtor.behaviour})")

    def send_statement(self) -> None:
        self.statement_sent = True
        payer = next(d for d in DEBTORS if d.behaviour == "pays")
        from daemon.domain.references import generate_rf

        booked = self.local().date()
        camt = camt_statement(
            booked,
            [
                (payer.amount, payer.name, "NL02ABNA0123456789", generate_rf(payer.invoice)),
                ("75.00", "Onbekende Stichting", "NL69INGB0123456789", "donatie"),
            ],
            seq=2,
        )
        raw = mail(
            "ABN AMRO Rekeningoverzicht <statements@bank.example>",
            f"Dagafschrift {booked}",
            "Uw dagafschrift is bijgevoegd.",
            self.clock(),
            headers={
                "Authentication-Results": "mx.voorbeeld-demo.example; dkim=pass header.d=bank.example; "
                "spf=pass smtp.mailfrom=bank.example"
            },
            attachment=(f"camt053-{booked}.xml", camt),
        )
        self.imap.deliver(raw)
        self.say("the bank mails today's statement (CAMT.053)")


def prepare_database(config: Config, start: datetime) -> None:
    from daemon.app.invoices import import_invoices
    from daemon.app.statements import import_statement_bytes

    store = open_store(config.database.path, files=FilePolicy(config.files.group))
    try:
        csv_path = Path(config.database.path).with_name("invoices.csv")
        csv_path.write_text(invoices_csv(start), encoding="utf-8")
        import_invoices(store, [csv_path], now=iso_utc(start))
        yesterday = start.date() - timedelta(days=1)
        statement = camt_statement(
            yesterday,
            [("42.00", "Kantoorartikelen BV", "NL20INGB0001234567", "creditnota 2211")],
            seq=1,
        )
        import_statement_bytes(
            store, config, statement, filename="camt-yesterday.xml", now=iso_utc(start)
        )
    finally:
        store.close()


def run_demo(
    *, keep: Path | None, seconds: float, factor: float, echo: Callable[[str], None]
) -> int:
    from daemon.cycle import (
        Daemon,
        InboundStage,
        Stage,
        accelerated_clock,
        stage_dunning,
        stage_outbox,
        stage_staff,
    )

    work = Path(tempfile.mkdtemp(prefix="dunmail-demo-"))
    password = os.urandom(8).hex()
    os.environ[PASSWORD_ENV] = password
    imap, sink = ImapServer("office", password), SmtpSink()
    imap.start()
    sink.start()
    started = time.monotonic()
    try:
        db = work / "dunmail.db"
        config_path = write_config(work, imap.port, sink.port, db)
        config = load_config(config_path)
        missing = template_problems(config)
        if missing:
            echo("the demo cannot run, templates are missing: " + "; ".join(missing))
            return 1
        start = demo_start(datetime.now(UTC).astimezone(TZ).date())
        clock = accelerated_clock(start.astimezone(UTC), factor)
        prepare_database(config, start)

        def say(text: str) -> None:
            echo(f"[{clock().astimezone(TZ):%a %d %b %H:%M}] {text}")

        say(
            f"office mailbox on imap://127.0.0.1:{imap.port}, outgoing mail to "
            f"smtp://127.0.0.1:{sink.port}; {len(DEBTORS)} debtors, clock ×{factor:.0f}"
        )
        narrator = Narrator(imap, sink, clock, say)
        stages: dict[str, tuple[Stage, float]] = {
            "inbound": (InboundStage(max_wait=0.5), 0.0),
            "dunning": (stage_dunning, 0.5),
            "outbox": (stage_outbox, 0.5),
            "staff": (stage_staff, 1.0),
            "narrator": (narrator, 0.5),
        }
        daemon = Daemon(
            config, clock=clock, stages=stages, tick_seconds=0.5, max_cycles=int(seconds / 0.5)
        )
        daemon.run()
        summary = summarise(config)
        for line in summary:
            echo(line)
        gaps = story_gaps(config, narrator)
        if keep is not None:
            keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(db, keep / "dunmail.db")
            shutil.copy2(config_path, keep / "config.toml")
            mailbox = imap.dump(keep / "imap")
            out = keep / "smtp"
            out.mkdir(exist_ok=True)
            for i, (_rcpt, raw) in enumerate(sink.received, start=1):
                (out / f"{i:03d}.eml").write_bytes(raw)
            echo(
                f"kept in {keep}: dunmail.db, config.toml, imap/ ({mailbox} messages), "
                f"smtp/ ({len(sink.received)} messages). Try: dunmail --db {keep}/dunmail.db "
                "queue list"
            )
        echo(f"demo finished in {time.monotonic() - started:.0f} s")
        if gaps:
            # The demo is also a smoke test of an install: a story that did not happen is a
            # failure, with exit code 1, not a quiet "mails sent: 0".
            echo("the demo's story did not happen: " + "; ".join(gaps))
            return 1
        return 0
    finally:
        imap.stop()
        sink.stop()
        shutil.rmtree(work, ignore_errors=True)


def story_gaps(config: Config, narrator: Narrator) -> list[str]:
    """What of the story told in the README did not happen (empty: all of it did)."""
    payer = next(d for d in DEBTORS if d.behaviour == "pays")
    disputer = next(d for d in DEBTORS if d.behaviour == "dispute")
    store = open_store(config.database.path)
    try:
        sent = demo_store.mails_sent(store)
        paid = demo_store.invoice_status(store, payer.invoice)
        disputed = demo_store.invoice_status(store, disputer.invoice)
    finally:
        store.close()
    gaps = [] if sent else ["no mail was sent (see the stage errors above)"]
    gaps += [
        f"no debtor reply of kind {kind!r} (no reminder reached that debtor)"
        for kind in ("promise", "dispute", "away")
        if kind not in narrator.done
    ]
    if not narrator.statement_sent:
        gaps.append("the bank statement was never mailed")
    if paid != "paid":
        gaps.append(f"{payer.invoice} was not matched to the bank payment (status {paid})")
    if disputed != "disputed":
        gaps.append(f"{disputer.invoice} was not marked disputed (status {disputed})")
    return gaps


def summarise(config: Config) -> list[str]:
    store = open_store(config.database.path, files=FilePolicy(config.files.group))
    try:
        invoices = demo_store.invoice_steps(store)
        items = demo_store.review_counts(store)
        sent = demo_store.mails_sent(store)
    finally:
        store.close()
    lines = ["", "summary:"]
    lines += [f"  {i['number']}: {i['status']} (ladder step {i['dunning_step']})" for i in invoices]
    lines.append(
        f"  mails sent: {sent}; queue: "
        + (", ".join(f"{r['type']} {r['n']}" for r in items) or "empty")
    )
    return lines
