"""GDPR: retention purge of mail bodies, a debtor's data export, and erasure (anonymisation).

Amounts stay for bookkeeping; what identifies a person goes. Statutory retention (domain-rules
§7: NL 7 years, DE 8 years for invoices, BE 10 years, from the end of the calendar year) wins
over an erasure request unless a person overrides it with --force.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.intake import outside_settlements_of
from daemon.adapters.store.letters import erase_postal_address, letter_pdfs, purge_letters
from daemon.config import Config
from daemon.domain.invoice_states import LIVE_STATES

RETENTION_YEARS = {"NL": 7, "DE": 8, "BE": 10}
LIVE_INVOICE_STATES = LIVE_STATES  # daemon.domain.invoice_states


class GdprError(ValueError):
    """The request cannot be carried out; the message says what to fix."""


def _purge_mail(store: Store, debtor_id: str, before: str | None, at: str) -> tuple[int, int]:
    """Drop stored bodies of the debtor's mail (received/created up to ``before``); the sha256,
    subject and dates stay. outbox.raw is NOT NULL, so an emptied body marks it."""
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


def purge_expired(store: Store, config: Config, today: date, now: datetime) -> dict[str, int]:
    """Purge mail bodies of debtors whose case closed more than
    retention.closed_case_mail_days ago and who have no open case since."""
    at = iso_utc(now)
    cutoff = (today - timedelta(days=config.retention.closed_case_mail_days)).isoformat()
    debtors = store.query(
        "SELECT debtor_id, MAX(closed_at) AS closed_at FROM cases GROUP BY debtor_id"
        " HAVING SUM(closed_at IS NULL) = 0 AND substr(MAX(closed_at), 1, 10) < ?",
        (cutoff,),
    )
    totals = {"debtors": 0, "inbox": 0, "outbox": 0}
    for row in debtors:
        with store.transaction():
            n_in, n_out = _purge_mail(store, row["debtor_id"], row["closed_at"], at)
            if n_in or n_out:
                record_event(
                    store,
                    "mail_purged",
                    debtor_id=row["debtor_id"],
                    detail={
                        "reason": "retention: case closed on "
                        f"{row['closed_at'][:10]}, kept "
                        f"{config.retention.closed_case_mail_days} days",
                        "inbox": n_in,
                        "outbox": n_out,
                    },
                    at=at,
                )
                totals["debtors"] += 1
                totals["inbox"] += n_in
                totals["outbox"] += n_out
    return totals


def export_debtor(store: Store, debtor_id: str) -> dict[str, Any]:
    """Everything held about a debtor (art. 15 GDPR), mail as metadata (bodies via the ZIP)."""
    debtor = store.one("SELECT * FROM debtors WHERE id = ?", (debtor_id,))
    if debtor is None:
        raise GdprError(f"no debtor {debtor_id}; see: dunmail debtors list")
    numbers = [
        r["number"]
        for r in store.query("SELECT number FROM invoices WHERE debtor_id = ?", (debtor_id,))
    ]
    marks = ",".join("?" * len(numbers)) or "NULL"

    def q(sql: str, params: Any = (debtor_id,)) -> list[dict[str, Any]]:
        return store.query(sql, params)

    out: dict[str, Any] = {
        "debtor": {**debtor, "tags": loads(debtor["tags"], [])},
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
    for key in ("review_items", "events"):
        for row in out[key]:
            for col in ("evidence", "detail"):
                if col in row:
                    row[col] = loads(row[col], {})
    return out


def export_zip(store: Store, debtor_id: str) -> bytes:
    data = export_debtor(store, debtor_id)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("debtor.json", json.dumps(data, ensure_ascii=False, indent=2, default=str))
        for table, prefix in (("inbox", "in"), ("outbox", "out")):
            for row in store.query(
                f"SELECT id, raw FROM {table} WHERE debtor_id = ?"
                " AND raw IS NOT NULL AND length(raw) > 0",
                (debtor_id,),
            ):
                z.writestr(f"mail/{prefix}-{row['id']:06d}.eml", bytes(row["raw"]))
        for row in letter_pdfs(store, debtor_id):
            z.writestr(f"letters/letter-{row['id']:06d}.pdf", bytes(row["pdf"]))
    return buffer.getvalue()


def retention_until(config: Config, debtor: dict[str, Any], last_issue: str | None) -> date | None:
    """The last day the invoice records must be kept (end of year + N years)."""
    if last_issue is None:
        return None
    country = (debtor.get("country") or config.office.jurisdiction).upper()
    years = RETENTION_YEARS.get(country, 10)
    return date(date.fromisoformat(last_issue).year + years, 12, 31)


def erase_debtor(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    force: bool,
    actor: str,
    today: date,
    now: datetime,
) -> dict[str, Any]:
    """Anonymise a debtor (art. 17): name, addresses and IBANs replaced, mail bodies purged,
    notes and evidence text dropped; invoice amounts and payments stay for the books."""
    debtor = store.one("SELECT * FROM debtors WHERE id = ?", (debtor_id,))
    if debtor is None:
        raise GdprError(f"no debtor {debtor_id}; see: dunmail debtors list")
    if debtor["erased_at"]:
        raise GdprError(f"debtor {debtor_id} was already erased on {debtor['erased_at']}")
    live = [
        r["number"]
        for r in store.query(
            f"SELECT number FROM invoices WHERE debtor_id = ? AND status IN"
            f" ({','.join('?' * len(LIVE_INVOICE_STATES))})",
            (debtor_id, *LIVE_INVOICE_STATES),
        )
    ]
    last_issue = store.scalar(
        "SELECT MAX(issue_date) FROM invoices WHERE debtor_id = ?", (debtor_id,)
    )
    keep_until = retention_until(config, debtor, last_issue)
    if not force:
        if live:
            raise GdprError(
                f"debtor {debtor_id} still has open invoices ({', '.join(live)});"
                " settle them first or add --force"
            )
        if keep_until is not None and today <= keep_until:
            raise GdprError(
                f"invoice records of {debtor_id} fall under statutory retention until"
                f" {keep_until.isoformat()}; add --force to anonymise anyway"
            )
    at = iso_utc(now)
    token = hashlib.sha256(debtor_id.encode()).hexdigest()[:10]
    with store.transaction():
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
        ibans = [
            r["iban"]
            for r in store.query("SELECT iban FROM debtor_ibans WHERE debtor_id = ?", (debtor_id,))
        ]
        store.execute("DELETE FROM debtor_ibans WHERE debtor_id = ?", (debtor_id,))
        n_in, n_out = _purge_mail(store, debtor_id, None, at)
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
        detail = {
            "forced": force,
            "open_invoices": live,
            "emails": len(emails),
            "ibans": len(ibans),
            "mail_purged": {"inbox": n_in, "outbox": n_out},
            "retention_until": keep_until.isoformat() if keep_until else None,
            "reason": "erasure request (GDPR art. 17)",
        }
        record_event(store, "debtor_erased", actor=actor, debtor_id=debtor_id, detail=detail, at=at)
    return detail
