"""Hostile inputs through the real entry points: refused or neutralised, nothing written that
shouldn't be.

XXE and billion laughs in CAMT and UBL, a zip bomb given to `dunmail statements import`, a
50 MB mail in a real Dovecot INBOX, header injection and template syntax in a debtor name
imported by CSV and rendered into a reminder.
"""

from __future__ import annotations

import email
import email.policy
import io
import json
import re
import subprocess
import sys
import zipfile
from datetime import UTC, date, datetime
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from daemon.adapters.imap import ImapMailbox
from daemon.adapters.store.db import Store, loads, open_store
from daemon.app.dunning import queue_day
from daemon.app.ingestion import run_ingestion_pass
from daemon.cli import main
from tests.integration.dunning_support import add_statement, make_config
from tests.integration.inbound_corpus import (
    NOW,
    corpus_config,
    corpus_files,
    corpus_store,
    wait_for_login,
)
from tests.servers import MailAccount
from tests.unit.test_invoice_parsers import PEPPOL_INVOICE

ROOT = Path(__file__).resolve().parents[2]
CAMT = ROOT / ".." / "shared" / "corpus" / "bank" / "genkgo-camt" / "camt053.v2.five.decimals.xml"
SECRET = "TOPSECRET-dunmail-4711"
# A prolog comment longer than any "look at the first 4 KB" check, before the DOCTYPE.
PAD = "<!--" + "x" * 70_000 + "-->"


def cli(db: Path, *args: str) -> Result:
    return CliRunner().invoke(main, ["--db", str(db), *args], catch_exceptions=False)


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "dunmail.db"
    assert cli(path, "init").exit_code == 0
    return path


def stored_bytes(db: Path) -> bytes:
    """Everything SQLite holds for this database, WAL included."""
    return b"".join(
        Path(str(db) + suffix).read_bytes()
        for suffix in ("", "-wal")
        if Path(str(db) + suffix).exists()
    )


def counts(db: Path, *tables: str) -> dict[str, int]:
    store = open_store(db)
    try:
        return {t: int(store.scalar(f"SELECT COUNT(*) FROM {t}")) for t in tables}
    finally:
        store.close()


def with_doctype(xml: str, doctype: str, pad: str = "") -> str:
    """Insert a DOCTYPE after the XML declaration (and an optional prolog padding)."""
    end = xml.index("?>") + 2 if xml.startswith("<?xml") else 0
    return xml[:end] + pad + doctype + xml[end:]


def xxe_doctype(root: str, secret: Path) -> str:
    return f'<!DOCTYPE {root} [<!ENTITY xxe SYSTEM "file://{secret}">]>'


def laughs_doctype(root: str) -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    return f"<!DOCTYPE {root} [{entities}]>"


def camt_with(doctype: str, entity: str, pad: str = "") -> bytes:
    text = CAMT.read_text(encoding="utf-8")
    text = text.replace("<AddtlNtryInf>", f"<AddtlNtryInf>&{entity};", 1)
    if "&" + entity not in text:
        text = text.replace("<Id>", f"<Id>&{entity};", 1)
    return with_doctype(text, doctype, pad).encode()


def ubl_with(doctype: str, entity: str, pad: str = "") -> bytes:
    text = PEPPOL_INVOICE.replace("<cbc:Name>", f"<cbc:Name>&{entity};", 1)
    return with_doctype(text, doctype, pad).encode()


@pytest.fixture
def secret(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET + "\n")
    return path


# -- XXE and billion laughs --------------------------------------------------------------


@pytest.mark.parametrize("pad", ["", PAD], ids=["doctype-first", "doctype-after-70k-comment"])
def test_xxe_in_camt_is_refused_and_no_file_is_read(
    tmp_path: Path, db: Path, secret: Path, pad: str
) -> None:
    evil = tmp_path / "statement.xml"
    evil.write_bytes(camt_with(xxe_doctype("Document", secret), "xxe", pad))
    result = cli(db, "statements", "import", str(evil))
    assert result.exit_code == 1
    assert "not imported" in result.output
    assert "DOCTYPE" in result.output or "BkToCstmr" in result.output  # says why
    assert SECRET not in result.output
    assert SECRET.encode() not in stored_bytes(db)
    assert counts(db, "statements", "bank_transactions") == {
        "statements": 0,
        "bank_transactions": 0,
    }


