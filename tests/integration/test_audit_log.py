"""The audit log tells what happened: a multi-day dunning run against the real SMTP server and
Dovecot, read back from the log lines alone (never from the database), in both formats."""

from __future__ import annotations

import json
import logging
from datetime import date, datetime, time, timedelta
from email import message_from_bytes, policy
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.adapters.auditlog import AUDIT, JsonFormatter
from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import open_store
from daemon.app.dunning import run_cycle
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.statements import import_statement_bytes
from daemon.domain.references import generate_rf
from daemon.domain.workdays import is_business_day
from tests.integration.bank_writers import Tx, camt053, single
from tests.integration.dunning_support import (
    OFFICE,
    add_debtor,
    add_invoice,
    add_statement,
    audit_fields,
    make_config,
    smtp_sender,
)
from tests.integration.inbound_corpus import wait_for_login
from tests.servers import MailAccount

TZ = ZoneInfo("Europe/Amsterdam")
START = date(2026, 3, 2)  # Monday
PAY_DAY = date(2026, 3, 26)


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def _reply(to_message_id: str) -> bytes:
    return (
        "From: Boekhouding A03 <a03@klant.example>\n"
        f"To: {OFFICE.email}\n"
        "Subject: Re: Payment reminder F2026-0003\n"
        "Date: Wed, 18 Mar 2026 09:12:00 +0100\n"
        "Message-ID: <reply-a03@klant.example>\n"
        f"In-Reply-To: {to_message_id}\n"
        f"References: {to_message_id}\n"
        "Content-Type: text/plain; charset=utf-8\n\n"
        "Hello,\n\nSorry for the delay. We will pay invoice F2026-0003 on 25 March 2026.\n\n"
        "Kind regards,\nJan de Vries\n"
    ).encode()


@pytest.fixture
def account(dovecot: MailAccount) -> MailAccount:
    return wait_for_login(dovecot)


def test_the_audit_log_tells_one_debtors_story(
    tmp_path: Path, account: MailAccount, smtp_server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT.name)
    store = open_store(tmp_path / "story.db")
    config = make_config(
        account.imap_settings(), smtp_server.smtp_settings(), bank_freshness_business_days=3
    )
    add_debtor(store, "A03", lang="en", name="Jansen Installaties")
    add_invoice(store, "F2026-0003", "A03", 50000, date(2026, 3, 2), date(2026, 3, 16))
    add_debtor(store, "A01", name="Pieters Bouw")  # never pays: its lines are not A03's story
    add_invoice(store, "F2026-0001", "A01", 100000, date(2026, 3, 2), date(2026, 3, 16))
    sender = smtp_sender()
    replied = False
    for offset in range(40):
        day = START + timedelta(days=offset)
        if is_business_day(day, "NL"):
            add_statement(store, day - timedelta(days=1), _at(day, 7, 0))
        if day == PAY_DAY:
            payment = Tx(
                "500.00",
                booked=day,
                name="Jansen Installaties",
                iban="NL02RABO0123456789",
                structured=generate_rf("F2026-0003"),
            )
            statement = camt053(OFFICE.iban, "S-0326", [single(payment, "BANK-0326")])
            import_statement_bytes(
                store, config, statement, filename="0326.xml", now=_at(day, 7, 5).isoformat()
            )
        for hh, mm in ((8, 30), (13, 30)):
            run_cycle(store, config, now=_at(day, hh, mm), smtp_send=sender)
        # The day after the first reminder, A03 answers it from its own mailbox.
        reminders = [message_from_bytes(m.raw, policy=policy.default) for m in smtp_server.received]
        to_a03 = [m for m in reminders if "a03@klant.example" in str(m["To"])]
        if to_a03 and not replied and day >= date(2026, 3, 17):
            account.deliver(_reply(str(to_a03[-1]["Message-ID"])))
            client = ImapMailbox.connect(config.imap)
            try:
                run_ingestion_pass(store, config, client, now=_at(day, 16, 0))
            finally:
                client.logout()
            replied = True
    store.close()

    lines = [r.getMessage() for r in caplog.records if r.name == AUDIT.name]
    story = [audit_fields(line) for line in lines]
    mine = [(event, f) for event, f in story if f.get("debtor") == "A03"]
    events = [event for event, _ in mine]

    # Line by line, in order: opened, reminded, answered and what was done, paid, closed.
    def first(event: str, **want: str) -> int:
        for n, (name, f) in enumerate(mine):
            if name == event and all(f.get(k) == v for k, v in want.items()):
                return n
        raise AssertionError(f"no {event} {want} in A03's story:\n" + "\n".join(lines))

    opened = first("case_opened")
    sent = first("reminder_sent", invoices="F2026-0003")
    received = first("reply_received", intent="promise_to_pay")
    promised = first("promise_recorded", invoices="F2026-0003", promised_date="2026-03-25")
    processed = first("mail_processed", kind="reply", outcome="processed")
    booked = first("payment_allocated", invoice="F2026-0003", amount="500.00")
    paid = first("invoice_paid", invoice="F2026-0003")
    closed = first("case_closed")
    thanked = first("thank_you_sent")
    assert opened < sent < received < promised < processed < booked < paid < closed < thanked
    # Each line names what an admin looks up next.
    _, sent_fields = mine[sent]
    assert {"case", "outbox", "step", "message_id"} <= sent_fields.keys()
    assert sent_fields["to"] == "…@klant.example"
    assert "inbox" in mine[received][1] and "tx" in mine[booked][1]
    assert mine[closed][1]["reason"] == "all invoices paid"
    # Nothing is said about A03 after the thank-you except the promise being kept.
    assert set(events[thanked + 1 :]) <= {"promise_kept"}
    # The statement line and the other debtor are there, but not as A03's.
    assert any(e == "statement_imported" for e, _ in story)
    assert any(f.get("debtor") == "A01" and e == "reminder_sent" for e, f in story)
    # No names, no whole addresses, no bodies in the journal.
    text = "\n".join(lines)
    for secret in ("Jansen", "Pieters", "a03@klant.example", "Sorry for the delay", "Jan de"):
        assert secret not in text


