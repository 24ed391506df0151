"""`dunmail status`."""

from __future__ import annotations

import click

from daemon.adapters.clock import utc_now
from daemon.app.status import daemon_status
from daemon.cli.context import AppContext, echo_json, pass_app


@click.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@pass_app
def status_command(app: AppContext, as_json: bool) -> None:
    """Running or not, last cycle, queue sizes, outbox, bank statement age, next sends.

    Example:

        dunmail status --json | jq .queue
    """
    config = app.config
    now = utc_now()
    info = daemon_status(
        app.store(), config, now=now, today=now.astimezone(config.office.tz).date()
    )
    if as_json:
        echo_json(info)
        return
    state = f"running (pid {info['pid']})" if info["running"] else "not running"
    click.echo(f"daemon:      {state}; last cycle {info['last_cycle_age'] or 'never'}")
    for name, stage in info["stages"].items():
        mark = "ok" if stage["ok"] else f"FAILING: {stage['error']}"
        click.echo(f"  {name:<10} {mark}")
    if info["global_pause"]:
        click.echo("dunning:     PAUSED (dunmail unpause to resume)")
    fresh = info["bank_freshness"]
    click.echo(f"bank:        {'fresh' if fresh['ok'] else 'STALE'}: {fresh['reason']}")
    for account in info["statements"]:
        click.echo(
            f"  {account['account_iban']}: latest booking {account['latest']} "
            f"({account['age_days']} days old)"
        )
    queue = info["queue"]
    by_type = ", ".join(f"{k} {v}" for k, v in queue["by_type"].items()) or "empty"
    click.echo(f"queue:       {queue['open']} open ({queue['urgent']} urgent): {by_type}")
    click.echo(
        "outbox:      " + (", ".join(f"{k} {v}" for k, v in info["outbox"].items()) or "empty")
    )
    click.echo(
        "inbox:       " + (", ".join(f"{k} {v}" for k, v in info["inbox"].items()) or "empty")
    )
    for wait in info["waiting_for_review"]:
        late = " (overdue: escalated)" if wait["overdue"] else ""
        click.echo(f"  paused: {wait['debtor_id']} {wait['reason']}{late}")
    for send in info["next_sends"]:
        click.echo(
            f"  next: {send['not_before'] or 'now'} {send['kind']} to {send['debtor_id']}: "
            f"{send['subject']}"
        )


COMMANDS = [status_command]
