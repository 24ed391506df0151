"""All bank SQL: statement files, statements, bank transactions, allocations and their effects."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps, loads, marks
from daemon.domain.invoice_states import LIVE_STATES, SETTLED_STATES
from daemon.domain.matching import InvoiceFacts
from daemon.domain.money import from_cents
from daemon.domain.payment_return import Entries, EntryFacts, LiveAllocation, charges_of
from parsers.bank import Payment, Statement

# -- files and statements ----------------------------------------------------------------


def file_by_sha(store: Store, sha256: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM statement_files WHERE sha256 = ?", (sha256,))


def save_file(
    store: Store,
    *,
    sha256: str,
    filename: str,
    fmt: str | None,
    source: str,
    inbox_id: int | None,
    status: str,
    reason: str | None,
    raw: bytes | None,
    now: str,
) -> int:
    """Insert the file row, or take over a quarantined/failed row of the same bytes."""
    existing = file_by_sha(store, sha256)
    if existing is not None:
        store.execute(
            "UPDATE statement_files SET filename = ?, format = ?, source = ?, inbox_id = ?,"
            " status = ?, reason = ?, raw = ?, imported_at = ? WHERE id = ?",
            (filename, fmt, source, inbox_id, status, reason, raw, now, existing["id"]),
        )
        return int(existing["id"])
    cursor = store.execute(
        "INSERT INTO statement_files (sha256, filename, format, source, inbox_id, status, reason,"
        " raw, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (sha256, filename, fmt, source, inbox_id, status, reason, raw, now),
    )
    return int(cursor.lastrowid or 0)


def set_file_counts(
    store: Store, file_id: int, statements: int, payments: int, new: int, *, fmt: str | None
) -> None:
    store.execute(
        "UPDATE statement_files SET n_statements = ?, n_payments = ?, n_new = ?,"
        " format = COALESCE(?, format) WHERE id = ?",
        (statements, payments, new, fmt, file_id),
    )


def insert_statement(
    store: Store, file_id: int, statement: Statement, now: str, *, latest_booking: date | None
) -> int:
    """The statement's header; ``latest_booking`` is the newest booking date of its payments
    (they are streamed, so the statement itself carries none)."""
    opening = statement.balance("OPBD", "PRCD", "ITBD", "60F", "60M")
    closing = statement.balance("CLBD", "62F", "62M")
    cursor = store.execute(
        "INSERT INTO statements (file_id, account_iban, statement_id, sequence, format, currency,"
        " opening_cents, closing_cents, closing_date, from_date, to_date, latest_booking_date,"
        " warnings, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            file_id,
            statement.account_iban,
            statement.statement_id,
            statement.sequence,
            statement.format,
            statement.currency,
            None if opening is None else _cents(opening.amount),
            None if closing is None else _cents(closing.amount),
            None if closing is None or closing.date is None else closing.date.isoformat(),
            _iso(statement.from_date),
            _iso(statement.to_date),
            latest_booking.isoformat() if latest_booking else _iso(statement.to_date),
            dumps(list(statement.warnings)),
            now,
        ),
    )
    return int(cursor.lastrowid or 0)


def statement_rows(store: Store) -> list[dict[str, Any]]:
    return store.query(
        "SELECT s.*, f.filename, f.source, f.status AS file_status,"
        " (SELECT COUNT(*) FROM bank_transactions t WHERE t.file_id = f.id) AS file_new_payments"
        " FROM statements s JOIN statement_files f ON f.id = s.file_id ORDER BY s.id"
    )


def file_row(store: Store, file_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM statement_files WHERE id = ?", (file_id,))


def file_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT id, sha256, filename, format, source, inbox_id, status, reason, n_statements,"
    sql += " n_payments, n_new, imported_at FROM statement_files"
    params: list[Any] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    return store.query(sql + " ORDER BY id", params)


# -- bank transactions ---------------------------------------------------------------------


def entry_key(payment: Payment, occurrence: int) -> str:
    """The same booking gets the same key in every statement that repeats it.

    Keyed on the account, the bank's and the payer's references, amount, date, direction and
    the position inside a batch, never on the statement id. When a bank gives no reference the
    counterparty and text keep two same-amount payments of one day apart, and ``occurrence``
    (how often this key already appeared in the same file) keeps true twins apart."""
    parts = [
        payment.account_iban.replace(" ", "").upper(),
        payment.direction.value,
        f"{payment.amount:f}",
        _iso(payment.booking_date) or _iso(payment.value_date) or "",
        payment.bank_reference or "",
        payment.end_to_end_id or "",
        str(payment.batch_index),
        "R" if payment.reversal else "",
    ]
    if not payment.bank_reference:
        # Not the entry reference: CAMT files without NtryRef number entries by position,
        # which shifts when an overlapping statement starts earlier.
        parts += [
            (payment.counterparty_iban or "").replace(" ", "").upper(),
            " ".join(payment.remittance.split()),
            " ".join(payment.structured_references),
        ]
    parts.append(str(occurrence))
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def insert_transaction(
    store: Store, payment: Payment, *, key: str, file_id: int, now: str
) -> int | None:
    """INSERT OR IGNORE on the entry key: returns the new id, or None for a repeated booking."""
    cursor = store.execute(
        "INSERT OR IGNORE INTO bank_transactions (entry_key, file_id, account_iban, booking_date,"
        " value_date, amount, amount_cents, currency, direction, reversal, return_reason,"
        " bank_reference, end_to_end_id, counterparty_name, counterparty_iban, counterparty_bic,"
        " remittance, structured_reference, additional_info, created_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            key,
            file_id,
            payment.account_iban,
            _iso(payment.booking_date),
            _iso(payment.value_date),
            f"{payment.amount:f}",
            _cents(payment.amount),
            payment.currency or "EUR",
            payment.direction.value,
            int(payment.reversal),
            payment.return_reason,
            payment.bank_reference,
            payment.end_to_end_id,
            payment.counterparty_name,
            payment.counterparty_iban,
            payment.counterparty_bic,
            "\n".join(payment.remittance_lines),
            " ".join(payment.structured_references) or None,
            payment.additional_info,
            now,
        ),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount else None


def transaction(store: Store, tx_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM bank_transactions WHERE id = ?", (tx_id,))


def set_transaction_status(store: Store, tx_id: int, status: str, detail: dict[str, Any]) -> None:
    store.execute(
        "UPDATE bank_transactions SET status = ?, match_detail = ? WHERE id = ?",
        (status, dumps(detail), tx_id),
    )


def transaction_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM bank_transactions"
    params: list[Any] = []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    return store.query(sql + " ORDER BY booking_date, id", params)


def live_allocations(store: Store, tx_ids: Sequence[int] | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM allocations WHERE reversed_at IS NULL"
    params: list[Any] = []
    if tx_ids is not None:
        sql += f" AND transaction_id IN ({','.join('?' * len(tx_ids))})"
        params.extend(tx_ids)
    return store.query(sql + " ORDER BY id", params)


def payment_view(row: dict[str, Any], allocations: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The public JSON shape of a payment record (`dunmail payments list --json`)."""
    return {
        "id": row["id"],
        "end_to_end_id": row["end_to_end_id"],
        "bank_reference": row["bank_reference"],
        "account_iban": row["account_iban"],
        "booking_date": row["booking_date"],
        "value_date": row["value_date"],
        "amount": format(from_cents(row["amount_cents"]), "f"),
        "currency": row["currency"],
        "direction": row["direction"],
        "reversal": bool(row["reversal"]),
        "return_reason": row["return_reason"],
        "counterparty_name": row["counterparty_name"],
        "counterparty_iban": row["counterparty_iban"],
        "remittance": " ".join(row["remittance"].split()),
        "structured_reference": row["structured_reference"],
        "status": row["status"],
        "allocations": [
            {"invoice": a["invoice_number"], "amount": format(from_cents(a["amount_cents"]), "f")}
            for a in allocations
        ],
    }


