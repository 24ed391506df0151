"""`dunmail cases …` (the case file and its timeline) and `dunmail note` (phone notes)."""

from __future__ import annotations

import sys

import click

from daemon.app import casefile
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
from daemon.cli.human import human


def _fail(exc: Exception) -> click.ClickException:
    return click.ClickException(str(exc))


@click.group("cases")
def cases_group() -> None:
    """Cases: one per debtor, with the whole story of the claim.

    Example:

        dunmail cases show D-1001
    """


@cases_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, as_json: bool) -> None:
    """List cases: status, open invoices and amount, open review items.

    Example:

        dunmail cases list --json | jq '.[] | select(.status == "disputed")'
    """
    rows = casefile.list_cases(app.store())
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            rows,
            [
                "case_id",
                "debtor_id",
                "debtor_name",
                "status",
                "open_invoices",
                "open_amount",
                "open_items",
                "paused_until",
            ],
        )


@cases_group.command("show")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_app
def show_command(app: AppContext, key: str, as_json: bool) -> None:
    """Show a debtor's case: invoices and the timeline of mails, payments, decisions, notes.

    Each mail has a reference (in:ID / out:ID); print it with `dunmail cases message REF`.

    Example:

        dunmail cases show F2026-0412
    """
    store = app.store()
    try:
        debtor_id, invoice = casefile.resolve_target(store, key)
        data = casefile.case_timeline(store, debtor_id, invoice)
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    if as_json:
        echo_json(data)
        return
    debtor = data["debtor"]
    status = data["cases"][-1]["status"] if data["cases"] else "no case"
    click.echo(f"{debtor['id']}  {debtor['name']}  ({debtor['debtor_type']}, case {status})")
    click.echo("")
    echo_table(
        data["invoices"], ["number", "due_date", "amount", "open_amount", "status", "last_step"]
    )
    claims = data["claims"]
    if claims["balance"]:
        click.echo("")
        click.echo("Statement of account (open case):")
        echo_table(
            claims["balance"],
            [
                "currency",
                "principal",
                "costs_open",
                "interest_open",
                "interest_computed_to",
                "total_open",
            ],
        )
        for line in claims["lines"]:
            to = f", computed to {line['computed_to']}" if line["computed_to"] else ""
            click.echo(
                f"  {line['kind']:<8} {line['amount']} {line['currency']} (open {line['open']},"
                f" paid {line['paid']}, waived {line['waived']}{to}) — {line['basis']};"
                f" claimed by out:{line['claimed_by']['outbox_id']}"
            )
        waived = [k for k in ("costs", "interest") if claims[f"{k}_waived"]]
        if waived:
            click.echo(f"  waived by a person: {', '.join(waived)}")
    if data["promises"]:
        click.echo("")
        echo_table(
            data["promises"],
            ["id", "promised_date", "grace_until", "status", "invoice_numbers", "resolved_at"],
        )
    click.echo("")
    tz = app.config.office.tz
    for entry in data["timeline"]:
        actor = f" [{entry['actor']}]" if entry.get("actor") else ""
        at = human(entry["at"], tz) if entry["at"] else ""
        click.echo(f"{at:<16}  {entry['kind']:<8} {entry['ref']:<12} {entry['summary']}{actor}")


@cases_group.command("message")
@click.argument("ref", metavar="in:ID|out:ID")
@pass_app
def message_command(app: AppContext, ref: str) -> None:
    """Print a stored message (.eml) from the timeline.

    Example:

        dunmail cases message out:17 > reminder.eml
    """
    try:
        raw = casefile.stored_message(app.store(), ref)
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    sys.stdout.buffer.write(raw)
    sys.stdout.buffer.flush()


@cases_group.command("hold")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--reason", required=True, help="Why the ladder stops (shown in the timeline).")
@click.option("--until", metavar="DATE", help="Last day of the hold (default: until resumed).")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def hold_command(
    app: AppContext, key: str, reason: str, until: str | None, now_text: str | None
) -> None:
    """Stop reminders for a debtor or one invoice.

    Example:

        dunmail cases hold D-1001 --reason "director on holiday" --until 2026-12-31
    """
    try:
        hold_id = casefile.hold(
            app.store(),
            key,
            reason=reason,
            until=parse_day(until, "--until"),
            actor=actor_of(app),
            now=parse_now(now_text),
        )
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    click.echo(f"hold #{hold_id} on {key}")


