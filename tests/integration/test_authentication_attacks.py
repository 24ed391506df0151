"""Forged bank statements and forged staff commands through the entry points people use
(issue #11, "Authentication you can defend").

Statement mails go through `dunmail inbox import FILE.eml`; staff `write off` replies are
delivered into a real Dovecot INBOX and fetched by the daemon's ingestion pass. Each forgery
below was booked / obeyed by the old ``;``-splitting header reader; each positive control
shows a genuine mail still works."""

from __future__ import annotations

import smtplib
from dataclasses import replace
from datetime import datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest

from daemon.adapters.clock import parse_iso
from daemon.adapters.imap import ImapMailbox
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.outbox import drain_outbox
from daemon.app.staffmail import notify_urgent
from daemon.config import Config
from daemon.domain.references import generate_rf
from tests.integration.bank_writers import Tx, camt053, single
from tests.integration.human_world import CONFIG, World

OURS = "mx.voorbeeld.test"
NOW = "2026-12-01T10:00:00Z"
RF = generate_rf("F2026-0001")
AR = "Authentication-Results"

# --- statement mails through `dunmail inbox import` ----------------------------------------------


def office(tmp_path: Path, bank: str = "bank.example") -> World:
    text = CONFIG.replace(
        f'[bank]\nauthserv_id = "{OURS}"',
        f'[bank]\nauthserv_id = "{OURS}"\ntrusted_senders = ["@{bank}"]',
    )
    assert text != CONFIG
    (tmp_path / "config.toml").write_text(text, encoding="utf-8")
    w = World(tmp_path)
    w.debtor("ACME", email="ap@acme.test")
    w.invoice("F2026-0001", "ACME", 100000)
    w.store.execute("UPDATE invoices SET reference = ? WHERE number = 'F2026-0001'", (RF,))
    return w


def statement_mail(
    headers: list[tuple[str, str]], sender: str = "afschriften@bank.example"
) -> bytes:
    msg = EmailMessage()
    if not any(name == "From" for name, _ in headers):
        msg["From"] = sender
    msg["To"] = "debiteuren@voorbeeld.test"
    msg["Subject"] = "Dagafschrift"
    msg["Message-ID"] = "<stmt-1@bank.example>"
    msg.set_content("Uw dagafschrift is bijgevoegd.")
    camt = camt053(
        "NL91ABNA0417164300",
        "MAIL-1",
        [single(Tx("1000.00", e2e="E-1", structured=RF, name="ACME"), "R-1")],
    )
    msg.add_attachment(camt, maintype="application", subtype="xml", filename="camt053.xml")
    raw = msg.as_bytes(policy=policy.compat32).replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    # written as they arrive, on top and unchanged (the email package refuses a second From)
    return "".join(f"{name}: {value}\r\n" for name, value in headers).encode() + raw


def import_eml(w: World, raw: bytes) -> dict[str, Any]:
    path = w.tmp / "statement.eml"
    path.write_bytes(raw)
    (outcome,) = w.cli_json("inbox", "import", str(path), "--now", NOW)
    return dict(outcome)


STATEMENT_ATTACKS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "quoted-local-part",
        [
            (
                AR,
                f'{OURS}; spf=pass smtp.mailfrom="x; dkim=pass header.d=bank.example x"'
                "@evil.example",
            )
        ],
    ),
    ("nested-comment", [(AR, f"{OURS}; (a ((b) ; dkim=pass header.d=bank.example ; c) d)")]),
    (
        "escaped-parens-in-comment",
        [(AR, f"{OURS}; dkim=none (\\) ; dkim=pass header.d=bank.example ; \\()")],
    ),
    (
        "quoted-reason",
        [(AR, f'{OURS}; dkim=fail reason="x; dkim=pass header.d=bank.example"')],
    ),
    (
        "ours-below-a-genuine-looking-one",
        [
            (AR, "mx.bank.example; dkim=pass header.d=bank.example; spf=pass"),
            (AR, f"{OURS}; dkim=pass header.d=bank.example"),
        ],
    ),
    (
        "second-from-field",
        [
            ("From", "afschriften@bank.example"),
            ("From", "evil@evil.example"),
            (AR, f"{OURS}; dkim=pass header.d=evil.example; dmarc=pass header.from=bank.example"),
        ],
    ),
    (
        "from-with-two-addresses",
        [
            ("From", "afschriften@bank.example, evil@evil.example"),
            (AR, f"{OURS}; dmarc=pass header.from=bank.example"),
        ],
    ),
    (
        "unaligned-dkim-repeated-d",
        [(AR, f"{OURS}; dkim=pass header.d=evil.example header.d=bank.example")],
    ),
    (
        "unaligned-spf-repeated-mailfrom",
        [(AR, f"{OURS}; spf=pass smtp.mailfrom=x@evil.example smtp.mailfrom=bank.example")],
    ),
    ("unaligned-dkim-d", [(AR, f"{OURS}; dkim=pass header.d=evil.example")]),
    ("unaligned-spf-domain", [(AR, f"{OURS}; spf=pass smtp.mailfrom=x@evil.example")]),
]


