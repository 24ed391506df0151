"""Done-when scenario: every payment situation, as real CAMT.053 and MT940 files, imported
through the CLI twice (and once more as a zip), ends with every invoice and payment exact."""

from __future__ import annotations

import csv
import json
import sqlite3
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.cli import main
from daemon.domain.references import generate_kenmerk, generate_ogm, generate_rf
from tests.integration.bank_writers import Entry, Tx, camt053, mt940, single

CAMT_ACCOUNT = "NL91ABNA0417164300"
MT_ACCOUNT = "NL77INGB0574908765"
DAY1, DAY2 = date(2026, 3, 2), date(2026, 3, 3)
KENMERK_0102 = generate_kenmerk("2026010200")
OGM_0103 = generate_ogm("2026010300")
RF = {n: generate_rf(f"F2026-{n}") for n in ("0101", "0108", "0111")}

# number, debtor id, debtor name, amount, reference, known debtor IBAN
INVOICES = [
    ("0101", "D01", "Jansen Bouw B.V.", "1000.00", RF["0101"], ""),
    ("0102", "D02", "Bakkerij De Vries", "250.00", KENMERK_0102, ""),
    ("0103", "D03", "Peeters NV", "500.50", OGM_0103, ""),
    ("0104", "D04", "Müller GmbH", "121.00", "", ""),
    ("0105", "D04", "Müller GmbH", "79.00", "", ""),
    ("0106", "D05", "Klaassen Installatietechniek", "1500.00", "", ""),
    ("0107", "D06", "Van Dijk Advies", "800.00", "", ""),
    ("0108", "D07", "Smit Logistiek", "430.00", RF["0108"], ""),
    ("0109", "D08", "Bos Groep", "365.00", "", "NL44RABO0123456789"),
    ("0110", "D09", "Hendriks Schilderwerken", "212.35", "", ""),
    ("0111", "D10", "De Groot Consultancy", "640.00", RF["0111"], ""),
    ("0112", "D11", "Visser Transport", "300.00", "", ""),
    ("0113", "D12", "Mulder Techniek", "450.00", "", ""),
    ("0114", "D13", "Dekker Zorg", "720.00", "", ""),
    ("0115", "D14", "Kok Media", "95.00", "", ""),
    ("0116", "D15", "Willems Bakkerij", "180.00", "", ""),
    ("0117", "D16", "Jacobs Metaal", "99.00", "", ""),
]


def _typo(ref: str) -> str:
    """Two adjacent body characters swapped: the RF check digits no longer hold."""
    i = len(ref) - 2
    while ref[i] == ref[i + 1]:
        i -= 1
    return ref[:i] + ref[i + 1] + ref[i] + ref[i + 2 :]


def _c(amount: str, e2e: str | None, day: date = DAY1, **kw: Any) -> Tx:
    return Tx(amount, e2e=e2e, booked=day, **kw)


# -- the CAMT account ---------------------------------------------------------------------
C1 = single(
    _c(
        "1000.00", "E-0101", structured=RF["0101"], name="Jansen Bouw BV", iban="NL02ABNA0123456789"
    ),
    "C-001",
)
C2 = single(
    _c("500.50", "E-0103", structured=OGM_0103, name="Peeters NV", iban="BE68539007547034"), "C-002"
)
C3 = Entry(
    (
        _c("720.00", None, text="F2026-0114 zorg maart", name="Dekker Zorg"),
        _c("95.00", None, text="Factuur F2026-0115", name="Kok Media"),
    ),
    "C-BATCH",
    DAY1,
)
C4 = single(
    _c(
        "430.00",
        "E-0108",
        text=f"betaling {RF['0108']} voor Smit",
        name="Holding Noord BV",
        iban="NL69INGB0123456789",
    ),
    "C-004",
)
C5 = single(_c("365.00", "E-0109", name="B.G. Holding", iban="NL44RABO0123456789"), "C-005")
C6 = single(_c("1500.00", "E-RENT", credit=False, name="Vastgoed BV", text="huur maart"), "C-006")
C7 = single(
    _c("450.00", "E-0113", text="F2026-0113", name="Mulder Techniek", iban="NL30ABNA0555555555"),
    "C-007",
)
C8 = single(
    _c(
        "450.00",
        "E-0113",
        DAY2,
        credit=False,
        return_reason="AC04",
        name="Mulder Techniek",
        iban="NL30ABNA0555555555",
    ),
    "C-008",
)
C9 = single(
    _c(
        "212.35",
        "E-0110",
        DAY2,
        text="bedankt",
        name="HENDRIKS SCHILDERWERKEN",
        iban="NL55INGB0009999999",
    ),
    "C-009",
)
C10 = single(_c("350.00", "E-0112", DAY2, text="F2026-0112", name="Visser Transport"), "C-010")
C11 = single(_c("500.50", "E-0103B", DAY2, structured=OGM_0103, name="Peeters NV"), "C-011")
C12 = single(
    _c("1234.56", "E-TAX", DAY2, text="Belastingdienst teruggaaf 2025", name="Belastingdienst"),
    "C-012",
)

