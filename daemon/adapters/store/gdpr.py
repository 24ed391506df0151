"""What GDPR requests read and write (daemon.app.gdpr): mail-body purges, a debtor's export,
and the anonymisation of an erased debtor. Amounts and payments are never touched here."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from daemon.adapters.store.db import Store
from daemon.adapters.store.intake import outside_settlements_of
from daemon.adapters.store.letters import erase_postal_address, purge_letters


def purge_mail(store: Store, debtor_id: str, before: str | None, at: str) -> tuple[int, int]:
    """Drop stored bodies of the debtor's mail (received/created up to ``before``); the sha256,
    subject and dates stay. outbox.raw is NOT NULL, so an emptied body marks it. Mail still
    to be sent keeps its body. Returns (inbox rows, outbox rows) purged."""
    cond, params = "", [at, debtor_id]
    if before is not None:
        cond, params = " AND received_at <= ?", [at, debtor_id, before]
    n_in = store.execute(
        "UPDATE inbox SET raw = NULL, purged_at = ? WHERE debtor_id = ? AND purged_at IS NULL"
        + cond,
        params,
    ).rowcount
    cond_out = cond.replace("received_at", "created_at")
    n_out = store.execute(
        "UPDATE outbox SET raw = X'', purged_at = ? WHERE debtor_id = ? AND purged_at IS NULL"
        " AND status NOT IN ('queued', 'sending')" + cond_out,
        params,
    ).rowcount
    purge_letters(store, debtor_id, before, at)  # paper letters (#16) go with the mail
    return n_in, n_out


def closed_before(store: Store, cutoff: str) -> list[dict[str, Any]]:
    """Debtors (``debtor_id``, ``closed_at``) whose every case is closed, the last before
    ``cutoff`` (ISO date)."""
    return store.query(
        "SELECT debtor_id, MAX(closed_at) AS closed_at FROM cases GROUP BY debtor_id"
        " HAVING SUM(closed_at IS NULL) = 0 AND substr(MAX(closed_at), 1, 10) < ?",
        (cutoff,),
    )


def debtor_record(store: Store, debtor_id: str) -> dict[str, Any] | None:
    """The debtors row as stored (tags still JSON text)."""
    return store.one("SELECT * FROM debtors WHERE id = ?", (debtor_id,))


def held_about(store: Store, debtor_id: str) -> dict[str, list[dict[str, Any]]]:
    """Every table's rows about a debtor, for an access request (art. 15); mail as metadata.
    JSON columns (evidence, detail) are left as text."""
    numbers = [
        r["number"]
        for r in store.query("SELECT number FROM invoices WHERE debtor_id = ?", (debtor_id,))
    ]
    marks = ",".join("?" * len(numbers)) or "NULL"

    def q(sql: str, params: Any = (debtor_id,)) -> list[dict[str, Any]]:
        return store.query(sql, params)

    return {
        "emails": q(
            "SELECT email, status, status_reason, status_at FROM debtor_emails WHERE debtor_id = ?"
        ),
        "ibans": q("SELECT iban, source, created_at FROM debtor_ibans WHERE debtor_id = ?"),
        "invoices": q("SELECT * FROM invoices WHERE debtor_id = ?"),
        "credit_notes": q(f"SELECT * FROM credit_notes WHERE invoice_number IN ({marks})", numbers),
        "payments": q(
            "SELECT a.invoice_number, a.amount_cents, a.created_at, a.reversed_at,"
            " t.booking_date, t.counterparty_name, t.counterparty_iban, t.remittance"
            " FROM allocations a JOIN bank_transactions t ON t.id = a.transaction_id"
            f" WHERE a.invoice_number IN ({marks})",
            numbers,
        ),
        # Settled in the accounting package (open-items snapshots, daemon.app.snapshots).
        "outside_settlements": outside_settlements_of(store, numbers),
        "cases": q("SELECT * FROM cases WHERE debtor_id = ?"),
        "holds": q("SELECT * FROM holds WHERE scope = 'debtor' AND target = ?"),
        "promises": q("SELECT * FROM promises WHERE debtor_id = ?"),
        "payment_plans": q("SELECT * FROM payment_plans WHERE debtor_id = ?"),
        "review_items": q(
            "SELECT id, type, state, reason, evidence, created_at, resolution"
            " FROM review_items WHERE debtor_id = ?"
        ),
        "events": q(
            "SELECT at, actor, event, invoice_number, detail FROM case_events"
            " WHERE debtor_id = ? ORDER BY at, id"
        ),
        "mail_in": q(
            "SELECT id, received_at, from_addr, subject, sha256, purged_at FROM inbox"
            " WHERE debtor_id = ? ORDER BY id"
        ),
        "mail_out": q(
            "SELECT id, created_at, sent_at, kind, recipients, subject, sha256,"
            " purged_at FROM outbox WHERE debtor_id = ? ORDER BY id"
        ),
    }


def mail_bodies(store: Store, debtor_id: str) -> Iterator[tuple[str, int, bytes]]:
    """("in" or "out", id, raw) for every still-stored mail of the debtor."""
    for table, prefix in (("inbox", "in"), ("outbox", "out")):
        for row in store.query(
            f"SELECT id, raw FROM {table} WHERE debtor_id = ?"
            " AND raw IS NOT NULL AND length(raw) > 0",
            (debtor_id,),
        ):
            yield prefix, int(row["id"]), bytes(row["raw"])


def invoices_in(store: Store, debtor_id: str, states: Sequence[str]) -> list[str]:
    """Numbers of the debtor's invoices in one of ``states``."""
    return [
        r["number"]
        for r in store.query(
            f"SELECT number FROM invoices WHERE debtor_id = ? AND status IN"
            f" ({','.join('?' * len(states))})",
            (debtor_id, *states),
        )
    ]


