"""`dunmail log`: what dunmail did, read back from the database's audit trail."""

from __future__ import annotations

import click

from daemon.adapters.auditlog import key_values
from daemon.app.history import HistoryError, audit_story, parse_since
from daemon.cli.context import AppContext, echo_json, parse_now, pass_app
from daemon.cli.human import debtor_label, is_moment, local_minute


@click.command("log")
@click.option(
    "--since",
    metavar="DATE|DURATION",
    help="From this date (office time), date-time, or this long ago: 30m, 12h, 7d, 2w.",
)
@click.option("--debtor", "debtor_id", metavar="ID", help="Only this debtor's events.")
@click.option(
    "--limit",
    type=click.IntRange(min=1),
    default=1000,
    show_default=True,
    help="At most this many (the newest).",
)
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Count durations back from here.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def log_command(
    app: AppContext,
    since: str | None,
    debtor_id: str | None,
    limit: int,
    now_text: str | None,
    as_json: bool,
) -> None:
    """The audit story: every change dunmail made, oldest first — mail received and what
    was done, mail sent, payments booked, review items, cases opened and closed, holds.

    The same events the daemon logs (one line each at INFO), read from the database: times
    in the office timezone to the minute, with debtor names. --json gives ISO 8601 times with
    their offset.

    Example:

        dunmail --db office.db log --since 7d --debtor D-1001

        dunmail log --since 2026-12-01 --json | jq -r '.[].event'
    """
    tz = app.config.office.tz
    try:
        start = parse_since(since, parse_now(now_text), tz) if since else None
        entries = audit_story(app.store(), tz, since=start, debtor_id=debtor_id, limit=limit)
    except HistoryError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json([e.as_dict() for e in entries])
        return
    if not entries:
        click.echo("(no events)")
        return
    who = [debtor_label(e.debtor_id, e.debtor_name) for e in entries]
    width = min(max(len(w) for w in who), 40)
    for entry, name in zip(entries, who, strict=True):
        facts = {
            k: local_minute(v, tz) if is_moment(v) else v
            for k, v in entry.fields.items()
            if k != "debtor"
        }
        click.echo(f"{entry.at:%Y-%m-%d %H:%M}  {name:<{width}}  {key_values(facts)}".rstrip())


COMMANDS = [log_command]