# -- the MT940 account --------------------------------------------------------------------
M1 = (_c("250.00", "E-0102", text=f"betalingskenmerk {KENMERK_0102}", name="De Vries"), "M-001")
M2 = (_c("200.00", "E-0104", text="F2026 0104 en F2026-0105", name="Mueller GmbH"), "M-002")
M3 = (_c("600.00", "E-0106", text="fact 20260106 deel 1", name="Klaassen"), "M-003")
M4 = (_c("798.25", "E-0107", text="inv F2026/0107", name="Van Dijk Advies"), "M-004")
M5 = (
    _c("99.00", "E-0117", text="F2026-0117", name="Jacobs Metaal", iban="NL20INGB0001234567"),
    "M-005",
)
M6 = (
    _c(
        "99.00",
        "E-0117",
        DAY2,
        credit=False,
        return_reason="MS03",
        name="Jacobs Metaal",
        iban="NL20INGB0001234567",
    ),
    "M-006",
)
M7 = (_c("640.00", "E-0111", DAY2, text=f"ref {_typo(RF['0111'])}", name="De Groot"), "M-007")
M8 = (_c("12.50", "E-COST", DAY2, credit=False, text="kosten betaalpakket"), "M-008")
M9 = (
    _c("50.00", "E-0116", DAY2, text="20260116", name="W. Willems", iban="NL11INGB0007777777"),
    "M-009",
)

# key (e2e or remittance, direction) -> (status, {invoice: amount})
EXPECTED_PAYMENTS: dict[tuple[str, str], tuple[str, dict[str, str]]] = {
    ("E-0101", "credit"): ("matched", {"F2026-0101": "1000.00"}),
    ("E-0103", "credit"): ("matched", {"F2026-0103": "500.50"}),
    ("F2026-0114 zorg maart", "credit"): ("matched", {"F2026-0114": "720.00"}),
    ("Factuur F2026-0115", "credit"): ("matched", {"F2026-0115": "95.00"}),
    ("E-0108", "credit"): ("matched", {"F2026-0108": "430.00"}),
    ("E-0109", "credit"): ("matched", {"F2026-0109": "365.00"}),
    ("E-RENT", "debit"): ("ignored", {}),
    ("E-0113", "credit"): ("returned", {}),
    ("E-0113", "debit"): ("returned", {}),
    ("E-0110", "credit"): ("matched", {"F2026-0110": "212.35"}),
    ("E-0112", "credit"): ("partially_matched", {"F2026-0112": "300.00"}),
    ("E-0103B", "credit"): ("needs_review", {}),
    ("E-TAX", "credit"): ("unmatched", {}),
    ("E-0102", "credit"): ("matched", {"F2026-0102": "250.00"}),
    ("E-0104", "credit"): ("matched", {"F2026-0104": "121.00", "F2026-0105": "79.00"}),
    ("E-0106", "credit"): ("matched", {"F2026-0106": "600.00"}),
    ("E-0107", "credit"): ("matched", {"F2026-0107": "798.25"}),
    ("E-0117", "credit"): ("returned", {}),
    ("E-0117", "debit"): ("returned", {}),
    ("E-0111", "credit"): ("matched", {"F2026-0111": "640.00"}),
    ("E-COST", "debit"): ("ignored", {}),
    ("E-0116", "credit"): ("needs_review", {}),
}

# number -> (status, paid, open)
EXPECTED_INVOICES = {
    "F2026-0101": ("paid", "1000.00", "0.00"),
    "F2026-0102": ("paid", "250.00", "0.00"),
    "F2026-0103": ("paid", "500.50", "0.00"),
    "F2026-0104": ("paid", "121.00", "0.00"),
    "F2026-0105": ("paid", "79.00", "0.00"),
    "F2026-0106": ("partially_paid", "600.00", "900.00"),
    "F2026-0107": ("paid", "798.25", "0.00"),  # 1.75 bank charges settled
    "F2026-0108": ("paid", "430.00", "0.00"),
    "F2026-0109": ("paid", "365.00", "0.00"),
    "F2026-0110": ("paid", "212.35", "0.00"),
    "F2026-0111": ("paid", "640.00", "0.00"),
    "F2026-0112": ("paid", "300.00", "0.00"),
    "F2026-0113": ("open", "0.00", "450.00"),  # paid, then returned
    "F2026-0114": ("paid", "720.00", "0.00"),
    "F2026-0115": ("paid", "95.00", "0.00"),
    "F2026-0116": ("open", "0.00", "180.00"),
    "F2026-0117": ("open", "0.00", "99.00"),  # paid, then returned (MT940)
}