def test_json_log_lines_carry_the_event_ids_and_an_offset_timestamp(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT.name)
    store = open_store(tmp_path / "json.db")
    add_debtor(store, "A01", name="Pieters Bouw", emails=("boss@pieters.example",))
    add_invoice(store, "F2026-0001", "A01", 100000, date(2026, 3, 2), date(2026, 3, 16))
    add_statement(store, date(2026, 3, 16), _at(date(2026, 3, 17), 7, 0))
    config = make_config(bank_freshness_business_days=3)
    run_cycle(store, config, now=_at(date(2026, 3, 17), 10, 0))  # queues; no SMTP configured
    formatter = JsonFormatter(TZ)
    objects = [json.loads(formatter.format(r)) for r in caplog.records if r.name == AUDIT.name]
    queued = next(o for o in objects if o["event"] == "reminder_queued")
    assert queued["level"] == "INFO" and queued["logger"] == "dunmail.audit"
    assert queued["debtor"] == "A01" and queued["invoices"] == ["F2026-0001"]
    assert isinstance(queued["case"], int) and isinstance(queued["outbox"], int)
    assert queued["at"] == "2026-03-17T10:00:00+01:00"  # the event's time, office timezone
    stamp = datetime.fromisoformat(queued["timestamp"])
    assert stamp.utcoffset() is not None and queued["timestamp"][-6:] in ("+01:00", "+02:00")
    assert "boss@pieters.example" not in json.dumps(objects) and "Pieters" not in json.dumps(
        objects
    )
    # A plain (non-audit) line keeps its message.
    plain = logging.LogRecord("dunmail", logging.INFO, __file__, 1, "daemon started", (), None)
    assert json.loads(formatter.format(plain))["message"] == "daemon started"
    store.close()


def test_a_rolled_back_unit_of_work_logs_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from daemon.adapters.store.events import record_event

    caplog.set_level(logging.INFO, logger=AUDIT.name)
    store = open_store(tmp_path / "rb.db")
    with pytest.raises(RuntimeError), store.transaction():
        record_event(store, "global_pause", actor="cli:ann", detail={"reason": "x"})
        raise RuntimeError("the unit fails after the event was written")
    with store.transaction():
        record_event(store, "global_unpause", actor="cli:ann")
        with pytest.raises(RuntimeError), store.transaction():  # a savepoint rolled back
            record_event(store, "hold", actor="cli:ann", detail={"reason": "inner"})
            raise RuntimeError("inner unit fails")
        # Not committed yet: nothing logged while the transaction is open.
        assert [r.getMessage() for r in caplog.records if r.name == AUDIT.name] == []
    logged = [r.getMessage() for r in caplog.records if r.name == AUDIT.name]
    assert logged == ["global_unpause actor=cli:ann"]
    events = [r["event"] for r in store.query("SELECT event FROM case_events ORDER BY id")]
    assert events == ["global_unpause"]  # the log and the database agree
    store.close()
