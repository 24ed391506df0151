"""Reports from the database: aging, DSO trend, debtor behaviour; optional PNG charts.

matplotlib is an optional extra (`pip install dunmail[reports]`): it is imported only when a
chart is asked for, with the Agg backend so no display is needed.
"""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from daemon.adapters.privatefiles import FilePolicy, write_private
from daemon.adapters.store.claims import open_totals as open_claim_totals
from daemon.adapters.store.db import Store
from daemon.adapters.templates import format_money, format_month, format_number
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
            row["currency"],
        )
        for row in store.query(
            "SELECT number, debtor_id, issue_date, due_date, amount_cents, currency"
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


def _groups(receivables: list[r.Receivable]) -> list[tuple[str, list[r.Receivable]]]:
    # An office without invoices still gets its (empty, zero) EUR report.
    return list((r.by_currency(receivables) or {"EUR": []}).items())


def aging_report(store: Store, as_of: date) -> dict[str, Any]:
    """Aging per currency: a bucket row, a total and a debtor row each name their currency,
    and no figure ever adds two currencies."""
    receivables, settlements = load_facts(store)
    buckets: list[dict[str, Any]] = []
    totals: dict[str, str] = {}
    by_debtor: list[dict[str, Any]] = []
    for currency, group in _groups(receivables):
        report = r.aging(group, settlements, as_of)
        totals[currency] = _money(report.total_cents)
        buckets.extend(
            {"currency": currency, "bucket": b.name, "count": b.count, "amount": _money(b.cents)}
            for b in report.buckets
        )
        by_debtor.extend(
            {"debtor_id": d, "currency": currency, **{b.name: _money(b.cents) for b in bs}}
            for d, bs in report.by_debtor
        )
    # #15: booked costs and interest still open, apart from the principal, per currency.
    claims = {
        currency: {
            "principal": totals.get(currency, "0.00"),
            "costs": _money(kinds.get("costs", 0)),
            "interest": _money(kinds.get("interest", 0)),
        }
        for currency, kinds in sorted(open_claim_totals(store).items())
    }
    return {"as_of": as_of.isoformat(), "totals": totals, "buckets": buckets,
            "by_debtor": by_debtor, "claims": claims}  # fmt: skip


def dso_report(store: Store, as_of: date, months: int = 12) -> list[dict[str, Any]]:
    """DSO per currency and month end: receivables and sales of one currency only."""
    receivables, settlements = load_facts(store)
    return [
        {
            "currency": currency,
            "month_end": p.month_end.isoformat(),
            "receivables": _money(p.receivable_cents),
            "sales_90_days": _money(p.sales_cents),
            "dso": None if p.dso is None else str(p.dso),
        }
        for currency, group in _groups(receivables)
        for p in r.dso_series(group, settlements, as_of, months=months)
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


def _save(fig: Any, path: Path) -> None:
    # The debtors chart names debtors: written owner-only (0600) whatever the umask.
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=120)
    _pyplot().close(fig)
    write_private(path, buffer.getvalue(), FilePolicy())


# Charts are read at a glance by people who do not read axes closely: every axis starts at
# zero (a 3-day DSO change must not look like a collapse), every period has its place even
# when it is empty, and the values are written on the marks, with their currency.


def aging_figure(report: dict[str, Any], lang: str) -> Any:
    """One panel per currency: bars of different currencies never share an axis or a total."""
    plt = _pyplot()
    currencies = list(report["totals"])
    fig, axes = plt.subplots(len(currencies), 1, figsize=(8, 4.5 * len(currencies)), squeeze=False)
    for ax, currency in zip((row[0] for row in axes), currencies, strict=True):
        buckets = [b for b in report["buckets"] if b["currency"] == currency]
        labels = [_BUCKET_LABELS.get(b["bucket"], b["bucket"]) for b in buckets]
        # Chart heights only: display, never bookkeeping, so float is fine here.
        heights = [float(b["amount"]) for b in buckets]
        colours = ["#7a9cc6", "#e0b040", "#e08a30", "#d0602a", "#b02a2a"]
        bars = ax.bar(labels, heights, color=colours)
        ax.bar_label(
            bars,
            labels=[
                f"{format_money(b['amount'], currency, lang)}\n{b['count']} invoice"
                + ("" if b["count"] == 1 else "s")
                for b in buckets
            ],
            padding=3,
            fontsize=9,
        )
        ax.set_ylim(0, max(heights, default=0) * 1.25 or 1)
        ax.set_ylabel(f"open amount ({currency})")
        ax.set_xlabel("days past due")
        total = format_money(report["totals"][currency], currency, lang)
        ax.set_title(
            f"Open {currency} invoices by days past due on {report['as_of']}: {total} in total"
        )
        ax.yaxis.set_major_formatter(lambda v, _pos: format_number(str(round(v)), lang))
        ax.spines[["top", "right"]].set_visible(False)
    return fig


def aging_png(report: dict[str, Any], path: Path, lang: str) -> None:
    _save(aging_figure(report, lang), path)


def dso_figure(points: list[dict[str, Any]], lang: str) -> Any:
    """One line per currency (DSO is a ratio of one currency's receivables and sales)."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(8, 4.5))
    series: dict[str, list[dict[str, Any]]] = {}
    for p in points:
        series.setdefault(p.get("currency", ""), []).append(p)
    colours = ["#4a7ab5", "#b5624a", "#4ab57a", "#8a4ab5"]
    values: list[float] = []
    for n, (currency, rows) in enumerate(series.items()):
        x = list(range(len(rows)))
        line = [float(p["dso"]) if p["dso"] is not None else float("nan") for p in rows]
        values.extend(line)
        ax.plot(x, line, marker="o", color=colours[n % len(colours)], label=currency)
        for i, p in enumerate(rows):
            if p["dso"] is None:
                ax.annotate("no sales", (i, 0), xytext=(0, 4), textcoords="offset points",
                            ha="center", fontsize=8, color="#888888")  # fmt: skip
            else:
                ax.annotate(format_number(p["dso"], lang), (i, float(p["dso"])), xytext=(0, 6),
                            textcoords="offset points", ha="center", fontsize=9)  # fmt: skip
    if len(series) > 1:
        ax.legend()
    points = next(iter(series.values()), [])
    x = list(range(len(points)))
    ax.set_xticks(x, [format_month(p["month_end"], lang) for p in points], rotation=45, ha="right")
    known = [v for v in values if v == v]  # NaN is the one value not equal to itself
    ax.set_ylim(0, max(known, default=0) * 1.2 or 10)
    ax.set_ylabel("days")
    ax.set_title("Days sales outstanding at each month end (trailing 90 days of sales)")
    ax.grid(axis="y", color="#dddddd")
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def dso_png(points: list[dict[str, Any]], path: Path, lang: str) -> None:
    _save(dso_figure(points, lang), path)


def debtors_figure(rows: list[dict[str, Any]], as_of: str, lang: str, top: int = 15) -> Any:
    """The debtors who pay latest, by average days late on settled invoices."""
    plt = _pyplot()
    known = [r for r in rows if r["average_days_late"] is not None]
    shown = sorted(known, key=lambda r: (-Decimal(r["average_days_late"]), r["debtor_id"]))[:top]
    fig, ax = plt.subplots(figsize=(8, max(2.4, 1.2 + 0.42 * len(shown))))
    names = [f"{r['name'] or r['debtor_id']} ({r['debtor_id']})" for r in shown]
    days = [float(r["average_days_late"]) for r in shown]
    bars = ax.barh(names, days, color="#4a7ab5")
    ax.bar_label(
        bars,
        labels=[
            f"{format_number(r['average_days_late'], lang)} days"
            + (f", {r['open_overdue']} open overdue" if r["open_overdue"] else "")
            for r in shown
        ],
        padding=3,
        fontsize=9,
    )
    ax.invert_yaxis()  # the latest payer on top
    ax.set_xlim(0, max(days, default=0) * 1.35 or 10)
    ax.set_xlabel("average days late (settled invoices)")
    left_out = len(known) - len(shown)
    more = f"; {left_out} more not shown" if left_out > 0 else ""
    ax.set_title(f"Who pays late, as of {as_of}{more}")
    if not shown:
        ax.set_yticks([])
        ax.text(0.5, 0.5, "no settled invoices yet", ha="center", va="center",
                transform=ax.transAxes, color="#888888")  # fmt: skip
    ax.spines[["top", "right"]].set_visible(False)
    return fig


def debtors_png(rows: list[dict[str, Any]], path: Path, as_of: str, lang: str) -> None:
    _save(debtors_figure(rows, as_of, lang), path)


_BUCKET_LABELS = {
    "not_due": "not due",
    "1-30": "1–30",
    "31-60": "31–60",
    "61-90": "61–90",
    "over_90": "over 90",
}
