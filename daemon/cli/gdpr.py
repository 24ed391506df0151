"""`dunmail debtors export|erase`: GDPR access and erasure (added to the `debtors` group)."""

from __future__ import annotations

from pathlib import Path

import click

from daemon.adapters.privatefiles import FilePolicy, write_private
from daemon.app import gdpr
from daemon.cli.context import AppContext, actor_of, echo_json, parse_now, pass_app, today_of
from daemon.cli.invoices import debtors_group


@click.command("export")
@click.argument("debtor_id")
@click.option(
    "--zip",
    "zip_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a ZIP with the JSON and every stored mail instead of printing JSON.",
)
@pass_app
def export_command(app: AppContext, debtor_id: str, zip_path: Path | None) -> None:
    """Everything held about a debtor (GDPR art. 15), as JSON or a ZIP with the mails.

    Example:

        dunmail debtors export D-1001 --zip d-1001.zip
    """
    try:
        if zip_path is None:
            echo_json(gdpr.export_debtor(app.store(), debtor_id))
            return
        data = gdpr.export_zip(app.store(), debtor_id)
        # Personal data: 0600 (0640 with files.group) whatever the umask.
        write_private(zip_path, data, FilePolicy(app.config.files.group))
    except gdpr.GdprError as exc:
        raise click.ClickException(str(exc)) from exc
    except OSError as exc:
        raise click.ClickException(f"cannot write {zip_path}: {exc}") from exc
    click.echo(f"export written to {zip_path}")


@click.command("erase")
@click.argument("debtor_id")
@click.option(
    "--force", is_flag=True, help="Erase even with open invoices or within statutory retention."
)
@click.option("--now", "now_text", metavar="ISO", help="Act as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print what was done as JSON.")
@pass_app
def erase_command(
    app: AppContext, debtor_id: str, force: bool, now_text: str | None, as_json: bool
) -> None:
    """Anonymise a debtor (GDPR art. 17): name, addresses, IBANs and mail bodies go; amounts
    stay for the books. Refused while invoices are open or records are under statutory
    retention, unless --force.

    Example:

        dunmail debtors erase D-1001
    """
    now = parse_now(now_text)
    try:
        detail = gdpr.erase_debtor(
            app.store(),
            app.config,
            debtor_id,
            force=force,
            actor=actor_of(app),
            today=today_of(app, now),
            now=now,
        )
    except gdpr.GdprError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json(detail)
    else:
        click.echo(
            f"debtor {debtor_id} erased ({detail['mail_purged']['inbox']} received and"
            f" {detail['mail_purged']['outbox']} sent mail bodies purged)"
        )


debtors_group.add_command(export_command)
debtors_group.add_command(erase_command)

COMMANDS: list[click.Command] = []
