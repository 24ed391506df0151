"""Draining the outbox: claim → last look → send → mark sent → copy into the Sent folder.

Crash safety: a row is ``sending`` from its claim until it is marked ``sent``; a crash in
between leaves it ``sending`` and start-up recovery (daemon.app.recovery) resolves it from
the Sent folder — never by sending again. Transient SMTP errors put the row back in the
queue with a persistent, capped exponential backoff (``attempts`` and ``not_before`` in the
row survive restarts); a permanent refusal flags the address and opens a review item.

Test hook: ``DUNMAIL_CRASH_AT=after_claim|after_send|after_mark[:N]`` kills the process
with SIGKILL at that point (the N-th time), for the crash-injection tests.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.mailerrors import MailError, PermanentMailError, TransientMailError
from daemon.adapters.store import outbox as outbox_store
from daemon.adapters.store.cases import add_hold
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.ladder_state import date_sent_step, revert_invoice
from daemon.adapters.store.outbox import flag_undeliverable
from daemon.adapters.store.queue import add_review_item
from daemon.app.claims import book_sent_claims
from daemon.app.last_look import last_look
from daemon.app.sent_folder import ImapFactory, ImapSession, copy_row, default_imap_factory
from daemon.config import Config
from daemon.domain.ladder_state import reversals
from daemon.domain.workdays import SendingWindow

MAX_ATTEMPTS = 12
BASE_DELAY_SECONDS = 60
_DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
_hits: dict[str, int] = {}

SmtpSend = Callable[..., Any]


def crash_point(name: str) -> None:
    wanted = os.environ.get("DUNMAIL_CRASH_AT", "")
    if not wanted:
        return
    point, _, nth = wanted.partition(":")
    if point != name:
        return
    _hits[name] = _hits.get(name, 0) + 1
    if _hits[name] >= int(nth or 1):
        os.kill(os.getpid(), signal.SIGKILL)


def sending_window(config: Config) -> SendingWindow:
    """The configured window (send_days, send_start … send_end) in the office timezone."""
    d = config.dunning
    start, end = d.send_window_minutes
    return SendingWindow(
        tz=config.office.tz,
        weekdays=frozenset(_DAYS[x] for x in d.send_days),
        start=start,
        end=end,
        country=config.office.jurisdiction,
    )


@dataclass
class DrainReport:
    sent: list[int] = field(default_factory=list)
    deferred: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    cancelled: list[int] = field(default_factory=list)
    copied: int = 0
    outside_window: bool = False
    paused: bool = False
    rate_limited: bool = False
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _default_smtp() -> SmtpSend:
    from daemon.adapters.smtp import send_message_sync

    return send_message_sync


def _local_day(moment: datetime, config: Config) -> date:
    return moment.astimezone(config.office.tz).date()


# -- step bookkeeping shared with recovery --------------------------------------------------


def revert_steps(store: Store, row: dict[str, Any], at: str) -> None:
    """A reminder that never went out: give its invoices their previous step back, so the
    step is planned again (never skipped)."""
    for reversal in reversals(loads(row["decision"], {})):
        revert_invoice(store, reversal, at)


def mark_sent(store: Store, config: Config, row: dict[str, Any], sent_at: datetime) -> None:
    """Record the SMTP acceptance: the step's real date, and for a formal notice the day of
    receipt (the statutory term counts from the day after)."""
    at = iso_utc(sent_at)
    day = _local_day(sent_at, config).isoformat()
    outbox_store.set_sent(store, row["id"], at)
    decision = loads(row["decision"], {})
    for adv in decision.get("advances", []):
        formal = bool(adv.get("formal_notice"))
        date_sent_step(store, adv["number"], adv["to_step"], day=day, formal_notice=formal, at=at)
    # The costs and interest the mail stated become booked claims of the case (#15).
    book_sent_claims(store, row, at)
    record_event(
        store,
        f"{row['kind']}_sent",
        debtor_id=row["debtor_id"],
        case_id=row["case_id"],
        detail={
            "message_id": row["message_id"],
            "recipients": loads(row["recipients"], []),
            "invoices": loads(row["invoice_numbers"], []),
            "step": row["step_name"],
            "reason": decision.get("reason"),
        },
        message_sha256=row["sha256"],
        outbox_id=row["id"],
        at=at,
    )


# -- the drain ------------------------------------------------------------------------------


def _claim(store: Store, row: dict[str, Any], today: date, at: str, report: DrainReport) -> bool:
    with store.transaction():
        current = outbox_store.outbox_row(store, row["id"])
        if current is None or current["status"] != "queued":
            return False
        why = last_look(store, current, today)
        if why is not None:
            outbox_store.set_cancelled(store, row["id"], why)
            revert_steps(store, current, at)
            record_event(
                store,
                f"{row['kind']}_cancelled",
                debtor_id=row["debtor_id"],
                case_id=row["case_id"],
                outbox_id=row["id"],
                at=at,
                detail={"reason": why, "message_id": row["message_id"]},
            )
            report.cancelled.append(row["id"])
            return False
        outbox_store.claim_queued(store, row["id"], at)
    return True


def _backoff(
    store: Store,
    config: Config,
    row: dict[str, Any],
    now: datetime,
    error: Exception,
    report: DrainReport,
) -> None:
    at = iso_utc(now)
    attempts = outbox_store.attempts(store, row["id"])
    with store.transaction():
        if attempts >= MAX_ATTEMPTS:
            _fail(store, row, at, f"gave up after {attempts} attempts: {error}", "send_failed")
            report.failed.append(row["id"])
            return
        cap = max(config.daemon.backoff_max_seconds, BASE_DELAY_SECONDS)
        delay = min(cap, BASE_DELAY_SECONDS * 2 ** (attempts - 1))
        retry = sending_window(config).next_opening(now + timedelta(seconds=delay))
        outbox_store.requeue(store, row["id"], not_before=iso_utc(retry), error=str(error))
        record_event(
            store,
            "send_deferred",
            debtor_id=row["debtor_id"],
            outbox_id=row["id"],
            at=at,
            detail={"error": str(error), "attempts": attempts, "not_before": iso_utc(retry)},
        )
    report.deferred.append(row["id"])


def review_outbox_row(
    store: Store,
    row: dict[str, Any],
    item_type: str,
    reason: str,
    evidence: dict[str, Any],
    *,
    at: str,
) -> int:
    """A review item about one outbox row, once per row and type (crash-safe)."""
    return add_review_item(
        store,
        item_type,
        reason,
        priority=1,
        evidence=evidence,
        debtor_id=row["debtor_id"],
        case_id=row["case_id"],
        invoice_numbers=loads(row["invoice_numbers"], []),
        outbox_id=row["id"],
        dedupe_key=f"{item_type}:outbox:{row['id']}",
        now=at,
    )


def _fail(store: Store, row: dict[str, Any], at: str, why: str, item_type: str) -> None:
    outbox_store.set_failed(store, row["id"], why)
    revert_steps(store, row, at)
    review_outbox_row(
        store,
        row,
        item_type,
        f"{row['kind']} {row['message_id']} was not delivered: {why}",
        {"message_id": row["message_id"], "error": why},
        at=at,
    )
    record_event(
        store,
        "send_failed",
        debtor_id=row["debtor_id"],
        case_id=row["case_id"],
        outbox_id=row["id"],
        at=at,
        detail={"error": why},
    )


def _permanent(
    store: Store,
    row: dict[str, Any],
    now: datetime,
    error: PermanentMailError,
    report: DrainReport,
) -> None:
    at = iso_utc(now)
    with store.transaction():
        if error.recipients:
            for address, (code, text) in error.recipients.items():
                flag_undeliverable(store, row["debtor_id"], address, f"{code} {text}", at)
            _fail(store, row, at, f"recipient refused: {error}", "bounce")
        else:
            _fail(store, row, at, f"refused: {error}", "send_failed")
            if row["debtor_id"]:
                # The same mail would be refused again tomorrow: a person looks first.
                add_hold(
                    store,
                    "debtor",
                    row["debtor_id"],
                    f"sending refused: {error}",
                    by="daemon",
                    now=at,
                )
    report.failed.append(row["id"])


def drain_outbox(
    store: Store,
    config: Config,
    *,
    now: datetime,
    smtp_send: SmtpSend | None = None,
    imap_factory: ImapFactory | None = None,
    limit: int | None = None,
) -> DrainReport:
    """Send what is due at ``now``; see the module docstring for the guarantees."""
    report = DrainReport()
    at = iso_utc(now)
    imap = ImapSession(imap_factory if imap_factory is not None else default_imap_factory(config))
    try:
        for row in outbox_store.sent_not_copied(store):
            copy_row(imap, config, store, row, True, report)
        if not sending_window(config).allows(now):
            report.outside_window = True
            return report
        if store.get_state("global_pause") == "1":
            report.paused = True
            return report
        budget = _rate_budget(store, config, now)
        send = smtp_send or _default_smtp()
        today = _local_day(now, config)
        for row in outbox_store.due_rows(store, at, limit):
            if budget is not None and budget <= 0:
                report.rate_limited = True
                break
            if not _claim(store, row, today, at, report):
                continue
            crash_point("after_claim")
            if not _send_one(store, config, row, send, now, report):
                continue
            if budget is not None:
                budget -= 1
            crash_point("after_mark")
            copy_row(imap, config, store, row, False, report)
    finally:
        imap.close()
    return report


def _rate_budget(store: Store, config: Config, now: datetime) -> int | None:
    """How many mails may still leave in this minute (None: no limit)."""
    rate = config.smtp.rate_limit_per_minute
    if rate <= 0:
        return None
    recent = outbox_store.sent_since(store, iso_utc(now - timedelta(minutes=1)))
    return max(rate - recent, 0)


def _send_one(
    store: Store,
    config: Config,
    row: dict[str, Any],
    send: SmtpSend,
    now: datetime,
    report: DrainReport,
) -> bool:
    """Hand a claimed row to SMTP and record the outcome; True when it was accepted."""
    recipients = loads(row["recipients"], [])
    try:
        refused = send(config.smtp, row["raw"], mail_from=row["mail_from"], recipients=recipients)
    except PermanentMailError as exc:
        _permanent(store, row, now, exc, report)
        return False
    except (TransientMailError, MailError, OSError, TimeoutError) as exc:
        _backoff(store, config, row, now, exc, report)
        return False
    crash_point("after_send")
    at = iso_utc(now)
    with store.transaction():
        mark_sent(store, config, row, now)
        # Some senders report recipients refused while the others accepted the mail.
        refused_map = refused if isinstance(refused, dict) else getattr(refused, "refused", {})
        for address, detail in (refused_map or {}).items():
            flag_undeliverable(store, row["debtor_id"], address, str(detail), at)
    report.sent.append(row["id"])
    return True


def outbox_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    """The outbox listing (dunmail outbox), oldest first."""
    return outbox_store.outbox_rows(store, status)


def parse_when(text: str) -> datetime:
    return parse_iso(text)
