"""Debtors and invoices: upserts from intake, listings, and keeping status true to amounts."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps, loads, marks
from daemon.domain.model import CLOSED_STATES, derive_status


def refresh_invoice(store: Store, number: str, *, now: str | None = None) -> str | None:
    """Recompute paid/credited amounts and the status of one invoice; returns the new status.

    Call it inside the transaction that changed allocations or credit notes, so that status
    and amounts never disagree."""
    row = store.one("SELECT * FROM invoices WHERE number = ?", (number,))
    if row is None:
        return None
    # Payments booked outside dunmail (an open-items snapshot) count as paid like bank ones.
    paid = store.scalar(
        "SELECT (SELECT COALESCE(SUM(amount_cents), 0) FROM allocations"
        " WHERE invoice_number = ?1 AND reversed_at IS NULL)"
        " + (SELECT COALESCE(SUM(amount_cents), 0) FROM outside_settlements"
        " WHERE invoice_number = ?1)",
        (number,),
    )
    credited = store.scalar(
        "SELECT COALESCE(SUM(amount_cents), 0) FROM credit_notes WHERE invoice_number = ?",
        (number,),
    )
    status = derive_status(
        row["amount_cents"], int(paid), int(credited), row["written_off_cents"], row["status"]
    )
    at = now or iso_utc()
    closed_at = row["closed_at"] or at if status in CLOSED_STATES else None
    store.execute(
        "UPDATE invoices SET paid_cents = ?, credited_cents = ?, status = ?, closed_at = ?,"
        " updated_at = CASE WHEN status != ? OR paid_cents != ? OR credited_cents != ?"
        " THEN ? ELSE updated_at END WHERE number = ?",
        (paid, credited, str(status), closed_at, str(status), paid, credited, at, number),
    )
    return str(status)


def set_invoice_status(store: Store, number: str, status: str, *, now: str | None = None) -> None:
    """Set a manual status (disputed, handed_over, open again) and re-derive from amounts."""
    store.execute(
        "UPDATE invoices SET status = ?, updated_at = ? WHERE number = ?",
        (status, now or iso_utc(), number),
    )
    refresh_invoice(store, number, now=now)


def invoice_rows(
    store: Store,
    *,
    status: str | None = None,
    debtor_id: str | None = None,
    numbers: Sequence[str] | None = None,
    statuses: Sequence[str] | None = None,
) -> list[dict[str, Any]]:
    """Invoices by due date; ``statuses`` is a set from daemon.domain.invoice_states."""
    sql = "SELECT * FROM invoices WHERE 1=1"
    params: list[Any] = []
    if status:
        sql += " AND status = ?"
        params.append(status)
    if statuses is not None:
        sql += f" AND status IN ({marks(statuses)})"
        params.extend(statuses)
    if debtor_id:
        sql += " AND debtor_id = ?"
        params.append(debtor_id)
    if numbers is not None:
        sql += f" AND number IN ({','.join('?' * len(numbers))})"
        params.extend(numbers)
    sql += " ORDER BY due_date, number"
    return store.query(sql, params)


def debtor_row(store: Store, debtor_id: str) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM debtors WHERE id = ?", (debtor_id,))
    if row is None:
        return None
    row["tags"] = loads(row["tags"], [])
    row["emails"] = [
        r["email"]
        for r in store.query(
            "SELECT email FROM debtor_emails WHERE debtor_id = ? AND status = 'ok'"
            " ORDER BY position",
            (debtor_id,),
        )
    ]
    row["all_emails"] = store.query(
        "SELECT email, status, status_reason FROM debtor_emails WHERE debtor_id = ?"
        " ORDER BY position",
        (debtor_id,),
    )
    row["domains"] = [
        r["domain"]
        for r in store.query(
            "SELECT domain FROM debtor_domains WHERE debtor_id = ? ORDER BY domain", (debtor_id,)
        )
    ]
    row["ibans"] = [
        r["iban"]
        for r in store.query("SELECT iban FROM debtor_ibans WHERE debtor_id = ?", (debtor_id,))
    ]
    return row


def debtor_names(store: Store, debtor_ids: Iterable[str | None]) -> dict[str, str]:
    """Names of the given debtors (id → name) for output meant for people."""
    wanted = sorted({d for d in debtor_ids if d})
    names: dict[str, str] = {}
    for start in range(0, len(wanted), 500):  # SQLite's bound-parameter limit
        chunk = wanted[start : start + 500]
        for row in store.query(
            f"SELECT id, name FROM debtors WHERE id IN ({','.join('?' * len(chunk))})", chunk
        ):
            names[row["id"]] = row["name"]
    return names


def invoice_debtors(store: Store, numbers: Iterable[str]) -> dict[str, str]:
    """Invoice number → debtor id, for the given invoices."""
    wanted = sorted(set(numbers))
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        for row in store.query(
            f"SELECT number, debtor_id FROM invoices WHERE number IN ({','.join('?' * len(chunk))})",
            chunk,
        ):
            found[row["number"]] = row["debtor_id"]
    return found


def debtors_by_email(store: Store, address: str) -> list[str]:
    return [
        r["debtor_id"]
        for r in store.query(
            "SELECT DISTINCT debtor_id FROM debtor_emails WHERE email = ?", (address.lower(),)
        )
    ]


def registered_debtors(store: Store, address: str) -> list[str]:
    """Debtors for which ``address`` is a registered address (deliverable or not; a removed
    one no longer speaks for the debtor)."""
    return [
        r["debtor_id"]
        for r in store.query(
            "SELECT DISTINCT debtor_id FROM debtor_emails WHERE email = ? AND status != 'removed'",
            (address.lower(),),
        )
    ]


def debtors_of_domain(store: Store, domain: str) -> list[str]:
    """Debtors that declared ``domain`` their own (CSV column debtor_domains)."""
    return [
        r["debtor_id"]
        for r in store.query(
            "SELECT DISTINCT debtor_id FROM debtor_domains WHERE domain = ?", (domain.lower(),)
        )
    ]


def known_mail_domains(store: Store) -> list[str]:
    """Every domain of a registered address or declared domain (for the look-alike check)."""
    return [
        r["domain"]
        for r in store.query(
            "SELECT DISTINCT substr(email, instr(email, '@') + 1) AS domain FROM debtor_emails"
            " UNION SELECT domain FROM debtor_domains"
        )
    ]


def debtors_by_domain(store: Store, domain: str) -> list[str]:
    return [
        r["debtor_id"]
        for r in store.query(
            "SELECT DISTINCT debtor_id FROM debtor_emails WHERE email LIKE ?",
            ("%@" + domain.lower(),),
        )
    ]


def upsert_debtor(
    store: Store,
    *,
    debtor_id: str,
    name: str,
    emails: Iterable[str],
    language: str | None,
    debtor_type: str,
    ibans: Iterable[str],
    tags: Iterable[str],
    country: str | None,
    now: str,
    domains: Iterable[str] = (),
) -> None:
    store.execute(
        "INSERT INTO debtors (id, name, language, debtor_type, country, tags, created_at,"
        " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
        " language = COALESCE(excluded.language, debtors.language),"
        " debtor_type = excluded.debtor_type,"
        " country = COALESCE(excluded.country, debtors.country),"
        " tags = CASE WHEN excluded.tags = '[]' THEN debtors.tags ELSE excluded.tags END,"
        " updated_at = CASE WHEN debtors.name IS NOT excluded.name"
        " OR debtors.debtor_type IS NOT excluded.debtor_type THEN excluded.updated_at"
        " ELSE debtors.updated_at END",
        (debtor_id, name, language, debtor_type, country, dumps(sorted(set(tags))), now, now),
    )
    for position, email in enumerate(emails):
        store.execute(
            "INSERT INTO debtor_emails (debtor_id, email, position) VALUES (?, ?, ?)"
            " ON CONFLICT(debtor_id, email) DO UPDATE SET position = excluded.position",
            (debtor_id, email.lower(), position),
        )
    for domain in domains:
        store.execute(
            "INSERT OR IGNORE INTO debtor_domains (debtor_id, domain, created_at) VALUES (?, ?, ?)",
            (debtor_id, domain.lower(), now),
        )
    for iban in ibans:
        store.execute(
            "INSERT OR IGNORE INTO debtor_ibans (debtor_id, iban, source, created_at)"
            " VALUES (?, ?, 'import', ?)",
            (debtor_id, iban, now),
        )


def remember_iban(store: Store, debtor_id: str, iban: str, *, now: str | None = None) -> None:
    """A person allocated a payment from this IBAN to this debtor: match it next time."""
    store.execute(
        "INSERT OR IGNORE INTO debtor_ibans (debtor_id, iban, source, created_at)"
        " VALUES (?, ?, 'learned', ?)",
        (debtor_id, iban.replace(" ", "").upper(), now or iso_utc()),
    )


def invoices_with_references(store: Store, references: Iterable[str]) -> list[dict[str, Any]]:
    """number, debtor_id and reference of every stored invoice carrying one of
    ``references`` (asked in chunks: SQLite bounds the parameters of one statement)."""
    wanted = sorted(set(references))
    rows: list[dict[str, Any]] = []
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        rows += store.query(
            "SELECT number, debtor_id, reference FROM invoices"
            f" WHERE reference IN ({','.join('?' * len(chunk))}) ORDER BY number",
            chunk,
        )
    return rows


def known_debtor_columns(store: Store) -> dict[str, dict[str, str]]:
    """Every debtor's name, usable e-mail addresses (``;``-joined) and type, by id, in the
    invoice import's column names: exports without them take them from here."""
    rows = store.query(
        "SELECT d.id, d.name, d.debtor_type, (SELECT group_concat(email, ';') FROM"
        " (SELECT email FROM debtor_emails e WHERE e.debtor_id = d.id AND e.status = 'ok'"
        " ORDER BY position)) AS emails FROM debtors d WHERE d.erased_at IS NULL"
    )
    return {
        r["id"]: {
            "debtor_name": r["name"] or "",
            "debtor_email": r["emails"] or "",
            "debtor_type": r["debtor_type"] or "",
        }
        for r in rows
    }
