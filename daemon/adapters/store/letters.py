"""Paper letters and postal addresses in the store (migration 8)."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps, loads

LETTER_COLUMNS = (
    "id, debtor_id, case_id, ladder, step, step_name, language, letter_date, deadline,"
    " invoice_numbers, sha256, pages, outbox_id, status, printed_at, posted_on,"
    " presumed_receipt, tracking_code, created_at"
)


def postal_address(store: Store, debtor_id: str) -> dict[str, Any] | None:
    return store.one(
        "SELECT id, name, street, postcode, city, COALESCE(postal_country, country) AS country,"
        " erased_at FROM debtors WHERE id = ?",
        (debtor_id,),
    )


def set_postal_address(
    store: Store,
    debtor_id: str,
    *,
    street: str | None,
    postcode: str | None,
    city: str | None,
    country: str | None,
    now: str,
) -> None:
    """Store what the import gave; an empty field keeps what is known (a later file without
    address columns never erases an address)."""
    store.execute(
        "UPDATE debtors SET street = COALESCE(?, street), postcode = COALESCE(?, postcode),"
        " city = COALESCE(?, city), postal_country = COALESCE(?, postal_country),"
        " updated_at = ? WHERE id = ?",
        (street or None, postcode or None, city or None, country or None, now, debtor_id),
    )


def add_letter(
    store: Store,
    *,
    debtor_id: str,
    case_id: int | None,
    ladder: str | None,
    step: int | None,
    step_name: str | None,
    language: str,
    letter_date: str,
    deadline: str | None,
    invoice_numbers: Sequence[str],
    pdf: bytes,
    pages: int,
    decision: dict[str, Any],
    dedupe_key: str | None,
    now: str,
) -> int | None:
    """Store a letter; None when one with the same ``dedupe_key`` exists (idempotent)."""
    cursor = store.execute(
        "INSERT OR IGNORE INTO letters (debtor_id, case_id, ladder, step, step_name, language,"
        " letter_date, deadline, invoice_numbers, pdf, sha256, pages, decision, dedupe_key,"
        " created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            debtor_id,
            case_id,
            ladder,
            step,
            step_name,
            language,
            letter_date,
            deadline,
            dumps(list(invoice_numbers)),
            pdf,
            hashlib.sha256(pdf).hexdigest(),
            pages,
            dumps(decision),
            dedupe_key,
            now,
        ),
    )
    return int(cursor.lastrowid or 0) if cursor.rowcount else None


def carrier_sent_at(store: Store, letter_id: int) -> str | None:
    """When the mail that carried the letter as an attachment left (None: it has not)."""
    value = store.scalar(
        "SELECT o.sent_at FROM letters l JOIN outbox o ON o.id = l.outbox_id"
        " WHERE l.id = ? AND o.status = 'sent'",
        (letter_id,),
    )
    return str(value) if value else None


def link_outbox(store: Store, letter_id: int, outbox_id: int) -> None:
    store.execute("UPDATE letters SET outbox_id = ? WHERE id = ?", (outbox_id, letter_id))


def _row(row: dict[str, Any]) -> dict[str, Any]:
    row["invoice_numbers"] = loads(row["invoice_numbers"], [])
    return row


def list_letters(
    store: Store, *, status: str | None = None, debtor_id: str | None = None
) -> list[dict[str, Any]]:
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status)
    if debtor_id:
        where.append("debtor_id = ?")
        args.append(debtor_id)
    sql = f"SELECT {LETTER_COLUMNS} FROM letters"
    if where:
        sql += " WHERE " + " AND ".join(where)
    return [_row(r) for r in store.query(sql + " ORDER BY id", args)]


def letter(store: Store, letter_id: int) -> dict[str, Any] | None:
    row = store.one(
        f"SELECT {LETTER_COLUMNS}, pdf, decision FROM letters WHERE id = ?", (letter_id,)
    )
    if row is None:
        return None
    row["decision"] = loads(row["decision"], {})
    return _row(row)


def mark_printed(store: Store, letter_id: int, now: str) -> None:
    store.execute(
        "UPDATE letters SET status = CASE WHEN status = 'queued' THEN 'printed' ELSE status END,"
        " printed_at = COALESCE(printed_at, ?) WHERE id = ?",
        (now, letter_id),
    )


def mark_posted(
    store: Store, letter_id: int, *, posted_on: str, receipt: str, tracking: str | None
) -> None:
    store.execute(
        "UPDATE letters SET status = 'posted', posted_on = ?, presumed_receipt = ?,"
        " tracking_code = COALESCE(?, tracking_code) WHERE id = ?",
        (posted_on, receipt, tracking, letter_id),
    )


def mark_cancelled(store: Store, letter_id: int) -> None:
    store.execute("UPDATE letters SET status = 'cancelled' WHERE id = ?", (letter_id,))


def unposted_debtors(store: Store) -> dict[str, int]:
    """Debtor → the oldest ladder letter made but not yet posted: the ladder waits for it
    (a letter made on demand has no dedupe key and holds nothing up)."""
    return {
        r["debtor_id"]: r["id"]
        for r in store.query(
            "SELECT debtor_id, MIN(id) AS id FROM letters WHERE status IN ('queued', 'printed')"
            " AND dedupe_key IS NOT NULL GROUP BY debtor_id"
        )
    }


def letter_pdfs(store: Store, debtor_id: str) -> list[dict[str, Any]]:
    """Every letter of a debtor whose bytes are kept, for the dossier and the GDPR export."""
    return [
        _row(r)
        for r in store.query(
            f"SELECT {LETTER_COLUMNS}, pdf FROM letters WHERE debtor_id = ? AND purged_at IS NULL"
            " ORDER BY id",
            (debtor_id,),
        )
    ]


def invoice_pdf_paths(store: Store, numbers: Sequence[str]) -> dict[str, str]:
    """Invoice number → the PDF path the import recorded (only invoices that have one)."""
    wanted = sorted(set(numbers))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in store.query(
            "SELECT number, pdf_path FROM invoices WHERE pdf_path IS NOT NULL AND number IN"
            f" ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[row["number"]] = row["pdf_path"]
    return found


def letter_status_by_key(store: Store, key: str) -> str | None:
    value = store.scalar("SELECT status FROM letters WHERE dedupe_key = ?", (key,))
    return None if value is None else str(value)


def purge_letters(store: Store, debtor_id: str, before: str | None, at: str) -> int:
    """Empty the stored PDFs of a debtor's letters (made up to ``before``), as mail bodies are
    purged: the sha256, dates and tracking codes stay; letters still to post are kept."""
    cond, params = "", [at, debtor_id]
    if before is not None:
        cond, params = " AND created_at <= ?", [at, debtor_id, before]
    return store.execute(
        "UPDATE letters SET pdf = X'', purged_at = ? WHERE debtor_id = ? AND purged_at IS NULL"
        " AND status IN ('posted', 'cancelled')" + cond,
        params,
    ).rowcount


def erase_postal_address(store: Store, debtor_id: str) -> None:
    store.execute(
        "UPDATE debtors SET street = NULL, postcode = NULL, city = NULL, postal_country = NULL"
        " WHERE id = ?",
        (debtor_id,),
    )


def unsettled_numbers(store: Store, numbers: Sequence[str]) -> list[str]:
    """Which of ``numbers`` the debtor still owes (not paid, credited or written off)."""
    from daemon.domain.invoice_states import SETTLED_STATES

    wanted = sorted(set(numbers))
    if not wanted:
        return []
    settled = ",".join("?" * len(SETTLED_STATES))
    return [
        r["number"]
        for r in store.query(
            f"SELECT number FROM invoices WHERE status NOT IN ({settled}) AND number IN"
            f" ({','.join('?' * len(wanted))}) ORDER BY number",
            [*SETTLED_STATES, *wanted],
        )
    ]
