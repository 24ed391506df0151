"""`dunmail demo`."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("demo")
@click.option(
    "--keep",
    type=click.Path(file_okay=False, path_type=Path),
    help="Leave the mailboxes, sent mail and database in this folder.",
)
@click.option(
    "--seconds",
    type=click.FloatRange(10, 600),
    default=75.0,
    show_default=True,
    help="How long the demo runs (wall clock).",
)
@click.option(
    "--speed",
    type=click.FloatRange(1),
    default=1800.0,
    show_default=True,
    help="How much faster than real time the demo clock runs.",
)
def demo_command(keep: Path | None, seconds: float, speed: float) -> None:
    """Watch dunmail work: real IMAP and SMTP servers on loopback, sample debtors, the real
    daemon on an accelerated clock. Reminders go out, one debtor promises, one disputes,
    one is away, the bank mails a statement that is matched, queue items appear.

    Needs the demo extra (pymap, aiosmtpd): pip install 'dunmail[demo]'.

    Example:

        dunmail demo --keep /tmp/dunmail-demo
    """
    try:
        import aiosmtpd  # noqa: F401
        import pymap  # noqa: F401
    except ImportError as exc:
        raise click.ClickException(
            f"the demo needs the demo extra ({exc.name} is missing): pip install 'dunmail[demo]'"
        ) from exc
    from daemon.demo import run_demo

    raise SystemExit(run_demo(keep=keep, seconds=seconds, factor=speed, echo=click.echo))


COMMANDS = [demo_command]