@pytest.mark.parametrize("pad", ["", PAD], ids=["doctype-first", "doctype-after-70k-comment"])
def test_xxe_in_ubl_is_refused_and_no_file_is_read(
    tmp_path: Path, db: Path, secret: Path, pad: str
) -> None:
    evil = tmp_path / "invoice.xml"
    evil.write_bytes(ubl_with(xxe_doctype("Invoice", secret), "xxe", pad))
    result = cli(db, "invoices", "import", str(evil))
    assert result.exit_code == 1
    assert "DOCTYPE" in result.output
    assert SECRET not in result.output
    assert SECRET.encode() not in stored_bytes(db)
    assert counts(db, "invoices", "debtors") == {"invoices": 0, "debtors": 0}


@pytest.mark.parametrize(
    ("command", "make", "pad"),
    [
        ("statements", camt_with, ""),
        ("statements", camt_with, PAD),
        ("invoices", ubl_with, ""),
        ("invoices", ubl_with, PAD),
    ],
    ids=["camt", "camt-after-70k-comment", "ubl", "ubl-after-70k-comment"],
)
def test_billion_laughs_is_refused(
    tmp_path: Path, db: Path, command: str, make: Any, pad: str
) -> None:
    root = "Document" if command == "statements" else "Invoice"
    evil = tmp_path / "laughs.xml"
    evil.write_bytes(make(laughs_doctype(root), "lol9", pad))
    result = cli(db, command, "import", str(evil))
    assert result.exit_code == 1
    assert "lollollol" not in result.output
    assert counts(db, "invoices", "bank_transactions") == {"invoices": 0, "bank_transactions": 0}


_MEMORY_PROBE = """
import json, re, resource, sys
sys.path.insert(0, sys.argv[1])
from parsers.invoices import InvoiceFormatError, parse_invoice_file
from parsers.statements import parse_statement_bytes
from parsers.bank import BankFormatError
outcomes = []
for kind, path in (("camt", sys.argv[2]), ("ubl", sys.argv[3])):
    data = open(path, "rb").read()
    try:
        (parse_statement_bytes if kind == "camt" else parse_invoice_file)(data, source=kind)
        outcomes.append("parsed")
    except (BankFormatError, InvoiceFormatError):
        outcomes.append("refused")
# VmHWM: this process's own peak. ru_maxrss would carry over the forking pytest's peak.
try:
    peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
except (OSError, AttributeError):
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"outcomes": outcomes, "rss_mb": peak_kb / 1024}))
"""


def test_billion_laughs_stays_in_bounded_memory(tmp_path: Path) -> None:
    camt, ubl = tmp_path / "camt.xml", tmp_path / "ubl.xml"
    camt.write_bytes(camt_with(laughs_doctype("Document"), "lol9", PAD))
    ubl.write_bytes(ubl_with(laughs_doctype("Invoice"), "lol9", PAD))
    done = subprocess.run(
        [sys.executable, "-c", _MEMORY_PROBE, str(ROOT), str(camt), str(ubl)],
        capture_output=True,
        text=True,
        check=True,
    )
    probe = json.loads(done.stdout)
    assert probe["outcomes"] == ["refused", "refused"]
    # 10^9 "lol"s would be 3 GB; the interpreter with lxml and the parsers is ~26 MB.
    assert probe["rss_mb"] < 100


# -- zip bomb -------------------------------------------------------------------------------


