"""Staff act by replying to a notification: real SMTP out, real Dovecot in, real ingestion.
A reply that claims a staff address without proving it is refused."""

from __future__ import annotations

import smtplib
from dataclasses import replace
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from daemon.adapters.clock import parse_iso
from daemon.adapters.imap import ImapMailbox
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.outbox import drain_outbox
from daemon.app.review import ActionRequest
from daemon.app.staffmail import (
    CommandError,
    handle_staff_reply,
    notify_urgent,
    parse_command,
    send_digest,
)
from daemon.config import Config
from tests.integration.human_world import World

NOW = parse_iso("2026-12-01T10:00:00Z")
GOOD_AR = (
    "Authentication-Results: mx.voorbeeld.test; dkim=pass header.d=voorbeeld.test;"
    " spf=pass smtp.mailfrom=boss@voorbeeld.test"
)
FORGED_AR = (
    "Authentication-Results: mx.evil.example; dkim=pass header.d=voorbeeld.test;"
    " spf=pass smtp.mailfrom=boss@voorbeeld.test"
)


def smtp_send(settings: Any, raw: bytes, *, mail_from: str, recipients: list[str]) -> None:
    """Plain SMTP to the loopback server (the project's aiosmtplib adapter when present)."""
    try:
        from daemon.adapters.smtp import send_message_sync  # type: ignore[import-not-found]
    except ImportError:
        with smtplib.SMTP(settings.host, settings.port, timeout=10) as client:
            client.sendmail(mail_from, recipients, raw)
        return
    send_message_sync(settings, raw, mail_from=mail_from, recipients=recipients)


def reply(
    *, to: bytes, body: str, ar: str | None, msgid: str, sender: str = "boss@voorbeeld.test"
) -> bytes:
    original = message_from_bytes(to, policy=policy.default)
    headers = [
        *([ar] if ar else []),
        f"From: Boss <{sender}>",
        "To: debiteuren@voorbeeld.test",
        f"Subject: Re: {original['Subject']}",
        "Date: Tue, 01 Dec 2026 11:30:00 +0100",
        f"Message-ID: <{msgid}@voorbeeld.test>",
        f"In-Reply-To: {original['Message-ID']}",
        f"References: {original['Message-ID']}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    quoted = "\n".join(
        "> " + line for line in original.get_body(("plain",)).get_content().splitlines()
    )
    text = f"{body}\n\nOn Tue, 1 Dec 2026 dunmail wrote:\n{quoted}\n"
    return ("\r\n".join(headers) + "\r\n\r\n" + text.replace("\n", "\r\n")).encode()


@pytest.fixture
def office(tmp_path: Path, dovecot: Any, smtp_server: Any) -> tuple[World, Config]:
    w = World(tmp_path)
    w.debtor("ACME", email="ap@acme.test")
    w.invoice("F2026-0001", "ACME", 100000)
    w.invoice("F2026-0002", "ACME", 40000)
    w.case("ACME", status="disputed")
    w.store.execute("UPDATE invoices SET status = 'disputed' WHERE number = 'F2026-0001'")
    config = replace(w.config, imap=dovecot.imap_settings(), smtp=smtp_server.smtp_settings())
    return w, config


def ingest(w: World, config: Config, now: datetime) -> Any:
    client = ImapMailbox.connect(config.imap)
    try:
        return run_ingestion_pass(w.store, config, client, now=now)
    finally:
        client.logout()


def test_reply_to_notification_acts_and_a_forged_one_is_refused(
    office: tuple[World, Config], dovecot: Any, smtp_server: Any
) -> None:
    w, config = office
    item = w.item(
        "dispute",
        "ACME disputes F2026-0001: hours not worked",
        priority=0,
        debtor_id="ACME",
        invoice_numbers=["F2026-0001"],
        evidence={"excerpt": "We never ordered the extra hours."},
    )
    other = w.item(
        "call_task", "call ACME about F2026-0002", debtor_id="ACME", invoice_numbers=["F2026-0002"]
    )
    assert notify_urgent(w.store, config, NOW) == 1
    assert notify_urgent(w.store, config, NOW) == 0  # notified once
    report = drain_outbox(w.store, config, now=NOW, smtp_send=smtp_send)
    assert len(report.sent) == 1, report
    (alert,) = smtp_server.received
    assert alert.rcpt_tos == ("boss@voorbeeld.test",)
    parsed = message_from_bytes(alert.raw, policy=policy.default)
    assert parsed["Subject"].startswith(f"[dunmail #{item}] Dispute: ACME Holding")
    assert "We never ordered" in parsed.get_body(("plain",)).get_content()

    # a forger writes "write off" from the boss's address: no proof, no change
    dovecot.deliver(reply(to=alert.raw, body="write off", ar=FORGED_AR, msgid="forged"))
    # the boss answers "resume" through the office's own mail server (authenticated)
    dovecot.deliver(reply(to=alert.raw, body="resume", ar=GOOD_AR, msgid="real"))
    # and a second, authenticated command that names its item on the line
    dovecot.deliver(reply(to=alert.raw, body=f"#{other} assign ann", ar=GOOD_AR, msgid="assign"))
    passed = ingest(w, config, NOW)
    assert passed.fetched == 3

    assert w.store.scalar("SELECT written_off_cents FROM invoices WHERE number = 'F2026-0001'") == 0
    refused = w.events("staff_reply_refused")
    assert len(refused) == 1
    assert "no Authentication-Results header from mx.voorbeeld.test" in refused[0]["detail"]
    assert "does not prove its sender" in refused[0]["detail"]
    (notice,) = w.cli_json("queue", "list", "--type", "staff_reply_refused")
    assert "boss@voorbeeld.test" in notice["reason"] and notice["inbox_id"] is not None

    shown = w.cli_json("queue", "show", str(item))
    assert (shown["state"], shown["resolved_by"]) == ("resolved", "mail:boss@voorbeeld.test")
    assert w.invoice_status("F2026-0001") == "open"
    assert w.case_status("ACME") == "active"
    assert w.events("ladder_resumed")[0]["actor"] == "mail:boss@voorbeeld.test"
    assert w.cli_json("queue", "show", str(other))["assignee"] == "ann"

    # confirmations go back to the boss, threaded under the command
    drain_outbox(w.store, config, now=NOW, smtp_send=smtp_send)
    confirmations = [
        message_from_bytes(m.raw, policy=policy.default) for m in smtp_server.received[1:]
    ]
    assert len(confirmations) == 2
    by_reply = {c["In-Reply-To"]: c for c in confirmations}
    assert set(by_reply) == {"<real@voorbeeld.test>", "<assign@voorbeeld.test>"}
    assert by_reply["<real@voorbeeld.test>"]["Subject"].startswith(f"[dunmail #{item}] Done")
    assert all(m.rcpt_tos == ("boss@voorbeeld.test",) for m in smtp_server.received[1:])


