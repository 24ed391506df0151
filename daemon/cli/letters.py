"""`dunmail letters …` (the print queue) and `dunmail letter DEBTOR` (a letter on demand)."""

from __future__ import annotations

from pathlib import Path

import click

from daemon.adapters.letter_pdf import LetterError
from daemon.adapters.privatefiles import FilePolicy, write_private
from daemon.app import print_queue as letter_app
from daemon.app.casefile import CaseError, resolve_target
from daemon.app.listings import letter_list
from daemon.cli.context import (
    AppContext,
    actor_of,
    echo_json,
    echo_table,
    parse_day,
    parse_now,
    pass_app,
    today_of,
)

_STATUSES = click.Choice(["queued", "printed", "posted", "cancelled"])


def _write(app: AppContext, path: str, pdf: bytes) -> None:
    """Letters hold personal data: written 0600 (0640 with files.group), like every export."""
    try:
        write_private(Path(path), pdf, FilePolicy(app.config.files.group))
    except OSError as exc:
        raise click.ClickException(f"cannot write {path}: {exc.strerror or exc}") from exc


@click.group("letters")
def letters_group() -> None:
    """The print queue of paper letters (ladder steps with channel = "letter").

    Example:

        dunmail letters list && dunmail letters print 7 --out brief-7.pdf \\
          && dunmail letters mark-posted 7 --tracking 3SABCD1234567
    """


@letters_group.command("list")
@click.option("--status", type=_STATUSES, help="Only letters in this state.")
@click.option("--debtor", "debtor_id", metavar="DEBTOR", help="Only this debtor's letters.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, status: str | None, debtor_id: str | None, as_json: bool) -> None:
    """List letters: queued (to print), printed (to post), posted, cancelled.

    Example:

        dunmail letters list --status queued --json | jq '.[].id'
    """
    rows = letter_list(app.store(), status=status, debtor_id=debtor_id)
    if as_json:
        echo_json(rows)
        return
    echo_table(
        rows,
        [
            "id",
            "debtor_id",
            "step_name",
            "letter_date",
            "deadline",
            "pages",
            "status",
            "posted_on",
            "tracking_code",
        ],
    )


@letters_group.command("print")
@click.argument("letter_id", type=int)
@click.option(
    "--out", "out", metavar="FILE", help="Where the PDF goes (default: letter-ID.pdf here)."
)
@click.option("--force", is_flag=True, help="Print even when its invoices are settled.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def print_command(
    app: AppContext, letter_id: int, out: str | None, force: bool, now_text: str | None
) -> None:
    """Write a letter's PDF to a file to print it, and mark it printed. A letter whose
    invoices have all been settled since is refused (cancel it, or --force).

    Example:

        dunmail letters print 7 --out /tmp/brief-7.pdf && lp /tmp/brief-7.pdf
    """
    store = app.store()
    try:
        row = letter_app.print_letter(
            store, letter_id, parse_now(now_text), actor_of(app), force=force
        )
    except letter_app.LetterRefused as exc:
        raise click.ClickException(str(exc)) from exc
    path = out or f"letter-{letter_id}.pdf"
    _write(app, path, bytes(row["pdf"]))
    click.echo(f"letter #{letter_id} ({row['pages']} pages, sha256 {row['sha256'][:12]}…) → {path}")


@letters_group.command("mark-posted")
@click.argument("letter_id", type=int)
@click.option("--tracking", metavar="CODE", help="Registered-mail tracking code (aangetekend).")
@click.option("--date", "day_text", metavar="YYYY-MM-DD", help="Posting date (default: today).")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def mark_posted_command(
    app: AppContext,
    letter_id: int,
    tracking: str | None,
    day_text: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Record that a letter went into the post. The posting date is the step's dispatch
    date; the debtor is presumed to receive it letters.receipt_business_days later, and a
    term (the veertiendagenbrief's 14 days) runs from the day after.

    Example:

        dunmail letters mark-posted 7 --tracking 3SABCD1234567 --date 2026-12-08
    """
    now = parse_now(now_text)
    posted = parse_day(day_text, "--date") or today_of(app, now)
    try:
        result = letter_app.post_letter(
            app.store(),
            app.config,
            letter_id,
            posted_on=posted,
            tracking=tracking.strip() if tracking else None,
            now=now,
            actor=actor_of(app),
        )
    except letter_app.LetterRefused as exc:
        raise click.ClickException(str(exc)) from exc
    result.pop("pdf", None)
    if as_json:
        echo_json(result)
        return
    code = f", tracking {result['tracking_code']}" if result["tracking_code"] else ""
    click.echo(
        f"letter #{letter_id} posted {result['posted_on']}{code}; presumed received"
        f" {result['presumed_receipt']}"
    )
    if result["late"]:
        click.echo(f"warning: {result['late']}", err=True)


@letters_group.command("cancel")
@click.argument("letter_id", type=int)
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def cancel_command(app: AppContext, letter_id: int, now_text: str | None) -> None:
    """Take a letter that will not be posted out of the queue; its ladder step is planned
    again.

    Example:

        dunmail letters cancel 7
    """
    try:
        letter_app.cancel_letter(app.store(), letter_id, parse_now(now_text), actor_of(app))
    except letter_app.LetterRefused as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"letter #{letter_id} cancelled; its step will be planned again")


@click.command("letter")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--step", "step_name", metavar="STEP", help="Ladder step (default: the latest).")
@click.option("--out", "out", metavar="FILE", help="Also write the PDF here.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def letter_command(
    app: AppContext,
    key: str,
    step_name: str | None,
    out: str | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Make a letter for a debtor now (the text of a ladder step, with the amounts as of
    today), store it with the case and put it in the print queue.

    Example:

        dunmail letter D-1001 --step demand --out sommatie.pdf
    """
    store = app.store()
    try:
        debtor_id, _invoice = resolve_target(store, key)
        letter_id, made = letter_app.letter_on_demand(
            store,
            app.config,
            debtor_id,
            step_name=step_name,
            now=parse_now(now_text),
            actor=actor_of(app),
        )
    except (CaseError, letter_app.LetterRefused, LetterError) as exc:
        raise click.ClickException(str(exc)) from exc
    if out:
        _write(app, out, made.pdf)
    if as_json:
        echo_json({"letter": letter_id, "pages": made.pages, "out": out})
        return
    where = f" → {out}" if out else ""
    click.echo(f"letter #{letter_id} for {debtor_id} ({made.pages} pages) queued{where}")


COMMANDS = [letters_group, letter_command]