@pytest.mark.parametrize(
    "headers", [a[1] for a in STATEMENT_ATTACKS], ids=[a[0] for a in STATEMENT_ATTACKS]
)
def test_forged_statement_mail_imported_by_cli_is_never_booked(
    tmp_path: Path, headers: list[tuple[str, str]]
) -> None:
    w = office(tmp_path)
    outcome = import_eml(w, statement_mail(headers))
    assert outcome["status"] == "review", outcome
    assert w.invoice_status("F2026-0001") == "open"
    assert w.store.scalar("SELECT COUNT(*) FROM bank_transactions") == 0
    assert w.store.scalar("SELECT COUNT(*) FROM allocations") == 0
    file = w.store.one("SELECT status, reason FROM statement_files")
    assert file is not None and file["status"] == "quarantined", file
    item = w.store.one("SELECT type, inbox_id FROM review_items")
    assert item == {"type": "statement_quarantined", "inbox_id": outcome["inbox_id"]}


def test_public_suffix_parent_does_not_vouch_for_a_bank_under_it(tmp_path: Path) -> None:
    """``co.uk`` is a public suffix: a pass for it proves nothing about ``bank.co.uk``."""
    w = office(tmp_path, bank="bank.co.uk")
    raw = statement_mail(
        [(AR, f"{OURS}; dkim=pass header.d=co.uk; spf=pass smtp.mailfrom=x@co.uk")],
        sender="afschriften@bank.co.uk",
    )
    outcome = import_eml(w, raw)
    assert outcome["status"] == "review"
    assert w.invoice_status("F2026-0001") == "open"
    reason = w.store.scalar("SELECT reason FROM statement_files")
    assert "no dkim/spf/dmarc pass aligned with bank.co.uk" in reason


GENUINE: list[tuple[str, str, str]] = [
    ("dkim-pass", f"{OURS}; dkim=pass (2048-bit key) header.d=bank.example header.s=sel", "x"),
    ("spf-pass-subdomain", f"{OURS} 1; spf=pass smtp.mailfrom=bounce@mail.bank.example", "x"),
    ("dmarc-pass", f"{OURS}; dkim=none; dmarc=pass (p=reject) header.from=bank.example", "x"),
]


@pytest.mark.parametrize("header", [g[1] for g in GENUINE], ids=[g[0] for g in GENUINE])
def test_genuine_statement_mail_imported_by_cli_is_booked(tmp_path: Path, header: str) -> None:
    w = office(tmp_path)
    raw = statement_mail(
        [(AR, header), (AR, "mx.bank.example; spf=pass smtp.mailfrom=bank.example")],
        sender="Bank N.V. <afschriften@bank.example>",
    )
    outcome = import_eml(w, raw)
    assert outcome["status"] == "processed", outcome
    assert w.invoice_status("F2026-0001") == "paid"


def test_shared_provider_sender_is_refused_or_warned_by_check_config(tmp_path: Path) -> None:
    w = World(tmp_path)
    (tmp_path / "config.toml").write_text(
        CONFIG.replace('addresses = ["ann@voorbeeld.test"', 'addresses = ["ann@gmail.com"').replace(
            f'[bank]\nauthserv_id = "{OURS}"',
            f'[bank]\nauthserv_id = "{OURS}"\ntrusted_senders = ["afschriften@hotmail.com"]',
        ),
        encoding="utf-8",
    )
    output = w.cli("check-config").output
    assert (
        "warning: bank.trusted_senders: afschriften@hotmail.com is at the shared provider"
        " hotmail.com: this proves the sending domain, not the person; a shared provider's"
        " domain is never a trusted sender" in output
    ), output
    assert "warning: staff.addresses: ann@gmail.com" in output

    (tmp_path / "config.toml").write_text(
        CONFIG.replace(
            f'[bank]\nauthserv_id = "{OURS}"',
            f'[bank]\nauthserv_id = "{OURS}"\ntrusted_senders = ["@gmail.com"]',
        ),
        encoding="utf-8",
    )
    result = w.cli("check-config", ok=False)
    assert result.exit_code != 0
    assert "bank.trusted_senders: '@gmail.com' would trust every account" in result.output


