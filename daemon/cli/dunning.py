"""`dunmail preview`, `run --once`, `outbox list`, `pause`/`unpause`, `hold`/`unhold`."""

from __future__ import annotations

from datetime import date

import click

from daemon.adapters.auditlog import LOG_FORMATS
from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.instance_lock import InstanceLock
from daemon.app import holds
from daemon.app.dunning import run_cycle
from daemon.app.outbox import outbox_rows
from daemon.app.preflight import secret_problems, template_problems
from daemon.app.preview import preview
from daemon.app.recovery import recover_outbox
from daemon.cli.context import (
    AppContext,
    echo_json,
    echo_table,
    parse_day,
    parse_now,
    pass_app,
    today_of,
)
from daemon.cli.human import debtor_label, with_debtors
from daemon.cli.intake import report_lines

OUTBOX_STATUSES = ("queued", "sending", "sent", "failed", "cancelled", "uncertain")


def _date(value: str | None, app: AppContext) -> date:
    return parse_day(value, "--date") or today_of(app, utc_now())


@click.command("preview")
@click.option(
    "--date", "day", metavar="YYYY-MM-DD", help="Plan as if on this date (default today)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the actions as a JSON array.")
@pass_app
def preview_command(app: AppContext, day: str | None, as_json: bool) -> None:
    """Show what the daemon would do on a date, and why; writes nothing.

    Every debtor with open invoices gets one line: email, task, hold or skip, with the step,
    template, recipients, invoices, amounts, costs, interest, the stated deadline and the
    reason. A mail goes out at the sending window's next opening (send_at: closed days and
    hours outside the window wait), and its deadline counts from that day.

    Example:

        dunmail --db office.db preview --date 2026-12-01 --json
    """
    for problem in template_problems(app.config):  # the daemon would refuse to start
        click.echo(f"warning: templates missing: {problem}", err=True)
    result = preview(app.store(), app.config, _date(day, app))
    if as_json:
        echo_json(result.items)
        return
    head = result.header()
    click.echo(f"preview for {head['date']}: {head['bank_reason']}")
    if not head["invoice_ok"]:  # the invoice-freshness gate holds every reminder
        click.echo(f"not sending: {head['invoice_reason']}")
    if head["global_pause"]:
        click.echo(f"GLOBAL PAUSE: {head['global_pause']}")
    if head["send_at"]:
        # Mail planned on a closed day or outside the window waits for the next opening.
        click.echo(f"mail planned on {head['date']} goes out at {head['send_at']}")
    items = [
        {
            **i,
            "debtor": debtor_label(i["debtor_id"], i["debtor_name"]),
            # a letter step is planned like a mail; say which it is
            "action": "letter"
            if i["channel"] == "letter" and i["action"] == "email"
            else i["action"],
        }
        for i in result.items
    ]
    echo_table(
        items,
        [
            "debtor",
            "action",
            "step_name",
            "template",
            "invoices",
            "amount_due",
            "costs",
            "interest",
            "deadline",
            "reason",
        ],
    )


def _preflight(app: AppContext) -> None:
    """Refuse to start when a mail could not be rendered or a server not logged in to:
    better now, with the key to fix, than in every cycle."""
    problems = template_problems(app.config)
    if problems:
        raise click.ClickException(
            "cannot send mail, templates are missing: " + "; ".join(problems)
        )
    secrets = secret_problems(app.config)
    if secrets:
        raise click.ClickException("cannot log in: " + "; ".join(secrets))


def _run_daemon(
    app: AppContext, now_text: str | None, speed: float | None, log_format: str
) -> None:
    from daemon.adapters.instance_lock import AlreadyRunning
    from daemon.cycle import Daemon, accelerated_clock, configure_logging

    config = app.config
    app.require_database()
    _preflight(app)
    clock = utc_now
    if now_text is not None or speed is not None:
        clock = accelerated_clock(parse_now(now_text), speed or 1.0)
    configure_logging(config.daemon.log_level, log_format, config.office.tz)
    try:
        code = Daemon(config, app.load_fresh_config, clock=clock).run()
    except AlreadyRunning as exc:
        raise click.ClickException(str(exc)) from exc
    raise SystemExit(code)