def payment_details(store: Store, tx_id: int) -> dict[str, Any] | None:
    row = transaction(store, tx_id)
    if row is None:
        return None
    allocations = store.query(
        "SELECT * FROM allocations WHERE transaction_id = ? ORDER BY id", (tx_id,)
    )
    view = payment_view(row, [a for a in allocations if a["reversed_at"] is None])
    view["additional_info"] = row["additional_info"]
    view["match"] = loads(row["match_detail"], {})
    view["allocation_history"] = [
        {
            "invoice": a["invoice_number"],
            "amount": format(from_cents(a["amount_cents"]), "f"),
            "rule": a["rule"],
            "score": a["score"],
            "evidence": loads(a["evidence"], {}),
            "actor": a["actor"],
            "created_at": a["created_at"],
            "reversed_at": a["reversed_at"],
            "reversed_by": a["reversed_by"],
        }
        for a in allocations
    ]
    return view


# -- invoices as the matcher sees them -----------------------------------------------------


def matching_invoices(store: Store) -> list[InvoiceFacts]:
    """Every invoice with its open amount (paid ones too: a second payment must find them)."""
    rows = store.conn.execute(
        "SELECT i.number, i.debtor_id, d.name, i.currency,"
        " i.amount_cents - i.paid_cents - i.credited_cents - i.written_off_cents,"
        " i.reference, i.due_date FROM invoices i JOIN debtors d ON d.id = i.debtor_id"
    )
    return [
        InvoiceFacts(r[0], r[1], r[2] or "", r[3], max(int(r[4]), 0), r[5] or "", r[6] or "")
        for r in rows
    ]