# --- staff `write off` through the daemon's fetch from Dovecot -------------------------------------

STAFF_NOW = parse_iso("2026-12-01T10:00:00Z")


def smtp_send(settings: Any, raw: bytes, *, mail_from: str, recipients: list[str]) -> None:
    with smtplib.SMTP(settings.host, settings.port, timeout=10) as client:
        client.sendmail(mail_from, recipients, raw)


def staff_reply(alert: bytes, headers: list[tuple[str, str]], msgid: str) -> bytes:
    original = message_from_bytes(alert, policy=policy.default)
    lines = [f"{name}: {value}" for name, value in headers]
    if not any(name == "From" for name, _ in headers):
        lines.append("From: Boss <boss@voorbeeld.test>")
    lines += [
        "To: debiteuren@voorbeeld.test",
        f"Subject: Re: {original['Subject']}",
        "Date: Tue, 01 Dec 2026 11:30:00 +0100",
        f"Message-ID: <{msgid}@voorbeeld.test>",
        f"In-Reply-To: {original['Message-ID']}",
        "Content-Type: text/plain; charset=utf-8",
    ]
    return ("\r\n".join(lines) + "\r\n\r\nwrite off\r\n").encode()


STAFF_ATTACKS: list[tuple[str, list[tuple[str, str]]]] = [
    (
        "quoted-local-part",
        [
            (
                AR,
                f'{OURS}; spf=pass smtp.mailfrom="x; dkim=pass header.d=voorbeeld.test x"'
                "@evil.example",
            )
        ],
    ),
    ("nested-comment", [(AR, f"{OURS}; (a ((b) ; dkim=pass header.d=voorbeeld.test ; c) d)")]),
    (
        # policy.default decodes encoded-words: "=3B" became a ";" for the old reader
        "encoded-word-semicolon",
        [(AR, f"{OURS}; dkim=none =?utf-8?q?=3B_dkim=3Dpass_header=2Ed=3Dvoorbeeld=2Etest?=")],
    ),
    (
        "ours-below-a-genuine-looking-one",
        [
            (AR, "mx.evil.example; dkim=pass header.d=evil.example"),
            (AR, f"{OURS}; dkim=pass header.d=voorbeeld.test"),
        ],
    ),
    (
        "second-from-field",
        [
            ("From", "boss@voorbeeld.test"),
            ("From", "mallory@evil.example"),
            (AR, f"{OURS}; dmarc=pass header.from=voorbeeld.test"),
        ],
    ),
    (
        "unaligned-dkim-repeated-d",
        [(AR, f"{OURS}; dkim=pass header.d=evil.example header.d=voorbeeld.test")],
    ),
]


@pytest.fixture
def staff_office(tmp_path: Path, dovecot: Any, smtp_server: Any) -> tuple[World, Config, bytes]:
    w = World(tmp_path)
    w.debtor("ACME", email="ap@acme.test")
    w.invoice("F2026-0001", "ACME", 100000)
    w.case("ACME", status="disputed")
    config = replace(w.config, imap=dovecot.imap_settings(), smtp=smtp_server.smtp_settings())
    w.item(
        "dispute",
        "ACME disputes F2026-0001",
        priority=0,
        debtor_id="ACME",
        invoice_numbers=["F2026-0001"],
    )
    assert notify_urgent(w.store, config, STAFF_NOW) == 1
    drain_outbox(w.store, config, now=STAFF_NOW, smtp_send=smtp_send)
    (alert,) = smtp_server.received
    return w, config, alert.raw


def fetch(w: World, config: Config, now: datetime) -> Any:
    client = ImapMailbox.connect(config.imap)
    try:
        return run_ingestion_pass(w.store, config, client, now=now)
    finally:
        client.logout()


