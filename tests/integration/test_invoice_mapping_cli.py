"""`dunmail invoices import --mapping` and `invoices mappings` through the real CLI and a
real SQLite file: a dry run writes nothing, the real run imports, errors name file:line and
the export's column, and an own mapping from the config works like a preset."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

EXPORTS = Path(__file__).resolve().parents[1] / "data" / "exports"


def dunmail(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(
        [sys.executable, "-m", "daemon", *args], capture_output=True, text=True, timeout=120
    )
    if check and result.returncode != 0:
        raise AssertionError(f"dunmail {' '.join(args)} failed: {result.stderr}")
    return result


def count(db: Path, table: str) -> int:
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return int(conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])


def test_dry_run_shows_and_writes_nothing_then_imports(tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    export = EXPORTS / "moneybird-facturen.csv"
    base = ("--db", str(db), "invoices", "import", str(export), "--mapping", "moneybird-facturen")
    dunmail("--db", str(db), "init")
    dry = json.loads(dunmail(*base, "--dry-run", "--json").stdout)
    assert dry["dry_run"] is True and dry["new"] == 2
    assert dry["new_invoices"] == ["2026-0042", "2026-0043"]
    [reading] = dry["reading"]
    assert reading["encoding"] == "utf-8" and reading["delimiter"] == "comma"
    assert reading["mapping"] == "moneybird-facturen"
    assert count(db, "invoices") == 0 and count(db, "debtors") == 0
    text = dunmail(*base, "--dry-run").stdout
    assert "would import: 2 new" in text and "new: 2026-0042" in text
    dunmail(*base)
    assert count(db, "invoices") == 2
    with sqlite3.connect(db) as conn:
        amount = conn.execute(
            "SELECT amount_cents FROM invoices WHERE number = '2026-0042'"
        ).fetchone()[0]
        detail = conn.execute(
            "SELECT detail FROM case_events WHERE event = 'invoice_file_read'"
        ).fetchone()[0]
    assert amount == 181500
    assert json.loads(detail)["encoding"] == "utf-8"  # recorded, not guessed silently
    again = json.loads(dunmail(*base, "--dry-run", "--json").stdout)
    assert again["new"] == 0 and again["unchanged"] == 2


def test_errors_name_file_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "OPOS.csv"
    text = (EXPORTS / "datev-opos-debitoren.csv").read_bytes().decode("cp1252")
    bad.write_bytes(text.replace("19.11.2026", "2026-11-19").encode("cp1252"))
    dunmail("--db", str(tmp_path / "x.db"), "init")
    result = dunmail(
        "--db",
        str(tmp_path / "x.db"),
        "invoices",
        "import",
        str(bad),
        "--mapping",
        "datev-opos-debitoren",
        "--dry-run",
        check=False,
    )
    assert result.returncode == 1
    assert f"{bad}:2 [Fälligkeit (due_date)]: date '2026-11-19' does not have" in result.stderr
    # DATEV's OPOS list has no e-mail: unknown debtors are named too, on every line.
    assert f"{bad}:3 [Konto (debtor_id)]: debtor '10002' is not known" in result.stderr
    assert "nothing was imported" in result.stderr


def test_own_mapping_from_config_and_listing(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[intake.mappings.spreadsheet]\n"
        'title = "Our sheet"\n'
        'date_format = "d/m/yyyy"\n'
        'decimal = ","\n'
        "[intake.mappings.spreadsheet.columns]\n"
        'number = "Nr"\ndebtor_id = "Klant"\ndebtor_name = "Naam"\n'
        'debtor_email = "Mail"\nissue_date = "Datum"\ndue_date = "Vervalt"\n'
        'amount = "Totaal"\n'
    )
    sheet = tmp_path / "sheet.csv"
    sheet.write_bytes(
        "Nr\tKlant\tNaam\tMail\tDatum\tVervalt\tTotaal\n"
        "S-1\tK1\tÉcole Saint-Jean\tcompta@ecole.example\t3/11/2026\t3/12/2026\t1.000,00\n".encode(
            "cp1252"
        )
    )
    dunmail("--config", str(config), "--db", str(tmp_path / "o.db"), "init")
    args = ("--config", str(config), "--db", str(tmp_path / "o.db"), "invoices")
    listed = json.loads(dunmail(*args, "mappings", "--json").stdout)
    own = next(m for m in listed if m["name"] == "spreadsheet")
    assert own["preset"] is False and own["title"] == "Our sheet"
    assert {m["name"] for m in listed if m["preset"]} >= {"datev-opos-debitoren"}
    # Only UTF-8 is allowed by default: a Windows-1252 file is refused, never guessed.
    refused = dunmail(*args, "import", str(sheet), "--mapping", "spreadsheet", check=False)
    assert refused.returncode == 1 and "is not utf-8 (byte" in refused.stderr
    assert "Windows-1252" in refused.stderr
    unknown = dunmail(*args, "import", str(sheet), "--mapping", "nope", check=False)
    assert "no mapping 'nope'" in unknown.stderr
