"""The claims ledger in the store: booked costs and interest per case, what payments settled
of them, and a person's waivers (SQL only; the arithmetic is daemon/domain/claims.py)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any

from daemon.adapters.store.db import Store, marks
from daemon.domain.claim_split import CaseFacts, ClaimsBook, LineFacts
from daemon.domain.claims import ClaimLine, Ledger
from daemon.domain.invoice_states import LIVE_STATES
from daemon.domain.money import from_cents


def line_rows(store: Store, case_ids: Iterable[int]) -> list[dict[str, Any]]:
    ids = sorted(set(case_ids))
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    return store.query(
        f"SELECT * FROM claim_lines WHERE case_id IN ({marks}) ORDER BY case_id, id", ids
    )


def _line(row: dict[str, Any]) -> ClaimLine:
    return ClaimLine(
        kind=row["kind"],
        amount=from_cents(row["amount_cents"]),
        currency=row["currency"],
        paid=from_cents(row["paid_cents"]),
        waived=from_cents(row["waived_cents"]),
        computed_to=date.fromisoformat(row["computed_to"]) if row["computed_to"] else None,
    )


def ledgers(store: Store, case_ids: Iterable[int]) -> dict[int, Ledger]:
    """The ledger of each case (cases without lines or waivers are left out)."""
    ids = sorted(set(case_ids))
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    waived = {
        int(r["id"]): r
        for r in store.query(
            f"SELECT id, costs_waived_at, interest_waived_at FROM cases WHERE id IN ({marks})"
            " AND (costs_waived_at IS NOT NULL OR interest_waived_at IS NOT NULL)",
            ids,
        )
    }
    lines: dict[int, list[ClaimLine]] = {}
    for row in line_rows(store, ids):
        lines.setdefault(int(row["case_id"]), []).append(_line(row))
    out: dict[int, Ledger] = {}
    for case_id in set(lines) | set(waived):
        w = waived.get(case_id, {})
        out[case_id] = Ledger(
            tuple(lines.get(case_id, [])),
            costs_waived=bool(w.get("costs_waived_at")),
            interest_waived=bool(w.get("interest_waived_at")),
        )
    return out


def ledger(store: Store, case_id: int | None) -> Ledger:
    if case_id is None:
        return Ledger()
    return ledgers(store, [case_id]).get(case_id, Ledger())


def book_line(
    store: Store,
    *,
    case_id: int,
    debtor_id: str,
    kind: str,
    cents: int,
    currency: str,
    outbox_id: int | None,
    message_id: str | None,
    basis: str,
    computation: list[str],
    computed_to: str | None,
    invoice_numbers: list[str],
    now: str,
) -> int | None:
    """Book one claim line; None when this mail already booked this kind (idempotent)."""
    cur = store.execute(
        "INSERT OR IGNORE INTO claim_lines (case_id, debtor_id, kind, amount_cents, currency,"
        " outbox_id, message_id, basis, computation, computed_to, invoice_numbers, booked_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            case_id,
            debtor_id,
            kind,
            cents,
            currency,
            outbox_id,
            message_id,
            basis,
            json.dumps(computation, ensure_ascii=False),
            computed_to,
            json.dumps(invoice_numbers),
            now,
        ),
    )
    return int(cur.lastrowid or 0) if cur.rowcount else None


def allocate(store: Store, line_id: int, tx_id: int, cents: int, *, basis: str, now: str) -> None:
    store.execute(
        "INSERT INTO claim_allocations (claim_line_id, transaction_id, amount_cents, basis,"
        " created_at) VALUES (?, ?, ?, ?, ?)",
        (line_id, tx_id, cents, basis, now),
    )
    store.execute(
        "UPDATE claim_lines SET paid_cents = paid_cents + ? WHERE id = ?", (cents, line_id)
    )


def reverse_allocations(store: Store, tx_id: int, by_tx: int, now: str) -> list[dict[str, Any]]:
    """A returned payment: undo what it settled of claim lines; returns the undone rows."""
    rows = store.query(
        "SELECT a.*, l.kind, l.case_id FROM claim_allocations a"
        " JOIN claim_lines l ON l.id = a.claim_line_id"
        " WHERE a.transaction_id = ? AND a.reversed_at IS NULL",
        (tx_id,),
    )
    for row in rows:
        store.execute(
            "UPDATE claim_allocations SET reversed_at = ?, reversed_by = ? WHERE id = ?",
            (now, by_tx, row["id"]),
        )
        store.execute(
            "UPDATE claim_lines SET paid_cents = paid_cents - ? WHERE id = ?",
            (row["amount_cents"], row["claim_line_id"]),
        )
    return rows


def waive(store: Store, line_id: int, cents: int) -> None:
    store.execute(
        "UPDATE claim_lines SET waived_cents = waived_cents + ? WHERE id = ?", (cents, line_id)
    )


def mark_case_waived(store: Store, case_id: int, kind: str, now: str) -> None:
    column = "costs_waived_at" if kind == "costs" else "interest_waived_at"
    store.execute(
        f"UPDATE cases SET {column} = COALESCE({column}, ?), updated_at = ? WHERE id = ?",
        (now, now, case_id),
    )


def case_row(store: Store, case_id: int) -> dict[str, Any] | None:
    return store.one("SELECT * FROM cases WHERE id = ?", (case_id,))


def open_principal(store: Store, debtor_id: str) -> dict[str, int]:
    """The debtor's open principal per currency (cents), of every live claim (handed-over
    invoices too: the ledger is what the creditor claims)."""
    return {
        r["currency"]: int(r["cents"])
        for r in store.query(
            "SELECT currency, SUM(amount_cents - paid_cents - credited_cents - written_off_cents)"
            f" AS cents FROM invoices WHERE debtor_id = ? AND status IN ({marks(LIVE_STATES)})"
            " GROUP BY currency",
            (debtor_id, *LIVE_STATES),
        )
    }


def open_case_id(store: Store, debtor_id: str) -> int | None:
    value = store.scalar(
        "SELECT id FROM cases WHERE debtor_id = ? AND closed_at IS NULL", (debtor_id,)
    )
    return None if value is None else int(value)


def open_totals(store: Store) -> dict[str, dict[str, int]]:
    """Open booked claims of open cases, per currency and kind (cents)."""
    out: dict[str, dict[str, int]] = {}
    for r in store.query(
        "SELECT l.currency, l.kind, SUM(l.amount_cents - l.paid_cents - l.waived_cents) AS cents"
        " FROM claim_lines l JOIN cases c ON c.id = l.case_id WHERE c.closed_at IS NULL"
        " GROUP BY l.currency, l.kind"
    ):
        out.setdefault(r["currency"], {})[r["kind"]] = int(r["cents"])
    return out


def open_by_debtor(store: Store) -> list[tuple[str, str, int]]:
    """(debtor, currency, open cents) of the booked claims of open cases, for the matcher."""
    return [
        (r["debtor_id"], r["currency"], int(r["cents"]))
        for r in store.query(
            "SELECT l.debtor_id, l.currency,"
            " SUM(l.amount_cents - l.paid_cents - l.waived_cents) AS cents FROM claim_lines l"
            " JOIN cases c ON c.id = l.case_id WHERE c.closed_at IS NULL"
            " GROUP BY l.debtor_id, l.currency"
        )
    ]


def claims_snapshot(store: Store) -> ClaimsBook:
    """What a statement file's booking knows of the ledger (read once per file): every
    invoice's open case and debtor country, and the claim lines of the open cases."""
    cases = [
        (r[0], CaseFacts(None if r[1] is None else int(r[1]), r[2], r[3] or ""))
        for r in store.conn.execute(
            "SELECT i.number, c.id, i.debtor_id, d.country FROM invoices i"
            " JOIN debtors d ON d.id = i.debtor_id"
            " LEFT JOIN cases c ON c.debtor_id = i.debtor_id AND c.closed_at IS NULL"
        )
    ]
    lines = [
        LineFacts(int(r[0]), int(r[1]), r[2], r[3], int(r[4]))
        for r in store.conn.execute(
            "SELECT l.id, l.case_id, l.kind, l.currency,"
            " l.amount_cents - l.paid_cents - l.waived_cents FROM claim_lines l"
            " JOIN cases c ON c.id = l.case_id WHERE c.closed_at IS NULL ORDER BY l.id"
        )
    ]
    return ClaimsBook(cases, lines)