@click.command("run")
@click.option("--once", is_flag=True, help="Run one full cycle and exit.")
@click.option(
    "--now",
    "now_text",
    metavar="ISO-DATETIME",
    help="With --once: run as if at this moment. Without --once: start the daemon's clock "
    "at this moment (it then runs on from there; see --speed).",
)
@click.option(
    "--speed",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    metavar="FACTOR",
    help="Daemon only: run the clock FACTOR times faster than real time, from --now (or "
    "from the real time). Default 1. For demos and tests; the daemon's current time is kept "
    "in the state table (key 'clock').",
)
@click.option("--json", "as_json", is_flag=True, help="Print the cycle report as JSON.")
@click.option(
    "--log-format",
    type=click.Choice(LOG_FORMATS),
    default="text",
    show_default=True,
    envvar="DUNMAIL_LOG_FORMAT",
    help="Daemon log lines: text (LEVEL logger: event key=value, for journald) or json (one "
    "object per line with an ISO 8601 timestamp, for log shippers).",
)
@pass_app
def run_command(
    app: AppContext,
    once: bool,
    now_text: str | None,
    speed: float | None,
    as_json: bool,
    log_format: str,
) -> None:
    """Run the daemon: inbound mail, the dunning cycle, the outbox, staff notices.

    Without --once it runs until SIGTERM (systemd: Type=notify, watchdog, SIGHUP reloads the
    configuration); a second daemon on the same database refuses to start. --now and --speed
    replay or fast-forward time: the clock starts at --now and runs --speed times faster
    (the clock is then start + elapsed real time × speed). With --once: recover rows a crash
    left 'sending' (never a blind resend), run one cycle (review promises, plan, queue, send
    what the window allows) and exit.

    Example:

        dunmail --config /etc/dunmail/config.toml run

        dunmail --config test.toml run --now 2026-11-30T08:55+01:00 --speed 600

        dunmail --config /etc/dunmail/config.toml run --once --now 2026-12-01T10:00+01:00

        dunmail --config /etc/dunmail/config.toml run --log-format json
    """
    if not once:
        _run_daemon(app, now_text, speed, log_format)
        return
    if speed is not None:
        raise click.UsageError("--speed only goes with the daemon (without --once)")
    if InstanceLock.holder(app.config.database.path) is not None:
        raise click.ClickException("the daemon is running on this database; stop it first")
    _preflight(app)
    now = parse_now(now_text)
    store = app.store(daemon=True)
    try:
        recovered = recover_outbox(store, app.config, now=now)
        report = run_cycle(store, app.config, now=now)
    except Exception as exc:  # a failed stage: say what broke, exit 1 (the trace at DEBUG)
        raise click.ClickException(f"the cycle failed: {type(exc).__name__}: {exc}") from exc
    summary = {
        "now": iso_utc(now),
        "date": report.today.isoformat(),
        "bank": report.plan.bank_reason,
        "invoices": report.plan.invoice_reason,
        "intake": report.intake.as_dict() if report.intake else None,
        "recovered": recovered.as_dict(),
        "queued": report.queued.queued,
        "tasks": report.queued.tasks,
        "drain": report.drained.as_dict(),
    }
    d = report.drained
    # Exit codes tell the truth: 1 when a mail failed or was deferred after a send error, a
    # Sent-folder copy failed, or an interrupted send stayed unresolved (cron and
    # monitoring read only the code).
    problems = d.failed or d.deferred or d.errors or recovered.errors or recovered.left
    if as_json:
        echo_json(summary)
        if problems:
            raise SystemExit(1)
        return
    click.echo(
        f"{summary['date']}: {len(report.queued.queued)} mail(s) queued, "
        f"{len(report.queued.tasks)} task(s); sent {len(d.sent)}, deferred {len(d.deferred)}, "
        f"failed {len(d.failed)}, cancelled {len(d.cancelled)}"
        + (" (outside the sending window)" if d.outside_window else "")
        + (" (paused)" if d.paused else "")
    )
    if recovered.uncertain:
        click.echo(
            f"{len(recovered.uncertain)} interrupted send(s) need review (delivery uncertain)"
        )
    for line in report_lines(report.intake) if report.intake else []:
        click.echo(f"intake: {line}")
    for error in d.errors + recovered.errors + (report.intake.errors if report.intake else []):
        click.echo(f"warning: {error}", err=True)
    if problems:
        raise click.ClickException(
            f"the cycle had failures: {len(d.failed)} mail(s) failed, {len(d.deferred)} "
            f"deferred after an error, {len(d.errors) + len(recovered.errors)} other error(s), "
            f"{len(recovered.left)} interrupted send(s) unresolved"
        )


@click.group("outbox")
def outbox_group() -> None:
    """Look at outgoing mail.

    Example:

        dunmail outbox list --status queued
    """


@outbox_group.command("list")
@click.option("--status", type=click.Choice(OUTBOX_STATUSES), help="Only rows with this status.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def outbox_list(app: AppContext, status: str | None, as_json: bool) -> None:
    """List outbox rows, oldest first.

    Example:

        dunmail --db office.db outbox list --status uncertain --json
    """
    rows = outbox_rows(app.store(), status)
    if as_json:
        echo_json(rows)
        return
    echo_table(
        with_debtors(app.store(), rows),
        [
            "id",
            "kind",
            "debtor",
            "step_name",
            "invoice_numbers",
            "status",
            "attempts",
            "not_before",
            "sent_at",
            "message_id",
        ],
    )


@click.command("pause")
@click.option("--reason", required=True, help="Why (shown in preview and status).")
@pass_app
def pause_command(app: AppContext, reason: str) -> None:
    """Pause all automated mail (the inbox and bank keep working).

    Example:

        dunmail pause --reason "year-end closing"
    """
    holds.pause(app.store(), reason, actor="cli")
    click.echo(f"paused: {reason}")


@click.command("unpause")
@pass_app
def unpause_command(app: AppContext) -> None:
    """End a global pause.

    Example:

        dunmail unpause
    """
    holds.unpause(app.store(), actor="cli")
    click.echo("unpaused")


@click.command("hold")
@click.argument("target")
@click.option("--reason", required=True, help="Why the ladder stops.")
@click.option("--until", "until", metavar="YYYY-MM-DD", help="Last day of the hold (inclusive).")
@pass_app
def hold_command(app: AppContext, target: str, reason: str, until: str | None) -> None:
    """Stop reminders for a debtor or one invoice, optionally until a date.

    Example:

        dunmail hold D1042 --reason "director on holiday" --until 2026-12-15
    """
    if until is not None:
        _date(until, app)
    try:
        scope, value = holds.hold(app.store(), target, reason, until=until, actor="cli")
    except holds.HoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{scope} {value} on hold" + (f" until {until}" if until else ""))


@click.command("unhold")
@click.argument("target")
@pass_app
def unhold_command(app: AppContext, target: str) -> None:
    """Release the holds on a debtor or invoice.

    Example:

        dunmail unhold D1042
    """
    try:
        scope, value, count = holds.unhold(app.store(), target, actor="cli")
    except holds.HoldError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"released {count} hold(s) on {scope} {value}")


COMMANDS = [
    preview_command,
    run_command,
    outbox_group,
    pause_command,
    unpause_command,
    hold_command,
    unhold_command,
]
