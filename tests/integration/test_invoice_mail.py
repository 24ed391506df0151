"""Invoices by mail (#17): the office BCCs its outgoing invoice mail to the dunning mailbox.

UBL attachments are imported only from the office's own, authenticated sender; a PDF without
XML, a forged sender or a broken XML becomes a review item with the reason. DKIM is real (an
RSA key made here, dkim.sign; DNS is a dict); the daemon's path fetches from a real Dovecot
and trusts the office's own server's Authentication-Results."""

from __future__ import annotations

import base64
import shutil
import subprocess
from dataclasses import replace
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import dkim
import pytest

from daemon.adapters.clock import parse_iso
from daemon.adapters.imap import ImapMailbox
from daemon.app.inbound import import_message, run_ingestion_pass
from daemon.app.invoicemail import import_invoice_mail
from daemon.config import ConfigError, parse_config
from tests.integration.human_world import CONFIG, World

UBL = (
    Path(__file__).resolve().parents[1] / "data" / "mail" / "peppol-invoice-F2026-0900.xml"
).read_bytes()
OFFICE = "voorbeeld.test"
SENDER = f"facturen@{OFFICE}"
OURS = "mx.voorbeeld.test"  # bank.authserv_id of human_world.CONFIG
NOW = "2026-12-01T10:00:00.000000Z"
INTAKE = f'\n[intake]\ninvoice_senders = ["{SENDER}"]\n'


def _key() -> tuple[bytes, bytes]:
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("openssl is needed to make a DKIM key", allow_module_level=True)
    pem = subprocess.run([openssl, "genrsa", "2048"], capture_output=True, check=True).stdout
    der = subprocess.run(
        [openssl, "rsa", "-pubout", "-outform", "DER"], input=pem, capture_output=True, check=True
    ).stdout
    return pem, b"v=DKIM1; k=rsa; p=" + base64.b64encode(der)


OFFICE_KEY, OFFICE_DNS = _key()
EVIL_KEY, EVIL_DNS = _key()
DNS = {f"sel._domainkey.{OFFICE}.": OFFICE_DNS, "sel._domainkey.evil.example.": EVIL_DNS}


def dnsfunc(name: bytes | str, timeout: int = 5) -> bytes | None:
    key = name.decode() if isinstance(name, bytes) else name
    return DNS.get(key if key.endswith(".") else key + ".")


def invoice_mail(
    *,
    sender: str = SENDER,
    xml: bytes | None = UBL,
    pdf: bool = True,
    msgid: str = "inv-1",
    headers: tuple[tuple[str, str], ...] = (),
) -> bytes:
    msg = EmailMessage()
    for name, value in headers:
        msg[name] = value
    msg["From"] = f"Voorbeeld Facturen <{sender}>"
    msg["To"] = "crediteuren@jansen.nl"
    msg["Bcc"] = f"debiteuren@{OFFICE}"
    msg["Subject"] = "Factuur F2026-0900"
    msg["Message-ID"] = f"<{msgid}@{OFFICE}>"
    msg.set_content("Bijgaand onze factuur.")
    if pdf:
        msg.add_attachment(
            b"%PDF-1.4\n%fake\n", maintype="application", subtype="pdf", filename="F2026-0900.pdf"
        )
    if xml is not None:
        msg.add_attachment(xml, maintype="application", subtype="xml", filename="F2026-0900.xml")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def signed(raw: bytes, domain: str = OFFICE, key: bytes = OFFICE_KEY) -> bytes:
    signature = dkim.sign(
        raw,
        b"sel",
        domain.encode(),
        key,
        include_headers=[b"from", b"to", b"subject", b"message-id"],
    )
    return signature + raw


@pytest.fixture
def office(tmp_path: Path) -> World:
    return World(tmp_path, extra_config=INTAKE)


def items(w: World) -> list[dict[str, Any]]:
    return w.store.query("SELECT type, reason, inbox_id FROM review_items ORDER BY id")


