"""Issue #11, trust boundary of invoice files, through `dunmail invoices import` and a debtor's
copy request (`dunmail inbox import`): PDFs only from invoices.pdf_dir, safe invoice numbers,
one structured reference per debtor."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from daemon.adapters.invoice_pdfs import pdf_problem
from daemon.adapters.store import reply_snapshot
from daemon.adapters.store.db import open_store
from daemon.app.dunning import queue_day
from daemon.cli import main
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.domain.references import generate_kenmerk, generate_ogm, generate_rf

from .dunning_support import add_statement, make_config
from .human_world import AT, CONFIG, NOW

PDF = b"%PDF-1.7\n% invoice F2026-0001\n1 0 obj << >> endobj\n%%EOF\n"
HEADER = "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,reference,pdf\n"


class Office:
    """A database and config file in tmp; invoices.pdf_dir = tmp/pdfs unless told otherwise."""

    def __init__(self, tmp: Path, *, pdf_dir: str | None = None) -> None:
        self.tmp = tmp
        self.pdfs = tmp / "pdfs"
        self.pdfs.mkdir()
        folder = str(self.pdfs) if pdf_dir is None else pdf_dir
        self.config = tmp / "config.toml"
        extra = f'\n[invoices]\npdf_dir = "{folder}"\n' if folder else ""
        self.config.write_text(CONFIG + extra, encoding="utf-8")
        self.db = tmp / "office.db"
        self.n = 0
        if folder != "pdfs":  # a relative folder is a config error, tested as such
            assert self.cli("init").exit_code == 0

    def cli(self, *args: str) -> Result:
        return CliRunner().invoke(
            main,
            ["--config", str(self.config), "--db", str(self.db), *args],
            env={"DUNMAIL_USER": "ann"},
            catch_exceptions=False,
        )

    def csv(self, *rows: str, name: str = "invoices.csv") -> Path:
        path = self.tmp / name
        path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
        return path

    def import_(self, *rows: str) -> Result:
        self.n += 1
        return self.cli("invoices", "import", str(self.csv(*rows, name=f"inv{self.n}.csv")))

    def ask_copy(self, number: str, sender: str = "ap@d1.example") -> Result:
        self.n += 1
        mail = self.tmp / f"copy{self.n}.eml"
        mail.write_bytes(
            (
                f"From: {sender}\r\nTo: debiteuren@voorbeeld.test\r\n"
                f"Subject: Invoice {number}\r\n"
                "Date: Tue, 01 Dec 2026 09:00:00 +0100\r\n"
                f"Message-ID: <copy{self.n}@d1.example>\r\n"
                "Content-Type: text/plain; charset=utf-8\r\n\r\n"
                # Worded so that the learned classifier is sure enough to answer by itself.
                "Goedemiddag,\r\n\r\nWij kunnen factuur "
                f"{number} niet terugvinden in onze administratie. Kunt u ons een kopie van de"
                " factuur mailen?\r\n\r\nMet vriendelijke groet,\r\nAnna\r\n"
            ).encode()
        )
        return self.cli("inbox", "import", "--json", "--now", NOW, str(mail))

    def sql(self, query: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
        db = sqlite3.connect(self.db)
        try:
            with db:
                return db.execute(query, params).fetchall()
        finally:
            db.close()

    def attachments(self) -> list[tuple[str, bytes]]:
        found = []
        for (raw,) in self.sql("SELECT raw FROM outbox WHERE kind = 'invoice_copy'"):
            assert isinstance(raw, bytes)
            for part in message_from_bytes(raw, policy=policy.default).iter_attachments():
                content = part.get_content()
                found.append((part.get_filename() or "", content))
        return found


def row(number: str, *, debtor: str = "D1", reference: str = "", pdf: str = "") -> str:
    email = f"ap@{debtor.lower()}.example"
    return f"{number},{debtor},{debtor} B.V.,{email},2026-09-01,2026-10-01,100.00,{reference},{pdf}"


@pytest.fixture
def office(tmp_path: Path) -> Office:
    return Office(tmp_path)


# -- files confined to invoices.pdf_dir --------------------------------------------------


def test_pdf_inside_the_folder_is_attached_to_the_debtors_copy_request(office: Office) -> None:
    (office.pdfs / "F2026-0001.pdf").write_bytes(PDF)
    assert office.import_(row("F2026-0001", pdf="F2026-0001.pdf")).exit_code == 0
    result = office.ask_copy("F2026-0001")
    assert result.exit_code == 0, result.output
    assert office.attachments() == [("F2026-0001.pdf", PDF)]


def _outside(tmp: Path, pdfs: Path) -> str:
    secret = tmp / "secret.pdf"  # even a real PDF, when it lies outside the folder
    secret.write_bytes(PDF)
    return str(secret)


def _symlink_out(tmp: Path, pdfs: Path) -> str:
    (pdfs / "F1.pdf").symlink_to("/etc/passwd")
    return "F1.pdf"


def _dir_symlink_out(tmp: Path, pdfs: Path) -> str:
    (tmp / "elsewhere").mkdir()
    (tmp / "elsewhere" / "F1.pdf").write_bytes(PDF)
    (pdfs / "sub").symlink_to(tmp / "elsewhere")
    return "sub/F1.pdf"


def _fifo(tmp: Path, pdfs: Path) -> str:
    os.mkfifo(pdfs / "F1.pdf")
    return "F1.pdf"


def _not_a_pdf(tmp: Path, pdfs: Path) -> str:
    (pdfs / "F1.pdf").write_bytes(b"#!/bin/sh\necho not a pdf\n")
    return "F1.pdf"


def _too_big(tmp: Path, pdfs: Path) -> str:
    (pdfs / "F1.pdf").write_bytes(PDF + b"0" * (10 * 1024 * 1024))
    return "F1.pdf"


def _missing(tmp: Path, pdfs: Path) -> str:
    return "F-missing.pdf"


HOSTILE_PDFS = [
    pytest.param(lambda t, p: "/etc/passwd", "outside invoices.pdf_dir", id="etc-passwd"),
    pytest.param(
        lambda t, p: "/proc/self/environ", "outside invoices.pdf_dir", id="proc-self-environ"
    ),
    pytest.param(lambda t, p: "../" * 12 + "etc/passwd", "outside", id="relative-dot-dot"),
    pytest.param(_outside, "outside invoices.pdf_dir", id="pdf-outside-folder"),
    pytest.param(_symlink_out, "outside invoices.pdf_dir", id="symlink-to-etc-passwd"),
    pytest.param(_dir_symlink_out, "outside invoices.pdf_dir", id="directory-symlink-out"),
    pytest.param(_fifo, "FIFO", id="fifo-in-folder"),
    pytest.param(lambda t, p: "/dev/zero", "outside", id="device"),
    pytest.param(lambda t, p: ".", "the folder invoices.pdf_dir itself", id="the-folder-itself"),
    pytest.param(lambda t, p: "../nowhere.pdf", "outside", id="missing-outside"),
    pytest.param(_not_a_pdf, "%PDF-", id="not-a-pdf"),
    pytest.param(_too_big, "invoices.pdf_max_bytes", id="larger-than-limit"),
    pytest.param(_missing, "No such file", id="missing-file"),
]


@pytest.mark.parametrize(("make", "reason"), HOSTILE_PDFS)
def test_import_refuses_a_pdf_that_may_not_be_mailed(
    office: Office, make: Callable[[Path, Path], str], reason: str
) -> None:
    value = make(office.tmp, office.pdfs)
    (office.pdfs / "ok.pdf").write_bytes(PDF)
    result = office.import_(row("F2026-0002", pdf="ok.pdf"), row("F2026-0001", pdf=value))
    assert result.exit_code == 1, result.output
    assert "inv1.csv:3 [pdf]" in result.output and reason in result.output, result.output
    assert "nothing was imported" in result.output
    assert office.sql("SELECT COUNT(*) FROM invoices") == [(0,)]  # all-or-nothing


def test_every_bad_pdf_row_is_listed(office: Office) -> None:
    result = office.import_(
        row("F2026-0001", pdf="/etc/passwd"),
        row("F2026-0002", pdf="/proc/self/environ"),
        row("F2026-0003"),
    )
    assert result.exit_code == 1
    assert "inv1.csv:2 [pdf]" in result.output and "inv1.csv:3 [pdf]" in result.output
    assert "2 bad row(s)" in result.output


def test_without_a_folder_pdf_values_are_refused_naming_the_key(tmp_path: Path) -> None:
    office = Office(tmp_path, pdf_dir="")
    (office.pdfs / "F2026-0001.pdf").write_bytes(PDF)
    result = office.import_(row("F2026-0001", pdf=str(office.pdfs / "F2026-0001.pdf")))
    assert result.exit_code == 1
    assert "[pdf]" in result.output and "set invoices.pdf_dir" in result.output
    assert office.import_(row("F2026-0001")).exit_code == 0  # without a pdf: fine


def test_relative_pdf_dir_is_a_config_error_naming_the_key(tmp_path: Path) -> None:
    office = Office(tmp_path, pdf_dir="pdfs")
    result = office.import_(row("F2026-0001"))
    assert result.exit_code == 1
    assert "invoices.pdf_dir: expected an absolute folder path" in result.output


def _stored_pdf(office: Office, path: str) -> None:
    """A database from before the rule: the path was stored without any check."""
    assert office.import_(row("F2026-0001")).exit_code == 0
    office.sql("UPDATE invoices SET pdf_path = ? WHERE number = 'F2026-0001'", (path,))


@pytest.mark.parametrize(
    "path", ["/proc/self/environ", "/etc/passwd", "../secret.pdf"], ids=["environ", "passwd", "up"]
)
def test_copy_request_never_mails_a_stored_path_outside_the_folder(
    office: Office, path: str
) -> None:
    (office.tmp / "secret.pdf").write_bytes(PDF)
    _stored_pdf(office, path)
    result = office.ask_copy("F2026-0001")
    assert result.exit_code == 0, result.output
    assert office.attachments() == []
    assert office.sql("SELECT COUNT(*) FROM outbox WHERE kind = 'invoice_copy'") == [(0,)]
    reasons = [r for (r,) in office.sql("SELECT reason FROM review_items")]
    assert any(
        "PDF not attached" in str(r) and "outside invoices.pdf_dir" in str(r) for r in reasons
    )


def test_pdf_replaced_by_a_symlink_after_the_check_is_not_mailed(
    office: Office, monkeypatch: pytest.MonkeyPatch
) -> None:
    pdf = office.pdfs / "F2026-0001.pdf"
    pdf.write_bytes(PDF)
    assert office.import_(row("F2026-0001", pdf="F2026-0001.pdf")).exit_code == 0
    checked = pdf_problem

    def check_then_swap(value: str, pdfs: PdfPolicy) -> str | None:
        problem = checked(value, pdfs)
        pdf.unlink()
        pdf.symlink_to("/etc/passwd")  # the race: after the check, before the read
        return problem

    # The check runs when the reply's snapshot is loaded (issue #14), the read when it is sent.
    monkeypatch.setattr(reply_snapshot, "pdf_problem", check_then_swap)
    result = office.ask_copy("F2026-0001")
    assert result.exit_code == 1  # the mail is shunted with the reason, to be retried
    assert office.attachments() == []
    (error,) = office.sql("SELECT error FROM inbox")
    assert "outside invoices.pdf_dir" in str(error[0]), error


# -- invoice numbers ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        pytest.param("../../../tmp/evil", id="zip-slip"),
        pytest.param("/etc/cron.d/x", id="absolute-path"),
        pytest.param('"F1\r\nBcc: all@example.com"', id="header-injection"),
        pytest.param("F1>.1@evil.example", id="message-id-break-out"),
        pytest.param("F 2026 0001", id="spaces"),
        pytest.param(".hidden", id="leading-dot"),
        pytest.param("F" * 65, id="too-long"),
    ],
)
def test_import_refuses_an_unsafe_invoice_number(office: Office, number: str) -> None:
    result = office.import_(row(number))
    assert result.exit_code == 1, result.output
    assert "[number]" in result.output and "invoice number" in result.output
    assert office.sql("SELECT COUNT(*) FROM invoices") == [(0,)]


@pytest.mark.parametrize("number", ["F2026-0412", "2026/0001", "INV.2026.12", "2026_00017"])
def test_real_world_invoice_numbers_still_import(office: Office, number: str) -> None:
    result = office.import_(row(number))
    assert result.exit_code == 0, result.output
    assert office.sql("SELECT number FROM invoices") == [(number,)]


UBL = """<?xml version="1.0" encoding="UTF-8"?>
<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
 xmlns:cac="urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
 xmlns:cbc="urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2">
  <cbc:ID>{number}</cbc:ID>
  <cbc:IssueDate>2026-09-01</cbc:IssueDate>
  <cbc:DueDate>2026-10-01</cbc:DueDate>
  <cac:AdditionalDocumentReference>
    <cbc:ID>{number}</cbc:ID>
    <cac:Attachment><cac:ExternalReference><cbc:URI>file:///etc/passwd</cbc:URI>
    </cac:ExternalReference></cac:Attachment>
  </cac:AdditionalDocumentReference>
  <cac:AccountingCustomerParty><cac:Party>
    <cbc:EndpointID schemeID="EM">ap@d1.example</cbc:EndpointID>
    <cac:PartyIdentification><cbc:ID>D1</cbc:ID></cac:PartyIdentification>
    <cac:PartyName><cbc:Name>D1 B.V.</cbc:Name></cac:PartyName>
  </cac:Party></cac:AccountingCustomerParty>
  <cac:LegalMonetaryTotal>
    <cbc:PayableAmount currencyID="EUR">100.00</cbc:PayableAmount>
  </cac:LegalMonetaryTotal>
