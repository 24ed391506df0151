"""The trust boundary of inbound mail (issue #11), through the entry points people use:
`dunmail inbox import FILE.eml` and the daemon's fetch from a real Dovecot.

Three debtors are imported from CSV by `dunmail invoices import`: Alpha and Beta with one
registered address each, Gamma with a declared domain. Each attack test fails on the code
before #11; each has a positive control that must keep working.
"""

from __future__ import annotations

import base64
import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import Store, dumps, loads, open_store
from daemon.adapters.store.queue import debtor_reply_items
from daemon.app.ingestion import run_ingestion_pass
from daemon.app.mailbox import PassReport
from daemon.cli import main
from daemon.config import Config, OfficeSettings
from tests.integration.inbound_corpus import wait_for_login
from tests.servers import MailAccount

OFFICE = "debiteuren@voorbeeld-bv.nl"
NOW = "2026-12-01T10:00:00+00:00"  # a Tuesday
ALPHA, BETA, GAMMA = "ap@alpha.example", "finance@beta.example", "ap@gamma.example"
MALLORY = "mallory@evil.example"
CSV_HEADER = (
    "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,language,pdf,"
    "debtor_domains\n"
)


class Office:
    """A database with three debtors imported by the CLI, and helpers to feed it mail."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        self.db = tmp / "dunmail.db"
        self.config_path = tmp / "config.toml"
        pdfs = tmp / "pdf"
        pdfs.mkdir()
        self.config_path.write_text(
            f'[office]\nname = "Voorbeeld B.V."\nemail = "{OFFICE}"\nlanguage = "en"\n'
            f'[invoices]\npdf_dir = "{pdfs}"\n',
            encoding="utf-8",
        )
        rows = []
        for number, debtor, email, domains in (
            ("F2026-0001", "ALPHA", ALPHA, ""),
            ("F2026-0002", "BETA", BETA, ""),
            ("F2026-0003", "GAMMA", GAMMA, "gamma.example"),
        ):
            pdf = pdfs / f"{number}.pdf"
            pdf.write_bytes(b"%PDF-1.4\n% invoice " + number.encode() + b"\n%%EOF\n")
            rows.append(
                f"{number},{debtor},{debtor.title()} B.V.,{email},2026-09-01,2026-10-01,"
                f"1000.00,en,{pdf},{domains}\n"
            )
        (tmp / "invoices.csv").write_text(CSV_HEADER + "".join(rows), encoding="utf-8")
        self.cli("init")
        self.cli("invoices", "import", str(tmp / "invoices.csv"))
        self.store: Store = open_store(self.db)

    def cli(self, *args: str) -> Any:
        result = CliRunner().invoke(
            main, ["--config", str(self.config_path), "--db", str(self.db), *args]
        )
        assert result.exit_code == 0, result.output
        return result

    def import_mail(self, raw: bytes, name: str = "mail.eml") -> dict[str, Any]:
        """`dunmail inbox import FILE --json`: the outcome of the one file."""
        path = self.tmp / name
        path.write_bytes(raw)
        result = self.cli("inbox", "import", "--json", "--now", NOW, str(path))
        [outcome] = json.loads(result.stdout)
        return dict(outcome)

    def sent_reminder(self, number: str, debtor: str, to: str, level: int = 1) -> str:
        """A reminder we sent earlier (its deterministic Message-ID)."""
        message_id = f"<reminder.{number}.{level}@voorbeeld-bv.nl>"
        self.store.execute(
            "INSERT INTO outbox (kind, debtor_id, message_id, mail_from, recipients, subject,"
            " raw, sha256, status, invoice_numbers, created_at, sent_at)"
            " VALUES ('reminder', ?, ?, ?, ?, 'Reminder', x'00', ?, 'sent', ?, ?, ?)",
            (
                debtor,
                message_id,
                OFFICE,
                dumps([to]),
                message_id,
                dumps([number]),
                NOW,
                NOW,
            ),
        )
        return message_id

    # -- what the tests look at --

    def answers(self) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT * FROM outbox WHERE kind != 'reminder' ORDER BY id")
        return [{**r, "recipients": loads(r["recipients"], [])} for r in rows]

    def items(self, inbox_id: int) -> list[dict[str, Any]]:
        rows = self.store.query("SELECT * FROM review_items WHERE inbox_id = ?", (inbox_id,))
        for r in rows:
            r["evidence"] = loads(r["evidence"], {})
            r["invoice_numbers"] = loads(r["invoice_numbers"], [])
        return rows

    def invoice_status(self, number: str) -> str:
        return str(self.store.scalar("SELECT status FROM invoices WHERE number = ?", (number,)))

    def case_statuses(self, debtor: str) -> list[str]:
        rows = self.store.query("SELECT status FROM cases WHERE debtor_id = ?", (debtor,))
        return [r["status"] for r in rows]


def mail(
    sender: str,
    body: str,
    msgid: str,
    *,
    subject: str = "Invoice",
    headers: dict[str, str] | None = None,
) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    return (
        f"From: {sender}\r\nTo: {OFFICE}\r\nSubject: {subject}\r\n"
        f"Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMessage-ID: {msgid}\r\n{extra}"
        f"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


# Bodies the classifier handles without a person (confidence above its automatic threshold),
# so that what decides the outcome here is the sender, not an unsure classification.
COPY = (
    "Hallo,\n\nIk kan factuur {} niet vinden in onze administratie. Kunnen jullie de factuur"
    " nogmaals sturen als pdf? Dan betalen we hem direct.\n\nGroet,\nAdministratie"
)
COPY_OF_BETA = COPY.format("F2026-0002")
PROMISE = "Hi,\n\nApologies for the delay. We will transfer the full amount{} on 10 December 2026."
DISPUTE_BETA = "We dispute invoice F2026-0002: the work was never done. We will not pay it."


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return Office(tmp_path)


def claims(item: dict[str, Any]) -> list[dict[str, Any]]:
    return list(item["evidence"]["identity"]["claims"])


# -- documents only to registered addresses -------------------------------------------------


def test_a_stranger_asking_for_another_debtors_invoice_gets_no_pdf_and_goes_to_review(
    office: Office,
) -> None:
    outcome = office.import_mail(
        mail("stranger@gmail.com", COPY_OF_BETA, "<s1@gmail.com>", headers={"Reply-To": MALLORY})
    )
    assert (outcome["status"], outcome["debtor_id"]) == ("review", None)
    assert office.answers() == []  # before #11: the invoice PDF went to the Reply-To
    [item] = office.items(outcome["inbox_id"])
    assert item["type"] == "unknown_sender" and item["debtor_id"] is None
    assert item["invoice_numbers"] == []  # a stranger's words never attach to Beta's invoice
    assert {"via": "invoice", "value": "F2026-0002", "owner": "BETA"} in claims(item)
    assert "stranger@gmail.com" in item["reason"]
    assert "factuur F2026-0002 niet vinden" in item["evidence"]["excerpt"]


def test_the_debtors_own_copy_request_gets_the_pdf_at_its_registered_address_only(
    office: Office,
) -> None:
    outcome = office.import_mail(
        mail(BETA, COPY_OF_BETA, "<b1@beta.example>", headers={"Reply-To": MALLORY})
    )
    assert (outcome["status"], outcome["debtor_id"]) == ("processed", "BETA")
    [answer] = office.answers()
    assert answer["kind"] == "invoice_copy"
    assert answer["recipients"] == [BETA]  # not the Reply-To the sender chose
    assert b"F2026-0002.pdf" in answer["raw"]
    [queued] = office.store.query(
        "SELECT detail FROM case_events WHERE event = 'auto_answer_queued'"
    )
    assert MALLORY in loads(queued["detail"])["not_sent_to"]


def test_a_declared_domain_acts_but_documents_go_to_the_registered_address(
    office: Office,
) -> None:
    listed = json.loads(office.cli("debtors", "list", "--json").stdout)
    assert {d["id"]: d["domains"] for d in listed} == {
        "ALPHA": [],
        "BETA": [],
        "GAMMA": ["gamma.example"],
    }
    body = COPY.format("F2026-0003")
    outcome = office.import_mail(mail("boss@gamma.example", body, "<g1@gamma.example>"))
    assert (outcome["status"], outcome["debtor_id"]) == ("processed", "GAMMA")
    [answer] = office.answers()
    assert answer["recipients"] == [GAMMA]
    assert b"F2026-0003.pdf" in answer["raw"]


# -- another debtor's invoice or thread never changes that debtor's case ---------------------


def test_debtor_a_naming_debtor_bs_invoice_does_not_dispute_it(office: Office) -> None:
    outcome = office.import_mail(mail(ALPHA, DISPUTE_BETA, "<a1@alpha.example>"))
    assert outcome["status"] == "review"
    assert office.invoice_status("F2026-0002") == "open"
    assert office.invoice_status("F2026-0001") == "open"  # nor Alpha's own, unnamed
    assert "disputed" not in office.case_statuses("BETA")
    assert "disputed" not in office.case_statuses("ALPHA")
    [item] = office.items(outcome["inbox_id"])
    assert (item["type"], item["debtor_id"]) == ("sender_mismatch", "ALPHA")
    assert {"via": "invoice", "value": "F2026-0002", "owner": "BETA"} in claims(item)
    assert ALPHA in item["reason"] and "F2026-0002" in item["reason"]
    assert item["evidence"]["identity"]["sender"] == ALPHA


def test_a_forged_in_reply_to_of_bs_reminder_does_not_link_the_mail_to_b(
    office: Office,
) -> None:
    # Reminder Message-IDs are predictable: <reminder.{invoice}.{level}@our-domain>.
    forged = "<reminder.F2026-0002.1@voorbeeld-bv.nl>"
    body = "We dispute this invoice, the hours are wrong. We will not pay."
    headers = {"In-Reply-To": forged, "References": forged}
    outcome = office.import_mail(mail(ALPHA, body, "<a2@alpha.example>", headers=headers))
    assert outcome["status"] == "review" and outcome["debtor_id"] == "ALPHA"
    assert office.invoice_status("F2026-0002") == "open"
    assert "disputed" not in office.case_statuses("BETA")
    [item] = office.items(outcome["inbox_id"])
    assert item["type"] == "sender_mismatch"
    assert {"via": "reminder", "value": forged, "owner": "BETA"} in claims(item)


def test_bs_own_dispute_marks_bs_invoice_disputed(office: Office) -> None:
    outcome = office.import_mail(mail(BETA, DISPUTE_BETA, "<b2@beta.example>"))
    assert outcome["debtor_id"] == "BETA"
    assert office.invoice_status("F2026-0002") == "disputed"
    assert "disputed" in office.case_statuses("BETA")
    assert [i["type"] for i in office.items(outcome["inbox_id"])] == ["dispute"]


def test_bs_reply_in_the_thread_of_bs_reminder_links_through_the_thread(office: Office) -> None:
    reminder = office.sent_reminder("F2026-0002", "BETA", BETA)
    body = PROMISE.format("")  # names no invoice: the thread says which
    headers = {"In-Reply-To": reminder, "References": reminder}
    outcome = office.import_mail(mail(BETA, body, "<b3@beta.example>", headers=headers))
    assert (outcome["status"], outcome["debtor_id"]) == ("processed", "BETA")
    row = office.store.one("SELECT * FROM inbox WHERE id = ?", (outcome["inbox_id"],))
    assert row is not None and loads(row["classification"])["intent"] == "promise_to_pay"
    promise = office.store.one("SELECT * FROM promises WHERE inbox_id = ?", (row["id"],))
    assert promise is not None
    assert loads(promise["invoice_numbers"]) == ["F2026-0002"]
    [answer] = office.answers()
    assert answer["recipients"] == [BETA]


# -- hostile From headers: the sender is unknown, with the reason ----------------------------


def _b64(text: str) -> str:
    return "=?utf-8?b?" + base64.b64encode(text.encode()).decode() + "?="


HOSTILE_FROM = [
    pytest.param(f"{BETA} <mallory@gmail.com>", "From header", id="address-as-display-name"),
    pytest.param(f"{_b64(BETA + ', ' + MALLORY)}", "From header", id="encoded-two-addresses"),
    pytest.param(f"{BETA}, {MALLORY}", "2 addresses", id="two-addresses"),
    pytest.param(f"{OFFICE}, {MALLORY}", "2 addresses", id="our-address-and-another"),
    pytest.param("finance@xn--bta-rdd.example", "mixes scripts", id="punycode-mixed-script"),
    pytest.param(
        "finance@ｂｅｔａ.example", "look-alike of beta.example", id="fullwidth-lookalike"
    ),
]


@pytest.mark.parametrize(("from_header", "why"), HOSTILE_FROM)
def test_a_hostile_from_header_is_an_unknown_sender_and_gets_nothing(
    office: Office, from_header: str, why: str
) -> None:
    outcome = office.import_mail(mail(from_header, COPY_OF_BETA, "<h1@evil.example>"))
    assert (outcome["status"], outcome["debtor_id"]) == ("review", None)
    assert office.answers() == []  # before #11 Beta's invoice PDF went out
    [item] = office.items(outcome["inbox_id"])
    assert item["type"] == "unknown_sender"
    identity = item["evidence"]["identity"]
    assert why in item["reason"]
    # a look-alike is a well-formed address; every other case has no accepted sender at all
    assert identity["sender"] is None or why.startswith("look-alike")
    assert identity["from_header"]


def test_several_from_headers_are_an_unknown_sender(office: Office) -> None:
    raw = mail(BETA, DISPUTE_BETA, "<h2@evil.example>", headers={"From": MALLORY})
    outcome = office.import_mail(raw)
    assert outcome["debtor_id"] is None
    assert office.invoice_status("F2026-0002") == "open"
    [item] = office.items(outcome["inbox_id"])
    assert "2 From headers" in item["reason"]


# -- the daemon's fetch from a real Dovecot ------------------------------------------------------


@pytest.fixture
def fetching(office: Office, dovecot: MailAccount) -> tuple[Office, Config, MailAccount]:
    account = wait_for_login(dovecot)
    config = replace(
        Config(),
        office=OfficeSettings(name="Voorbeeld B.V.", email=OFFICE, language="en"),
        imap=account.imap_settings(),
    )
    return office, config, account


def fetch(office: Office, config: Config) -> PassReport:
    """One pass of the daemon's fetch over its own IMAP connection."""
    client = ImapMailbox.connect(config.imap)
    try:
        return run_ingestion_pass(
            office.store, config, client, now=datetime(2026, 12, 1, 10, tzinfo=UTC)
        )
    finally:
        client.logout()