def last_issue_date(store: Store, debtor_id: str) -> str | None:
    value = store.scalar("SELECT MAX(issue_date) FROM invoices WHERE debtor_id = ?", (debtor_id,))
    return None if value is None else str(value)


def anonymise(store: Store, debtor_id: str, token: str, *, at: str) -> dict[str, int]:
    """Replace what identifies the debtor: name, addresses (kept as removed placeholders, so
    positions stay), IBANs, mail bodies (and paper letters' PDFs) and senders, the postal
    address, payers on its payments, note texts and
    review evidence. Returns counts: emails, ibans, inbox, outbox."""
    store.execute(
        "UPDATE debtors SET name = ?, erased_at = ?, updated_at = ? WHERE id = ?",
        (f"erased debtor {token}", at, at, debtor_id),
    )
    emails = store.query(
        "SELECT email FROM debtor_emails WHERE debtor_id = ? ORDER BY position", (debtor_id,)
    )
    store.execute("DELETE FROM debtor_emails WHERE debtor_id = ?", (debtor_id,))
    for i, _ in enumerate(emails):
        store.execute(
            "INSERT INTO debtor_emails (debtor_id, email, position, status, status_reason,"
            " status_at) VALUES (?, ?, ?, 'removed', 'erased', ?)",
            (debtor_id, f"erased-{token}-{i}@erased.invalid", i, at),
        )
    ibans = store.query("SELECT iban FROM debtor_ibans WHERE debtor_id = ?", (debtor_id,))
    store.execute("DELETE FROM debtor_ibans WHERE debtor_id = ?", (debtor_id,))
    n_in, n_out = purge_mail(store, debtor_id, None, at)
    erase_postal_address(store, debtor_id)
    store.execute("UPDATE inbox SET from_addr = NULL WHERE debtor_id = ?", (debtor_id,))
    store.execute(
        "UPDATE bank_transactions SET counterparty_name = NULL, counterparty_iban = NULL"
        " WHERE id IN (SELECT a.transaction_id FROM allocations a JOIN invoices i"
        " ON i.number = a.invoice_number WHERE i.debtor_id = ?)",
        (debtor_id,),
    )
    store.execute(
        "UPDATE case_events SET detail = '{\"erased\": true}' WHERE debtor_id = ?"
        " AND event = 'note'",
        (debtor_id,),
    )
    store.execute(
        "UPDATE review_items SET evidence = '{\"erased\": true}' WHERE debtor_id = ?",
        (debtor_id,),
    )
    return {"emails": len(emails), "ibans": len(ibans), "inbox": n_in, "outbox": n_out}
