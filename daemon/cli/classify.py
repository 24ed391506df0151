"""`dunmail classify`: classify .eml files offline (no database, no config)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from daemon.domain.classify import Classification, classify
from parsers.mail import MailFormatError, parse


def _row(path: str, result: Classification) -> dict[str, Any]:
    def iso(value: Any) -> str | None:
        return value.isoformat() if value is not None else None

    return {
        "file": path,
        "intent": result.intent.value,
        "language": result.language,
        "promise_date": iso(result.promise_date),
        "paid_date": iso(result.paid_date),
        "return_date": iso(result.return_date),
        "invoice_numbers": list(result.invoice_numbers),
        "bounce_recipients": list(result.bounce_recipients),
        "bounce_permanent": result.bounce_permanent,
        "confidence": result.confidence,
        "needs_review": result.needs_review,
        "evidence": list(result.evidence),
    }


@click.command("classify")
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array, one object per file.")
@click.option("--tz", default="Europe/Amsterdam", show_default=True, help="Office timezone.")
@click.option("--invoice-pattern", default=None, help="Regex for invoice numbers.")
def classify_command(
    files: tuple[str, ...], as_json: bool, tz: str, invoice_pattern: str | None
) -> None:
    """Classify raw e-mail files: intent, dates, invoice numbers, bounce recipients.

    Works offline: no database and no configuration are needed.

    Example:

        dunmail classify reply.eml bounce.eml --json
    """
    try:
        zone = ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise click.ClickException(f"unknown timezone {tz!r}") from exc
    rows = []
    for name in files:
        try:
            raw = Path(name).read_bytes()
        except OSError as exc:
            raise click.ClickException(f"cannot read {name}: {exc.strerror or exc}") from exc
        try:
            mail = parse(raw)
        except MailFormatError as exc:
            raise click.ClickException(f"{name}: {exc}") from exc
        rows.append(_row(name, classify(mail, tz=zone, invoice_pattern=invoice_pattern)))
    if as_json:
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
        return
    header = ("file", "intent", "lang", "promise", "paid", "return", "invoices", "conf")
    table = [header] + [
        (
            r["file"],
            r["intent"] + (" (review)" if r["needs_review"] else ""),
            r["language"],
            r["promise_date"] or "-",
            r["paid_date"] or "-",
            r["return_date"] or "-",
            ",".join(r["invoice_numbers"] or r["bounce_recipients"]) or "-",
            f"{r['confidence']:.2f}",
        )
        for r in rows
    ]
    widths = [max(len(str(row[i])) for row in table) for i in range(len(header))]
    for row in table:
        click.echo("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))


COMMANDS = [classify_command]
