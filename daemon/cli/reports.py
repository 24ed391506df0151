"""`dunmail report aging|dso|debtors`: where the money is, how fast it comes, who pays late."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from daemon.adapters.clock import utc_now
from daemon.adapters.csvsafe import write_rows
from daemon.app import reports as rep
from daemon.cli.context import AppContext, echo_json, echo_table, parse_day, pass_app, today_of


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
    help="Also draw a chart (aging, dso; needs matplotlib).",
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

    Example:

        dunmail report aging --png aging.png && dunmail report dso --csv > dso.csv
    """
    if as_json and as_csv:
        raise click.ClickException("choose one of --json and --csv")
    if png is not None and kind == "debtors":
        raise click.ClickException("--png draws aging or dso, not debtors")
    store = app.store()
    as_of = parse_day(day, "--date") or today_of(app, utc_now())
    try:
        if kind == "aging":
            report = rep.aging_report(store, as_of)
            if png is not None:
                rep.aging_png(report, png)
            rows = report["buckets"]
            if as_json:
                echo_json(report)
            elif as_csv:
                _csv(rows)
            else:
                echo_table(rows, ["bucket", "count", "amount"])
                click.echo(f"total open on {report['as_of']}: {report['total']}")
        elif kind == "dso":
            points = rep.dso_report(store, as_of, months)
            if png is not None:
                rep.dso_png(points, png)
            if as_json:
                echo_json(points)
            elif as_csv:
                _csv(points)
            else:
                echo_table(points, ["month_end", "receivables", "sales_90_days", "dso"])
        else:
            rows = rep.debtors_report(store, as_of)
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
    if png is not None:
        click.echo(f"chart written to {png}", err=True)


COMMANDS = [report_command]
