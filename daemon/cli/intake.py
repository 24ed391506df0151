"""`dunmail intake list|scan|apply|retry`: the drop folders and open-items snapshots."""

from __future__ import annotations

from typing import Any

import click

from daemon.app.intake import IntakeReport, retry_failed, run_intake
from daemon.app.listings import intake_files
from daemon.app.snapshots import apply_held
from daemon.cli.context import AppContext, actor_of, echo_json, echo_table, parse_now, pass_app

STATUSES = ("processed", "duplicate", "failed", "held", "applied", "retried")


@click.group("intake")
def intake_group() -> None:
    """Files taken from the drop folders ([intake] invoices_dir and statements_dir in the
    configuration; `check-config` shows how each folder is read). The daemon scans them every
    tick; a file is moved to processed/, held/ or failed/ with a NAME.reason.txt.

    Example:

        dunmail intake scan && dunmail intake list --status held
    """


@intake_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only files in this state.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, status: str | None, as_json: bool) -> None:
    """List the files taken from the drop folders, with what became of them.

    Example:

        dunmail intake list --status failed --json | jq '.[].reason'
    """
    rows = intake_files(app.store(), status)
    views = [_view(r) for r in rows]
    if as_json:
        echo_json(views)
        return
    echo_table(views, ["id", "folder", "file", "kind", "status", "at", "reason"])


def _view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "folder": row["folder"],
        "file": row["filename"],
        "kind": row["kind"],
        "source": row["source"],
        "status": row["status"],
        "at": row["updated_at"],
        "snapshot_at": row["snapshot_at"],
        "reason": row["reason"],
        "moved_to": row["moved_to"],
        "sha256": row["sha256"],
        "summary": row["summary"],
    }


@intake_group.command("scan")
@click.option("--now", "now_text", metavar="ISO-DATETIME", help="Scan as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def scan_command(app: AppContext, now_text: str | None, as_json: bool) -> None:
    """Look at the drop folders once now (the daemon does this every tick). A file is taken
    when it is complete: seen twice with the same size and time, intake.stable_seconds
    apart, so a file dropped just now waits for the next scan.

    Example:

        dunmail --config /etc/dunmail/config.toml intake scan
    """
    report = run_intake(app.store(), app.config, parse_now(now_text))
    if as_json:
        echo_json(report.as_dict())
        if report.errors:
            raise SystemExit(1)
        return
    for line in report_lines(report):
        click.echo(line)
    if not report.files and not report.waiting and not report.errors:
        click.echo("nothing in the drop folders")
    if report.errors:  # after what the other folder did: that was done all the same
        raise click.ClickException("; ".join(report.errors))


def report_lines(report: IntakeReport) -> list[str]:
    """One line per file taken or waiting, saying what became of it (also `run --once`)."""
    lines = [f"{item['file']}: {item['status']}{_why(item)}" for item in report.files]
    lines += [f"{path}: waiting until it is complete" for path in report.waiting]
    return lines


def _why(item: dict[str, Any]) -> str:
    reason = item.get("reason")
    if reason:
        return f" ({reason.splitlines()[0]})"
    if item.get("status") == "applied":  # a snapshot: what it did
        return f" (settled {len(item.get('settle', []))}, reduced {len(item.get('reduce', []))})"
    if "new" in item:  # invoice files
        return f" ({item['new']} new, {item.get('updated', 0)} changed)"
    return ""


@intake_group.command("apply")
@click.argument("file_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="Print what it did as JSON.")
@pass_app
def apply_command(app: AppContext, file_id: int, as_json: bool) -> None:
    """Apply a held open-items snapshot after all (a person checked that it is complete).

    Example:

        dunmail intake list --status held && dunmail intake apply 12
    """
    try:
        outcome = apply_held(
            app.store(), app.config, file_id, now=parse_now(None), actor=actor_of(app)
        )
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        echo_json({"id": outcome.file_id, "status": outcome.status, **outcome.summary})
        return
    d = outcome.decision
    click.echo(
        f"snapshot {file_id} applied: {len(d.settled)} invoice(s) settled outside dunmail, "
        f"{len(d.reduced)} reduced"
    )


@intake_group.command("retry")
@click.argument("file_id", type=int)
@pass_app
def retry_command(app: AppContext, file_id: int) -> None:
    """Put a failed drop file back into its folder, after a fix of the file or the
    configuration; the daemon takes it again once it is complete.

    Example:

        dunmail intake list --status failed && dunmail intake retry 7
    """
    try:
        path = retry_failed(app.store(), app.config, file_id, now=parse_now(None))
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"put back as {path}")


COMMANDS = [intake_group]
