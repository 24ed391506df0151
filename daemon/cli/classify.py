"""`dunmail classify`: classify .eml files offline (no database, no config)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click

from daemon.domain.classify import Classification, classify
from daemon.domain.workdays import is_business_day
from parsers.mail import MailFormatError, parse
from parsers.replies.dates import common_working_day


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
@click.option(
    "--country",
    default="",
    help="Office country (NL, BE or DE) whose public holidays are not working days "
    "('within 10 working days', 'Anfang Januar'), as [office] jurisdiction in the daemon. "
    "Default: Monday to Friday except 1 January and 25 December, the holidays of every "
    "country whose language dunmail reads (how the labelled reply corpora count).",
)
def classify_command(
    files: tuple[str, ...], as_json: bool, tz: str, invoice_pattern: str | None, country: str
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
    country = country.upper()
    if country:
        try:
            is_business_day(date(2026, 1, 1), country)
        except (ValueError, NotImplementedError) as exc:
            raise click.ClickException(f"--country: {exc}") from exc

    def working_day(day: date) -> bool:
        return is_business_day(day, country) if country else common_working_day(day)

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
        result = classify(
            mail, tz=zone, invoice_pattern=invoice_pattern, is_business_day=working_day
        )
        rows.append(_row(name, result))
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


@click.command("train-classifier")
@click.option(
    "--corpus",
    "corpora",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
    help="A labelled reply corpus (labels.json + .eml); repeatable. "
    "Default: ../shared/corpus/replies-train and ../shared/corpus/replies.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    default=None,
    help="Where to write the model (default: parsers/replies/model_data.py).",
)
@click.option(
    "--extra",
    type=click.Path(file_okay=False, exists=True),
    default=None,
    help="Our own labelled replies (*.txt blocks), always training data, scored apart. "
    "Default: data/replies-extra.",
)
@click.option("--no-extra", is_flag=True, help="Train on the --corpus replies only.")
@click.option("--check", is_flag=True, help="Write nothing; fail when the shipped model differs.")
def train_classifier_command(
    corpora: tuple[str, ...], out: str | None, extra: str | None, no_extra: bool, check: bool
) -> None:
    """Train the reply intent model; print cross-validation and held-out figures.

    Deterministic: the same corpora give the same file, byte for byte. A fixed ~20 % of
    replies-train (by a hash of the file name) is held out from training and from the
    cross-validation, and scored separately at the end. Our own replies (data/replies-extra)
    are added to every fold's training and scored on their own folds, apart from the shared
    corpora's figures; the thresholds are calibrated on the out-of-fold results of both.

    Example:

        dunmail train-classifier --check
    """
    from daemon.app import classifier_training as ct

    paths = tuple(Path(c) for c in corpora) or ct.CORPORA
    for path in paths:
        if not (path / "labels.json").is_file():
            raise click.ClickException(f"{path}: no labels.json (not a labelled corpus)")
    own_dir = None if no_extra else (Path(extra) if extra else ct.EXTRA)
    text, cv, hidden = ct.build(paths, extra=own_dir)
    click.echo(ct.report(ct.shared(cv.scored), f"{ct.FOLDS}-fold CV"))
    if ct.own(cv.scored):
        click.echo("")
        click.echo(ct.report(ct.own(cv.scored), "own data CV"))
    click.echo(
        "calibrated: auto-handle from p >= "
        + ", ".join(f"{i} {t}" for i, t in sorted(cv.thresholds.items()))
        + "; review when "
        f"P(dispute)+P(insolvency) >= {cv.guard}"
    )
    if hidden:
        click.echo("")
        click.echo(ct.report(ct.score_held_out(text, hidden), "held-out"))
    target = Path(out) if out else ct.ARTEFACT
    if check:
        current = target.read_text(encoding="utf-8") if target.exists() else ""
        if current != text:
            raise click.ClickException(f"{target} differs from a fresh training run: retrain")
        click.echo(f"{target}: up to date")
        return
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {target} ({len(text.encode())} bytes)")


COMMANDS = [classify_command, train_classifier_command]
