"""`dunmail init` and `dunmail check-config`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from daemon.adapters import dropfolder
from daemon.adapters.invoice_pdfs import folder_problem
from daemon.adapters.store.db import schema_version
from daemon.adapters.templates import templates_dir
from daemon.app.listings import latest_schema_version
from daemon.app.preflight import template_problems
from daemon.cli.context import AppContext, echo_json, pass_app
from daemon.config import Config, ConfigError


@click.command("init")
@pass_app
def init_command(app: AppContext) -> None:
    """Create the database, or migrate it to the current schema (safe to repeat).

    Example:

        dunmail --db /var/lib/dunmail/dunmail.db init
    """
    store = app.store(create=True)
    version = schema_version(store)
    click.echo(
        f"database {store.path} is at schema version {version} (latest {latest_schema_version()})"
    )


@click.command("check-config")
@click.option("--connect", is_flag=True, help="Also log in to IMAP and SMTP and check folders.")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as a JSON array.")
@pass_app
def check_config_command(app: AppContext, connect: bool, as_json: bool) -> None:
    """Validate the configuration; with --connect, say exactly what fails on the mail servers.

    Example:

        dunmail --config /etc/dunmail/config.toml check-config --connect
    """
    try:
        config = app.load_fresh_config()
    except ConfigError as exc:  # every problem of the file, one line each with key and line
        failed = [{"name": "config", "ok": False, "detail": p} for p in exc.problems]
        _report(failed, as_json)
        raise click.ClickException(
            f"{len(failed)} problem(s) in the configuration; fix them and check again"
        ) from exc
    checks: list[dict[str, object]] = [
        {"name": "config", "ok": True, "detail": config.source or "built-in defaults"}
    ]
    for warning in config.warnings:
        checks.append({"name": "config", "ok": True, "detail": f"warning: {warning}"})
    problems = template_problems(config)
    checks.append(
        {"name": "templates", "ok": not problems, "detail": "; ".join(problems)}
        if problems
        else {"name": "templates", "ok": True, "detail": f"all found in {templates_dir()}"}
    )
    pdfs = config.invoices.pdf_policy
    problem = folder_problem(pdfs)
    checks.append(
        {
            "name": "invoices.pdf_dir",
            "ok": problem is None,
            "detail": problem or pdfs.folder or "not set: a pdf column in invoice files is refused",
        }
    )
    checks += _drop_folder_checks(config)
    from daemon.app.letters import asset_checks

    checks += asset_checks(config)  # [letters] logo, fonts and terms PDFs (#16)
    if connect:
        from daemon.app.connectivity import check_imap, check_smtp

        servers: list[tuple[str, Any, Callable[[Any], list[Any]]]] = [
            ("imap", config.imap, check_imap),
            ("smtp", config.smtp, check_smtp),
        ]
        for label, settings, check in servers:
            if not settings.configured:
                checks.append(
                    {"name": f"{label}", "ok": False, "detail": f"{label}.host is not set"}
                )
                continue
            for step in check(settings):
                checks.append(
                    {"name": f"{label}.{step.name}", "ok": step.ok, "detail": step.detail}
                )
    failed = [c for c in checks if not c["ok"]]
    _report(checks, as_json)
    if failed:
        raise click.ClickException(
            f"{len(failed)} check(s) failed: {failed[0]['name']}: {failed[0]['detail']}"
        )


def _drop_folder_checks(config: Config) -> list[dict[str, object]]:
    """One line per drop folder: where it is and how its files are read, or what is wrong."""
    intake = config.intake
    checks: list[dict[str, object]] = []
    for kind, path, settings in (
        ("invoices", intake.invoices_dir, intake.invoices),
        ("statements", intake.statements_dir, intake.statements),
    ):
        key = f"intake.{kind}_dir"
        if not path:
            checks.append({"name": key, "ok": True, "detail": f"not set: no {kind} drop folder"})
            continue
        problem = dropfolder.folder_problem(Path(path))
        if kind == "invoices":
            read = (
                ("open-items snapshots" if settings.snapshot else "invoice files")
                + f" of source {settings.source!r}, "
                + (
                    f"mapping {settings.mapping!r}"
                    if settings.mapping
                    else "dunmail's own CSV columns or UBL"
                )
            )
        else:
            read = "bank statements (CAMT.053, MT940, zip)"
        checks.append({"name": key, "ok": problem is None, "detail": problem or f"{path}: {read}"})
    return checks


def _report(checks: list[dict[str, object]], as_json: bool) -> None:
    if as_json:
        echo_json(checks)
        return
    for c in checks:
        mark = "ok  " if c["ok"] else "FAIL"
        click.echo(f"{mark} {c['name']}: {c['detail']}")


COMMANDS = [init_command, check_config_command]
