"""`dunmail report aging|dso|debtors` on a real database, with CSV, JSON and PNG output."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app.statements import allocate_manually
from tests.integration.human_world import World


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME")
    world.debtor("BETA")
    world.invoice("A1", "ACME", 100000, issue="2026-08-01", due="2026-08-31")
    world.invoice("A2", "ACME", 50000, issue="2026-10-01", due="2026-10-31")
    world.invoice("B1", "BETA", 20000, issue="2026-11-01", due="2026-12-15")
    world.invoice("B2", "BETA", 30000, issue="2026-06-01", due="2026-07-01")
    tx = world.payment(100000, day="2026-09-20")
    allocate_manually(world.store, tx, [("A1", Decimal("1000.00"))], actor="test")
    tx = world.payment(30000, day="2026-07-01")
    allocate_manually(world.store, tx, [("B2", Decimal("300.00"))], actor="test")
    world.store.execute(
        "INSERT INTO promises (debtor_id, invoice_numbers, source, status, created_at)"
        " VALUES ('ACME', '[]', 'mail', 'broken', '2026-11-01T00:00:00Z')"
    )
    world.item("dispute", "ACME disputes A2", debtor_id="ACME")
    return world


def test_aging(w: World) -> None:
    report = w.cli_json("report", "aging", "--date", "2026-12-10")
    amounts = {b["bucket"]: b["amount"] for b in report["buckets"]}
    # A2 due 31 Oct → 40 days late; B1 not due yet; A1 and B2 are paid
    assert amounts == {
        "not_due": "200.00",
        "1-30": "0.00",
        "31-60": "500.00",
        "61-90": "0.00",
        "over_90": "0.00",
    }
    assert report["total"] == "700.00"
    rows = list(
        csv.DictReader(
            io.StringIO(w.cli("report", "aging", "--csv", "--date", "2026-12-10").output)
        )
    )
    assert [r["bucket"] for r in rows] == ["not_due", "1-30", "31-60", "61-90", "over_90"]


def test_aging_in_the_past_uses_the_payments_known_then(w: World) -> None:
    report = w.cli_json("report", "aging", "--date", "2026-09-15")
    assert report["total"] == "1000.00"  # A1 unpaid on 15 Sep, 15 days late
    assert {b["bucket"]: b["count"] for b in report["buckets"]}["1-30"] == 1


def test_dso(w: World) -> None:
    points = w.cli_json("report", "dso", "--date", "2026-12-10", "--months", "3")
    assert [p["month_end"] for p in points] == ["2026-10-31", "2026-11-30", "2026-12-10"]
    assert points[-1]["receivables"] == "700.00" and points[-1]["dso"] is not None


def test_debtors(w: World) -> None:
    rows = {r["debtor_id"]: r for r in w.cli_json("report", "debtors", "--date", "2026-12-10")}
    assert rows["ACME"]["average_days_late"] == "20.0"  # A1 paid 20 Sep, due 31 Aug
    assert (rows["ACME"]["promises_broken"], rows["ACME"]["disputes"]) == (1, 1)
    assert rows["BETA"]["average_days_late"] == "0.0"


def test_png_charts(w: World, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    for kind in ("aging", "dso"):
        png = tmp_path / f"{kind}.png"
        w.cli("report", kind, "--png", str(png), "--date", "2026-12-10")
        assert png.read_bytes().startswith(b"\x89PNG")
    assert w.cli("report", "debtors", "--png", str(tmp_path / "x.png"), ok=False).exit_code == 1