def test_fetched_attacks_change_no_other_debtor_and_send_nothing(fetching: Any) -> None:
    office, config, account = fetching
    forged = "<reminder.F2026-0002.1@voorbeeld-bv.nl>"
    account.deliver(mail("stranger@gmail.com", COPY_OF_BETA, "<f1@gmail.com>"))
    account.deliver(mail(ALPHA, DISPUTE_BETA, "<f2@alpha.example>"))
    account.deliver(
        mail(
            ALPHA,
            "We dispute this, not ordered.",
            "<f3@alpha.example>",
            headers={"In-Reply-To": forged},
        )
    )
    account.deliver(mail(f"{BETA} <mallory@gmail.com>", COPY_OF_BETA, "<f4@gmail.com>"))
    report = fetch(office, config)
    assert report.stored == 4
    rows = {r["message_id"]: r for r in office.store.query("SELECT * FROM inbox")}
    assert {r["status"] for r in rows.values()} == {"review"}
    assert office.answers() == []
    assert office.invoice_status("F2026-0002") == "open"
    assert "disputed" not in office.case_statuses("BETA")
    for table in ("holds", "promises", "payment_plans"):  # nothing that stops B's reminders
        assert office.store.scalar(f"SELECT COUNT(*) FROM {table}") == 0, table
    # The ladder waits for review items from a debtor's own words: Alpha's, never Beta's.
    assert {r["debtor_id"] for r in debtor_reply_items(office.store)} == {"ALPHA"}
    types = {mid: [i["type"] for i in office.items(r["id"])] for mid, r in rows.items()}
    assert types == {
        "<f1@gmail.com>": ["unknown_sender"],
        "<f2@alpha.example>": ["sender_mismatch"],
        "<f3@alpha.example>": ["sender_mismatch"],
        "<f4@gmail.com>": ["unknown_sender"],
    }
    assert len(account.uids("dunmail/review")) == 4


