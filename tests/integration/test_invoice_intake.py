"""Invoice intake through the real CLI: exact round trip, idempotent re-import, bad input."""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.domain.references import (
    classify_reference,
    generate_kenmerk,
    generate_ogm,
    generate_rf,
    is_valid_rf,
)

COLUMNS = [
    "number",
    "debtor_id",
    "debtor_name",
    "debtor_email",
    "issue_date",
    "due_date",
    "amount",
    "currency",
    "reference",
    "language",
    "debtor_type",
    "debtor_iban",
]
IBANS = ["NL91ABNA0417164300", "BE68539007547034", "DE89370400440532013000"]


def dunmail(db: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "daemon", "--db", str(db), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dunmail {' '.join(args)} failed: {result.stderr}")
    return result


def make_rows(n: int, seed: int = 7) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for i in range(1, n + 1):
        issue = date(2026, 9, 1) + timedelta(days=rng.randrange(80))
        cents = rng.randrange(1, 5_000_000)
        amount = f"{cents // 100}.{cents % 100:02d}"
        if rng.random() < 0.3:
            amount = amount.replace(".", ",")
        kind = i % 4
        reference = {
            0: "",
            1: generate_rf(f"F2026-{i:04d}"),
            2: generate_kenmerk(f"{i:015d}"),
            3: generate_ogm(f"2026{i:06d}"),
        }[kind]
        debtor = f"D{i % 97:03d}"
        rows.append(
            {
                "number": f"F2026-{i:04d}",
                "debtor_id": debtor,
                "debtor_name": f"Débiteur {debtor} B.V.",
                "debtor_email": f"ap@{debtor.lower()}.example;finance@{debtor.lower()}.example",
                "issue_date": issue.isoformat(),
                "due_date": (issue + timedelta(days=30)).isoformat(),
                "amount": amount,
                "currency": "EUR",
                "reference": reference,
                "language": ["nl", "en", "de", "fr"][i % 4],
                "debtor_type": "b2c" if i % 5 == 0 else "b2b",
                "debtor_iban": IBANS[i % 3] if i % 2 else "",
            }
        )
    return rows


def write_csv(path: Path, rows: list[dict[str, str]], delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)
    return path


def counts(db: Path) -> tuple[int, int, int]:
    with sqlite3.connect(db) as conn:
        return (
            conn.execute("SELECT COUNT(*) FROM invoices").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM case_events").fetchone()[0],
            conn.execute("SELECT COUNT(*) FROM debtors").fetchone()[0],
        )


def test_300_invoices_round_trip_exactly_and_reimport_changes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    rows = make_rows(300)
    source = write_csv(tmp_path / "invoices.csv", rows, delimiter=";")
    dunmail(db, "init")
    dunmail(db, "init")  # idempotent
    first = json.loads(dunmail(db, "invoices", "import", str(source), "--json").stdout)
    assert first["new"] == 300 and first["updated"] == 0

    listed = {i["number"]: i for i in json.loads(dunmail(db, "invoices", "list", "--json").stdout)}
    assert len(listed) == 300
    for row in rows:
        got = listed[row["number"]]
        expected_amount = Decimal(row["amount"].replace(",", "."))
        assert Decimal(got["amount"]) == expected_amount
        assert got["amount"] == f"{expected_amount:.2f}"
        assert got["open_amount"] == got["amount"] and got["paid_amount"] == "0.00"
        assert got["status"] == "open"
        assert got["debtor_id"] == row["debtor_id"]
        assert got["currency"] == "EUR"
        assert (got["issue_date"], got["due_date"]) == (row["issue_date"], row["due_date"])
        if row["reference"]:
            # Stored normalised: RF upper case, kenmerk digits, OGM its 12 digits.
            expected = classify_reference(row["reference"])
            assert expected is not None and expected.valid
            assert (got["reference"], got["reference_kind"]) == (expected.value, expected.kind)
        else:
            assert got["reference"] == generate_rf(row["number"])
            assert is_valid_rf(got["reference"])

    before = counts(db)
    snapshot = dunmail(db, "invoices", "list", "--json").stdout
    again = json.loads(dunmail(db, "invoices", "import", str(source), "--json").stdout)
    assert again["new"] == 0 and again["updated"] == 0 and again["unchanged"] == 300
    assert counts(db) == before
    assert dunmail(db, "invoices", "list", "--json").stdout == snapshot


def test_amount_change_is_logged_and_dry_run_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    dunmail(db, "init")
    rows = make_rows(5)
    dunmail(db, "invoices", "import", str(write_csv(tmp_path / "a.csv", rows)))
    rows[2]["amount"] = "999.99"
    changed = write_csv(tmp_path / "b.csv", rows)
    before = counts(db)
    dry = json.loads(dunmail(db, "invoices", "import", str(changed), "--dry-run", "--json").stdout)
    assert dry["updated"] == 1 and dry["dry_run"] is True
    assert counts(db) == before
    report = json.loads(dunmail(db, "invoices", "import", str(changed), "--json").stdout)
    assert report["changes"][0]["changes"]["amount"]["new"] == "999.99"
    with sqlite3.connect(db) as conn:
        event = conn.execute(
            "SELECT detail FROM case_events WHERE event = 'invoice_changed'"
        ).fetchone()
    assert "999.99" in event[0]


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        pytest.param(
            "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
            "F1,D1,A,a@x.nl,2026-01-01,2026-01-31,10.00\n"
            "F2,D1,A,not-an-address,2026-02-30,2026-03-01,-4\n",
            [":3 [debtor_email]", ":3 [issue_date]", ":3 [amount]"],
            id="bad-email-date-amount",
        ),
        pytest.param(
            "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,reference,debtor_iban\n"
            "F1,D1,A,a@x.nl,2026-01-01,2026-01-31,10.00,RF17539007547034,NL91ABNA0417164301\n",
            [":2 [reference]", ":2 [debtor_iban]"],
            id="bad-reference-and-iban",
        ),
        pytest.param("number,debtor_id\nF1,D1\n", ["debtor_name"], id="missing-columns"),
    ],
)
def test_bad_csv_lists_every_row_and_imports_nothing(
    tmp_path: Path, content: str, expected: list[str]
) -> None:
    db = tmp_path / "office.db"
    dunmail(db, "init")
    bad = tmp_path / "bad.csv"
    bad.write_text(content)
    result = dunmail(db, "invoices", "import", str(bad), check=False)
    assert result.returncode == 1
    for fragment in expected:
        assert fragment in result.stderr
    assert "nothing was imported" in result.stderr
    assert counts(db)[0] == 0


def test_broken_ubl_is_refused_with_the_reason(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    dunmail(db, "init")
    bad = tmp_path / "bad.xml"
    bad.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>\n'
        '<Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2">&e;</Invoice>'
    )
    result = dunmail(db, "invoices", "import", str(bad), check=False)
    assert result.returncode == 1
    assert "bad.xml" in result.stderr
    assert counts(db)[0] == 0


def test_usage_error_exits_2(tmp_path: Path) -> None:
    assert (
        dunmail(tmp_path / "x.db", "invoices", "list", "--status", "bogus", check=False).returncode
        == 2
    )
