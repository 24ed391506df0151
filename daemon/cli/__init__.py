"""The `dunmail` command line. Each command is a few lines over one app-layer function."""

from __future__ import annotations

import importlib

import click

from daemon.cli.context import AppContext


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.option(
    "--config",
    "config_path",
    envvar="DUNMAIL_CONFIG",
    metavar="PATH",
    help="Config file (default: ./config.toml, then /etc/dunmail/config.toml).",
)
@click.option(
    "--db",
    "db_path",
    envvar="DUNMAIL_DB",
    metavar="PATH",
    help="SQLite database (overrides database.path).",
)
@click.option(
    "--credentials-dir",
    "credentials_dir",
    envvar="DUNMAIL_CREDENTIALS_DIR",
    metavar="DIR",
    help="Read `credential = NAME` secrets from DIR/NAME (default: $CREDENTIALS_DIRECTORY "
    "under systemd, else /etc/credstore, /run/credstore, /usr/lib/credstore).",
)
@click.version_option(package_name="dunmail")
@click.pass_context
def main(
    ctx: click.Context, config_path: str | None, db_path: str | None, credentials_dir: str | None
) -> None:
    """dunmail: credit control for small offices, run from the office mailbox.

    Example:

        dunmail --db office.db init && dunmail --db office.db invoices import invoices.csv
    """
    app = AppContext(config_path=config_path, db_path=db_path, credentials_dir=credentials_dir)
    ctx.obj = app
    ctx.call_on_close(app.close)


# Command modules, each exposing COMMANDS: a list of click commands or groups.
_MODULES = (
    "setup",
    "invoices",
    "intake",
    "db",
    "status",
    "demo",
    "classify",
    "statements",
    "payments",
    "inbox",
    "dunning",
    "queue",
    "cases",
    "plans",
    "handover",
    "letters",
    "reports",
    "gdpr",
    "log",
)

for _name in _MODULES:
    for _command in importlib.import_module(f"daemon.cli.{_name}").COMMANDS:
        main.add_command(_command)
