"""`dunmail report aging|dso|debtors` on a real database, with CSV, JSON and PNG output."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from pathlib import Path

import pytest

from daemon.app import reports as rep
from daemon.app.manual_allocation import allocate_manually
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
    assert report["totals"] == {"EUR": "700.00"}
    rows = list(
        csv.DictReader(
            io.StringIO(w.cli("report", "aging", "--csv", "--date", "2026-12-10").output)
        )
    )
    assert [r["bucket"] for r in rows] == ["not_due", "1-30", "31-60", "61-90", "over_90"]


def test_aging_in_the_past_uses_the_payments_known_then(w: World) -> None:
    report = w.cli_json("report", "aging", "--date", "2026-09-15")
    assert report["totals"] == {"EUR": "1000.00"}  # A1 unpaid on 15 Sep, 15 days late
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
    for kind in ("aging", "dso", "debtors"):
        png = tmp_path / f"{kind}.png"
        w.cli("report", kind, "--png", str(png), "--date", "2026-12-10")
        assert png.read_bytes().startswith(b"\x89PNG")


def test_aging_chart_names_currency_and_values(w: World) -> None:
    pytest.importorskip("matplotlib")
    report = w.cli_json("report", "aging", "--date", "2026-12-10")
    fig = rep.aging_figure(report, "en")
    (ax,) = fig.axes
    assert ax.get_ylim()[0] == 0
    assert "EUR" in ax.get_ylabel()
    labels = [t.get_text() for t in ax.texts]
    assert "€200.00\n1 invoice" in labels and "€500.00\n1 invoice" in labels
    assert "€0.00\n0 invoices" in labels  # an empty bucket still says so
    assert "€700.00" in ax.get_title()


def test_aging_chart_does_not_call_mixed_currencies_euros(w: World) -> None:
    pytest.importorskip("matplotlib")
    w.store.execute("UPDATE invoices SET currency = 'USD' WHERE number = 'B1'")
    report = w.cli_json("report", "aging", "--date", "2026-12-10")
    eur, usd = rep.aging_figure(report, "en").axes  # one panel per currency
    assert "EUR" in eur.get_ylabel() and "USD" in usd.get_ylabel()
    assert not any("€" in t.get_text() for t in usd.texts)
    assert "€500.00" in eur.get_title() and "$200.00" in usd.get_title()


def test_reports_never_add_two_currencies(w: World) -> None:
    """Issue #15: a USD invoice was added into the EUR totals of aging and DSO."""
    w.store.execute("UPDATE invoices SET currency = 'USD' WHERE number = 'B1'")
    report = w.cli_json("report", "aging", "--date", "2026-12-10")
    assert report["totals"] == {"EUR": "500.00", "USD": "200.00"}
    rows = {(b["currency"], b["bucket"]): b["amount"] for b in report["buckets"]}
    assert rows[("EUR", "31-60")] == "500.00" and rows[("EUR", "not_due")] == "0.00"
    assert rows[("USD", "not_due")] == "200.00"
    assert {(d["debtor_id"], d["currency"]) for d in report["by_debtor"]} == {
        ("ACME", "EUR"),
        ("BETA", "USD"),
    }
    text = w.cli("report", "aging", "--date", "2026-12-10").output
    assert "EUR 500.00" in text and "USD 200.00" in text and "700.00" not in text
    csv_rows = list(
        csv.DictReader(
            io.StringIO(w.cli("report", "aging", "--csv", "--date", "2026-12-10").output)
        )
    )
    assert {r["currency"] for r in csv_rows} == {"EUR", "USD"} and len(csv_rows) == 10
    points = w.cli_json("report", "dso", "--date", "2026-12-10", "--months", "1")
    assert [(p["currency"], p["receivables"]) for p in points] == [
        ("EUR", "500.00"),
        ("USD", "200.00"),
    ]
    dso_csv = w.cli("report", "dso", "--csv", "--date", "2026-12-10", "--months", "1").output
    assert "700.00" not in dso_csv and "USD" in dso_csv


def test_dso_chart_starts_at_zero_and_keeps_every_month(w: World) -> None:
    pytest.importorskip("matplotlib")
    points = w.cli_json("report", "dso", "--date", "2026-12-10", "--months", "12")
    empty = [p for p in points if p["dso"] is None]
    assert len(points) == 12 and empty  # no sales in the first months of the year
    (ax,) = rep.dso_figure(points, "en").axes
    assert ax.get_ylim()[0] == 0
    ticks = [t.get_text() for t in ax.get_xticklabels()]
    assert ticks[0] == "Jan 2026" and ticks[-1] == "Dec 2026" and len(ticks) == 12
    texts = [t.get_text() for t in ax.texts]
    assert texts.count("no sales") == len(empty)
    assert points[-1]["dso"].removesuffix(".0") in texts


def test_dso_chart_of_a_small_change_is_a_small_change() -> None:
    """86.5 to 90 days on an axis from 86.5 to 90 looked like a collapse."""
    pytest.importorskip("matplotlib")
    points = [
        {"month_end": f"2026-{m:02d}-28", "receivables": "1", "sales_90_days": "1", "dso": d}
        for m, d in ((1, "90.0"), (2, "86.5"), (3, "88.0"))
    ]
    (ax,) = rep.dso_figure(points, "en").axes
    bottom, top = ax.get_ylim()
    assert bottom == 0 and (90 - 86.5) / (top - bottom) < 0.05


def test_debtors_chart_shows_who_pays_latest(w: World) -> None:
    pytest.importorskip("matplotlib")
    rows = w.cli_json("report", "debtors", "--date", "2026-12-10")
    (ax,) = rep.debtors_figure(rows, "2026-12-10", "en").axes
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "ACME Holding (ACME)",
        "BETA Holding (BETA)",
    ]
    labels = [t.get_text() for t in ax.texts]
    assert labels == ["20 days, 1 open overdue", "0 days"]
    assert ax.get_xlim()[0] == 0