@cases_group.command("resume")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def resume_command(app: AppContext, key: str, now_text: str | None) -> None:
    """Release holds and lift a pause: the ladder continues.

    Example:

        dunmail cases resume D-1001
    """
    try:
        result = casefile.resume(app.store(), key, actor=actor_of(app), now=parse_now(now_text))
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    click.echo(
        f"{key}: {result['holds_released']} hold(s) released (case was {result['previous_status']})"
    )


@cases_group.command("close")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--reason", default="closed by hand", show_default=True, help="Why.")
@click.option("--force", is_flag=True, help="Close even while invoices are open.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@pass_app
def close_command(
    app: AppContext, key: str, reason: str, force: bool, now_text: str | None
) -> None:
    """Close a debtor's case: nothing more is sent.

    Example:

        dunmail cases close D-1001 --reason "settled by phone"
    """
    try:
        case_id = casefile.close(
            app.store(),
            key,
            reason=reason,
            force=force,
            actor=actor_of(app),
            now=parse_now(now_text),
        )
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    click.echo(f"case {case_id} closed")


@cases_group.command("waive-costs")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--interest", "with_interest", is_flag=True, help="Waive the interest too.")
@click.option("--reason", required=True, help="Why (kept in the audit log and the timeline).")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def waive_costs_command(
    app: AppContext,
    key: str,
    with_interest: bool,
    reason: str,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Waive the collection costs (and with --interest the interest) of a debtor's open case.

    The open booked amounts are waived and no new ones are claimed for this case; the
    decision is logged as a claims_waived event.

    Example:

        dunmail cases waive-costs D-1001 --reason "goodwill: first late payment in 10 years"
    """
    from daemon.adapters.clock import iso_utc
    from daemon.app.claims import WaiveRefused, waive_claims
    from daemon.app.listings import open_case_of

    store = app.store()
    try:
        debtor_id, _invoice = casefile.resolve_target(store, key)
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    case_id = open_case_of(store, debtor_id)
    if case_id is None:
        raise click.ClickException(f"{debtor_id} has no open case: nothing to waive")
    kinds = ["costs", "interest"] if with_interest else ["costs"]
    try:
        result = waive_claims(
            store,
            case_id,
            kinds,
            reason=reason,
            actor=actor_of(app),
            now=iso_utc(parse_now(now_text)),
        )
    except WaiveRefused as exc:
        raise _fail(exc) from exc
    if as_json:
        echo_json(result)
        return
    done = ", ".join(f"{k} {v}" for k, v in result["waived"].items())
    click.echo(f"case {case_id} ({debtor_id}): waived {done}")


@click.command("note")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--call", "is_call", is_flag=True, required=True, help="This note is a phone call.")
@click.option("--text", required=True, help="What was said.")
@click.option("--promise", metavar="DATE", help="The debtor promised to pay by this date.")
@click.option("--email", "send_email", is_flag=True, help="Mail the call summary to the debtor.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def note_command(
    app: AppContext,
    key: str,
    is_call: bool,
    text: str,
    promise: str | None,
    send_email: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Record a phone call: it closes the debtor's open call tasks; a --promise is registered
    and confirmed to the debtor by mail like a promise read from a reply; --email also mails
    the call's summary.

    Example:

        dunmail note D-1001 --call --text "Will pay Friday" --promise 2026-12-11 --email
    """
    now = parse_now(now_text)
    try:
        result = casefile.record_call(
            app.store(),
            app.config,
            key,
            text=text,
            promise=parse_day(promise, "--promise"),
            email=send_email,
            actor=actor_of(app),
            today=today_of(app, now),
            now=now,
        )
    except casefile.CaseError as exc:
        raise _fail(exc) from exc
    if as_json:
        echo_json(result)
        return
    extra = []
    if "promise_id" in result:
        extra.append(f"promise #{result['promise_id']}")
    if result.get("confirmation_outbox_id"):
        extra.append("promise confirmation mailed")
    if "outbox_id" in result:
        extra.append("summary mailed")
    if result["closed_tasks"]:
        extra.append("call task " + ", ".join(f"#{i}" for i in result["closed_tasks"]) + " done")
    click.echo(
        f"call noted for {result['debtor_id']}" + (f" ({', '.join(extra)})" if extra else "")
    )


COMMANDS = [cases_group, note_command]