def _write_files(tmp: Path) -> list[Path]:
    files = {
        # Day 2 repeats C5..C7 (overlapping statements); the MT940 day 2 repeats M4, M5.
        "camt-day1.xml": camt053(CAMT_ACCOUNT, "STMT-1", [C1, C2, C3, C4, C5, C6, C7]),
        "mt940-day1.sta": mt940(MT_ACCOUNT, "MT-1", [M1, M2, M3, M4, M5]),
        "camt-day1-2.xml": camt053(CAMT_ACCOUNT, "STMT-2", [C5, C6, C7, C8, C9, C10, C11, C12]),
        "mt940-day1-2.txt": mt940(MT_ACCOUNT, "MT-2", [M4, M5, M6, M7, M8, M9]),
    }
    paths = []
    for name, data in files.items():
        path = tmp / name
        path.write_bytes(data)
        paths.append(path)
    return paths


def _write_invoices(tmp: Path) -> Path:
    path = tmp / "invoices.csv"
    columns = [
        "number",
        "debtor_id",
        "debtor_name",
        "debtor_email",
        "issue_date",
        "due_date",
        "amount",
        "reference",
        "debtor_iban",
        "debtor_type",
        "language",
    ]
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(columns)
        for n, debtor, name, amount, ref, iban in INVOICES:
            writer.writerow(
                [
                    f"F2026-{n}",
                    debtor,
                    name,
                    f"ap@{debtor.lower()}.example",
                    "2026-01-15",
                    f"2026-02-{int(n[2:]) + 1:02d}",
                    amount,
                    ref,
                    iban,
                    "b2b",
                    "nl",
                ]
            )
    return path


