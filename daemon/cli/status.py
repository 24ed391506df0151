"""`dunmail status`."""

from __future__ import annotations

from typing import Any

import click

from daemon.adapters.clock import parse_iso
from daemon.adapters.store.invoices import debtor_names
from daemon.app.status import daemon_status
from daemon.cli.context import AppContext, echo_json, parse_now, pass_app
from daemon.cli.human import debtor_label, joined, local_minute


@click.command("status")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="Look as if at this moment (ages and next sends count from it; default: the clock).",
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def status_command(app: AppContext, now_text: str | None, as_json: bool) -> None:
    """Running or not, last cycle, queue sizes, outbox, bank statement age, next sends.

    Times are shown in the office timezone (office.timezone); the next sends are the queued mail
    and what the planner — the one `dunmail preview` uses — would do at the next cycle.

    Example:

        dunmail status --json | jq .queue

        dunmail status --now 2026-12-01T10:00+01:00
    """
    config = app.config
    now = parse_now(now_text)
    info = daemon_status(
        app.store(), config, now=now, today=now.astimezone(config.office.tz).date()
    )
    if as_json:
        echo_json(info)
        return
    tz = config.office.tz
    state = f"running (pid {info['pid']})" if info["running"] else "not running"
    last = info["last_cycle"]
    when = f"{local_minute(last, tz)}, {info['last_cycle_age']}" if last else "never"
    click.echo(f"daemon:      {state}; last cycle {when}")
    if _clock_differs(info):
        click.echo(
            f"  daemon clock at {local_minute(info['daemon_clock'], tz)}"
            " (it runs or ran with --now or --speed)"
        )
    for name, stage in info["stages"].items():
        mark = "ok" if stage["ok"] else f"FAILING: {stage['error']}"
        click.echo(f"  {name:<10} {mark}")
    if info["global_pause"]:
        click.echo("dunning:     PAUSED (dunmail unpause to resume)")
    fresh = info["bank_freshness"]
    click.echo(f"bank:        {'fresh' if fresh['ok'] else 'STALE'}: {fresh['reason']}")
    intake = info["invoice_intake"]
    when = f"{local_minute(intake['latest'], tz)}, {intake['age']}" if intake["latest"] else "never"
    click.echo(
        f"invoices:    {'fresh' if intake['ok'] else 'STALE'}: latest intake {when}; "
        f"{intake['reason']}"
    )
    for account in info["statements"]:
        click.echo(
            f"  {account['account_iban']}: latest booking {account['latest']} "
            f"({account['age_days']} days old)"
        )
    queue = info["queue"]
    by_type = joined(f"{k} {v}" for k, v in queue["by_type"].items()) or "empty"
    click.echo(f"queue:       {queue['open']} open ({queue['urgent']} urgent): {by_type}")
    click.echo("outbox:      " + (joined(f"{k} {v}" for k, v in info["outbox"].items()) or "empty"))
    click.echo("inbox:       " + (joined(f"{k} {v}" for k, v in info["inbox"].items()) or "empty"))
    names = debtor_names(app.store(), (w["debtor_id"] for w in info["waiting_for_review"]))
    for wait in info["waiting_for_review"]:
        late = " (overdue: escalated)" if wait["overdue"] else ""
        name = names.get(wait["debtor_id"])
        click.echo(
            f"  paused: {wait['debtor_id']} {wait['reason']}{late}" + (f" ({name})" if name else "")
        )
    _echo_next(info["next_sends"], tz)


def _clock_differs(info: dict[str, Any]) -> bool:
    """The daemon's clock is ahead of this one, or a running daemon's is off by minutes: a
    replay (--now/--speed), which explains times that look wrong. A stopped daemon's last
    clock reading is simply old."""
    clock = info["daemon_clock"]
    if not clock:
        return False
    drift = (parse_iso(clock) - parse_iso(info["now"])).total_seconds()
    return drift > 60 or (info["running"] and abs(drift) > 120)


def _echo_next(nexts: dict[str, Any], tz: Any) -> None:
    queued, planned = nexts["queued"], nexts["planned"]
    if not queued and not planned:
        click.echo("next sends:  nothing queued or planned for " + nexts["planned_date"])
        return
    click.echo("next sends:")
    for send in queued:
        when = local_minute(send["not_before"], tz) or "next outbox run"
        click.echo(f"  queued  {when}  {send['kind']} to {_recipient(send)}: {send['subject']}")
    cycle = nexts["next_cycle"]
    when = f"{nexts['planned_date']} {cycle}" if cycle else "at the next cycle"
    for item in planned:
        invoices = joined(item["invoices"])
        what = item["step_name"] or item["kind"]
        click.echo(
            f"  planned {when}  {item['action']} {what} to "
            f"{debtor_label(item['debtor_id'], item['debtor_name'])}"
            + (f" ({invoices}, {item['total']})" if invoices else "")
        )
    skipped = nexts["not_planned"]
    if skipped:
        click.echo(
            "  not sent: "
            + joined(f"{n} {kind}" for kind, n in sorted(skipped.items()))
            + " (see dunmail preview)"
        )


def _recipient(send: dict[str, Any]) -> str:
    """The debtor by id and name; staff mail names the staff address (never 'None')."""
    if send["debtor_id"]:
        return debtor_label(send["debtor_id"], send["debtor_name"])
    if str(send["kind"]).startswith("staff"):
        return "staff " + joined(send["recipients"]) if send["recipients"] else "staff"
    return joined(send["recipients"]) or "(no recipient)"


COMMANDS = [status_command]
