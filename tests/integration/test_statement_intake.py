"""Statement intake through the CLI: parse-only, detection by content, zip, bad files kept."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from daemon.app.statement_zip import MAX_RATIO, StatementError, unzip_members
from daemon.cli import main
from tests.integration.bank_writers import Entry, Tx, camt053, mt940, single

ACCOUNT = "NL91ABNA0417164300"


def _camt() -> bytes:
    return camt053(
        ACCOUNT,
        "S-1",
        [
            single(Tx("100.00", e2e="E1", text="a"), "R1"),
            Entry((Tx("10.00", text="b"), Tx("15.50", text="c")), "R2"),
            single(Tx("40.25", credit=False, e2e="E3", text="d"), "R3"),
        ],
    )


def _mt() -> bytes:
    return mt940(
        "NL77INGB0574908765",
        "M-1",
        [
            (Tx("99.00", e2e="X1", text="x"), "B1"),
            (Tx("1.50", credit=False, text="kosten"), "B2"),
        ],
    )


def _run(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(main, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result.exit_code, result.stdout, result.stderr


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DUNMAIL_CONFIG", raising=False)
    return CliRunner()


SUMMARIES = [
    (
        "camt-batch-and-debit",
        _camt,
        {"statements": 1, "entries": 4, "credits": 3, "debits": 1, "total": "85.25"},
    ),
    (
        "mt940-named-txt",
        _mt,
        {"statements": 1, "entries": 2, "credits": 1, "debits": 1, "total": "97.50"},
    ),
]


@pytest.mark.parametrize(
    ("make", "expected"), [s[1:] for s in SUMMARIES], ids=[s[0] for s in SUMMARIES]
)
def test_parse_summary_detects_format_from_content(
    runner: CliRunner, tmp_path: Path, make: object, expected: dict[str, object]
) -> None:
    path = tmp_path / "statement.txt"  # the name says nothing
    path.write_bytes(make())  # type: ignore[operator]
    code, out, _ = _run(runner, "statements", "parse", str(path), "--summary")
    assert code == 0
    summary = json.loads(out)
    assert {k: summary[k] for k in expected} == expected
    code, out, _ = _run(runner, "statements", "parse", str(path), "--json")
    parsed = json.loads(out)
    assert isinstance(parsed, list) and len(parsed[0]["payments"]) == expected["entries"]
    assert not (tmp_path / "dunmail.db").exists()


def test_parse_of_a_broken_file_names_it_without_traceback(
    runner: CliRunner, tmp_path: Path
) -> None:
    path = tmp_path / "broken.xml"
    path.write_bytes(_camt()[:300])
    code, _, err = _run(runner, "statements", "parse", str(path), "--summary")
    assert code == 1
    assert "broken.xml" in err and "Traceback" not in err


def test_import_counts_and_lists_statements(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    (tmp_path / "a.xml").write_bytes(_camt())
    code, out, _ = _run(
        runner, "--db", str(db), "statements", "import", str(tmp_path / "a.xml"), "--json"
    )
    assert code == 0
    [outcome] = json.loads(out)
    assert (outcome["status"], outcome["payments"], outcome["new"]) == ("imported", 4, 4)
    assert outcome["by_status"] == {"ignored": 1, "unmatched": 3}
    code, out, _ = _run(runner, "--db", str(db), "statements", "list", "--json")
    [statement] = json.loads(out)
    assert statement["account_iban"] == ACCOUNT and statement["latest_booking_date"] == "2026-03-02"
    payments = json.loads(_run(runner, "--db", str(db), "payments", "list", "--json")[1])
    assert sorted(p["amount"] for p in payments) == ["10.00", "100.00", "15.50", "40.25"]
    assert {p["direction"] for p in payments} == {"credit", "debit"}
    assert all(p["allocations"] == [] for p in payments)
    batch = [p for p in payments if p["bank_reference"] == "R2"]
    assert len(batch) == 2, "two payments of one batch share a bank reference"
    assert [p["end_to_end_id"] for p in batch] == [None, None]


BAD = [
    ("unknown-format", b"Dear customer, your statement is attached.\n", "unknown bank format"),
    ("broken-xml", _camt()[:500], "line"),
    ("pdf", b"%PDF-1.4\n...", "PDF"),
]


@pytest.mark.parametrize(("data", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_file_is_kept_for_review_and_named(
    runner: CliRunner, tmp_path: Path, data: bytes, needle: str
) -> None:
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    good, bad = tmp_path / "good.sta", tmp_path / "bad.dat"
    good.write_bytes(_mt())
    bad.write_bytes(data)
    code, out, err = _run(runner, "--db", str(db), "statements", "import", str(bad), str(good))
    assert code == 1
    assert "bad.dat" in err and needle.lower() in err.lower() and "Traceback" not in err
    assert "good.sta: imported" in out  # the good file is still booked
    with sqlite3.connect(db) as conn:
        status, reason, raw = conn.execute(
            "SELECT status, reason, raw FROM statement_files WHERE filename LIKE '%bad.dat'"
        ).fetchone()
        assert status == "failed" and reason and raw == data
        assert conn.execute(
            "SELECT type, statement_file_id IS NOT NULL FROM review_items"
            " WHERE type LIKE 'statement%'"
        ).fetchall() == [("statement_quarantined", 1)]
    # Trying again does not open a second review item.
    _run(runner, "--db", str(db), "statements", "import", str(bad))
    with sqlite3.connect(db) as conn:
        assert (
            conn.execute(
                "SELECT COUNT(*) FROM review_items WHERE type LIKE 'statement%'"
            ).fetchone()[0]
            == 1
        )


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_zip_members_are_imported_by_content(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    archive = tmp_path / "statements.zip"
    archive.write_bytes(_zip({"one.bin": _camt(), "two.bin": _mt(), "dir/": b""}))
    code, out, _ = _run(runner, "--db", str(db), "statements", "import", "--json", str(archive))
    assert code == 0
    assert [(o["format"], o["new"]) for o in json.loads(out)] == [
        ("camt.053.001.02", 4),
        ("mt940", 2),
    ]


def test_zip_bomb_is_refused_with_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    bomb = _zip({"huge.xml": b"0" * (8 * 1024 * 1024)})  # ~8 MB of zeros: ratio ~1000
    with pytest.raises(StatementError, match="zip bomb"):
        unzip_members(bomb)
    (tmp_path / "bomb.zip").write_bytes(bomb)
    code, _, err = _run(runner, "--db", str(db), "statements", "import", str(tmp_path / "bomb.zip"))
    assert code == 1 and "bomb.zip" in err and "zip bomb" in err
    assert len(bomb) * MAX_RATIO < 8 * 1024 * 1024


def test_overlapping_statement_books_only_new_entries(runner: CliRunner, tmp_path: Path) -> None:
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    day = date(2026, 3, 2)
    same = [
        Tx("20.00", booked=day, text="same amount, same day", name="A"),
        Tx("20.00", booked=day, text="same amount, same day", name="A"),
    ]
    first = camt053(ACCOUNT, "S-1", [single(same[0], ""), single(same[1], "")])
    second = camt053(
        ACCOUNT,
        "S-2",
        # It starts with an earlier booking: entry positions shift, keys must not.
        [single(Tx("5.00", booked=date(2026, 3, 1)), ""), single(same[0], ""), single(same[1], "")],
    )
    for name, data in (("1.xml", first), ("2.xml", second)):
        (tmp_path / name).write_bytes(data)
    outcomes = [
        json.loads(
            _run(runner, "--db", str(db), "statements", "import", "--json", str(tmp_path / n))[1]
        )[0]
        for n in ("1.xml", "2.xml")
    ]
    # Two genuine twins without any bank reference stay two; the repeat adds only the new one.
    assert [o["new"] for o in outcomes] == [2, 1]


def _refused_for_its_account(runner: CliRunner, tmp_path: Path) -> tuple[Path, Path, Path]:
    """A statement imported while its account is not in bank.accounts: quarantined."""
    db = tmp_path / "office.db"
    _run(runner, "--db", str(db), "init")
    statement = tmp_path / "a.xml"
    statement.write_bytes(_camt())
    config = _config(tmp_path, db, ["NL44RABO0123456789"])
    code, _, err = _run(runner, "--config", str(config), "statements", "import", str(statement))
    assert code == 1 and "not in bank.accounts" in err
    return db, statement, config


def _quarantined(runner: CliRunner, config: Path) -> list[dict[str, Any]]:
    items = json.loads(_run(runner, "--config", str(config), "queue", "list", "--json")[1])
    return [i for i in items if i["type"] == "statement_quarantined"]


def _config(tmp_path: Path, db: Path, accounts: list[str]) -> Path:
    path = tmp_path / "dunmail.toml"
    listed = ", ".join(f'"{a}"' for a in accounts)
    path.write_text(
        f'[office]\nname = "Office"\nemail = "office@example.nl"\n'
        f'[database]\npath = "{db}"\n[bank]\naccounts = [{listed}]\n',
        encoding="utf-8",
    )
    return path


def test_a_quarantined_file_is_imported_from_the_queue_after_the_fix(
    runner: CliRunner, tmp_path: Path
) -> None:
    db, statement, config = _refused_for_its_account(runner, tmp_path)
    statement.unlink()  # the office no longer has the file: its bytes are in the database
    [item] = _quarantined(runner, config)
    shown = _run(runner, "--config", str(config), "queue", "show", str(item["id"]))[1]
    assert "import" in shown

    # Before the fix the import is refused again, with the reason; the item stays open.
    args = ["--config", str(config), "queue", "resolve", str(item["id"]), "--action", "import"]
    code, out, err = _run(runner, *args)
    assert "still not importable" in out + err and "not in bank.accounts" in out + err
    assert len(_quarantined(runner, config)) == 1

    _config(tmp_path, db, ["NL44RABO0123456789", ACCOUNT])
    code, out, err = _run(runner, *args)
    assert code == 0, err
    assert "imported; 4 new payment(s) booked" in out
    assert _quarantined(runner, config) == []
    payments = json.loads(_run(runner, "--config", str(config), "payments", "list", "--json")[1])
    assert len(payments) == 4
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT status, raw FROM statement_files").fetchall() == [
            ("imported", None)
        ]
    code, out, err = _run(runner, *args)  # resolved: nothing happens twice
    assert code != 0 and "already resolved" in out + err


def test_importing_the_same_file_again_closes_its_quarantine_item(
    runner: CliRunner, tmp_path: Path
) -> None:
    db, statement, config = _refused_for_its_account(runner, tmp_path)
    _config(tmp_path, db, [ACCOUNT])
    code, _, err = _run(runner, "--config", str(config), "statements", "import", str(statement))
    assert code == 0, err
    assert _quarantined(runner, config) == []


def _db_rows(db: Path, sql: str) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute(sql).fetchall()


def test_a_file_broken_after_its_first_entries_books_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    """Payments are booked as they are read; a break further on rolls every one of them back
    and keeps the file for review."""
    entries = [single(Tx(f"{n}.00", e2e=f"E{n}", text=f"F{n}"), f"R{n}") for n in range(1, 50)]
    data = camt053(ACCOUNT, "S-9", entries)
    cut = data.index(b"<Ntry>", len(data) // 2)
    broken = tmp_path / "broken.xml"
    broken.write_bytes(data[:cut] + b"<Ntry><Amt Ccy='EUR'>1.00</Amt></Ntry><Ntry><")
    db = tmp_path / "d.db"
    _run(runner, "--db", str(db), "init")
    code, _, err = _run(runner, "--db", str(db), "statements", "import", str(broken))
    assert code == 1 and "broken.xml" in err
    assert _db_rows(db, "SELECT COUNT(*) FROM bank_transactions") == [(0,)]
    assert _db_rows(db, "SELECT COUNT(*) FROM statements") == [(0,)]
    assert _db_rows(db, "SELECT status, length(raw) FROM statement_files") == [
        ("failed", len(broken.read_bytes()))
    ]


def test_mt940_entries_before_the_account_line_are_booked_on_that_account(
    runner: CliRunner, tmp_path: Path
) -> None:
    """A :25: after the entries (not seen in real files): the streamed entries do not know
    the account yet, so the file is read whole and booked as the parsed statement says."""
    data = (
        b":20:LATE\n:28C:1\n:60F:C260301EUR0,00\n"
        b":61:2603020302C12,50NTRFNONREF//B1\n:86:/EREF/E1//REMI/USTD//F-1/\n"
        b":61:2603020302C1,00NTRFNONREF//B2\n:86:/EREF/E2//REMI/USTD//F-2/\n"
        b":25:NL91ABNA0417164300EUR\n:62F:C260302EUR13,50\n-\n"
    )
    statement = tmp_path / "late.sta"
    statement.write_bytes(data)
    db = tmp_path / "d.db"
    config = _config(tmp_path, db, [ACCOUNT])
    _run(runner, "--config", str(config), "init")
    code, _, err = _run(runner, "--config", str(config), "statements", "import", str(statement))
    assert code == 0, err
    assert _db_rows(db, "SELECT account_iban, amount_cents, currency FROM bank_transactions") == [
        (ACCOUNT, 1250, "EUR"),
        (ACCOUNT, 100, "EUR"),
    ]
    assert _db_rows(db, "SELECT account_iban, latest_booking_date FROM statements") == [
        (ACCOUNT, "2026-03-02")
    ]
