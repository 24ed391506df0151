"""`dunmail inbox …`: what arrived, what became of it, and a second try after a fix."""

from __future__ import annotations

import os
import signal
import threading
from typing import Any

import click

from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.mailerrors import MailError
from daemon.adapters.store.db import loads
from daemon.app.inbox_processing import retry_message
from daemon.app.ingestion import fetch_mail, import_message
from daemon.app.listings import inbox_list, inbox_message
from daemon.app.mailbox import PassReport
from daemon.app.server_actions import pending_refile_note
from daemon.cli.context import AppContext, echo_json, echo_table, parse_now, pass_app
from daemon.cli.human import human, with_debtors
from daemon.cli.progress import progress_iter, watching

STATUSES = ("new", "processed", "review", "shunted", "duplicate", "ignored")


@click.group("inbox")
def inbox_group() -> None:
    """Inbound mail: list, show, fetch from IMAP, import .eml files, retry a shunted message.

    Example:

        dunmail inbox list --status shunted
    """


@inbox_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only messages in this state.")
@click.option("--limit", type=int, default=200, show_default=True, help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, status: str | None, limit: int, as_json: bool) -> None:
    """List received messages, newest first, with what dunmail made of them.

    Example:

        dunmail inbox list --status review --json | jq '.[].subject'
    """
    rows = inbox_list(app.store(), status=status, limit=limit)
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            with_debtors(app.store(), rows),
            ["id", "received_at", "from_addr", "status", "intent", "debtor", "subject"],
        )


@inbox_group.command("show")
@click.argument("inbox_id", type=int)
@click.option("--raw", "show_raw", is_flag=True, help="Print the stored message itself.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object.")
@pass_app
def show_command(app: AppContext, inbox_id: int, show_raw: bool, as_json: bool) -> None:
    """Show one message: headers, status, classification and evidence, error.

    Example:

        dunmail inbox show 42
    """
    row = inbox_message(app.store(), inbox_id)
    if row is None:
        raise click.ClickException(f"no inbox message {inbox_id}; see: dunmail inbox list")
    raw = row.pop("raw")
    if show_raw:
        click.echo(bytes(raw or b"").decode("utf-8", "replace"))
        return
    view: dict[str, Any] = dict(row)
    view["classification"] = loads(row["classification"], None)
    if as_json:
        echo_json(view)
        return
    tz = app.config.office.tz
    for key, value in view.items():
        if key != "classification" and value is not None:
            click.echo(f"{key}: {human(value, tz)}")
    if view["classification"]:
        c = view["classification"]
        click.echo(f"confidence: {c.get('confidence')}")
        for item in c.get("evidence", []):
            click.echo(f"  evidence: {item}")


@inbox_group.command("retry")
@click.argument("inbox_id", type=int)
@click.option("--now", "now_text", metavar="ISO", help="Process as if at this moment.")
@pass_app
def retry_command(app: AppContext, inbox_id: int, now_text: str | None) -> None:
    """Process a shunted message again, after the cause was fixed.

    When the new outcome belongs in another folder (or under other flags) than the one the
    message was filed in, the daemon's next fetch moves it there.

    Example:

        dunmail inbox retry 42
    """
    try:
        status = retry_message(app.store(), app.config, inbox_id, now=parse_now(now_text))
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from exc
    row = inbox_message(app.store(), inbox_id) or {}
    suffix = f": {row.get('error')}" if status == "shunted" else ""
    note = pending_refile_note(row)
    suffix += f" ({note})" if note else ""
    click.echo(f"inbox {inbox_id}: {status}{suffix}")
    if status == "shunted":
        raise SystemExit(1)


@inbox_group.command("import")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, exists=True))
@click.option("--now", "now_text", metavar="ISO", help="Process as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array of outcomes.")
@pass_app
def import_command(
    app: AppContext, files: tuple[str, ...], now_text: str | None, as_json: bool
) -> None:
    """Process mail saved as files (.eml) as if it had arrived in the mailbox.

    For a debtor's reply that reached another mailbox: it is linked, classified and acted on
    like fetched mail, and recognised as a duplicate if the same message was fetched before.
    Exits 1 when a file could not be read or a message was shunted.

    Example:

        dunmail inbox import ~/Downloads/re-factuur-F2026-0412.eml
    """
    now = parse_now(now_text)
    store = app.store()
    outcomes: list[dict[str, Any]] = []
    for name in progress_iter(files, "Importing mail", enabled=watching(as_json=as_json)):
        try:
            size, limit = os.path.getsize(name), app.config.imap.max_message_bytes
            if size > limit:  # refused before reading it into memory
                raise ValueError(f"{size} bytes is larger than imap.max_message_bytes ({limit})")
            with open(name, "rb") as handle:
                raw = handle.read()
            inbox_id, status = import_message(store, app.config, raw, now=now)
        except (OSError, ValueError) as exc:
            outcomes.append({"file": name, "inbox_id": None, "status": "error", "error": str(exc)})
            continue
        row = inbox_message(store, inbox_id) or {}
        outcomes.append(
            {
                "file": name,
                "inbox_id": inbox_id,
                "status": status,
                "intent": row.get("intent"),
                "debtor_id": row.get("debtor_id"),
                "error": row.get("error"),
            }
        )
    if as_json:
        echo_json(outcomes)
    else:
        for o in outcomes:
            where = f"inbox {o['inbox_id']}: " if o["inbox_id"] else ""
            detail = o["error"] or ", ".join(
                f"{k} {o[k]}" for k in ("intent", "debtor_id") if o.get(k)
            )
            click.echo(f"{o['file']}: {where}{o['status']}" + (f" ({detail})" if detail else ""))
    if any(o["status"] in ("error", "shunted") for o in outcomes):
        raise SystemExit(1)


@inbox_group.command("fetch")
@click.option("--once", is_flag=True, help="One pass, then exit (default: keep watching).")
@click.option("--now", "now_text", metavar="ISO", help="Process as if at this moment.")
@click.option("--json", "as_json", is_flag=True, help="Print each pass report as JSON.")
@pass_app
def fetch_command(app: AppContext, once: bool, now_text: str | None, as_json: bool) -> None:
    """Read new mail from the configured IMAP mailbox and process it.

    Every message is stored and processed exactly once, then moved to imap.processed_folder
    or imap.review_folder (or flagged, with imap.mark_mode = "flag"). Without --once it keeps
    watching (IDLE, else polling every imap.poll_seconds) until interrupted.

    Example:

        dunmail inbox fetch --once
    """
    config = app.config
    if not config.imap.configured:
        raise click.ClickException("imap.host is not set in the config; see config.example.toml")
    store = app.store(daemon=True)
    stop = threading.Event()
    if not once:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())

    def show(report: PassReport) -> None:
        if as_json:
            echo_json(report.as_dict())
        else:
            outcomes = ", ".join(f"{n} {s}" for s, n in sorted(report.outcomes.items()))
            click.echo(
                f"{iso_utc()}: fetched {report.fetched}, stored {report.stored}"
                f"{' (' + outcomes + ')' if outcomes else ''}"
            )
        for error in report.errors:
            click.echo(f"warning: {error}", err=True)

    clock = (lambda: parse_now(now_text)) if now_text else utc_now
    try:
        fetch_mail(store, config, once=once, stop=stop, clock=clock, on_pass=show)
    except MailError as exc:
        raise click.ClickException(f"IMAP: {exc}") from exc


COMMANDS = [inbox_group]