def test_dkim_signed_invoice_mail_is_imported(office: World) -> None:
    result = import_invoice_mail(
        office.store, office.config, signed(invoice_mail()), inbox_id=None, now=NOW, dnsfunc=dnsfunc
    )
    assert (result.status, result.authenticated_by, result.new) == (
        "imported",
        f"dkim:{OFFICE}",
        ["F2026-0900"],
    )
    row = office.store.one("SELECT amount_cents, debtor_id, source FROM invoices")
    assert row == {
        "amount_cents": 123450,
        "debtor_id": "87654321",
        "source": "mail: F2026-0900.xml",
    }
    assert items(office) == []
    again = import_invoice_mail(
        office.store, office.config, signed(invoice_mail()), inbox_id=None, now=NOW, dnsfunc=dnsfunc
    )
    assert again.status == "imported" and again.new == []  # idempotent


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (lambda: invoice_mail(), "no DKIM signature"),
        (lambda: signed(invoice_mail(), "evil.example", EVIL_KEY), "not by voorbeeld.test"),
        (
            lambda: signed(invoice_mail()).replace(b"Bijgaand", b"Bijgevoegd"),
            "DKIM signature 1 invalid (body hash",
        ),
        (
            lambda: invoice_mail(
                headers=(
                    ("Authentication-Results", f"mx.evil.example; dkim=pass header.d={OFFICE}"),
                )
            ),
            "no DKIM signature",
        ),
    ],
    ids=["unsigned", "signed-by-another-domain", "tampered", "foreign-authserv"],
)
def test_unauthenticated_invoice_mail_is_refused_to_review(
    office: World, make: Any, why: str
) -> None:
    result = import_invoice_mail(
        office.store, office.config, make(), inbox_id=None, now=NOW, dnsfunc=dnsfunc
    )
    assert result.status == "refused" and why in result.reason
    assert office.store.scalar("SELECT COUNT(*) FROM invoices") == 0
    [item] = items(office)
    assert item["type"] == "invoice_mail" and "does not prove its sender" in item["reason"]


def test_pdf_without_xml_and_broken_xml_become_review_items(office: World) -> None:
    pdf_only = import_invoice_mail(
        office.store,
        office.config,
        signed(invoice_mail(xml=None)),
        inbox_id=None,
        now=NOW,
        dnsfunc=dnsfunc,
    )
    assert (
        pdf_only.status == "review"
        and "PDF F2026-0900.pdf but no UBL/Peppol XML" in pdf_only.reason
    )
    broken = UBL.replace(
        b"<cbc:DueDate>2026-03-31</cbc:DueDate>", b"<cbc:DueDate>31-03-2026</cbc:DueDate>"
    )
    bad = import_invoice_mail(
        office.store,
        office.config,
        signed(invoice_mail(xml=broken, msgid="inv-2")),
        inbox_id=None,
        now=NOW,
        dnsfunc=dnsfunc,
    )
    assert bad.status == "review" and "nothing was imported: mail: F2026-0900.xml:" in bad.reason
    assert office.store.scalar("SELECT COUNT(*) FROM invoices") == 0
    assert [i["type"] for i in items(office)] == ["invoice_mail", "invoice_mail"]


def test_other_senders_are_not_invoice_mail(office: World) -> None:
    result = import_invoice_mail(
        office.store, office.config, invoice_mail(sender="sales@jansen.nl"), inbox_id=None, now=NOW
    )
    assert result.status == "not_invoice_sender"


def test_invoice_senders_must_be_the_office_itself() -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(
            CONFIG
            + '\n[intake]\ninvoice_senders = ["@gmail.com", "billing@other.example", "debiteuren@voorbeeld.test"]\n'
        )
    text = str(caught.value)
    assert "'@gmail.com' would trust every account at a shared mail provider" in text
    assert "'billing@other.example' is not at the office's own domain" in text
    assert "'debiteuren@voorbeeld.test' is dunmail's own address" in text
    assert "intake.invoice_senders" in text and "line" in text


