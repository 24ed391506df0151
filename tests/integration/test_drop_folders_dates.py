"""Drop-folder snapshots from the packages' own exports, and the snapshot's own date (#17).

Driven through run_intake with the clock passed in, as the daemon does each tick: a preset's
open-amount column books what was paid in the package, and a ``snapshot_date`` column dates
a snapshot before its file time, so an old export dropped again today is held."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

import tests.integration.test_drop_folders as base
from daemon.adapters.store.queue import open_items
from daemon.app.invoices import import_invoices
from daemon.config import Config

EXPORTS = Path(__file__).parent.parent / "data" / "exports"
T0 = base.T0


def _mapped(config: Config, name: str) -> Config:
    folder = replace(config.intake.invoices, mapping=name)
    return replace(config, intake=replace(config.intake, invoices=folder))


def _known(tmp_path: Path, store, debtors: list[str]) -> None:  # type: ignore[no-untyped-def]
    """The open-items lists carry no e-mail: the customers come in first."""
    path = tmp_path / "customers.csv"
    path.write_text(
        "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
        + "".join(
            f"OLD-{i},{d},{d},d{i}@customer.example,2026-01-01,2026-01-15,1\n"
            for i, d in enumerate(debtors)
        )
    )
    import_invoices(store, [path])


@pytest.mark.parametrize(
    ("preset", "debtors", "number", "paid", "old_open", "new_open", "booked"),
    [
        (
            "twinfield-openstaande-posten",
            ["1100", "1101"],
            "2026-119",
            "6050.00",
            b"6.050,00",
            b"1.000,00",
            "5050.00",
        ),
        (
            "yuki-te-herinneren-facturen",
            ["Brasserie Het Anker", "Apotheek Peeters"],
            "VF-2026-0312",
            "60.50",
            b";60,50;",
            b";20,50;",
            "40.00",
        ),
        (
            "e-boekhouden-openstaande-posten",
            ["DEB001", "DEB002"],
            "F-0902",
            "500.00",
            b";589,00",
            b";89,00",
            "500.00",
        ),
        (
            "datev-opos-debitoren",
            ["10001", "10002"],
            "RE-2026-312",
            "19.00",
            b";100,00;",
            b";0,00;",
            "100.00",
        ),
    ],
)
def test_a_preset_snapshot_books_what_was_paid_in_the_package(
    tmp_path: Path,
    preset: str,
    debtors: list[str],
    number: str,
    paid: str,
    old_open: bytes,
    new_open: bytes,
    booked: str,
) -> None:
    store, config, folder, _ = base._setup(tmp_path, snapshot=True)
    config = _mapped(config, preset)
    _known(tmp_path, store, debtors)
    export = (EXPORTS / f"{preset}.csv").read_bytes()
    (folder / "open-items.csv").write_bytes(export)
    (first,) = base._take(store, config, T0)
    # The export lists the invoice partly paid: the difference is an outside payment.
    assert first["status"] == "applied" and first["settle"] == [], first
    assert first["reduce"] == [{"invoice": number, "amount": paid}]
    # The next day's export: more of it paid in the package.
    assert export.count(old_open) == 1
    (folder / "open-items-2.csv").write_bytes(export.replace(old_open, new_open))
    (second,) = base._take(store, config, T0 + timedelta(days=1))
    assert second["status"] == "applied" and second["reduce"] == [
        {"invoice": number, "amount": booked}
    ]
    rows = store.query(
        "SELECT kind, amount_cents FROM outside_settlements WHERE invoice_number = ? ORDER BY id",
        (number,),
    )
    assert [(r["kind"], r["amount_cents"]) for r in rows] == [
        ("reduced", int(paid.replace(".", ""))),
        ("reduced", int(booked.replace(".", ""))),
    ]
    row = store.one(
        "SELECT amount_cents, paid_cents, status FROM invoices WHERE number = ?", (number,)
    )
    open_now = row["amount_cents"] - row["paid_cents"]
    assert open_now == int(new_open.strip(b";").replace(b".", b"").replace(b",", b""))
    assert row["status"] == ("paid" if open_now == 0 else "partially_paid")


DATED = base.HEADER.rstrip("\n") + ",snapshot_date\n"


def _dated(numbers: range, day: str) -> str:
    return DATED + "".join(base._row(n).rstrip("\n") + f",{day}\n" for n in numbers)


def test_a_snapshot_older_by_its_date_column_is_held(tmp_path: Path) -> None:
    store, config, folder, _ = base._setup(tmp_path, snapshot=True)
    base._drop(folder, "open-items.csv", _dated(range(1, 11), "2026-12-05"), T0)
    (first,) = base._take(store, config, T0)
    assert first["status"] == "applied" and first["dated_by"] == "snapshot_date column"
    assert first["snapshot_at"] == "2026-12-05T22:59:59.000000Z"  # end of the day it states
    # Dropped later, its file is newer and its name has no date: only the column tells that
    # it was made the day before the one applied.
    later = T0 + timedelta(hours=2)
    base._drop(folder, "open-items-b.csv", _dated(range(1, 10), "2026-12-04"), later)
    (old,) = base._take(store, config, later)
    assert old["status"] == "held", old
    assert "older than the last snapshot applied" in old["reason"]
    assert "by its snapshot_date column" in old["reason"]
    assert (folder / "held" / "open-items-b.csv").is_file()
    assert base._numbers(store, "paid") == []  # F-010 is not settled by the old list
    (item,) = open_items(store, "snapshot_held")
    assert item["evidence"]["snapshot_at"] == "2026-12-04T22:59:59.000000Z"
    # The same list dated today is newer than the last one and settles F-010.
    base._drop(folder, "open-items-c.csv", _dated(range(1, 10), "2026-12-07"), later)
    (today,) = base._take(store, config, later + timedelta(minutes=5))
    assert today["status"] == "applied" and today["settle"] == [
        {"invoice": "F-010", "amount": "100.00"}
    ]


def test_rows_that_disagree_on_the_date_fail_the_file_naming_the_lines(tmp_path: Path) -> None:
    store, config, folder, _ = base._setup(tmp_path, snapshot=True)
    text = _dated(range(1, 4), "2026-12-05") + _dated(range(4, 5), "2026-12-06").split("\n", 1)[1]
    base._drop(folder, "open-items.csv", text, T0)
    (failed,) = base._take(store, config, T0)
    assert failed["status"] == "failed"
    assert (
        "open-items.csv:5 [snapshot_date]: the rows disagree on the snapshot date"
        in (failed["reason"])
    )
    assert "2026-12-05 on line 2, 3, 4; 2026-12-06 on line 5" in failed["reason"]
    assert (folder / "failed" / "open-items.csv").is_file()
    assert store.scalar("SELECT COUNT(*) FROM invoices") == 0
    (item,) = open_items(store, "intake_failed")
    assert "snapshot date" in item["reason"]


def test_a_snapshot_dated_after_today_is_refused(tmp_path: Path) -> None:
    store, config, folder, _ = base._setup(tmp_path, snapshot=True)
    # 12-07 read as month-day would be a date in July; a date after today is never right.
    base._drop(folder, "open-items.csv", _dated(range(1, 3), "2026-12-08"), T0)
    (failed,) = base._take(store, config, T0)
    assert failed["status"] == "failed"
    assert "snapshot date 2026-12-08 is after today (2026-12-07)" in failed["reason"]