def test_digest_reply_with_item_numbers(office: tuple[World, Config]) -> None:
    w, config = office
    item = w.item(
        "promise",
        "ACME promises to pay but gives no date",
        debtor_id="ACME",
        invoice_numbers=["F2026-0002"],
    )
    assert send_digest(w.store, config, NOW.date(), parse_iso("2026-12-01T06:00:00Z")) is None
    outbox_id = send_digest(w.store, config, NOW.date(), NOW)
    assert outbox_id is not None
    assert send_digest(w.store, config, NOW.date(), NOW) is None  # once a day
    raw = bytes(w.store.scalar("SELECT raw FROM outbox WHERE id = ?", (outbox_id,)))
    digest = message_from_bytes(raw, policy=policy.default)
    assert f"#{item}" in digest.get_body(("plain",)).get_content()
    result = handle_staff_reply(
        w.store,
        config,
        reply(to=raw, body=f"#{item} promise 2026-12-15", ar=GOOD_AR, msgid="digest-reply"),
        inbox_id=None,
        now=NOW,
    )
    assert result["ok"], result
    assert w.store.scalar("SELECT promised_date FROM promises") == "2026-12-15"
    assert w.store.scalar("SELECT source FROM promises") == "staff-mail"


def test_bad_command_is_answered_not_obeyed(office: tuple[World, Config]) -> None:
    w, config = office
    item = w.item("dispute", "dispute", debtor_id="ACME", invoice_numbers=["F2026-0001"])
    notify_urgent(w.store, config, NOW)
    raw = bytes(w.store.scalar("SELECT raw FROM outbox WHERE kind = 'staff_alert'"))
    result = handle_staff_reply(
        w.store,
        config,
        reply(to=raw, body="approve", ar=GOOD_AR, msgid="bad"),
        inbox_id=None,
        now=NOW,
    )
    assert not result["ok"] and "does not fit a dispute item" in result["result"]
    assert w.cli_json("queue", "show", str(item))["state"] == "open"
    assert w.store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'staff_confirmation'") == 1


def test_non_staff_sender_is_refused(office: tuple[World, Config]) -> None:
    w, config = office
    w.item("dispute", "dispute", debtor_id="ACME", invoice_numbers=["F2026-0001"])
    notify_urgent(w.store, config, NOW)
    raw = bytes(w.store.scalar("SELECT raw FROM outbox WHERE kind = 'staff_alert'"))
    forged = reply(
        to=raw,
        body="resume",
        ar=GOOD_AR.replace("boss@", "mallory@"),
        msgid="x",
        sender="mallory@voorbeeld.test",
    )
    assert (
        handle_staff_reply(w.store, config, forged, inbox_id=None, now=NOW)["status"] == "refused"
    )
    assert w.invoice_status("F2026-0001") == "disputed"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("resume", ActionRequest("resume")),
        ("Resume", ActionRequest("resume")),
        ("promise 2026-12-15", ActionRequest("promise", date=parse_iso("2026-12-15").date())),
        ("promise 15-12-2026", ActionRequest("promise", date=parse_iso("2026-12-15").date())),
        ("write off", ActionRequest("write_off")),
        (
            "write off 12,50",
            ActionRequest("write_off", amount=__import__("decimal").Decimal("12.50")),
        ),
        ("assign ann", ActionRequest("assign", to="ann")),
        ("comment called, pays friday", ActionRequest("comment", text="called, pays friday")),
        ("snooze 2026-12-20", ActionRequest("snooze", date=parse_iso("2026-12-20").date())),
        ("handover Incasso Noord", ActionRequest("handover", agency="Incasso Noord")),
    ],
    ids=[
        "resume",
        "capitalised",
        "promise-iso",
        "promise-dutch-order",
        "write-off",
        "write-off-amount",
        "assign",
        "comment",
        "snooze",
        "handover",
    ],
)
def test_parse_command(line: str, expected: ActionRequest) -> None:
    assert parse_command(line) == expected


@pytest.mark.parametrize(
    "line",
    ["", "pay me", "promise", "promise tomorrow", "write", "assign"],
    ids=["empty", "unknown", "promise-no-date", "promise-words", "write-alone", "assign-nobody"],
)
def test_parse_command_refuses(line: str) -> None:
    with pytest.raises(CommandError):
        parse_command(line)
