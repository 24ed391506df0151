"""`dunmail statements parse|import|list`."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from json.encoder import encode_basestring
from pathlib import Path
from typing import IO, Any

import click

from daemon.adapters.store.db import loads
from daemon.app.listings import statement_list
from daemon.app.statement_zip import StatementError, unzip_members
from daemon.app.statements import import_statement_files
from daemon.cli.context import AppContext, echo_json, echo_table, pass_app
from daemon.cli.progress import Bar, watching
from parsers.bank import BankFormatError, Direction, Payment, Statement
from parsers.camt import StatementEnd
from parsers.statements import iter_statement_items


@click.group("statements")
def statements_group() -> None:
    """Read bank statements (CAMT.052/053/054, MT940/MT942) and book their payments.

    Example:

        dunmail statements import ~/Downloads/camt053-2026-11.zip
    """


@statements_group.command("parse")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the parsed statements (array).")
@click.option("--summary", is_flag=True, help="Print one JSON object with counts and total.")
def parse_command(file: Path, as_json: bool, summary: bool) -> None:
    """Parse a statement file and show what it holds; no database is touched.

    The format is detected from the content. --summary prints one JSON object with the number
    of statements, entries (payment records), credits and debits and the signed total.
    The file is read as a stream: memory stays flat however many entries it holds, and
    --json writes each payment as it is read (a statement's header fields follow its
    payments); a file that breaks part-way leaves the JSON unfinished and exits with 1.

    Example:

        dunmail statements parse statement.xml --summary
    """
    try:
        if summary:
            echo_json(_summary(file, _items(file)))
        elif as_json:
            _write_json(_items(file), sys.stdout)
        else:
            _write_text(_items(file))
    except (BankFormatError, StatementError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc


def _items(file: Path) -> Iterator[Payment | StatementEnd]:
    """The file's payments and statement ends as they are read (each member of a .zip)."""
    try:
        with file.open("rb") as handle:
            if handle.read(4) != b"PK\x03\x04":
                handle.seek(0)
                yield from iter_statement_items(handle, source=str(file))
                return
        members = unzip_members(file.read_bytes())
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror}") from exc
    for name, content in members:
        yield from iter_statement_items(content, source=f"{file}!{name}")


def _summary(file: Path, items: Iterator[Payment | StatementEnd]) -> dict[str, Any]:
    formats: set[str] = set()
    warnings: list[str] = []
    statements = entries = credits = 0
    total = Decimal(0)
    for item in items:
        if isinstance(item, StatementEnd):
            statements += 1
            formats.add(item.statement.format)
            warnings += item.statement.warnings
            continue
        entries += 1
        if item.direction is Direction.CREDIT:
            credits += 1
            total += item.amount
        else:
            total -= item.amount
    return {
        "file": str(file),
        "formats": sorted(formats),
        "statements": statements,
        "entries": entries,
        "credits": credits,
        "debits": entries - credits,
        "total": format(total, "f"),
        "warnings": warnings,
    }


# Payments are gathered and written this many at a time: one write per payment cost a third
# of what building its JSON does.
_CHUNK = 1000
_DAYS = 4096  # formatted dates kept at most


