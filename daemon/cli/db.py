"""`dunmail db backup` and `dunmail db check`."""

from __future__ import annotations

from pathlib import Path

import click

from daemon.adapters.clock import utc_now
from daemon.adapters.privatefiles import FilePolicy
from daemon.app.maintenance import backup_database, check_database
from daemon.cli.context import AppContext, echo_json, pass_app


@click.group("db")
def db_group() -> None:
    """Database upkeep: online backup and integrity check.

    Example:

        dunmail db backup /var/lib/dunmail/backup --keep 14
    """


@db_group.command("backup")
@click.argument("path", type=click.Path())
@click.option(
    "--keep",
    type=click.IntRange(min=0),
    default=0,
    help="When PATH is a folder: keep only the newest N backups.",
)
@pass_app
def backup_command(app: AppContext, path: str, keep: int) -> None:
    """Write a consistent copy of the database (SQLite online backup), even while it runs.

    Example:

        dunmail db backup /srv/backup/dunmail.db
    """
    try:
        written = backup_database(
            app.store(),
            Path(path),
            now=utc_now(),
            keep=keep,
            folder=path.endswith("/"),
            files=FilePolicy(app.config.files.group),
        )
    except (OSError, RuntimeError) as exc:
        raise click.ClickException(f"backup to {path} failed: {exc}") from exc
    click.echo(f"backup written to {written}")


@db_group.command("check")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON array.")
@pass_app
def check_command(app: AppContext, as_json: bool) -> None:
    """Check the database: integrity, foreign keys, schema version, journal mode.

    Example:

        dunmail --db /var/lib/dunmail/dunmail.db db check
    """
    results = check_database(app.store())
    if as_json:
        echo_json([{"name": r.name, "ok": r.ok, "detail": r.detail} for r in results])
    else:
        for r in results:
            click.echo(f"{'ok  ' if r.ok else 'FAIL'} {r.name}: {r.detail}")
    failed = [r for r in results if not r.ok]
    if failed:
        raise click.ClickException(f"database check failed: {failed[0].name}: {failed[0].detail}")


COMMANDS = [db_group]
