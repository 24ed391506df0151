"""A fresh install's first steps with drop folders (issue 17), through the command line:
`check-config` says how each folder is read or what is wrong with it (naming the key),
`run --once` and `intake scan` say what became of every file."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from daemon.adapters.store.db import open_store
from daemon.cli import main

EXPORTS = Path(__file__).parent.parent / "data" / "exports"
CUSTOMERS = (
    "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
    "OLD-1,1100,Kapsalon Knip,knip@knip.example,2026-01-01,2026-01-15,1\n"
    "OLD-2,1101,Garage Van Dijk,admin@vandijk.example,2026-01-01,2026-01-15,1\n"
)


def _office(tmp_path: Path, invoices: Path, extra: str = "") -> list[str]:
    statements = tmp_path / "in-statements"
    statements.mkdir(exist_ok=True)
    db = tmp_path / "office.db"
    open_store(db).close()
    config = tmp_path / "config.toml"
    config.write_text(
        f'[database]\npath = "{db}"\n'
        '[bank]\naccounts = ["NL91ABNA0417164300"]\n'
        "[dunning]\nbank_freshness_business_days = 0\n"
        f'[intake]\ninvoices_dir = "{invoices}"\nstatements_dir = "{statements}"\n'
        "stable_seconds = 60\n" + extra
    )
    config.chmod(0o600)
    return ["--config", str(config)]


TWINFIELD = (
    '[intake.invoices]\nsnapshot = true\nsource = "twinfield"\n'
    'mapping = "twinfield-openstaande-posten"\n'
)


def test_check_config_shows_how_each_folder_is_read(tmp_path: Path) -> None:
    invoices = tmp_path / "in-invoices"
    invoices.mkdir()
    base = _office(tmp_path, invoices, TWINFIELD)
    out = CliRunner().invoke(main, [*base, "check-config", "--json"])
    assert out.exit_code == 0, out.output
    checks = {c["name"]: c for c in json.loads(out.output)}
    assert checks["intake.invoices_dir"]["detail"] == (
        f"{invoices}: open-items snapshots of source 'twinfield', "
        "mapping 'twinfield-openstaande-posten'"
    )
    assert checks["intake.statements_dir"]["ok"]


def test_check_config_refuses_a_missing_folder_naming_the_key(tmp_path: Path) -> None:
    base = _office(tmp_path, tmp_path / "typo")
    out = CliRunner().invoke(main, [*base, "check-config"])
    assert out.exit_code == 1
    assert f"FAIL intake.invoices_dir: {tmp_path / 'typo'} does not exist" in out.output


def test_check_config_refuses_a_link_planted_as_an_output_folder(tmp_path: Path) -> None:
    invoices = tmp_path / "in-invoices"
    invoices.mkdir()
    (invoices / "processed").symlink_to(tmp_path)
    out = CliRunner().invoke(main, [*_office(tmp_path, invoices), "check-config"])
    assert out.exit_code == 1
    assert f"FAIL intake.invoices_dir: {invoices / 'processed'} is a link" in out.output


def test_snapshot_sources_without_the_folder_source_is_a_config_problem(tmp_path: Path) -> None:
    invoices = tmp_path / "in-invoices"
    invoices.mkdir()
    extra = 'snapshot_sources = ["exact"]\n' + TWINFIELD
    out = CliRunner().invoke(main, [*_office(tmp_path, invoices, extra), "check-config"])
    assert out.exit_code == 1
    assert "intake.snapshot_sources: does not name intake.invoices.source 'twinfield'" in (
        out.output
    )


def test_run_once_says_what_became_of_each_dropped_file(tmp_path: Path) -> None:
    invoices = tmp_path / "in-invoices"
    invoices.mkdir()
    base = _office(tmp_path, invoices, TWINFIELD)
    customers = tmp_path / "customers.csv"
    customers.write_text(CUSTOMERS)
    assert CliRunner().invoke(main, [*base, "invoices", "import", str(customers)]).exit_code == 0
    export = (EXPORTS / "twinfield-openstaande-posten.csv").read_bytes()
    (invoices / "opos.csv").write_bytes(export)
    (invoices / "broken.csv").write_bytes(export.replace(b"16-11-2026", b"2026-11-16"))
    run = ["run", "--once", "--now"]
    first = CliRunner().invoke(main, [*base, *run, "2026-12-07T08:00+01:00"])
    assert first.exit_code == 0, first.output
    assert f"intake: {invoices / 'opos.csv'}: waiting until it is complete" in first.output
    second = CliRunner().invoke(main, [*base, *run, "2026-12-07T08:02+01:00"])
    assert second.exit_code == 0, second.output
    assert "intake: invoices/opos.csv: applied (settled 0, reduced 1)" in second.output
    assert (
        "intake: invoices/broken.csv: failed (broken.csv:2 [Vervaldatum (due_date)]: "
        "date '2026-11-16' does not have the mapping's date format dd-mm-yyyy)"
    ) in second.output
    listed = CliRunner().invoke(main, [*base, "intake", "list", "--json"])
    kinds = {f["file"]: (f["kind"], f["status"]) for f in json.loads(listed.output)}
    assert kinds["broken.csv"] == ("snapshot", "failed")  # a snapshot folder's file
    assert kinds["opos.csv"] == ("snapshot", "applied")


def test_scan_shows_what_one_folder_did_when_the_other_is_missing(tmp_path: Path) -> None:
    invoices = tmp_path / "in-invoices"
    invoices.mkdir()
    base = _office(tmp_path, invoices)
    (tmp_path / "in-statements").rmdir()
    (invoices / "export.csv").write_text(
        CUSTOMERS.replace("OLD-", "F-").replace("2026-01-15", "2026-12-20")
    )
    scan = [*base, "intake", "scan", "--now"]
    first = CliRunner().invoke(main, [*scan, "2026-12-07T08:00+01:00"])
    assert f"{invoices / 'export.csv'}: waiting until it is complete" in first.output
    out = CliRunner().invoke(main, [*scan, "2026-12-07T08:01:01+01:00"])
    assert out.exit_code == 1
    assert "invoices/export.csv: processed (2 new, 0 changed)" in out.output
    assert f"intake.statements_dir: {tmp_path / 'in-statements'} is not a folder" in out.output
