"""`dunmail plans …`: payment plans — list, create (and approve), show, and the daily check."""

from __future__ import annotations

from datetime import timedelta

import click

from daemon.app import plans as plan_app
from daemon.app.casefile import CaseError, resolve_target
from daemon.app.plan_watch import review_plans
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


@click.group("plans")
def plans_group() -> None:
    """Payment plans: instalments over one or more invoices.

    Example:

        dunmail plans create D-1001 --invoice F2026-0412 --instalments 3
    """


@plans_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, as_json: bool) -> None:
    """List payment plans with their instalments.

    Example:

        dunmail plans list --json | jq '.[] | select(.status == "active")'
    """
    plans = [plan_app.plan_view(p) for p in plan_app.list_plans(app.store())]
    if as_json:
        echo_json(plans)
        return
    rows = [
        {
            **p,
            "invoices": ",".join(p["invoices"]),
            "instalments": len(p["instalments"]),
            "paid": sum(1 for i in p["instalments"] if i["status"] == "paid"),
        }
        for p in plans
    ]
    echo_table(rows, ["id", "debtor_id", "status", "total", "instalments", "paid", "invoices"])


@plans_group.command("show")
@click.argument("plan_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_app
def show_command(app: AppContext, plan_id: int, as_json: bool) -> None:
    """Show one plan and its instalments.

    Example:

        dunmail plans show 3
    """
    try:
        view = plan_app.plan_view(plan_app.plan_row(app.store(), plan_id))
    except plan_app.PlanError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(view)
        return
    click.echo(
        f"plan #{view['id']} for {view['debtor_id']}: {view['status']}, total"
        f" {view['total']}, invoices {', '.join(view['invoices'])}"
    )
    echo_table(view["instalments"], ["seq", "due_date", "amount", "paid", "status"])


@plans_group.command("create")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option(
    "--invoice",
    "invoices",
    multiple=True,
    metavar="NUMBER",
    help="Invoice in the plan (repeatable; default: all open invoices).",
)
@click.option("--instalments", type=int, required=True, help="Number of instalments.")
@click.option("--first", metavar="DATE", help="First due date (default: in 14 days).")
@click.option(
    "--every-days", type=int, default=30, show_default=True, help="Days between instalments."
)
@click.option("--propose-only", is_flag=True, help="Create it as proposed; approve later.")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@pass_app
def create_command(
    app: AppContext,
    key: str,
    invoices: tuple[str, ...],
    instalments: int,
    first: str | None,
    every_days: int,
    propose_only: bool,
    now_text: str | None,
    as_json: bool,
) -> None:
    """Create a payment plan, approve it and mail the schedule to the debtor.

    Example:

        dunmail plans create D-1001 --invoice F2026-0412 --instalments 3 --first 2026-12-01
    """
    store = app.store()
    now = parse_now(now_text)
    today = today_of(app, now)
    try:
        debtor_id, invoice = resolve_target(store, key)
        numbers = list(invoices) or ([invoice] if invoice else [])
        plan_id = plan_app.create_plan(
            store,
            debtor_id,
            numbers,
            instalments=instalments,
            first=parse_day(first, "--first") or today + timedelta(days=14),
            every_days=every_days,
            country=app.config.office.jurisdiction,
            actor=actor_of(app),
            now=now,
        )
        if not propose_only:
            plan_app.approve_plan(store, app.config, plan_id, actor=actor_of(app), now=now)
        view = plan_app.plan_view(plan_app.plan_row(store, plan_id))
    except (CaseError, plan_app.PlanError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(view)
    else:
        click.echo(
            f"plan #{plan_id} {view['status']}: {len(view['instalments'])} instalments,"
            f" total {view['total']}"
        )


@plans_group.command("review")
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_app
def review_command(app: AppContext, now_text: str | None, as_json: bool) -> None:
    """Run the daily plan check now: match payments, remind, flag missed, complete.

    Example:

        dunmail plans review --now 2026-12-01T09:00
    """
    now = parse_now(now_text)
    counts = review_plans(app.store(), app.config, today_of(app, now), now)
    if as_json:
        echo_json(counts)
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in counts.items()))


COMMANDS = [plans_group]