def _write_json(items: Iterator[Payment | StatementEnd], out: IO[str]) -> None:
    """A JSON array of statements, written as the file is read: each statement object
    starts with its payments; its header fields, known at its end, close it.

    Each payment is the JSON of ``_payment_json(p)`` built by one f-string, inline (a call
    per payment costs what a field does): the CLI's part must stay small next to the MT940
    parser's 6-7 us an entry. Dates repeat, so each is formatted once; a Decimal's ``str``
    is its ``format(d, "f")`` unless it has an exponent; a remittance that is its only line
    is encoded once. What was gathered is written before an error propagates, so a file
    that breaks part-way leaves the same unfinished JSON as before."""
    dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
    s = encode_basestring
    days: dict[date | None, str] = {None: "null"}
    credit, debit = Direction.CREDIT, Direction.DEBIT
    parts = ["["]
    add = parts.append
    first_statement, open_payments = True, False
    x: str | None
    try:
        for p in items:
            if isinstance(p, StatementEnd):
                if not open_payments:
                    add(("\n" if first_statement else ",\n") + '{"payments": [')
                header = _statement_json(p.statement)
                del header["payments"]
                add("],\n " + dumps(header)[1:])
                first_statement, open_payments = False, False
                continue
            if open_payments:
                sep = ",\n  "
            else:
                sep = ("\n" if first_statement else ",\n") + '{"payments": [\n  '
                open_payments = True
            b, v, d, lines, refs = (
                p.booking_date,
                p.value_date,
                p.direction,
                p.remittance_lines,
                p.structured_references,
            )
            if (booked := days.get(b)) is None:
                if len(days) > _DAYS:  # a hostile file of all-different dates stays flat
                    days = {None: "null"}
                booked = days[b] = f'"{b.isoformat()}"'  # type: ignore[union-attr]
            if (valued := days.get(v)) is None:
                if len(days) > _DAYS:
                    days = {None: "null"}
                valued = days[v] = f'"{v.isoformat()}"'  # type: ignore[union-attr]
            amount = str(p.amount)
            if "E" in amount or "e" in amount:  # "e" under a context with capitals=0
                amount = format(p.amount, "f")
            remittance = p.remittance
            if len(lines) == 1 and lines[0] is remittance:
                remittance = joined = s(remittance)
            else:
                remittance, joined = s(remittance), ", ".join(map(s, lines))
            add(
                f'{sep}{{"account_iban": {s(p.account_iban)}, "booking_date": {booked},'
                f' "value_date": {valued}, "amount": "{amount}",'
                f' "currency": {"null" if (x := p.currency) is None else s(x)}, "direction": "'
                f'{"credit" if d is credit else "debit" if d is debit else d.value}",'
                f' "reversal": {"true" if p.reversal else "false"},'
                f' "return_reason": {"null" if (x := p.return_reason) is None else s(x)},'
                f' "bank_reference": {"null" if (x := p.bank_reference) is None else s(x)},'
                f' "end_to_end_id": {"null" if (x := p.end_to_end_id) is None else s(x)},'
                f' "counterparty_name":'
                f" {'null' if (x := p.counterparty_name) is None else s(x)},"
                f' "counterparty_iban":'
                f" {'null' if (x := p.counterparty_iban) is None else s(x)},"
                f' "counterparty_bic": {"null" if (x := p.counterparty_bic) is None else s(x)},'
                f' "remittance": {remittance}, "remittance_lines": [{joined}],'
                f' "structured_references": [{", ".join(map(s, refs)) if refs else ""}],'
                f' "additional_info": {"null" if (x := p.additional_info) is None else s(x)},'
                f' "transaction_code":'
                f" {'null' if (x := p.transaction_code) is None else s(x)},"
                f' "entry_reference": {"null" if (x := p.entry_reference) is None else s(x)},'
                f' "batch_index": {p.batch_index}}}'
            )
            if len(parts) > _CHUNK:
                out.write("".join(parts))
                parts.clear()
        add("\n]\n")
    finally:
        out.write("".join(parts))


def _write_text(items: Iterator[Payment | StatementEnd]) -> None:
    """For people: each statement's entries as a table, then its header line."""
    rows: list[dict[str, Any]] = []
    for item in items:
        if isinstance(item, StatementEnd):
            s = item.statement
            if rows:
                echo_table(
                    rows, ["booking_date", "direction", "amount", "counterparty_name", "remittance"]
                )
            click.echo(
                f"{s.format} {s.statement_id or '-'} account {s.account_iban}: {len(rows)} entries"
            )
            for warning in s.warnings:
                click.echo(f"  warning: {warning}")
            rows = []
            continue
        rows.append(_payment_json(item))