def test_fetched_bounce_of_a_reminder_marks_the_address_and_an_out_of_office_pauses(
    fetching: Any,
) -> None:
    office, config, account = fetching
    reminder = office.sent_reminder("F2026-0002", "BETA", BETA)
    account.deliver(_bounce(reminder, BETA))
    ooo = mail(
        BETA,
        "I am out of the office until 14 December 2026 and will reply after my return.",
        "<ooo@beta.example>",
        subject="Automatic reply: Reminder",
        headers={"Auto-Submitted": "auto-replied", "In-Reply-To": reminder},
    )
    account.deliver(ooo)
    fetch(office, config)
    status = office.store.scalar("SELECT status FROM debtor_emails WHERE email = ?", (BETA,))
    assert status == "undeliverable"
    rows = {r["message_id"]: r for r in office.store.query("SELECT * FROM inbox")}
    bounce = rows["<dsn1@mx.beta.example>"]
    assert (bounce["intent"], bounce["debtor_id"]) == ("bounce", "BETA")
    assert office.invoice_status("F2026-0002") == "open"  # a bounce changes no case
    away = rows["<ooo@beta.example>"]
    assert (away["intent"], away["debtor_id"]) == ("auto_reply", "BETA")
    paused = office.store.scalar("SELECT paused_until FROM cases WHERE id = ?", (away["case_id"],))
    assert paused is not None and paused >= "2026-12-14"
    assert office.answers() == []


