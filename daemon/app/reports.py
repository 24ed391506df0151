"""Reports from the database: aging, DSO trend, debtor behaviour; optional PNG charts.

matplotlib is an optional extra (`pip install dunmail[reports]`): it is imported only when a
chart is asked for, with the Agg backend so no display is needed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from daemon.adapters.store.db import Store
from daemon.domain import reports as r
from daemon.domain.money import from_cents


class ReportError(RuntimeError):
    """The report cannot be made; the message says what to fix."""


def load_facts(store: Store) -> tuple[list[r.Receivable], list[r.Settlement]]:
    receivables = [
        r.Receivable(
            row["number"],
            row["debtor_id"],
            date.fromisoformat(row["issue_date"]),
            date.fromisoformat(row["due_date"]),
            row["amount_cents"],
        )
        for row in store.query(
            "SELECT number, debtor_id, issue_date, due_date, amount_cents"
            " FROM invoices ORDER BY number"
        )
    ]
    settlements = [
        r.Settlement(
            row["invoice_number"], date.fromisoformat(row["day"]), row["cents"], row["kind"]
        )
        for row in store.query(
            "SELECT a.invoice_number, COALESCE(t.booking_date, substr(a.created_at, 1, 10)) AS day,"
            " a.amount_cents AS cents, 'payment' AS kind FROM allocations a"
            " LEFT JOIN bank_transactions t ON t.id = a.transaction_id WHERE a.reversed_at IS NULL"
            " UNION ALL SELECT invoice_number, issue_date, amount_cents, 'credit' FROM credit_notes"
            " UNION ALL SELECT number, substr(COALESCE(closed_at, updated_at), 1, 10),"
            " written_off_cents, 'write_off' FROM invoices WHERE written_off_cents > 0"
        )
    ]
    return receivables, settlements


def _money(cents: int) -> str:
    return str(from_cents(cents))


def aging_report(store: Store, as_of: date) -> dict[str, Any]:
    receivables, settlements = load_facts(store)
    report = r.aging(receivables, settlements, as_of)
    return {
        "as_of": as_of.isoformat(),
        "total": _money(report.total_cents),
        "buckets": [
            {"bucket": b.name, "count": b.count, "amount": _money(b.cents)} for b in report.buckets
        ],
        "by_debtor": [
            {"debtor_id": d, **{b.name: _money(b.cents) for b in buckets}}
            for d, buckets in report.by_debtor
        ],
    }


def dso_report(store: Store, as_of: date, months: int = 12) -> list[dict[str, Any]]:
    receivables, settlements = load_facts(store)
    return [
        {
            "month_end": p.month_end.isoformat(),
            "receivables": _money(p.receivable_cents),
            "sales_90_days": _money(p.sales_cents),
            "dso": None if p.dso is None else str(p.dso),
        }
        for p in r.dso_series(receivables, settlements, as_of, months=months)
    ]


def debtors_report(store: Store, as_of: date) -> list[dict[str, Any]]:
    receivables, settlements = load_facts(store)
    promises = [
        (p["debtor_id"], p["status"]) for p in store.query("SELECT debtor_id, status FROM promises")
    ]
    disputes = [
        d["debtor_id"]
        for d in store.query(
            "SELECT debtor_id FROM review_items WHERE type = 'dispute' AND debtor_id IS NOT NULL"
        )
    ]
    names = {row["id"]: row["name"] for row in store.query("SELECT id, name FROM debtors")}
    return [
        {
            "debtor_id": b.debtor_id,
            "name": names.get(b.debtor_id),
            "invoices": b.invoices,
            "settled": b.settled,
            "average_days_late": None if b.average_days_late is None else str(b.average_days_late),
            "open_overdue": b.open_overdue,
            "promises_kept": b.promises_kept,
            "promises_broken": b.promises_broken,
            "disputes": b.disputes,
        }
        for b in r.debtor_behaviour(
            receivables, settlements, as_of, promises=promises, disputes=disputes
        )
    ]


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError as exc:
        raise ReportError("PNG charts need matplotlib: pip install 'dunmail[reports]'") from exc
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def aging_png(report: dict[str, Any], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    labels = [b["bucket"].replace("_", " ") for b in report["buckets"]]
    # Chart heights only: display, never bookkeeping, so float is fine here.
    ax.bar(labels, [float(b["amount"]) for b in report["buckets"]], color="#4a7ab5")
    ax.set_title(f"Open amounts by days past due, {report['as_of']}")
    ax.set_ylabel("amount")
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)


def dso_png(points: list[dict[str, Any]], path: Path) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    shown = [p for p in points if p["dso"] is not None]
    ax.plot([p["month_end"][:7] for p in shown], [float(p["dso"]) for p in shown], marker="o")
    ax.set_title("Days sales outstanding (trailing 90 days)")
    ax.set_ylabel("days")
    ax.tick_params(axis="x", rotation=45)
    fig.tight_layout()
    fig.savefig(path, format="png")
    plt.close(fig)
