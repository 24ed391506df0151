"""The freshness gates of the daily plan: no reminder while the newest bank statement or
the newest invoice data is too old (a reminder for an invoice paid or settled since)."""

from __future__ import annotations

from datetime import date, timedelta

from daemon.adapters.clock import parse_iso
from daemon.adapters.store.db import Store
from daemon.adapters.store.dunning_snapshot import last_statement_import, statement_days
from daemon.adapters.store.intake import latest_invoice_intake
from daemon.config import Config
from daemon.domain.workdays import is_business_day


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def bank_freshness(store: Store, config: Config, today: date) -> tuple[bool, date | None, str]:
    """(ok, latest statement date, reason). No reminder goes out while the newest imported
    statement is more than ``dunning.bank_freshness_business_days`` business days old, so
    nobody is reminded of an invoice paid yesterday. Safe default: with no statement ever
    imported the gate is closed; ``bank_freshness_business_days = 0`` switches it off."""
    limit = config.dunning.bank_freshness_business_days
    candidates = [_d(v) for v in statement_days(store)]
    latest = max((c for c in candidates if c is not None), default=None)
    if latest is None:
        imported = last_statement_import(store)
        if imported:
            latest = parse_iso(imported).astimezone(config.office.tz).date()
    if limit <= 0:
        return True, latest, "bank-freshness gate switched off (bank_freshness_business_days = 0)"
    if latest is None:
        return (
            False,
            None,
            "bank gate closed: no bank statement imported yet (import one, or set "
            "dunning.bank_freshness_business_days = 0)",
        )
    age = business_days_between(latest, today, config.office.jurisdiction)
    if age > limit:
        return (
            False,
            latest,
            f"bank gate closed: the newest bank statement ({latest.isoformat()}) is {age} "
            f"business days old; the limit is {limit}",
        )
    return True, latest, f"bank statements fresh: newest {latest.isoformat()} ({age} business days)"


def business_days_between(latest: date, today: date, country: str) -> int:
    """Business days after ``latest`` and before ``today``."""
    age, day = 0, latest + timedelta(days=1)
    while day < today:
        if is_business_day(day, country):
            age += 1
        day += timedelta(days=1)
    return age


def invoice_freshness(store: Store, config: Config, today: date) -> tuple[bool, date | None, str]:
    """(ok, day of the latest invoice intake, reason): the bank gate's twin. No reminder goes
    out while the newest invoice data (a drop-folder file, an applied open-items snapshot, an
    import) is more than ``intake.max_invoice_age_business_days`` business days old: an
    invoice settled in the accounting package since then would be reminded of. Off (0) by
    default, for offices that import by hand."""
    limit = config.intake.max_invoice_age_business_days
    at = latest_invoice_intake(store)
    latest = parse_iso(at).astimezone(config.office.tz).date() if at else None
    if limit <= 0:
        return True, latest, "invoice-freshness gate off (intake.max_invoice_age_business_days = 0)"
    if latest is None:
        return (
            False,
            None,
            "invoice gate closed: no invoice data arrived yet (drop an export in "
            "intake.invoices_dir, or set intake.max_invoice_age_business_days = 0)",
        )
    age = business_days_between(latest, today, config.office.jurisdiction)
    if age > limit:
        return (
            False,
            latest,
            f"invoice gate closed: the newest invoice data ({latest.isoformat()}) is {age} "
            f"business days old; the limit is {limit} (intake.max_invoice_age_business_days)",
        )
    return True, latest, f"invoice data fresh: newest {latest.isoformat()} ({age} business days)"
