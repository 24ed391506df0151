"""`dunmail report aging|dso|debtors`: where the money is, how fast it comes, who pays late."""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import Any

import click

from daemon.adapters.clock import utc_now
from daemon.adapters.csvsafe import write_rows
from daemon.adapters.store.db import Store
from daemon.app import reports as rep
from daemon.cli.context import AppContext, echo_json, echo_table, parse_day, pass_app, today_of
from daemon.cli.progress import Bar, watching


def _csv(rows: list[dict[str, Any]]) -> None:
    """Debtor names are text from outside: cells a spreadsheet would run are neutralised."""
    if not rows:
        return
    write_rows(sys.stdout, rows, list(rows[0]))


@click.command("report")
@click.argument("kind", type=click.Choice(["aging", "dso", "debtors"]))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@click.option(
    "--png",
    "png",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also draw a chart to this file (needs matplotlib).",
)
@click.option("--date", "day", metavar="DATE", help="As of this date (default: today).")
@click.option("--months", type=int, default=12, show_default=True, help="dso: months shown.")
@pass_app
def report_command(
    app: AppContext,
    kind: str,
    as_json: bool,
    as_csv: bool,
    png: Path | None,
    day: str | None,
    months: int,
) -> None:
    """Aging buckets (not due, 1–30, 31–60, 61–90, over 90 days), DSO per month, or how each
    debtor pays (average days late, promises kept and broken, disputes).

    --png draws the report for people: amounts with their currency on the aging bars, every
    month of the DSO trend from a zero axis, the latest-paying debtors as bars.

    Example:

        dunmail report aging --png aging.png && dunmail report dso --csv > dso.csv
    """
    if as_json and as_csv:
        raise click.ClickException("choose one of --json and --csv")
    store = app.store()
    as_of = parse_day(day, "--date") or today_of(app, utc_now())
    lang = app.config.office.language
    # Reading every invoice and payment, then drawing (matplotlib loads slowly): a bar for
    # a person at a terminal; never in a pipe, CSV or JSON.
    steps = 2 if png is not None else 1
    with Bar("Building the report", enabled=watching(as_json=as_json or as_csv)) as bar:
        _report(store, kind, as_of, months, png, lang, bar, steps, as_json, as_csv)
    if png is not None:
        click.echo(f"chart written to {png}", err=True)


def _report(
    store: Store,
    kind: str,
    as_of: date,
    months: int,
    png: Path | None,
    lang: str,
    bar: Bar,
    steps: int,
    as_json: bool,
    as_csv: bool,
) -> None:
    bar(0, steps)
    try:
        if kind == "aging":
            report = rep.aging_report(store, as_of)
            bar(1, steps)
            if png is not None:
                rep.aging_png(report, png, lang)
                bar(2, steps)
            rows = report["buckets"]
            if as_json:
                echo_json(report)
            elif as_csv:
                _csv(rows)
            else:
                echo_table(rows, ["currency", "bucket", "count", "amount"])
                for currency, total in report["totals"].items():
                    click.echo(f"total open on {report['as_of']}: {currency} {total}")
                for currency, parts in report["claims"].items():
                    click.echo(
                        f"  of open cases, besides the principal: {currency} booked costs"
                        f" {parts['costs']}, booked interest {parts['interest']}"
                    )
        elif kind == "dso":
            points = rep.dso_report(store, as_of, months)
            bar(1, steps)
            if png is not None:
                rep.dso_png(points, png, lang)
                bar(2, steps)
            if as_json:
                echo_json(points)
            elif as_csv:
                _csv(points)
            else:
                echo_table(points, ["currency", "month_end", "receivables", "sales_90_days", "dso"])
        else:
            rows = rep.debtors_report(store, as_of)
            bar(1, steps)
            if png is not None:
                rep.debtors_png(rows, png, as_of.isoformat(), lang)
                bar(2, steps)
            if as_json:
                echo_json(rows)
            elif as_csv:
                _csv(rows)
            else:
                echo_table(
                    rows,
                    [
                        "debtor_id",
                        "name",
                        "invoices",
                        "average_days_late",
                        "open_overdue",
                        "promises_kept",
                        "promises_broken",
                        "disputes",
                    ],
                )
    except rep.ReportError as exc:
        raise click.ClickException(str(exc)) from exc


COMMANDS = [report_command]
