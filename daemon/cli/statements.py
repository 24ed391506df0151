"""`dunmail statements parse|import|list`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from daemon.adapters.store import bank
from daemon.adapters.store.db import loads
from daemon.app.statements import StatementError, import_statement_files, unzip_members
from daemon.cli.context import AppContext, echo_json, echo_table, pass_app
from parsers.bank import BankFormatError, Direction, Payment, Statement
from parsers.statements import parse_statement_bytes


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

    Example:

        dunmail statements parse statement.xml --summary
    """
    statements = _parse_file(file)
    payments = [p for s in statements for p in s.payments]
    if summary:
        echo_json(
            {
                "file": str(file),
                "formats": sorted({s.format for s in statements}),
                "statements": len(statements),
                "entries": len(payments),
                "credits": sum(1 for p in payments if p.direction is Direction.CREDIT),
                "debits": sum(1 for p in payments if p.direction is Direction.DEBIT),
                "total": format(sum((p.signed_amount for p in payments), Decimal(0)), "f"),
                "warnings": [w for s in statements for w in s.warnings],
            }
        )
    elif as_json:
        echo_json([_statement_json(s) for s in statements])
    else:
        for s in statements:
            click.echo(
                f"{s.format} {s.statement_id or '-'} account {s.account_iban}: "
                f"{len(s.payments)} entries"
            )
            for warning in s.warnings:
                click.echo(f"  warning: {warning}")
        echo_table(
            [_payment_json(p) for p in payments],
            ["booking_date", "direction", "amount", "counterparty_name", "remittance"],
        )


def _parse_file(file: Path) -> list[Statement]:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise click.ClickException(f"{file}: cannot read: {exc.strerror}") from exc
    try:
        # No config here: the default bank.zip_max_* limits.
        members = unzip_members(data) if data.startswith(b"PK\x03\x04") else iter([("", data)])
        statements: list[Statement] = []
        for name, content in members:
            source = f"{file}!{name}" if name else str(file)
            statements += parse_statement_bytes(content, source=source)
    except (BankFormatError, StatementError) as exc:
        raise click.ClickException(f"{file}: {exc}") from exc
    return statements


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
            {"kind": b.kind, "amount": b.amount, "currency": b.currency, "date": b.date}
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
        "amount": p.amount,
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
    outcomes = import_statement_files(app.store(), app.config, list(files))
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
        for r in bank.statement_rows(app.store())
    ]
    if as_json:
        echo_json(rows)
    else:
        echo_table(
            rows, ["id", "account_iban", "format", "statement_id", "latest_booking_date", "file"]
        )


COMMANDS = [statements_group]
