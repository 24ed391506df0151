"""`dunmail queue …`: the human review queue — list, show, resolve; notify and digest."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import click

from daemon.adapters.clock import utc_now
from daemon.app.inbound import retry_for_review
from daemon.app.review import (
    ActionRequest,
    ReviewError,
    act,
    allowed_actions,
    item_of,
    listed_items,
)
from daemon.app.review_letters import LETTER_HELP
from daemon.cli.context import (
    AppContext,
    actor_of,
    current_user,
    echo_json,
    echo_table,
    parse_day,
    parse_now,
    pass_app,
    today_of,
)
from daemon.cli.human import human, with_debtors
from daemon.domain.money import parse_amount


def parse_money(value: str | None, option: str) -> Decimal | None:
    if value is None:
        return None
    try:
        return parse_amount(value)
    except ValueError as exc:
        raise click.ClickException(f"{option}: {exc}") from exc


def item_view(item: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": item["id"],
        "type": item["type"],
        "priority": item["priority"],
        "priority_name": item["priority_name"],
        "state": item["state"],
        "reason": item["reason"],
        "evidence": item["evidence"],
        "proposed_actions": item["proposed_actions"],
        "allowed_actions": list(allowed_actions(item["type"])),
        "due_date": item["due_date"],
        "assignee": item["assignee"],
        "debtor_id": item["debtor_id"],
        "case_id": item["case_id"],
        "invoice_numbers": item["invoice_numbers"],
        "inbox_id": item["inbox_id"],
        "outbox_id": item["outbox_id"],
        "transaction_id": item["transaction_id"],
        "statement_file_id": item["statement_file_id"],
        "snoozed_until": item["snoozed_until"],
        "notified_at": item["notified_at"],
        "created_at": item["created_at"],
        "resolved_at": item["resolved_at"],
        "resolved_by": item["resolved_by"],
        "resolution": item["resolution"],
    }


@click.group("queue")
def queue_group() -> None:
    """The review queue: what dunmail left for a person to decide.

    Example:

        dunmail queue list --mine && dunmail queue resolve 42 --action resume
    """


@queue_group.command("list")
@click.option("--type", "item_type", help="Only items of this type (e.g. dispute, bounce).")
@click.option("--mine", is_flag=True, help="Only items assigned to me ($DUNMAIL_USER or staff.me).")
@click.option("--all", "show_all", is_flag=True, help="Include snoozed and resolved items.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(
    app: AppContext, item_type: str | None, mine: bool, show_all: bool, as_json: bool
) -> None:
    """List open review items, most urgent first.

    Example:

        dunmail queue list --type dispute --json | jq '.[].id'
    """
    store = app.store()
    today = today_of(app, utc_now()).isoformat()
    rows = listed_items(
        store,
        due_by=None if show_all else today,
        item_type=item_type,
        assignee=current_user(app) if mine else None,
    )
    items = [item_view(r) for r in rows]
    if as_json:
        echo_json(items)
    else:
        echo_table(
            with_debtors(store, items),
            ["id", "priority_name", "type", "state", "debtor", "due_date", "assignee", "reason"],
        )


@queue_group.command("show")
@click.argument("item_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_app
def show_command(app: AppContext, item_id: int, as_json: bool) -> None:
    """Show one item: reason, evidence, proposed and allowed actions.

    Example:

        dunmail queue show 42
    """
    item = item_of(app.store(), item_id)
    if item is None:
        raise click.ClickException(f"no review item #{item_id}; see: dunmail queue list")
    view = item_view(item)
    if as_json:
        echo_json(view)
        return
    tz = app.config.office.tz
    shown = with_debtors(app.store(), [view])[0]
    for key in (
        "id",
        "type",
        "priority_name",
        "state",
        "reason",
        "debtor",
        "invoice_numbers",
        "due_date",
        "assignee",
        "created_at",
        "resolution",
    ):
        click.echo(f"{key:>16}: {human(shown[key], tz)}")
    click.echo(f"{'evidence':>16}:")
    for key, value in view["evidence"].items():
        click.echo(f"{'':>18}{key}: {human(value, tz)}")
    click.echo(f"{'proposed':>16}: {', '.join(view['proposed_actions']) or '-'}")
    click.echo(f"{'actions':>16}: {', '.join(view['allowed_actions'])}")
    for name, text in LETTER_HELP.get(view["type"], {}).items():
        click.echo(f"{'':>18}{name}: {text}")


def _invoice_option(values: tuple[str, ...]) -> tuple[tuple[str, Decimal | None], ...]:
    out = []
    for value in values:
        number, _, amount = value.partition(":")
        out.append((number.strip(), parse_money(amount, "--invoice") if amount else None))
    return tuple(out)


@queue_group.command("resolve")
@click.argument("item_id", type=int)
@click.option(
    "--action",
    required=True,
    metavar="ACTION",
    help="What to do; `dunmail queue show ID` lists the actions that fit.",
)
@click.option("--date", "day", metavar="DATE", help="Promise date, or first instalment date.")
@click.option("--until", metavar="DATE", help="snooze: until this date.")
@click.option("--amount", metavar="AMOUNT", help="credit / write_off: the amount.")
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="NUMBER[:AMOUNT]",
    help="allocate (repeatable), or the invoice for credit / write_off.",
)
@click.option("--agency", metavar="NAME", help="handover: the collection agency.")
@click.option("--out", "out_dir", metavar="DIR", help="handover: where the dossier goes.")
@click.option("--to", metavar="NAME", help="assign: the person.")
@click.option(
    "--text", metavar="TEXT", help="comment / dismiss / done / accept / skip_step: the text."
)
@click.option("--email", metavar="ADDRESS", help="fix_address: the address that works again.")
@click.option("--instalments", type=int, help="change / approve: number of instalments.")
@click.option("--every-days", type=int, help="change / approve: days between instalments.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment (replays).")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome as JSON.")
@pass_app
def resolve_command(
    app: AppContext,
    item_id: int,
    action: str,
    day: str | None,
    until: str | None,
    amount: str | None,
    invoices: tuple[str, ...],
    agency: str | None,
    out_dir: str | None,
    to: str | None,
    text: str | None,
    email: str | None,
    instalments: int | None,
    every_days: int | None,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Act on a review item with an action that fits its type.

    Actions: resume, promise (--date), credit (--amount), write_off [--amount], allocate
    (--invoice N[:AMOUNT]…), ignore, approve / change (--instalments --date [--every-days]) /
    reject, handover (--agency), retry, fix_address [--email], mark_sent, resend, import (a
    quarantined statement file, from its kept bytes), done, snooze (--until), assign (--to),
    comment (--text), dismiss.

    Paper letters: no_postal_address → retry (after importing the address; the letter is
    made at the next cycle) or skip_step (pass the letter step over, not a formal notice or
    the last step; the ladder goes on by mail); letter_failed → retry (after fixing the
    [letters] files); letter_deadline → remake (print it again with a fresh deadline) or
    accept [--text] (keep it, the later date is granted).

    Example:

        dunmail queue resolve 42 --action promise --date 2026-12-15

        dunmail queue resolve 43 --action skip_step --text "no address, by mail"
    """
    action = action.replace("-", "_")
    now = parse_now(now_text)
    request = ActionRequest(
        action=action,
        date=parse_day(
            until if action == "snooze" else day, "--until" if action == "snooze" else "--date"
        ),
        amount=parse_money(amount, "--amount"),
        invoices=_invoice_option(invoices),
        agency=agency,
        to=to,
        text=text,
        email=email,
        instalments=instalments,
        every_days=every_days,
        out_dir=out_dir,
    )
    try:
        outcome = act(
            app.store(),
            app.config,
            item_id,
            request,
            actor=actor_of(app),
            today=today_of(app, now),
            now=now,
            retry_mail=retry_for_review,
        )
    except ReviewError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(
            {
                "id": outcome.item_id,
                "action": outcome.action,
                "resolved": outcome.resolved,
                "message": outcome.message,
                "detail": outcome.detail,
            }
        )
    else:
        state = "resolved" if outcome.resolved else "still open"
        click.echo(f"#{item_id} {outcome.action}: {outcome.message} ({state})")


@queue_group.command("notify")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def notify_command(app: AppContext, now_text: str | None) -> None:
    """Queue mail to staff.notify_address for urgent items not yet notified (the daemon does
    this on its own; the outbox sends it).

    Example:

        dunmail queue notify
    """
    from daemon.app.staffmail import notify_urgent

    count = notify_urgent(app.store(), app.config, parse_now(now_text))
    click.echo(f"{count} urgent notification(s) queued")


@queue_group.command("digest")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def digest_command(app: AppContext, now_text: str | None) -> None:
    """Queue today's digest of open items for staff.notify_address (once per day).

    Example:

        dunmail queue digest
    """
    from daemon.app.staffmail import send_digest

    now = parse_now(now_text)
    outbox_id = send_digest(app.store(), app.config, today_of(app, now), now)
    click.echo("digest queued" if outbox_id else "no digest: not yet time, nothing open, or sent")


COMMANDS = [queue_group]