def debtor_ibans(store: Store) -> list[tuple[str, str]]:
    return [(r[0], r[1]) for r in store.conn.execute("SELECT debtor_id, iban FROM debtor_ibans")]


def invoice_debtor(store: Store, number: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT number, debtor_id, status, currency,"
        " amount_cents - paid_cents - credited_cents - written_off_cents AS open_cents"
        " FROM invoices WHERE number = ?",
        (number,),
    )


# -- allocations and their effects ---------------------------------------------------------


def insert_allocation(
    store: Store,
    *,
    tx_id: int,
    invoice: str,
    cents: int,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
    actor: str,
    now: str,
) -> int:
    cursor = store.execute(
        "INSERT INTO allocations (transaction_id, invoice_number, amount_cents, rule, score,"
        " evidence, actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (tx_id, invoice, cents, rule, score, dumps(evidence), actor, now),
    )
    return int(cursor.lastrowid or 0)


def write_off(store: Store, invoice: str, cents: int, now: str) -> None:
    store.execute(
        "UPDATE invoices SET written_off_cents = written_off_cents + ?, updated_at = ?"
        " WHERE number = ?",
        (cents, now, invoice),
    )


def mark_settled_paid(store: Store, invoice: str) -> None:
    """Bank charges settled the remainder: the invoice was paid, not written off."""
    store.execute(
        "UPDATE invoices SET status = 'paid' WHERE number = ? AND status = 'written_off'"
        " AND paid_cents > 0",
        (invoice,),
    )


def reverse_allocations(
    store: Store, original_id: int, by_tx: int, now: str
) -> list[dict[str, Any]]:
    rows = live_allocations(store, [original_id])
    store.execute(
        "UPDATE allocations SET reversed_at = ?, reversed_by = ? WHERE transaction_id = ?"
        " AND reversed_at IS NULL",
        (now, by_tx, original_id),
    )
    return rows


def undo_charges(store: Store, invoice: str, cents: int, now: str) -> None:
    store.execute(
        "UPDATE invoices SET written_off_cents = MAX(written_off_cents - ?, 0), updated_at = ?"
        " WHERE number = ?",
        (cents, now, invoice),
    )


