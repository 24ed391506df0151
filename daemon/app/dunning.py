"""The daily dunning unit of work: read a snapshot ONCE → plan purely → write once.

``plan(store, config, today)`` is the one code path shared by ``dunmail preview`` and the
daemon; ``queue_day`` writes its result (outbox rows, tasks, invoice steps, events) in one
transaction; ``run_cycle`` is one full cycle: promises → plan → queue → drain the outbox.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.cases import open_case
from daemon.adapters.store.db import Store
from daemon.adapters.store.dunning_snapshot import debtor_name
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import add_review_item
from daemon.app.freshness import bank_freshness, invoice_freshness
from daemon.app.ladder_steps import (
    QueueReport,
    advance_invoices,
    send_moment,
    step_decision,
    step_message_id,
)
from daemon.app.letter_steps import queue_letter
from daemon.app.letters import (
    mail_attachments,
    no_address_item,
    step_of,
)
from daemon.app.mailout import enqueue
from daemon.app.outbox import DrainReport, drain_outbox
from daemon.app.planner_snapshot import global_pause_reason, load_snapshots, plan_settings
from daemon.app.reminder_mail import build_mail
from daemon.app.review_wait import escalate_review_waits
from daemon.config import Config
from daemon.domain.dunning_planner import Action, ActionKind, plan_day

ACTOR = "daemon"


# -- plan (shared by preview and the daemon) ------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayPlan:
    today: date
    actions: list[Action]
    bank_ok: bool
    bank_latest: date | None
    bank_reason: str
    global_pause: str | None
    names: dict[str, str] = field(default_factory=dict)
    send_at: datetime | None = None  # when a mail planned now really leaves (window opening)
    invoice_ok: bool = True  # the invoice-freshness gate (intake.max_invoice_age_business_days)
    invoice_reason: str = ""


def plan(store: Store, config: Config, today: date, now: datetime | None = None) -> DayPlan:
    """What the daemon would do on ``today`` (at ``now``), and why. Writes nothing."""
    ok, latest, reason = bank_freshness(store, config, today)
    invoice_ok, _, invoice_reason = invoice_freshness(store, config, today)
    pause = global_pause_reason(store, today)
    send_at = send_moment(config, today, now)
    blocks = [r for good, r in ((ok, reason), (invoice_ok, invoice_reason)) if not good]
    settings = plan_settings(
        config,
        global_pause=pause,
        bank_block="; ".join(blocks) or None,
        send_day=send_at.astimezone(config.office.tz).date(),
    )
    with _cyclic_gc_paused():
        snapshots = load_snapshots(store, config, today)
        actions = plan_day(snapshots, today, settings)
    names = {s.debtor_id: s.name for s in snapshots}
    return DayPlan(
        today, actions, ok, latest, reason, pause, names, send_at, invoice_ok, invoice_reason
    )


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Planning builds a few hundred thousand acyclic values (rows, snapshots, actions); the
    cyclic collector walking them again and again cost ~1 s of a 4 s plan of 100,000
    invoices (bench/bench_plan.py). Reference counting still frees everything."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


# -- write ----------------------------------------------------------------------------------


def _queue_mail(
    store: Store, config: Config, action: Action, today: date, now: datetime, report: QueueReport
) -> None:
    now_iso = iso_utc(now)
    case = open_case(store, action.debtor_id, now=now_iso)
    mid = step_message_id(store, action, config)
    if mid is None:
        report.skipped += 1
        return
    name = debtor_name(store, action.debtor_id)
    mail, _context = build_mail(
        action,
        config,
        debtor_name=name,
        case_token=case["token"],
        now=now,
        today=today,
        message_id=mid,
    )
    files, problems = mail_attachments(
        store, config, action, step_of(config, action), mail.language or "nl"
    )
    if files:
        mail = replace(mail, attachments=tuple(files))
    send_at = send_moment(config, today, now)
    previous = advance_invoices(store, action, today, now_iso)
    extra = {
        "previous": previous,
        "qr": mail.inline_png is not None,
        "attachments": [f.filename for f in files],
        "attachment_problems": problems,
        # The stated deadline counts from this day; the outbox never sends it later.
        "send_day": send_at.astimezone(config.office.tz).date().isoformat(),
    }
    decision = step_decision(action, today, extra)
    outbox_id = enqueue(
        store,
        mail,
        debtor_id=action.debtor_id,
        case_id=case["id"],
        step=action.step,
        step_name=action.step_name,
        invoice_numbers=[i.number for i in action.invoices],
        decision=decision,
        not_before=iso_utc(send_at),
        now=now_iso,
    )
    if outbox_id is None:
        raise RuntimeError(f"outbox refused {mid}")  # rolls back the invoice updates
    report.queued.append(outbox_id)
    record_event(
        store,
        f"{action.kind}_queued",
        debtor_id=action.debtor_id,
        case_id=case["id"],
        detail={"message_id": mid, **decision},
        outbox_id=outbox_id,
        at=now_iso,
    )


def _queue_task(
    store: Store, config: Config, action: Action, today: date, now: datetime, report: QueueReport
) -> None:
    now_iso = iso_utc(now)
    case = open_case(store, action.debtor_id, now=now_iso)
    numbers = [i.number for i in action.invoices]
    key = f"{action.kind}:{action.debtor_id}:{action.step}:{action.message_key}"
    if action.kind == "bounce":
        key = f"no-address:{action.debtor_id}:{action.step}:{action.message_key}"
    if action.kind == "no_postal_address":
        # No PDF without an address for the window: a person adds it; the step waits.
        item = no_address_item(store, action, case["id"], now_iso)
        report.tasks.append(item)
        record_event(
            store,
            "letter_no_address",
            debtor_id=action.debtor_id,
            case_id=case["id"],
            detail={"review_item": item, **step_decision(action, today, {})},
            at=now_iso,
        )
        return
    item_id = add_review_item(
        store,
        action.kind if action.kind in ("call_task", "handover", "bounce") else "call_task",
        action.reason,
        priority=1 if action.kind == "handover" else 2,
        evidence=step_decision(action, today, {}),
        due_date=today.isoformat(),
        debtor_id=action.debtor_id,
        case_id=case["id"],
        invoice_numbers=numbers,
        dedupe_key=key,
        now=now_iso,
    )
    previous = advance_invoices(store, action, today, now_iso)
    report.tasks.append(item_id)
    record_event(
        store,
        f"{action.kind}_task",
        debtor_id=action.debtor_id,
        case_id=case["id"],
        detail={"review_item": item_id, **step_decision(action, today, {"previous": previous})},
        at=now_iso,
    )


def queue_day(store: Store, config: Config, now: datetime) -> tuple[DayPlan, QueueReport]:
    """Plan ``now``'s day and write the result in one transaction."""
    today = now.astimezone(config.office.tz).date()
    report = QueueReport()
    with store.transaction():
        day = plan(store, config, today, now)
        for action in day.actions:
            if action.action == ActionKind.EMAIL and action.channel == "letter":
                queue_letter(store, config, action, today, now, report)
            elif action.action == ActionKind.EMAIL:
                _queue_mail(store, config, action, today, now, report)
            elif action.action == ActionKind.TASK:
                _queue_task(store, config, action, today, now, report)
            elif action.action == ActionKind.HOLD:
                report.held += 1
            else:
                report.skipped += 1
    return day, report


