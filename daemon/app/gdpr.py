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
from daemon.adapters.store import gdpr as gdpr_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.letters import letter_pdfs
from daemon.config import Config
from daemon.domain.invoice_states import LIVE_STATES

RETENTION_YEARS = {"NL": 7, "DE": 8, "BE": 10}
LIVE_INVOICE_STATES = LIVE_STATES  # daemon.domain.invoice_states


class GdprError(ValueError):
    """The request cannot be carried out; the message says what to fix."""


def purge_expired(store: Store, config: Config, today: date, now: datetime) -> dict[str, int]:
    """Purge mail bodies of debtors whose case closed more than
    retention.closed_case_mail_days ago and who have no open case since."""
    at = iso_utc(now)
    cutoff = (today - timedelta(days=config.retention.closed_case_mail_days)).isoformat()
    debtors = gdpr_store.closed_before(store, cutoff)
    totals = {"debtors": 0, "inbox": 0, "outbox": 0}
    for row in debtors:
        with store.transaction():
            n_in, n_out = gdpr_store.purge_mail(store, row["debtor_id"], row["closed_at"], at)
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
    debtor = gdpr_store.debtor_record(store, debtor_id)
    if debtor is None:
        raise GdprError(f"no debtor {debtor_id}; see: dunmail debtors list")
    out: dict[str, Any] = {
        "debtor": {**debtor, "tags": loads(debtor["tags"], [])},
        **gdpr_store.held_about(store, debtor_id),
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
        for prefix, mail_id, raw in gdpr_store.mail_bodies(store, debtor_id):
            z.writestr(f"mail/{prefix}-{mail_id:06d}.eml", raw)
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
    debtor = gdpr_store.debtor_record(store, debtor_id)
    if debtor is None:
        raise GdprError(f"no debtor {debtor_id}; see: dunmail debtors list")
    if debtor["erased_at"]:
        raise GdprError(f"debtor {debtor_id} was already erased on {debtor['erased_at']}")
    live = gdpr_store.invoices_in(store, debtor_id, LIVE_INVOICE_STATES)
    last_issue = gdpr_store.last_issue_date(store, debtor_id)
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
        counts = gdpr_store.anonymise(store, debtor_id, token, at=at)
        detail = {
            "forced": force,
            "open_invoices": live,
            "emails": counts["emails"],
            "ibans": counts["ibans"],
            "mail_purged": {"inbox": counts["inbox"], "outbox": counts["outbox"]},
            "retention_until": keep_until.isoformat() if keep_until else None,
            "reason": "erasure request (GDPR art. 17)",
        }
        record_event(store, "debtor_erased", actor=actor, debtor_id=debtor_id, detail=detail, at=at)
    return detail