def cancel_reminders_for_closed(
    store: Store, numbers: Iterable[str], now: str | None = None
) -> list[int]:
    """Cancel queued reminders whose invoices are now all closed; returns the outbox ids."""
    wanted = sorted(set(numbers))
    if not wanted:
        return []
    ids = [
        int(r["id"])
        for r in store.query(
            "SELECT DISTINCT o.id FROM outbox o, json_each(o.invoice_numbers) j"
            f" WHERE o.status = 'queued' AND o.kind = 'reminder' AND j.value IN ({marks(wanted)})"
            " AND NOT EXISTS (SELECT 1 FROM json_each(o.invoice_numbers) k"
            f"  LEFT JOIN invoices i ON i.number = k.value WHERE i.status IS NULL"
            f"  OR i.status NOT IN ({marks(SETTLED_STATES)}))",
            [*wanted, *SETTLED_STATES],
        )
    ]
    for outbox_id in ids:
        store.execute(
            "UPDATE outbox SET status = 'cancelled', last_error = ? WHERE id = ?"
            " AND status = 'queued'",
            (f"invoices paid ({now or iso_utc()})", outbox_id),
        )
    return ids


def close_settled_cases(store: Store, debtor_ids: Iterable[str], now: str) -> list[int]:
    """Close the open case of every debtor with no open invoice left; returns the case ids."""
    done: list[int] = []
    for debtor_id in sorted(set(debtor_ids)):
        case = store.one(
            "SELECT id FROM cases WHERE debtor_id = ? AND closed_at IS NULL", (debtor_id,)
        )
        if case is None:
            continue
        still_open = store.scalar(
            f"SELECT COUNT(*) FROM invoices WHERE debtor_id = ? AND status IN ({marks(LIVE_STATES)})",
            (debtor_id, *LIVE_STATES),
        )
        if still_open:
            continue
        store.execute(
            "UPDATE cases SET status = 'closed', closed_at = ?, updated_at = ? WHERE id = ?",
            (now, now, case["id"]),
        )
        done.append(int(case["id"]))
    return done


def _cents(amount: Any) -> int:
    return int((amount * 100).to_integral_value())


def _iso(day: Any) -> str | None:
    return None if day is None else str(day.isoformat())


def return_snapshot(store: Store, return_ids: Sequence[int]) -> Entries:
    """What a batch's returns need (read once per batch that has returns): their stored rows
    and the credits of the same account and amount that are not returned yet, with their
    live allocations, claim parts and match detail."""
    if not return_ids:
        return Entries()
    columns = (
        "id, account_iban, amount_cents, booking_date, end_to_end_id, structured_reference,"
        " counterparty_iban, counterparty_name, status, match_detail"
    )
    returns = {
        int(r["id"]): _entry(r)
        for r in store.query(
            f"SELECT {columns} FROM bank_transactions WHERE id IN ({marks(return_ids)})",
            list(return_ids),
        )
    }
    keys = sorted({(e.account_iban, e.amount_cents) for e in returns.values()})
    values = ",".join("(?, ?)" for _ in keys)
    credits = {
        int(r["id"]): _entry(r)
        for r in store.query(
            f"SELECT {columns} FROM bank_transactions WHERE direction = 'credit'"
            " AND reversal = 0 AND return_reason IS NULL AND status != 'returned'"
            f" AND (account_iban, amount_cents) IN (VALUES {values})",
            [v for key in keys for v in key],
        )
    }
    if credits:
        for row in live_allocations(store, list(credits)):
            evidence = loads(row["evidence"], {})
            credits[int(row["transaction_id"])].allocations.append(
                LiveAllocation(
                    row["invoice_number"],
                    int(row["amount_cents"]),
                    charges_of(evidence if isinstance(evidence, dict) else {}),
                )
            )
        for row in store.query(
            "SELECT transaction_id, claim_line_id, amount_cents FROM claim_allocations"
            f" WHERE reversed_at IS NULL AND transaction_id IN ({marks(list(credits))})"
            " ORDER BY id",
            list(credits),
        ):
            credits[int(row["transaction_id"])].claim_parts.append(
                (int(row["claim_line_id"]), int(row["amount_cents"]))
            )
    return Entries(returns, credits)


def _entry(row: dict[str, Any]) -> EntryFacts:
    detail = loads(row["match_detail"], {})
    return EntryFacts(
        int(row["id"]),
        row["account_iban"],
        int(row["amount_cents"]),
        row["booking_date"],
        row["end_to_end_id"],
        row["structured_reference"],
        row["counterparty_iban"],
        row["counterparty_name"],
        row["status"] or "",
        detail if isinstance(detail, dict) else {},
    )