# -- one full cycle -------------------------------------------------------------------------


@dataclass
class CycleReport:
    today: date
    plan: DayPlan
    queued: QueueReport
    drained: DrainReport
    promises: Any = None
    intake: Any = None  # daemon.app.intake.IntakeReport when drop folders are configured


def daily_reviews(store: Store, config: Config, today: date, now: datetime) -> dict[str, Any]:
    """What must be settled before planning: promises kept or broken, paid-claim pauses
    that ran out, payment-plan instalments paid or missed, replies waiting too long for a
    person (escalated)."""
    from daemon.app.plan_watch import review_plans
    from daemon.app.promises import review_promises

    return {
        "promises": review_promises(store, config, today, now),
        "plans": review_plans(store, config, today, now),
        "escalated_reviews": escalate_review_waits(store, config, today, now),
    }


def run_cycle(
    store: Store,
    config: Config,
    *,
    now: datetime,
    smtp_send: Callable[..., Any] | None = None,
    imap_factory: Callable[[], Any] | None = None,
) -> CycleReport:
    """One full cycle as if at ``now``: take drop-folder files → review promises → plan →
    queue → drain the outbox."""
    today = now.astimezone(config.office.tz).date()
    intake = None
    if config.intake.invoices_dir or config.intake.statements_dir:
        from daemon.app.intake import run_intake

        intake = run_intake(store, config, now)
    promises = daily_reviews(store, config, today, now)
    day, queued = queue_day(store, config, now)
    drained = drain_outbox(store, config, now=now, smtp_send=smtp_send, imap_factory=imap_factory)
    return CycleReport(today, day, queued, drained, promises, intake)


def money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")