def _statement_json(s: Statement) -> dict[str, Any]:
    return {
        "format": s.format,
        "statement_id": s.statement_id,
        "account_iban": s.account_iban,
        "currency": s.currency,
        "sequence": s.sequence,
        "created_at": s.created_at,
        "from_date": s.from_date,
        "to_date": s.to_date,
        "balances": [
            {
                "kind": b.kind,
                "amount": format(b.amount, "f"),
                "currency": b.currency,
                "date": b.date,
            }
            for b in s.balances
        ],
        "warnings": list(s.warnings),
        "payments": [_payment_json(p) for p in s.payments],
    }


def _payment_json(p: Payment) -> dict[str, Any]:
    return {
        "account_iban": p.account_iban,
        "booking_date": p.booking_date,
        "value_date": p.value_date,
        "amount": format(p.amount, "f"),
        "currency": p.currency,
        "direction": p.direction.value,
        "reversal": p.reversal,
        "return_reason": p.return_reason,
        "bank_reference": p.bank_reference,
        "end_to_end_id": p.end_to_end_id,
        "counterparty_name": p.counterparty_name,
        "counterparty_iban": p.counterparty_iban,
        "counterparty_bic": p.counterparty_bic,
        "remittance": p.remittance,
        "remittance_lines": list(p.remittance_lines),
        "structured_references": list(p.structured_references),
        "additional_info": p.additional_info,
        "transaction_code": p.transaction_code,
        "entry_reference": p.entry_reference,
        "batch_index": p.batch_index,
    }


@statements_group.command("import")
@click.argument(
    "files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per file (array).")
@pass_app
def import_command(app: AppContext, files: tuple[Path, ...], as_json: bool) -> None:
    """Import bank statement files (.zip accepted) and match their payments to invoices.

    The same file twice, or overlapping statements, book nothing twice. A file that cannot be
    read is kept for review and named with the reason; the command then exits with 1.

    Example:

        dunmail --db office.db statements import camt053-*.xml mt940.sta
    """
    outcomes = []
    for path in files:
        with Bar(f"Importing {path.name}", enabled=watching(as_json=as_json)) as bar:
            outcomes += import_statement_files(app.store(), app.config, [path], progress=bar)
    if as_json:
        echo_json([o.as_dict() for o in outcomes])
    else:
        for o in outcomes:
            if o.status in ("failed", "quarantined"):
                continue
            counts = ", ".join(f"{n} {s}" for s, n in sorted(o.by_status.items()))
            click.echo(
                f"{o.filename}: {o.status} ({o.format}): {o.statements} statement(s), "
                f"{o.payments} payment(s), {o.new} new" + (f": {counts}" if counts else "")
            )
    bad = [o for o in outcomes if o.status in ("failed", "quarantined")]
    for o in bad:
        click.echo(f"error: {o.filename}: {o.reason}", err=True)
    if bad:
        raise click.ClickException(
            f"{len(bad)} file(s) not imported (kept for review: dunmail queue list)"
        )


@statements_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@pass_app
def list_command(app: AppContext, as_json: bool) -> None:
    """List imported statements, newest booking per account last.

    Example:

        dunmail statements list --json | jq '.[] | {account_iban, latest_booking_date}'
    """
    rows = [
        {
            "id": r["id"],
            "file": r["filename"],
            "source": r["source"],
            "format": r["format"],
            "account_iban": r["account_iban"],
            "statement_id": r["statement_id"],
            "sequence": r["sequence"],
            "from_date": r["from_date"],
            "to_date": r["to_date"],
            "latest_booking_date": r["latest_booking_date"],
            "closing_balance": None
            if r["closing_cents"] is None
            else format(Decimal(r["closing_cents"]) / 100, ".2f"),
            "warnings": loads(r["warnings"], []),
            "imported_at": r["imported_at"],
        }
        for r in statement_list(app.store())
    ]
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            rows, ["id", "account_iban", "format", "statement_id", "latest_booking_date", "file"]
        )


COMMANDS = [statements_group]
