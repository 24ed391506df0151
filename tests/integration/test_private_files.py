"""Files holding personal data are private whatever the umask (#11).

Under the usual umask 022 the database, its -wal/-shm, `db backup` copies, hand-over dossiers
and `debtors export --zip` files used to be 0644: readable by every local user. Each is created
0600 now (0640 and owned by ``files.group`` when that is set), checked with stat through the CLI.
"""

from __future__ import annotations

import grp
import logging
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from daemon.adapters.store.db import open_store
from tests.integration.human_world import NOW, World


def mode(path: Path | str) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.fixture(autouse=True)
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(old)


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.cli("init")
    world.debtor("ACME")
    world.invoice("F2026-0001", "ACME", 50000)
    return world


def test_init_creates_a_private_database_and_its_wal_and_shm(tmp_path: Path) -> None:
    w = World(tmp_path)
    w.cli("init")
    assert mode(w.db) == 0o600
    store = open_store(w.db)  # the daemon's way in: WAL mode, files kept while it runs
    try:
        store.set_state("probe", "1")
        for suffix in ("-wal", "-shm"):
            assert Path(f"{w.db}{suffix}").exists()
            assert mode(f"{w.db}{suffix}") == 0o600, suffix
    finally:
        store.close()


def test_a_world_readable_database_is_tightened_when_opened(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = tmp_path / "office.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()  # an older dunmail
    os.chmod(db, 0o644)
    w = World(tmp_path)
    with caplog.at_level(logging.WARNING, logger="dunmail"):
        w.cli("init")
    assert mode(db) == 0o600
    assert any("readable by others" in r.getMessage() for r in caplog.records)


def test_db_backup_to_a_file_and_to_a_folder_is_private(w: World, tmp_path: Path) -> None:
    w.cli("db", "backup", str(tmp_path / "copies" / "office-copy.db"))
    assert mode(tmp_path / "copies" / "office-copy.db") == 0o600
    w.cli("db", "backup", str(tmp_path / "backups") + "/")
    assert mode(tmp_path / "backups") == 0o700
    (copy,) = (tmp_path / "backups").glob("dunmail-*.db")
    assert mode(copy) == 0o600
    assert sqlite3.connect(copy).execute("SELECT COUNT(*) FROM invoices").fetchone() == (1,)


def test_handover_dossier_is_private(w: World) -> None:
    out = w.cli_json("handover", "ACME", "--agency", "Incasso Noord", "--now", NOW)
    dossier = Path(out["dossier"])
    assert dossier.parent == w.db.parent / "handover"  # the default folder
    assert mode(dossier) == 0o600 and mode(dossier.parent) == 0o700


def test_gdpr_export_zip_is_private_even_over_an_older_file(w: World, tmp_path: Path) -> None:
    target = tmp_path / "export.zip"
    target.write_bytes(b"an older export")
    os.chmod(target, 0o644)
    w.cli("debtors", "export", "ACME", "--zip", str(target))
    assert mode(target) == 0o600 and target.read_bytes().startswith(b"PK")


def test_files_group_makes_them_group_readable(tmp_path: Path) -> None:
    group = grp.getgrgid(os.getgid()).gr_name
    w = World(tmp_path, extra_config=f'\n[files]\ngroup = "{group}"\n')
    w.debtor("ACME")  # through the test's own connection: a 0600 database to begin with
    w.invoice("F2026-0001", "ACME", 50000)
    assert mode(w.db) == 0o600
    w.cli("init")
    out = w.cli_json("handover", "ACME", "--agency", "Incasso Noord", "--now", NOW)
    w.cli("db", "backup", str(tmp_path / "copy.db"))
    for path in (w.db, Path(out["dossier"]), tmp_path / "copy.db"):
        assert mode(path) == 0o640, path
        assert os.stat(path).st_gid == os.getgid()
    assert mode(Path(out["dossier"]).parent) == 0o750


def test_an_unknown_group_is_a_clear_error(tmp_path: Path) -> None:
    w = World(tmp_path, extra_config='\n[files]\ngroup = "no-such-group-dunmail"\n')
    result = w.cli("init", ok=False)
    assert result.exit_code == 1 and "files.group" in result.output
    assert not w.db.exists()


def test_report_debtors_chart_is_private(w: World, tmp_path: Path) -> None:
    """The debtors chart names debtors: owner-only like the other files."""
    pytest.importorskip("matplotlib")
    chart = tmp_path / "debtors.png"
    w.cli("report", "debtors", "--png", str(chart), "--date", "2026-12-10")
    assert mode(chart) == 0o600 and chart.read_bytes().startswith(b"\x89PNG")
