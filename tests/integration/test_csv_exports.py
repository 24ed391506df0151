"""CSV exports open as data in a spreadsheet, never as formulas (CSV injection, #11).

Payer names and remittance text come from bank statements, debtor names and ids from imported
invoice files: each attack lands in `dunmail report debtors --csv` and in the hand-over
dossier's CSV files. Every cell a spreadsheet would run starts with a quote now; the text after
it is the text as it came in, and ordinary values (amounts, dates, numbers) are unchanged.
"""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.manual_allocation import allocate_manually
from tests.integration.human_world import NOW, World

PAYLOADS = [
    '=HYPERLINK("http://x","y")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "  =1+1",
    "Jansen;=1+1",
]
_TRIGGER = "=+-@\uff1d\uff0b\uff0d\uff20\t\r\n"
_NUMBER = re.compile(r"-?\d[\d.,]*")


def runs_as_formula(cell: str) -> bool:
    """What Excel/LibreOffice would evaluate: a trigger first (past spaces), or a formula
    sign after a ';' or line break, where a semicolon-locale spreadsheet starts a cell."""
    head = cell.lstrip(" \u00a0")
    if head[:1] in _TRIGGER and head and not _NUMBER.fullmatch(head):
        return True
    for piece in re.split(r"[;\r\n]", cell)[1:]:
        head = piece.lstrip(" \t\u00a0")
        if head[:1] and head[:1] in "=+-@" and not _NUMBER.fullmatch(head):
            return True
    return False


def read_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def unquoted(cell: str) -> str:
    """The text as it came in: the quotes put before formula signs taken out again."""
    return re.sub(r"(^|[;\r\n][ \t\u00a0]*)'", r"\1", cell)


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    for n, payload in enumerate(PAYLOADS):
        debtor = f"D{n}"
        world.debtor(debtor)
        world.store.execute("UPDATE debtors SET name = ? WHERE id = ?", (payload, debtor))
        world.invoice(f"F2026-01{n:02d}", debtor, 100000, issue="2026-08-01", due="2026-08-31")
    # A debtor id from an invoice file is text from outside too.
    world.debtor("=1+2")
    world.invoice("F2026-0200", "=1+2", 5000, issue="2026-08-01", due="2026-08-31")
    return world


def test_report_debtors_csv_neutralises_names_and_ids(w: World) -> None:
    as_json = {r["debtor_id"]: r for r in w.cli_json("report", "debtors", "--date", "2026-12-10")}
    rows = read_csv(w.cli("report", "debtors", "--csv", "--date", "2026-12-10").output)
    assert len(rows) == len(PAYLOADS) + 1
    for row in rows:
        for column, cell in row.items():
            assert not runs_as_formula(cell), (column, cell)
        original = as_json[unquoted(row["debtor_id"])]
        assert unquoted(row["name"]) == original["name"]  # nothing lost but the quote
        assert row["invoices"] == str(original["invoices"])  # numbers unchanged
        assert row["average_days_late"] == (original["average_days_late"] or "")
    assert {unquoted(r["name"]) for r in rows} >= set(PAYLOADS)


@pytest.mark.parametrize("kind", ["aging", "dso"])
def test_report_aging_and_dso_csv_values_are_unchanged(w: World, kind: str) -> None:
    """Positive control: these reports hold only our own numbers, written as they were."""
    as_json = w.cli_json("report", kind, "--date", "2026-12-10")
    rows = read_csv(w.cli("report", kind, "--csv", "--date", "2026-12-10").output)
    expected = as_json["buckets"] if kind == "aging" else as_json
    assert rows == [{k: "" if v is None else str(v) for k, v in r.items()} for r in expected]
    assert any(Decimal(r.get("amount") or r.get("receivables") or "0") > 0 for r in rows)


def test_dossier_csv_neutralises_payer_names_remittance_and_debtor_name(w: World) -> None:
    for n, payload in enumerate(PAYLOADS):
        tx = w.payment(100, name=payload, remittance=payload, day=f"2026-09-{n + 1:02d}")
        allocate_manually(w.store, tx, [("F2026-0100", Decimal("1.00"))], actor="test")
    out = w.cli_json("handover", "D0", "--agency", "@Incasso", "--out", str(w.tmp), "--now", NOW)
    with zipfile.ZipFile(str(out["dossier"])) as z:
        payments = read_csv(z.read("payments.csv").decode())
        summary = read_csv(z.read("summary.csv").decode())
        invoices = read_csv(z.read("invoices/invoices.csv").decode())
        timeline = read_csv(z.read("timeline.csv").decode())
        exact = json.loads(z.read("payments.json"))
    for name, rows in (("payments", payments), ("summary", summary), ("invoices", invoices)):
        for row in rows:
            for column, cell in row.items():
                assert not runs_as_formula(cell), (name, column, cell)
    for name, rows in (("timeline", timeline),):
        assert rows and all(not runs_as_formula(c) for r in rows for c in r.values()), name
    assert sorted(unquoted(p["counterparty_name"]) for p in payments) == sorted(PAYLOADS)
    assert sorted(unquoted(p["remittance"]) for p in payments) == sorted(PAYLOADS)
    # The JSON beside it keeps the exact text (it is read by programs, not spreadsheets).
    assert sorted(p["counterparty_name"] for p in exact) == sorted(PAYLOADS)
    assert summary[0]["debtor_name"] == "'" + PAYLOADS[0]
    assert summary[0]["agency"] == "'@Incasso"
    # Positive control: ordinary values are unchanged.
    assert {p["amount"] for p in payments} == {"1.00"}
    assert {p["booking_date"] for p in payments} == {f"2026-09-{n + 1:02d}" for n in range(9)}
    assert (summary[0]["number"], summary[0]["amount"], summary[0]["open"]) == (
        "F2026-0100",
        "1000.00",
        "991.00",
    )
    assert invoices[0]["number"] == "F2026-0100" and invoices[0]["due_date"] == "2026-08-31"


def test_gdpr_export_is_json_kept_exact_and_holds_no_csv(w: World, tmp_path: Path) -> None:
    """The GDPR export writes no CSV (JSON and .eml only): the debtor's data stays exact."""
    data = json.loads(w.cli("debtors", "export", "D0").output)
    assert data["debtor"]["name"] == PAYLOADS[0]
    target = tmp_path / "export.zip"
    w.cli("debtors", "export", "D0", "--zip", str(target))
    with zipfile.ZipFile(target) as z:
        assert not [n for n in z.namelist() if n.lower().endswith((".csv", ".xls", ".xlsx"))]
        assert json.loads(z.read("debtor.json"))["debtor"]["name"] == PAYLOADS[0]