def zip_bomb(unpacked: int, *, lie_about_size: bool) -> bytes:
    """One member of ``unpacked`` zero bytes (deflates ~1000:1); optionally a header that
    claims the member is tiny, so only a bounded read can notice."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("statement.xml", "w", force_zip64=False) as member,
    ):
        chunk = b"\0" * (1 << 20)
        for _ in range(unpacked >> 20):
            member.write(chunk)
    data = bytearray(buffer.getvalue())
    if lie_about_size:
        local = data.index(b"PK\x03\x04")
        central = data.index(b"PK\x01\x02")
        data[local + 22 : local + 26] = (1000).to_bytes(4, "little")
        data[central + 24 : central + 28] = (1000).to_bytes(4, "little")
    return bytes(data)


@pytest.mark.parametrize("lie", [False, True], ids=["honest-header", "lying-header"])
def test_zip_bomb_is_refused_not_unpacked(tmp_path: Path, db: Path, lie: bool) -> None:
    bomb = tmp_path / "x.zip"
    bomb.write_bytes(zip_bomb(256 << 20, lie_about_size=lie))
    assert bomb.stat().st_size < 2 << 20
    result = cli(db, "statements", "import", str(bomb))
    assert result.exit_code == 1
    assert "zip" in result.output and ("bomb" in result.output or "cannot be read" in result.output)
    assert counts(db, "statements", "bank_transactions") == {
        "statements": 0,
        "bank_transactions": 0,
    }
    store = open_store(db)
    try:
        kept = store.query("SELECT status, length(raw) AS size FROM statement_files")
    finally:
        store.close()
    # Kept for review as the archive it was, never as what it unpacks to.
    assert [k["status"] for k in kept] == ["failed"]
    assert kept[0]["size"] == bomb.stat().st_size


# -- a 50 MB mail ------------------------------------------------------------------------


def big_mail(size: int) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Grote Bijlage <scan@kopieer.example>"
    msg["To"] = "debiteuren@voorbeeld-bv.nl"
    msg["Subject"] = "Scan van factuur F2026-0577"
    msg["Date"] = "Thu, 26 Nov 2026 10:00:00 +0100"
    msg["Message-ID"] = "<huge.1@kopieer.example>"
    msg.set_content("Zie bijlage.")
    msg.add_attachment(b"\x89PNG" + b"\x00" * size, maintype="image", subtype="png")
    return msg.as_bytes()


def test_a_50_mb_mail_is_stored_and_shunted_with_the_reason_never_dropped(
    tmp_path: Path, dovecot: MailAccount
) -> None:
    account = wait_for_login(dovecot)
    store, _ = corpus_store(tmp_path)
    huge = big_mail(38 * 1024 * 1024)  # base64: ~50 MB on the wire
    assert len(huge) > 50 * 1000 * 1000
    account.deliver(huge)
    account.deliver(corpus_files()[2].read_bytes())  # the pass must go on after it
    config = corpus_config(account.imap_settings())
    client = ImapMailbox.connect(config.imap)
    try:
        report = run_ingestion_pass(store, config, client, now=NOW)
    finally:
        client.logout()
    assert report.stored == 2 and not report.errors
    rows = store.query("SELECT * FROM inbox ORDER BY id")
    big, normal = rows
    assert big["status"] == "shunted"
    assert "too large" in big["error"] and str(config.imap.max_message_bytes) in big["error"]
    assert big["size"] == len(huge) or big["size"] > 50 * 1000 * 1000
    assert big["message_id"] == "<huge.1@kopieer.example>"
    assert big["raw"] is not None and len(big["raw"]) < 64 * 1024  # the headers only
    items = store.query("SELECT type, reason FROM review_items WHERE inbox_id = ?", (big["id"],))
    assert [i["type"] for i in items] == ["shunted_mail"]
    assert "too large" in items[0]["reason"]
    assert normal["status"] in ("processed", "review")
    # moved aside for a person, not deleted: nothing is left unhandled in the INBOX
    assert account.uids("INBOX") == []
    assert len(account.uids("dunmail/review")) >= 1


# -- debtor names: header injection and template syntax --------------------------------


INJECTION_CSV = (
    "number;debtor_id;debtor_name;debtor_email;issue_date;due_date;amount;language\r\n"
    'F2026-0001;D1;"ACME\r\nBcc: evil@x.example";a@klant.example;2026-09-01;2026-10-01;100,00;nl\r\n'
    'F2026-0002;D2;"{{ 7*7 }} {% for x in y %} <b>Tom & Jerry</b>";b@klant.example;'
    "2026-09-01;2026-10-01;200,00;nl\r\n"
    'F2026-0003;D3;"Evil\rTo: other@x.example\nSubject: x";c@klant.example;'
    "2026-09-01;2026-10-01;300,00;nl\r\n"
)
ADDRESSES = {"D1": "a@klant.example", "D2": "b@klant.example", "D3": "c@klant.example"}
WEDNESDAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)


@pytest.fixture
def reminders(tmp_path: Path, db: Path) -> dict[str, EmailMessage]:
    """The CSV imported through the CLI, the day queued: debtor id → the reminder mail."""
    path = tmp_path / "invoices.csv"
    path.write_bytes(INJECTION_CSV.encode())
    result = cli(db, "invoices", "import", str(path))
    assert result.exit_code == 0, result.output
    store: Store = open_store(db)
    try:
        add_statement(store, date(2026, 12, 1), WEDNESDAY)
        queue_day(store, make_config(), WEDNESDAY)
        rows = store.query("SELECT debtor_id, recipients, raw FROM outbox WHERE kind = 'reminder'")
    finally:
        store.close()
    mails = {}
    for row in rows:
        msg = email.message_from_bytes(row["raw"], policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        # the SMTP envelope: the debtor's own address and nothing from the name
        assert loads(row["recipients"]) == [ADDRESSES[row["debtor_id"]]]
        mails[row["debtor_id"]] = msg
    assert set(mails) == {"D1", "D2", "D3"}
    return mails


def _header_names(raw: EmailMessage) -> list[str]:
    return [k.lower() for k in raw]


@pytest.mark.parametrize("debtor", ["D1", "D3"], ids=["crlf-bcc", "cr-and-lf-to-subject"])
def test_header_injection_through_a_debtor_name_adds_no_header(
    reminders: dict[str, EmailMessage], debtor: str
) -> None:
    msg = reminders[debtor]
    names = _header_names(msg)
    assert "bcc" not in names
    assert names.count("to") == 1 and names.count("subject") == 1
    assert [a.addr_spec for a in msg["To"].addresses] == [ADDRESSES[debtor]]
    assert "x.example" not in str(msg["To"]) + str(msg["Subject"])
    head = msg.as_bytes().split(b"\n\n", 1)[0]
    assert b"\nBcc:" not in head and b"\nbcc:" not in head.lower()


def _parts(msg: EmailMessage) -> tuple[str, str]:
    text = msg.get_body(("plain",))
    html = msg.get_body(("html",))
    assert text is not None and html is not None
    return str(text.get_content()), str(html.get_content())


def test_template_syntax_in_a_debtor_name_is_printed_not_executed(
    reminders: dict[str, EmailMessage],
) -> None:
    text, html = _parts(reminders["D2"])
    assert "{{ 7*7 }} {% for x in y %} <b>Tom & Jerry</b>" in text
    assert "{{ 7*7 }} {% for x in y %}" in html
    assert "&lt;b&gt;Tom &amp; Jerry&lt;/b&gt;" in html
    assert "<b>Tom" not in html
    assert "Geachte 49" not in text and "Geachte 49" not in html


# -- hostile senders: another debtor's invoice, a forged thread, a forged From -------------

SENDER_CSV = (
    "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,pdf\n"
    "F2026-0001,ALPHA,Alpha BV,ap@alpha.example,2026-09-01,2026-10-01,100.00,{pdf1}\n"
    "F2026-0002,BETA,Beta BV,finance@beta.example,2026-09-01,2026-10-01,200.00,{pdf2}\n"
)
COPY = (  # a request the classifier answers without a person (confidence above threshold)
    "Hallo,\n\nIk kan factuur F2026-0002 niet vinden in onze administratie. Kunnen jullie de"
    " factuur nogmaals sturen als pdf? Dan betalen we hem direct.\n\nGroet,\nAdministratie"
)
DISPUTE = "We dispute invoice F2026-0002, the work was never done. We will not pay it."
HOSTILE_SENDERS = {
    "stranger.eml": ("stranger@gmail.com", COPY, {"Reply-To": "mallory@evil.example"}),
    "other-debtor.eml": ("ap@alpha.example", DISPUTE, {}),
    "forged-thread.eml": (
        "ap@alpha.example",
        "We dispute this invoice. We will not pay.",
        {"In-Reply-To": "<reminder.F2026-0002.1@voorbeeld-bv.nl>"},
    ),
    "name-is-address.eml": ("finance@beta.example <mallory@gmail.com>", COPY, {}),
    "encoded-two.eml": (
        "=?utf-8?q?finance=40beta.example=2C_mallory=40evil.example?=",
        DISPUTE,
        {},
    ),
    "two-from.eml": ("finance@beta.example\r\nFrom: mallory@evil.example", DISPUTE, {}),
    "lookalike.eml": ("finance@xn--bta-rdd.example", COPY, {}),
}


def _sender_mail(sender: str, body: str, headers: dict[str, str], n: int) -> bytes:
    extra = "".join(f"{k}: {v}\r\n" for k, v in headers.items())
    return (
        f"From: {sender}\r\nTo: debiteuren@voorbeeld-bv.nl\r\nSubject: Invoice\r\n"
        f"Date: Mon, 30 Nov 2026 09:00:00 +0100\r\nMessage-ID: <hostile.{n}@x.example>\r\n"
        f"{extra}Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n"
    ).encode()


def test_hostile_senders_get_no_document_and_change_no_other_debtors_case(
    tmp_path: Path, db: Path
) -> None:
    """`dunmail inbox import` run as a process, as a person would, on a folder of hostile
    mail: nothing is sent, Beta's invoice stays open, every mail waits in the review queue."""
    pdfs = {}
    for n in (1, 2):
        pdfs[f"pdf{n}"] = tmp_path / f"F2026-000{n}.pdf"
        pdfs[f"pdf{n}"].write_bytes(b"%PDF-1.4\n%%EOF\n")
    (tmp_path / "invoices.csv").write_text(SENDER_CSV.format(**pdfs))
    config = tmp_path / "config.toml"
    config.write_text(
        '[office]\nname = "Voorbeeld"\nemail = "debiteuren@voorbeeld-bv.nl"\n'
        f'[invoices]\npdf_dir = "{tmp_path}"\n'
    )
    files = []
    for n, (name, (sender, body, headers)) in enumerate(HOSTILE_SENDERS.items()):
        files.append(tmp_path / name)
        files[-1].write_bytes(_sender_mail(sender, body, headers, n))
    base = [sys.executable, "-m", "daemon", "--config", str(config), "--db", str(db)]
    subprocess.run([*base, "invoices", "import", str(tmp_path / "invoices.csv")], check=True)
    done = subprocess.run(
        [*base, "inbox", "import", "--json", "--now", "2026-12-01T10:00:00Z", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    outcomes = {Path(o["file"]).name: o for o in json.loads(done.stdout)}
    assert {n: o["status"] for n, o in outcomes.items()} == dict.fromkeys(HOSTILE_SENDERS, "review")
    assert {n for n, o in outcomes.items() if o["debtor_id"] == "BETA"} == set()
    store = open_store(db)
    try:
        assert store.scalar("SELECT COUNT(*) FROM outbox") == 0
        assert store.scalar("SELECT status FROM invoices WHERE number = 'F2026-0002'") == "open"
        assert store.scalar("SELECT COUNT(*) FROM cases WHERE debtor_id = 'BETA'") == 0
        items = store.query("SELECT type, evidence FROM review_items ORDER BY inbox_id")
    finally:
        store.close()
    assert len(items) == len(HOSTILE_SENDERS)
    for item in items:
        identity = loads(item["evidence"])["identity"]
        assert identity["problems"], item
        assert item["type"] in ("unknown_sender", "sender_mismatch")


# -- invoice files naming files, unsafe numbers, another debtor's reference (issue #11) ---

TRUST_CSV = (
    "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,reference,pdf\n"
    "F2026-0001,D1,A,a@klant.example,2026-09-01,2026-10-01,10.00,RF18539007547034,\n"
    "F2026-0002,D2,B,b@klant.example,2026-09-01,2026-10-01,10.00,,/proc/self/environ\n"
    "../../../tmp/evil,D2,B,b@klant.example,2026-09-01,2026-10-01,10.00,,\n"
    "F2026-0003,D3,C,c@klant.example,2026-09-01,2026-10-01,10.00,RF18539007547034,\n"
    "F2026-0004,D4,D,d@klant.example,2026-09-01,2026-10-01,10.00,,/etc/passwd\n"
)


def test_invoice_file_naming_secrets_and_paths_imports_nothing(tmp_path: Path, db: Path) -> None:
    path = tmp_path / "invoices.csv"
    path.write_text(TRUST_CSV, encoding="utf-8")
    result = cli(db, "invoices", "import", str(path))
    assert result.exit_code == 1
    for line, column in ((3, "pdf"), (4, "number"), (5, "reference"), (6, "pdf")):
        assert f"invoices.csv:{line} [{column}]" in result.output, result.output
    assert "invoices.pdf_dir" in result.output
    assert counts(db, "invoices", "debtors") == {"invoices": 0, "debtors": 0}
    assert b"/proc/self/environ" not in stored_bytes(db)


def test_a_bad_number_stored_before_the_rule_sends_a_clean_reminder(
    tmp_path: Path, db: Path
) -> None:
    """Databases from before issue #11 may hold any number: dunning neither crashes nor lets
    it into a header."""
    path = tmp_path / "invoices.csv"
    path.write_text(TRUST_CSV.splitlines()[0] + "\n" + TRUST_CSV.splitlines()[1] + "\n")
    assert cli(db, "invoices", "import", str(path)).exit_code == 0
    store: Store = open_store(db)
    try:
        store.execute(
            "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
            " reference, status, created_at, updated_at) VALUES (?, 'D1', 5000, '2026-09-01',"
            " '2026-10-01', 'RF71OLD1', 'open', 'x', 'x')",
            ("../../x\r\nBcc: evil@x.example>",),
        )
        add_statement(store, date(2026, 12, 1), WEDNESDAY)
        queue_day(store, make_config(), WEDNESDAY)
        (row,) = store.query("SELECT message_id, raw FROM outbox WHERE kind = 'reminder'")
    finally:
        store.close()
    msg = email.message_from_bytes(row["raw"], policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert "bcc" not in _header_names(msg)
    assert re.fullmatch(r"<reminder\.[A-Za-z0-9_]+\.2@[a-z0-9.-]+>", row["message_id"])
