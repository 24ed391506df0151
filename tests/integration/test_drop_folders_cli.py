"""Drop folders through the command line (issue 17): `run --once` takes the files, `intake
list`, `status`, `invoices import --snapshot` and `intake apply`."""

from __future__ import annotations

import json
import os
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.cli import main
from daemon.domain.references import generate_rf
from tests.integration.bank_writers import Tx, camt053, single

ACCOUNT = "NL91ABNA0417164300"
HEADER = "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"


def _rows(numbers: range) -> str:
    return HEADER + "".join(
        f"F-{n:03d},D{n:02d},Klant {n},d{n:02d}@klant.example,2026-11-01,2026-11-15,100.00\n"
        for n in numbers
    )


def _office(tmp_path: Path) -> tuple[list[str], Path, Path]:
    invoices, statements = tmp_path / "in-invoices", tmp_path / "in-statements"
    invoices.mkdir()
    statements.mkdir()
    db = tmp_path / "office.db"
    open_store(db).close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\npath = "{db}"\n'
        f'[bank]\naccounts = ["{ACCOUNT}"]\n'
        "[dunning]\nbank_freshness_business_days = 0\n"
        f'[intake]\ninvoices_dir = "{invoices}"\nstatements_dir = "{statements}"\n'
        "stable_seconds = 60\nmax_invoice_age_business_days = 2\n"
    )
    return ["--config", str(config)], invoices, statements


def _run(base: list[str], *args: str) -> dict | list:
    out = CliRunner().invoke(main, [*base, *args, "--json"])
    assert out.exit_code == 0, out.output
    return json.loads(out.output)


def test_run_once_takes_invoices_then_the_statement_that_pays_one(tmp_path: Path) -> None:
    base, invoices, statements = _office(tmp_path)
    (invoices / "export.csv").write_text(_rows(range(1, 4)))
    payment = Tx("100.00", booked=date(2026, 12, 4), structured=generate_rf("F-002"))
    (statements / "camt.xml").write_bytes(camt053(ACCOUNT, "S-1", [single(payment, "R1")]))
    first = _run(base, "run", "--once", "--now", "2026-12-07T07:00+01:00")
    assert len(first["intake"]["waiting"]) == 2 and first["intake"]["files"] == []
    assert "invoice gate closed: no invoice data" in first["invoices"]
    second = _run(base, "run", "--once", "--now", "2026-12-07T07:02+01:00")
    assert [f["status"] for f in second["intake"]["files"]] == ["processed", "processed"]
    assert second["invoices"].startswith("invoice data fresh")
    listed = _run(base, "invoices", "list")
    assert {i["number"]: i["status"] for i in listed} == {
        "F-001": "open",
        "F-002": "paid",
        "F-003": "open",
    }
    files = _run(base, "intake", "list")
    assert [(f["folder"], f["file"], f["status"]) for f in files] == [
        ("invoices", "export.csv", "processed"),
        ("statements", "camt.xml", "processed"),
    ]
    assert sorted(os.listdir(statements / "processed")) == ["camt.xml"]
    status = _run(base, "status", "--now", "2026-12-07T09:00+01:00")
    assert status["invoice_intake"]["ok"] and status["invoice_intake"]["age"]
    text = CliRunner().invoke(main, [*base, "status", "--now", "2026-12-07T09:00+01:00"])
    assert "invoices:    fresh: latest intake" in text.output


def test_a_snapshot_by_hand_is_held_and_applied_after_all(tmp_path: Path) -> None:
    base, _, _ = _office(tmp_path)
    full = tmp_path / "open-items.csv"
    full.write_text(_rows(range(1, 11)))
    applied = _run(base, "invoices", "import", "--snapshot", str(full), "--source", "accounting")
    assert applied["status"] == "applied" and applied["listed"] == 10
    truncated = tmp_path / "open-items-2.csv"
    truncated.write_text(_rows(range(1, 4)))
    held = _run(base, "invoices", "import", "--snapshot", str(truncated))
    assert held["status"] == "held" and len(held["settle"]) == 7
    assert len([i for i in _run(base, "invoices", "list") if i["status"] == "open"]) == 10
    item = _run(base, "queue", "list")[0]
    assert item["type"] == "snapshot_held" and "apply_snapshot" in item["allowed_actions"]
    out = CliRunner().invoke(main, [*base, "intake", "apply", str(held["id"])])
    assert out.exit_code == 0, out.output
    assert "7 invoice(s) settled outside dunmail" in out.output
    statuses = {i["number"]: i["status"] for i in _run(base, "invoices", "list")}
    assert [n for n, s in statuses.items() if s == "open"] == ["F-001", "F-002", "F-003"]
    again = CliRunner().invoke(main, [*base, "intake", "apply", str(held["id"])])
    assert again.exit_code == 1 and "is applied, not held" in again.output
    foreign = CliRunner().invoke(
        main, [*base, "invoices", "import", "--snapshot", str(full), "--source", "moneybird"]
    )
    assert foreign.exit_code == 0 and "unexpected source 'moneybird'" in foreign.output


EXACT = Path(__file__).parent.parent / "data" / "exports" / "exact-online-openstaande-posten.csv"


def test_a_mapped_snapshot_by_hand_is_applied_after_all_with_its_mapping(tmp_path: Path) -> None:
    """`--snapshot --mapping`: a held Exact Online export is applied later read the same way
    (its Openstaand column as open_amount), not as dunmail's own columns."""
    base, _, _ = _office(tmp_path)
    customers = tmp_path / "customers.csv"  # Exact's overview has no e-mail column
    customers.write_text(
        HEADER + "OLD-1,1001,Bakkerij De Korenbloem B.V.,info@korenbloem.example,"
        "2026-01-01,2026-01-15,1\n"
        "OLD-2,1002,Installatiebedrijf Jansen,post@jansen.example,2026-01-01,2026-01-15,1\n"
    )
    _run(base, "invoices", "import", str(customers))
    mapping = ["--mapping", "exact-online-openstaande-posten"]
    full = tmp_path / "opos.csv"
    full.write_bytes(EXACT.read_bytes())
    applied = _run(base, "invoices", "import", "--snapshot", str(full), *mapping)
    assert applied["status"] == "applied" and applied["mapping"] == mapping[1], applied
    assert applied["reduce"] == [{"invoice": "F2026-0102", "amount": "150.00"}]
    header, _first, second = EXACT.read_bytes().split(b"\n")[:3]
    truncated = tmp_path / "opos-2.csv"
    truncated.write_bytes(b"\n".join([header, second, b""]))
    held = _run(base, "invoices", "import", "--snapshot", str(truncated), *mapping)
    assert held["status"] == "held" and held["settle"] == [
        {"invoice": "F2026-0101", "amount": "1234.56"}
    ]
    out = CliRunner().invoke(main, [*base, "intake", "apply", str(held["id"])])
    assert out.exit_code == 0, out.output
    assert "1 invoice(s) settled outside dunmail" in out.output
    statuses = {i["number"]: i["status"] for i in _run(base, "invoices", "list")}
    assert (statuses["F2026-0101"], statuses["F2026-0102"]) == ("paid", "partially_paid")