def _run(runner: CliRunner, db: Path, *args: str, code: int = 0) -> str:
    result = runner.invoke(main, ["--db", str(db), *args], catch_exceptions=False)
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def office(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[CliRunner, Path]:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUNMAIL_CONFIG", raising=False)
    runner = CliRunner()
    db = tmp_path / "office.db"
    _run(runner, db, "init")
    _run(runner, db, "invoices", "import", str(_write_invoices(tmp_path)))
    with sqlite3.connect(db) as conn:  # a queued reminder and an open case, as dunning leaves
        now = "2026-03-01T08:00:00.000000Z"
        for debtor, numbers in (("D01", ["F2026-0101"]), ("D05", ["F2026-0106"])):
            conn.execute(
                "INSERT INTO cases (debtor_id, token, opened_at, updated_at) VALUES (?, ?, ?, ?)",
                (debtor, f"tok-{debtor}", now, now),
            )
            conn.execute(
                "INSERT INTO outbox (kind, debtor_id, message_id, mail_from, recipients, subject,"
                " raw, sha256, invoice_numbers, created_at) VALUES ('reminder', ?, ?, 'a@b', '[]',"
                " 's', x'00', 'x', ?, ?)",
                (debtor, f"<r.{debtor}@x>", json.dumps(numbers), now),
            )
    return runner, db


def _payments(runner: CliRunner, db: Path) -> dict[tuple[str, str], dict[str, Any]]:
    payments = json.loads(_run(runner, db, "payments", "list", "--json"))
    keyed: dict[tuple[str, str], dict[str, Any]] = {}
    for p in payments:
        key = (p["end_to_end_id"] or p["remittance"], p["direction"])
        assert key not in keyed, f"payment booked twice: {key}"
        keyed[key] = p
    return keyed


def _assert_final_state(runner: CliRunner, db: Path) -> None:
    payments = _payments(runner, db)
    assert set(payments) == set(EXPECTED_PAYMENTS)
    for key, (status, allocations) in EXPECTED_PAYMENTS.items():
        got = payments[key]
        assert got["status"] == status, (key, got)
        assert {a["invoice"]: a["amount"] for a in got["allocations"]} == allocations, key
        assert Decimal(got["amount"]) > 0
    invoices = {i["number"]: i for i in json.loads(_run(runner, db, "invoices", "list", "--json"))}
    for number, (status, paid, open_amount) in EXPECTED_INVOICES.items():
        got = invoices[number]
        assert (got["status"], got["paid_amount"], got["open_amount"]) == (
            status,
            paid,
            open_amount,
        ), number


def test_every_situation_imported_twice_ends_exact(
    office: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    runner, db = office
    files = _write_files(tmp_path)
    for path in files:  # day by day, as the bank sends them
        _run(runner, db, "statements", "import", str(path))
    _assert_final_state(runner, db)

    again = json.loads(_run(runner, db, "statements", "import", "--json", *map(str, files)))
    assert [o["status"] for o in again] == ["duplicate"] * 4
    archive = tmp_path / "all.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in files:
            zf.write(path, path.name)
    zipped = json.loads(_run(runner, db, "statements", "import", "--json", str(archive)))
    assert [o["status"] for o in zipped] == ["duplicate"] * 4
    _assert_final_state(runner, db)

    with sqlite3.connect(db) as conn:
        rows = dict(conn.execute("SELECT debtor_id, status FROM outbox").fetchall())
        assert rows == {"D01": "cancelled", "D05": "queued"}  # 0106 is only partly paid
        cases = dict(conn.execute("SELECT debtor_id, status FROM cases").fetchall())
        assert cases == {"D01": "closed", "D05": "active"}
        reviews = sorted(r[0] for r in conn.execute("SELECT type FROM review_items"))
        assert reviews == ["overpayment", "overpayment", "payment_uncertain", "payment_unmatched"]
        evidence = conn.execute(
            "SELECT rule, evidence FROM allocations WHERE invoice_number = 'F2026-0111'"
        ).fetchone()
        assert evidence[0] == "reference_typo" and "RF" in json.loads(evidence[1])["found"]
        written_off = conn.execute(
            "SELECT written_off_cents FROM invoices WHERE number = 'F2026-0107'"
        ).fetchone()[0]
        assert written_off == 175
        events = {r[0] for r in conn.execute("SELECT event FROM case_events")}
        assert {
            "payment_allocated",
            "invoice_paid",
            "bank_charges_written_off",
            "allocation_reversed",
            "payment_returned",
            "reminder_cancelled",
            "case_closed",
        } <= events
        latest = conn.execute(
            "SELECT account_iban, MAX(latest_booking_date) FROM statements"
            " GROUP BY account_iban ORDER BY 1"
        ).fetchall()
        assert sorted(latest) == sorted([(CAMT_ACCOUNT, "2026-03-03"), (MT_ACCOUNT, "2026-03-03")])


def test_review_suggestions_and_manual_allocation_remember_the_iban(
    office: tuple[CliRunner, Path], tmp_path: Path
) -> None:
    from daemon.adapters.store.db import open_store
    from daemon.app.manual_allocation import AllocationRefused, allocate_manually

    runner, db = office
    for path in _write_files(tmp_path):
        _run(runner, db, "statements", "import", str(path))
    weak = _payments(runner, db)[("E-0116", "credit")]
    shown = json.loads(_run(runner, db, "payments", "show", str(weak["id"])))
    assert shown["match"]["suggestions"][0]["invoice"] == "F2026-0116"
    assert shown["match"]["suggestions"][0]["reasons"]

    store = open_store(db)
    try:
        with pytest.raises(AllocationRefused):  # more than the payment holds
            allocate_manually(
                store, weak["id"], [("F2026-0116", Decimal("60.00"))], actor="cli:ann"
            )
        tax = _payments(runner, db)[("E-TAX", "credit")]
        with pytest.raises(AllocationRefused):  # more than the invoice's open amount
            allocate_manually(
                store, tax["id"], [("F2026-0116", Decimal("1000.00"))], actor="cli:ann"
            )
        allocate_manually(store, weak["id"], [("F2026-0116", Decimal("50.00"))], actor="cli:ann")
        mulder = _payments(runner, db)[("E-0113", "credit")]
        with pytest.raises(AllocationRefused):  # a returned payment pays nothing
            allocate_manually(store, mulder["id"], [("F2026-0113", Decimal("1"))], actor="x")
    finally:
        store.close()
    after = _payments(runner, db)[("E-0116", "credit")]
    assert after["status"] == "matched"
    assert after["allocations"] == [{"invoice": "F2026-0116", "amount": "50.00"}]
    with sqlite3.connect(db) as conn:
        learned = conn.execute("SELECT iban, source FROM debtor_ibans WHERE debtor_id = 'D15'")
        assert learned.fetchall() == [("NL11INGB0007777777", "learned")]
    # Next time the remembered IBAN and the amount are enough.
    day3 = tmp_path / "camt-day3.xml"
    day3.write_bytes(
        camt053(
            CAMT_ACCOUNT,
            "STMT-3",
            [
                single(
                    _c(
                        "130.00",
                        "E-0116B",
                        date(2026, 3, 4),
                        name="Willems",
                        iban="NL11INGB0007777777",
                    ),
                    "C-013",
                )
            ],
        )
    )
    _run(runner, db, "statements", "import", str(day3))
    assert _payments(runner, db)[("E-0116B", "credit")]["allocations"] == [
        {"invoice": "F2026-0116", "amount": "130.00"}
    ]
    invoices = {i["number"]: i for i in json.loads(_run(runner, db, "invoices", "list", "--json"))}
    assert invoices["F2026-0116"]["status"] == "paid"
    listed = json.loads(_run(runner, db, "payments", "list", "--status", "needs_review", "--json"))
    assert [p["end_to_end_id"] for p in listed] == ["E-0103B"]