def test_daemon_fetches_bcc_invoice_mail_from_dovecot(tmp_path: Path, dovecot: Any) -> None:
    """The daemon's own path: three BCC'd mails in a real Dovecot INBOX, one ingestion pass."""
    w = World(tmp_path, extra_config=INTAKE)
    config = replace(w.config, imap=dovecot.imap_settings())
    good_ar = (("Authentication-Results", f"{OURS}; dkim=pass header.d={OFFICE} header.s=sel"),)
    forged_ar = (("Authentication-Results", f"mx.evil.example; dkim=pass header.d={OFFICE}"),)
    dovecot.deliver(invoice_mail(headers=good_ar, msgid="good"))
    dovecot.deliver(invoice_mail(headers=good_ar, xml=None, msgid="pdf-only"))
    dovecot.deliver(
        invoice_mail(headers=forged_ar, msgid="forged").replace(b"F2026-0900", b"F2026-0999")
    )
    client = ImapMailbox.connect(config.imap)
    try:
        report = run_ingestion_pass(w.store, config, client, now=parse_iso("2026-12-01T10:00:00Z"))
    finally:
        client.logout()
    assert report.fetched == 3
    assert [r["number"] for r in w.store.query("SELECT number FROM invoices")] == ["F2026-0900"]
    statuses = {
        r["message_id"]: r["status"] for r in w.store.query("SELECT message_id, status FROM inbox")
    }
    assert statuses == {
        f"<good@{OFFICE}>": "processed",
        f"<pdf-only@{OFFICE}>": "review",
        f"<forged@{OFFICE}>": "review",
    }
    reasons = [i["reason"] for i in items(w)]
    assert len(reasons) == 2
    assert any("but no UBL/Peppol XML" in r for r in reasons)
    assert any("does not prove its sender" in r for r in reasons)
    events = w.store.query("SELECT actor FROM case_events WHERE event = 'invoice_imported'")
    assert events == [{"actor": f"mail:{SENDER}"}]


def test_refused_invoice_mail_is_retried_after_the_fix(office: World) -> None:
    """A credit note mailed before its invoice: kept for review, and a retry once the
    invoice is in books it (`inbox import` and `queue resolve --action retry`, the CLI)."""
    credit_note = Path(__file__).resolve().parents[1] / "data" / "mail"
    note = (credit_note / "peppol-credit-note-C2026-0007.xml").read_bytes()
    ar = (("Authentication-Results", f"{OURS}; dkim=pass header.d={OFFICE}"),)

    def inbox_import(raw: bytes, name: str) -> dict[str, Any]:
        path = office.tmp / name
        path.write_bytes(raw)
        (outcome,) = office.cli_json("inbox", "import", str(path), "--now", "2026-12-01T10:00:00Z")
        return dict(outcome)

    assert office.store.scalar("SELECT COUNT(*) FROM invoices") == 0  # creates the database
    first = inbox_import(invoice_mail(xml=note, pdf=False, headers=ar, msgid="cn"), "cn.eml")
    assert first["status"] == "review"
    [item] = office.cli_json("queue", "list", "--type", "invoice_mail")
    assert "credit note C2026-0007: unknown invoice F2026-0900" in item["reason"]
    inbox_import(invoice_mail(headers=ar, msgid="inv"), "inv.eml")
    assert office.store.scalar("SELECT credited_cents FROM invoices") == 0
    office.cli(
        "queue", "resolve", str(item["id"]), "--action", "retry", "--now", "2026-12-01T10:05:00Z"
    )
    assert office.store.scalar("SELECT credited_cents FROM invoices") == 10000
    assert office.cli_json("queue", "list", "--type", "invoice_mail") == []


def test_a_domain_wide_invoice_sender_leaves_staff_replies_to_staff(tmp_path: Path) -> None:
    w = World(tmp_path, extra_config='\n[intake]\ninvoice_senders = ["@voorbeeld.test"]\n')
    ar = (("Authentication-Results", f"{OURS}; dkim=pass header.d={OFFICE}"),)
    staff = EmailMessage()
    staff["From"] = f"boss@{OFFICE}"
    staff["To"] = f"debiteuren@{OFFICE}"
    staff["Subject"] = "Re: [dunmail] review"
    staff["Message-ID"] = f"<staff@{OFFICE}>"
    staff["Authentication-Results"] = ar[0][1]
    staff.set_content("resume")
    now = parse_iso("2026-12-01T10:00:00Z")
    staff_id, _ = import_message(w.store, w.config, staff.as_bytes(), now=now)
    mail_id, status = import_message(
        w.store, w.config, invoice_mail(headers=ar, msgid="dom"), now=now
    )
    kinds = {r["id"]: r["kind"] for r in w.store.query("SELECT id, kind FROM inbox")}
    assert kinds == {staff_id: "staff", mail_id: "invoice_mail"}
    assert status == "processed"
    assert w.store.scalar("SELECT COUNT(*) FROM invoices") == 1
