"""`dunmail payments list|show`."""

from __future__ import annotations

import click

from daemon.app.listings import invoice_owners, payment_details, payment_list
from daemon.cli.context import AppContext, echo_json, echo_table, pass_app
from daemon.cli.human import debtor_label

STATUSES = ("matched", "partially_matched", "needs_review", "unmatched", "ignored", "returned")


@click.group("payments")
def payments_group() -> None:
    """Bank payments read from statements, and the invoices they pay.

    Example:

        dunmail payments list --status needs_review
    """


@payments_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only payments in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, status: str | None, as_json: bool) -> None:
    """List payment records with their status and allocations.

    Example:

        dunmail payments list --status unmatched --json | jq '.[].amount'
    """
    store = app.store()
    views = payment_list(store, status)
    if as_json:
        echo_json(views)
        return
    numbers = [a["invoice"] for v in views for a in v["allocations"]]
    owner, names = invoice_owners(store, numbers)
    for v in views:
        v["invoices"] = [a["invoice"] for a in v["allocations"]]
        debtors = dict.fromkeys(owner[n] for n in v["invoices"] if n in owner)
        v["debtor"] = [debtor_label(d, names.get(d)) for d in debtors]
    echo_table(
        views,
        [
            "id",
            "booking_date",
            "direction",
            "amount",
            "status",
            "counterparty_name",
            "invoices",
            "debtor",
        ],
    )


@payments_group.command("show")
@click.argument("payment_id", type=int)
@pass_app
def show_command(app: AppContext, payment_id: int) -> None:
    """Show one payment with its evidence, suggestions and allocation history (JSON).

    Example:

        dunmail payments show 42
    """
    details = payment_details(app.store(), payment_id)
    if details is None:
        raise click.ClickException(
            f"payment {payment_id} does not exist; see dunmail payments list"
        )
    echo_json(details)


COMMANDS = [payments_group]