def written_off(w: World) -> int:
    return int(w.store.scalar("SELECT written_off_cents FROM invoices WHERE number = 'F2026-0001'"))


@pytest.mark.parametrize(
    "headers", [a[1] for a in STAFF_ATTACKS], ids=[a[0] for a in STAFF_ATTACKS]
)
def test_forged_staff_write_off_fetched_by_the_daemon_is_refused(
    staff_office: tuple[World, Config, bytes], dovecot: Any, headers: list[tuple[str, str]]
) -> None:
    w, config, alert = staff_office
    dovecot.deliver(staff_reply(alert, headers, "forged"))
    assert fetch(w, config, STAFF_NOW).fetched == 1
    assert written_off(w) == 0
    (refused,) = w.events("staff_reply_refused")
    assert "boss@voorbeeld.test" in refused["detail"]
    assert w.store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'staff_confirmation'") == 0


def test_genuine_staff_write_off_fetched_by_the_daemon_is_obeyed(
    staff_office: tuple[World, Config, bytes], dovecot: Any
) -> None:
    w, config, alert = staff_office
    headers = [
        (
            AR,
            f"{OURS}; dkim=pass (good) header.d=voorbeeld.test header.b=Ab/+9x=;"
            " spf=pass smtp.mailfrom=boss@voorbeeld.test",
        ),
        (AR, "mx.voorbeeld-isp.test; spf=pass smtp.mailfrom=voorbeeld.test"),
    ]
    dovecot.deliver(staff_reply(alert, headers, "genuine"))
    assert fetch(w, config, STAFF_NOW).fetched == 1
    assert written_off(w) == 100000
    assert w.events("staff_reply_refused") == []


def test_genuine_dkim_signed_staff_write_off_is_obeyed_and_l_tag_is_not(
    staff_office: tuple[World, Config, bytes],
) -> None:
    """A staff reply signed by the office's own domain (real RSA key, DNS served by the
    dnsfunc hook) is obeyed; the same signature with ``l=`` is refused."""
    import dkim

    from daemon.app.staffmail import handle_staff_reply
    from tests.integration.test_statement_mail_auth import BANK_DNS, BANK_KEY

    w, config, alert = staff_office

    def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
        key = name.decode() if isinstance(name, bytes) else name
        return BANK_DNS if key.rstrip(".") == "sel._domainkey.voorbeeld.test" else None

    def signed(msgid: str, *, length: bool) -> bytes:
        raw = staff_reply(alert, [], msgid)
        headers = [b"from", b"to", b"subject", b"message-id", b"in-reply-to"]
        sig = dkim.sign(
            raw, b"sel", b"voorbeeld.test", BANK_KEY, include_headers=headers, length=length
        )
        return sig + raw

    refused = handle_staff_reply(
        w.store,
        config,
        signed("l-tag", length=True),
        inbox_id=None,
        now=STAFF_NOW,
        dnsfunc=dnsfunc,
    )
    assert refused["status"] == "refused" and "only part of the body (l=)" in refused["reason"]
    assert written_off(w) == 0
    result = handle_staff_reply(
        w.store,
        config,
        signed("dkim", length=False),
        inbox_id=None,
        now=STAFF_NOW,
        dnsfunc=dnsfunc,
    )
    assert (result["ok"], result["authenticated_by"]) == (True, "dkim:voorbeeld.test"), result
    assert written_off(w) == 100000


def test_daemon_fetch_quarantines_a_forged_statement_and_books_the_genuine_one(
    tmp_path: Path, dovecot: Any
) -> None:
    """The same rules on the daemon's path: mail fetched from a real Dovecot INBOX."""
    w = office(tmp_path)
    config = replace(w.config, imap=dovecot.imap_settings())
    forged = statement_mail(
        [(AR, f"{OURS}; (a ((b) ; dkim=pass header.d=bank.example ; c) d)")]
    ).replace(b"<stmt-1@bank.example>", b"<forged@bank.example>")
    dovecot.deliver(forged)
    assert fetch(w, config, STAFF_NOW).fetched == 1
    assert w.invoice_status("F2026-0001") == "open"
    assert w.store.scalar("SELECT status FROM statement_files") == "quarantined"

    dovecot.deliver(statement_mail([(AR, f"{OURS}; dkim=pass header.d=bank.example")]))
    assert fetch(w, config, STAFF_NOW).fetched == 1
    assert w.invoice_status("F2026-0001") == "paid"
