"""`dunmail invoices …` and `dunmail debtors list`."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from daemon.app.debtors import debtor_list
from daemon.app.intake import record_cli_import, record_held_path
from daemon.app.invoice_mappings import UnknownMapping, describe_mappings, resolve_mapping
from daemon.app.invoices import ImportRejected, import_invoices, invoice_view
from daemon.app.listings import invoice_list
from daemon.app.snapshots import snapshot_time, take_snapshot
from daemon.cli.context import (
    AppContext,
    actor_of,
    echo_json,
    echo_table,
    parse_now,
    pass_app,
)
from daemon.cli.human import human
from daemon.cli.progress import progress_iter, watching
from daemon.domain.invoice_states import InvoiceStatus

T = TypeVar("T")

STATUSES = tuple(InvoiceStatus)


@click.group("invoices")
def invoices_group() -> None:
    """Import and list invoices.

    Example:

        dunmail invoices import invoices.csv && dunmail invoices list --status open
    """


@invoices_group.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option(
    "--snapshot",
    is_flag=True,
    help="The file is an open-items snapshot: what it leaves out was settled outside dunmail "
    "(held for review when it looks truncated, old or foreign).",
)
@click.option(
    "--source",
    metavar="NAME",
    help="With --snapshot: the package it comes from (default intake.invoices.source).",
)
@click.option(
    "--mapping",
    "mapping_name",
    metavar="NAME",
    help="Read CSV files as an accounting package's export (see `dunmail invoices mappings`).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@pass_app
def import_command(
    app: AppContext,
    files: tuple[Path, ...],
    dry_run: bool,
    snapshot: bool,
    source: str | None,
    mapping_name: str | None,
    as_json: bool,
) -> None:
    """Import invoices from CSV or UBL 2.1 (Peppol BIS 3.0) files.

    CSV columns: number, debtor_id, debtor_name, debtor_email, issue_date, due_date, amount
    (required); currency, reference, language, debtor_type, debtor_iban, pdf, tags, country,
    debtor_domains, street, postcode, city (optional); open_amount and snapshot_date
    (optional, read by --snapshot: what is still open, and the day the export was made, the
    same on every row). Invoice numbers hold letters, digits and - _ . / only. A pdf must be
    a PDF inside the folder set as invoices.pdf_dir (relative paths are taken inside it). A
    structured reference belongs to one debtor. A file with bad rows imports nothing and
    lists every bad row. Re-importing is idempotent: the same number updates the invoice,
    and amount changes are logged.

    With --mapping NAME a CSV is an accounting package's export (a preset such as
    exact-online-openstaande-posten, or your own [intake.mappings.NAME]): its headers, date
    format, decimal comma and encoding are read as the mapping says, and the report names
    the encoding and separator used. Errors name file:line and the export's own column.

    Example:

    \b
        dunmail --db office.db invoices import invoices-2026-11.csv --dry-run
        dunmail invoices import OPOS.csv --mapping datev-opos-debitoren --dry-run --json
        dunmail invoices import --snapshot --mapping exact-online-openstaande-posten \\
            openstaande-posten-2026-12-07.csv
    """
    mapping = None
    if mapping_name:
        try:
            mapping = resolve_mapping(app.config, mapping_name)
        except UnknownMapping as exc:
            raise click.ClickException(str(exc)) from exc
    if snapshot:
        _import_snapshot(app, files, dry_run, source, mapping, as_json)
        return
    if source:
        raise click.UsageError("--source only goes with --snapshot")
    try:
        shown = watching(as_json=as_json)
        report = import_invoices(
            app.store(),
            list(files),
            dry_run=dry_run,
            progress=lambda plan: progress_iter(list(plan), "Importing invoices", enabled=shown),
            pdfs=app.config.invoices.pdf_policy,
            mapping=mapping,
        )
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} bad row(s): nothing was imported; fix them and import again"
        ) from exc
    if not dry_run:
        record_cli_import(app.store(), files, report.as_dict(), now=parse_now(None))
    if as_json:
        echo_json(report.as_dict())
        return
    prefix = "would import" if dry_run else "imported"
    click.echo(
        f"{prefix}: {len(report.new)} new, {len(report.updated)} changed, "
        f"{report.unchanged} unchanged, {len(report.credit_notes)} credit note(s), "
        f"{report.debtors} debtor(s)"
    )
    for reading in report.reading:
        if reading["format"] == "csv":
            mapping_note = f", mapping {reading['mapping']}" if reading["mapping"] else ""
            click.echo(
                f"  {reading['file']}: {reading['encoding']}, {reading['delimiter']}-separated"
                f"{mapping_note}"
                + (
                    f"; not used: {', '.join(reading['ignored_columns'])}"
                    if reading["ignored_columns"]
                    else ""
                )
            )
    if dry_run:
        for number in report.new:
            click.echo(f"  new: {number}")
    for change in report.updated:
        click.echo(f"  {change['number']}: {human(change['changes'], None)}")


def _import_snapshot(
    app: AppContext,
    files: tuple[Path, ...],
    dry_run: bool,
    source: str | None,
    mapping: Any,
    as_json: bool,
) -> None:
    if len(files) != 1:
        raise click.UsageError("--snapshot takes exactly one file (the complete open-items list)")
    if dry_run:
        raise click.UsageError(
            "--snapshot does not take --dry-run: check that the file reads with "
            "`dunmail invoices import FILE [--mapping NAME] --dry-run` (without --snapshot); "
            "a snapshot that looks truncated, old or foreign is then held for review, "
            "changing nothing"
        )
    path = files[0].resolve()
    now = parse_now(None)
    mtime = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    try:
        outcome = take_snapshot(
            app.store(),
            app.config,
            path.read_bytes(),
            filename=path.name,
            folder="cli",
            source=source or app.config.intake.invoices.source,
            taken_at=snapshot_time(path.name, mtime, app.config.office.tz),
            now=now,
            actor=actor_of(app),
            mapping=mapping,
        )
    except ImportRejected as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(
            f"{len(exc.problems)} bad row(s): nothing was imported; fix them and import again"
        ) from exc
    if outcome.status == "held":
        # Kept where it is: `dunmail intake apply` reads it from there.
        record_held_path(app.store(), outcome.file_id, path, now=now)
    if as_json:
        echo_json({"id": outcome.file_id, "status": outcome.status, **outcome.summary})
        return
    d = outcome.decision
    if outcome.status == "held":
        click.echo(
            f"snapshot held for review (item #{outcome.review_item}): {'; '.join(d.held)}\n"
            f"it would settle {len(d.settled)} and reduce {len(d.reduced)} invoice(s); "
            f"apply it after all with: dunmail intake apply {outcome.file_id}"
        )
        return
    click.echo(
        f"snapshot applied: {len(d.settled)} invoice(s) settled outside dunmail, "
        f"{len(d.reduced)} reduced, {len(d.higher)} listed with more open than here"
    )


@invoices_group.command("mappings")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array with every column.")
@pass_app
def mappings_command(app: AppContext, as_json: bool) -> None:
    """List the column mappings for accounting-package exports: presets and your own.

    Each preset says which export it reads and where every column name comes from
    (documentation, or assumed). Try one with `invoices import FILE --mapping NAME --dry-run`.

    Example:

        dunmail invoices mappings --json | jq '.[] | {name, export, source}'
    """
    rows = describe_mappings(app.config)
    if as_json:
        echo_json(rows)
        return
    echo_table(
        [
            {
                "name": r["name"],
                "kind": "preset" if r.get("preset") else "own",
                "title": r.get("error") or r["title"],
            }
            for r in rows
        ],
        ["name", "kind", "title"],
    )


@invoices_group.command("list")
@click.option("--status", type=click.Choice(STATUSES), help="Only invoices in this state.")
@click.option("--debtor", "debtor_id", metavar="ID", help="Only this debtor's invoices.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, status: str | None, debtor_id: str | None, as_json: bool) -> None:
    """List invoices with paid and open amounts.

    Example:

        dunmail invoices list --status open --json | jq '.[].open_amount'
    """
    rows = [invoice_view(r) for r in invoice_list(app.store(), status=status, debtor_id=debtor_id)]
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            rows,
            ["number", "debtor_id", "due_date", "amount", "open_amount", "status", "last_step"],
        )


@click.group("debtors")
def debtors_group() -> None:
    """Debtors: list, export and erase (GDPR).

    Example:

        dunmail debtors list --json
    """


@debtors_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def debtors_list(app: AppContext, as_json: bool) -> None:
    """List debtors with their open balance.

    Example:

        dunmail debtors list --json | jq '.[] | select(.open_amount != "0.00")'
    """
    out = debtor_list(app.store())
    if as_json:
        echo_json(out)
    else:
        echo_table(out, ["id", "name", "debtor_type", "language", "open_invoices", "open_amount"])


COMMANDS = [invoices_group, debtors_group]
