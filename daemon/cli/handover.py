"""`dunmail handover`: stop the ladder and write the dossier for a collection agency."""

from __future__ import annotations

import click

from daemon.app.casefile import CaseError, resolve_target
from daemon.app.handover import HandoverError, default_out_dir, hand_over
from daemon.cli.context import AppContext, actor_of, echo_json, parse_now, pass_app, today_of
from daemon.cli.progress import Bar, watching


@click.command("handover")
@click.argument("key", metavar="DEBTOR|INVOICE")
@click.option("--agency", required=True, help="The collection agency or bailiff.")
@click.option(
    "--out",
    "out_dir",
    metavar="DIR",
    help="Where the dossier ZIP goes (default: handover/ beside the database).",
)
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@pass_app
def handover_command(
    app: AppContext, key: str, agency: str, out_dir: str | None, now_text: str | None, as_json: bool
) -> None:
    """Hand a debtor (or one invoice) to a collection agency and write the dossier ZIP:
    invoices, every mail as .eml, payments, the audit timeline, costs and interest, summary.

    Example:

        dunmail handover D-1001 --agency "Incasso Noord B.V." --out ./dossiers
    """
    store = app.store()
    now = parse_now(now_text)
    try:
        debtor_id, invoice = resolve_target(store, key)
        with Bar("Writing the dossier", enabled=watching(as_json=as_json)) as bar:
            result = hand_over(
                store,
                app.config,
                debtor_id,
                agency=agency,
                invoice_numbers=(invoice,) if invoice else (),
                out_dir=out_dir or default_out_dir(store),
                actor=actor_of(app),
                today=today_of(app, now),
                now=now,
                progress=bar,
            )
    except (CaseError, HandoverError) as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:  # the dossier folder, or files.group
        raise click.ClickException(f"cannot write the dossier: {exc}") from exc
    if as_json:
        echo_json(
            {
                "dossier": str(result.path),
                "debtor_id": result.debtor_id,
                "invoices": list(result.invoices),
                "messages": result.messages,
            }
        )
    else:
        click.echo(
            f"handed over {', '.join(result.invoices)} to {agency}; dossier {result.path}"
            f" ({result.messages} messages)"
        )


COMMANDS = [handover_command]
