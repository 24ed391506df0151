"""`dunmail payments list|show`."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import click

from daemon.adapters.store import bank
from daemon.adapters.store.invoices import debtor_names, invoice_debtors
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
    rows = bank.transaction_rows(store, status)
    by_tx: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for allocation in bank.live_allocations(store):
        by_tx[allocation["transaction_id"]].append(allocation)
    views = [bank.payment_view(r, by_tx.get(r["id"], [])) for r in rows]
    if as_json:
        echo_json(views)
        return
    numbers = [a["invoice"] for v in views for a in v["allocations"]]
    owner = invoice_debtors(store, numbers)
    names = debtor_names(store, owner.values())
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
    details = bank.payment_details(app.store(), payment_id)
    if details is None:
        raise click.ClickException(
            f"payment {payment_id} does not exist; see dunmail payments list"
        )
    echo_json(details)


COMMANDS = [payments_group]