</Invoice>
"""


def test_ubl_refuses_an_unsafe_number_and_never_names_a_file(office: Office) -> None:
    bad = office.tmp / "bad.xml"
    bad.write_text(UBL.format(number="../../../tmp/evil"), encoding="utf-8")
    result = office.cli("invoices", "import", str(bad))
    assert result.exit_code == 1 and "bad.xml:5 [cbc:ID]" in result.output, result.output
    good = office.tmp / "good.xml"
    good.write_text(UBL.format(number="2026/0001"), encoding="utf-8")
    assert office.cli("invoices", "import", str(good)).exit_code == 0
    assert office.sql("SELECT number, pdf_path FROM invoices") == [("2026/0001", None)]


# -- one structured reference, one debtor ------------------------------------------------

REFERENCES = [
    pytest.param(generate_rf("X2026-0001"), id="rf"),
    pytest.param(generate_kenmerk("1234567890123"), id="betalingskenmerk"),
    pytest.param(generate_ogm("2026000001"), id="ogm"),
]


@pytest.mark.parametrize("reference", REFERENCES)
def test_reference_of_another_debtor_in_the_same_file_is_refused(
    office: Office, reference: str
) -> None:
    result = office.import_(
        row("F2026-0001", reference=reference),
        row("F2026-0002", debtor="D2", reference=reference),
    )
    assert result.exit_code == 1, result.output
    assert "inv1.csv:3 [reference]" in result.output
    assert "debtor D1 (" in result.output and "inv1.csv:2" in result.output
    assert office.sql("SELECT COUNT(*) FROM invoices") == [(0,)]


@pytest.mark.parametrize("reference", REFERENCES)
def test_reference_of_another_debtor_in_the_database_is_refused(
    office: Office, reference: str
) -> None:
    assert office.import_(row("F2026-0001", reference=reference)).exit_code == 0
    result = office.import_(row("F2026-0002", debtor="D2", reference=reference))
    assert result.exit_code == 1, result.output
    assert "inv2.csv:2 [reference]" in result.output
    assert "invoice F2026-0001 of debtor D1 (the database)" in result.output
    assert office.sql("SELECT number FROM invoices") == [("F2026-0001",)]


def test_one_debtor_may_use_a_reference_twice_and_reimport_is_unchanged(office: Office) -> None:
    reference = generate_rf("X2026-0001")
    rows = (row("F2026-0001", reference=reference), row("F2026-0002", reference=reference))
    assert office.import_(*rows).exit_code == 0
    again = office.import_(*rows)
    assert again.exit_code == 0 and "2 unchanged" in again.output, again.output
    # Moving an invoice to another debtor with its reference is fine when no other
    # invoice of the first debtor keeps it.
    moved = office.import_(
        row("F2026-0001", debtor="D2", reference=reference),
        row("F2026-0002", debtor="D2", reference=reference),
    )
    assert moved.exit_code == 0, moved.output


def test_old_database_with_a_bad_number_still_answers(office: Office) -> None:
    """Numbers stored before the rule are not re-validated: reading them must not crash."""
    assert office.import_(row("F2026-0001")).exit_code == 0
    office.sql(
        "INSERT INTO invoices (number, debtor_id, amount_cents, issue_date, due_date,"
        " reference, status, created_at, updated_at) VALUES (?, 'D1', 5000, '2026-09-01',"
        " '2026-10-01', ?, 'open', ?, ?)",
        ("../../x\r\nBcc: e@x", generate_rf("OLD1"), AT, AT),
    )
    assert office.cli("invoices", "list", "--json").exit_code == 0
    assert office.ask_copy("F2026-0001").exit_code == 0
    assert office.import_(row("F2026-0002")).exit_code == 0


def test_numbers_differing_only_in_slash_and_underscore_get_their_own_reminders(
    office: Office,
) -> None:
    """The Message-ID keeps the '/' of a valid number: A2026/1 and A2026_1 (two debtors)
    were one Message-ID, so one reminder was never sent."""
    derived = office.import_(row("A2026/1"), row("A2026_1", debtor="D2"))
    assert derived.exit_code == 1 and "derived from the number" in derived.output
    result = office.import_(
        row("A2026/1", reference=generate_rf("A2026-1")),
        row("A2026_1", debtor="D2", reference=generate_rf("B2026-1")),
    )
    assert result.exit_code == 0, result.output
    store = open_store(office.db)
    try:
        wednesday = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
        add_statement(store, date(2026, 12, 1), wednesday)
        queue_day(store, make_config(), wednesday)
        ids = {r["debtor_id"]: r["message_id"] for r in store.query("SELECT * FROM outbox")}
    finally:
        store.close()
    assert set(ids) == {"D1", "D2"}, ids
    assert ids["D1"].startswith("<reminder.A2026/1.") and ids["D1"] != ids["D2"]


def test_check_config_reports_the_pdf_folder(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    good, gone = Office(tmp_path / "a"), Office(tmp_path / "b")
    result = good.cli("check-config")
    assert result.exit_code == 0 and f"ok   invoices.pdf_dir: {good.pdfs}" in result.output
    gone.pdfs.rmdir()
    result = gone.cli("check-config")
    assert result.exit_code == 1
    assert f"FAIL invoices.pdf_dir: invoices.pdf_dir {gone.pdfs}: No such file" in result.output