def _bounce(reminder_id: str, failed: str) -> bytes:
    return (
        "From: Mail Delivery System <MAILER-DAEMON@mx.beta.example>\r\n"
        f"To: {OFFICE}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        "Date: Mon, 30 Nov 2026 09:05:00 +0100\r\nMessage-ID: <dsn1@mx.beta.example>\r\n"
        "Auto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="b"\r\n\r\n'
        "--b\r\nContent-Type: text/plain\r\n\r\n"
        f"I'm sorry to have to inform you that your message could not be delivered to "
        f"{failed}: mailbox unknown.\r\n\r\n"
        "--b\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.beta.example\r\n\r\n"
        f"Final-Recipient: rfc822; {failed}\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n\r\n"
        "--b\r\nContent-Type: message/rfc822\r\n\r\n"
        f"From: {OFFICE}\r\nTo: {failed}\r\nSubject: Reminder\r\nMessage-ID: {reminder_id}\r\n"
        "\r\nPlease pay invoice F2026-0002.\r\n\r\n--b--\r\n"
    ).encode()


def test_a_colleague_is_reviewed_then_acts_once_registered_and_retried(office: Office) -> None:
    """The documented remedy: register the address, then retry the review item."""
    body = PROMISE.format(" for invoice F2026-0001")
    outcome = office.import_mail(mail("boss@alpha.example", body, "<c1@alpha.example>"))
    assert (outcome["status"], outcome["debtor_id"]) == ("review", "ALPHA")
    [item] = office.items(outcome["inbox_id"])
    assert item["type"] == "unverified_sender"
    assert office.store.scalar("SELECT COUNT(*) FROM promises") == 0
    assert office.answers() == []
    csv = office.tmp / "colleague.csv"
    csv.write_text(
        CSV_HEADER + f'F2026-0001,ALPHA,Alpha B.V.,"{ALPHA};boss@alpha.example",2026-09-01,'
        f"2026-10-01,1000.00,en,{office.tmp / 'pdf' / 'F2026-0001.pdf'},\n",
        encoding="utf-8",
    )
    office.cli("invoices", "import", str(csv))
    office.cli("queue", "resolve", str(item["id"]), "--action", "retry", "--now", NOW)
    row = office.store.one("SELECT * FROM inbox WHERE id = ?", (outcome["inbox_id"],))
    assert row is not None and row["status"] == "processed"
    promise = office.store.one("SELECT * FROM promises WHERE inbox_id = ?", (row["id"],))
    assert promise is not None and promise["promised_date"] == "2026-12-10"
    [answer] = office.answers()
    assert answer["recipients"] == ["boss@alpha.example"]  # registered now
