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
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.store.cases import active_holds, open_case
from daemon.adapters.store.claims import ledgers as claim_ledgers
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.intake import latest_invoice_intake, settled_outside
from daemon.adapters.store.invoices import invoice_rows
from daemon.adapters.store.letters import unposted_debtors
from daemon.adapters.store.queue import add_review_item
from daemon.app.letters import (
    mail_attachments,
    no_address_item,
    step_of,
)
from daemon.app.mailout import derived_message_id, enqueue, mail_domain
from daemon.app.outbox import DrainReport, drain_outbox, sending_window
from daemon.app.reminder_mail import build_mail, message_id_for
from daemon.app.review_wait import escalate_review_waits, load_review_waits
from daemon.config import Config
from daemon.domain.cases import (
    Action,
    ActionKind,
    DebtorSnapshot,
    InvoiceState,
    LastReminder,
    PlanSettings,
    plan_day,
)
from daemon.domain.claims import Ledger, interest_basis
from daemon.domain.invoice_states import LIVE_STATES
from daemon.domain.money import from_cents, to_cents
from daemon.domain.policy import Progress
from daemon.domain.statement_of_account import InvoiceItem
from daemon.domain.workdays import is_business_day

ACTOR = "daemon"


# -- the bank-freshness gate ----------------------------------------------------------------


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


def bank_freshness(store: Store, config: Config, today: date) -> tuple[bool, date | None, str]:
    """(ok, latest statement date, reason). No reminder goes out while the newest imported
    statement is more than ``dunning.bank_freshness_business_days`` business days old, so
    nobody is reminded of an invoice paid yesterday. Safe default: with no statement ever
    imported the gate is closed; ``bank_freshness_business_days = 0`` switches it off."""
    limit = config.dunning.bank_freshness_business_days
    row = store.one(
        "SELECT MAX(COALESCE(latest_booking_date, '')) AS booking,"
        " MAX(COALESCE(closing_date, '')) AS closing, MAX(COALESCE(to_date, '')) AS upto"
        " FROM statements"
    )
    candidates = [_d(v) for v in (row or {}).values() if v]
    latest = max((c for c in candidates if c is not None), default=None)
    if latest is None:
        imported = store.scalar(
            "SELECT MAX(imported_at) FROM statement_files WHERE status = 'imported'"
        )
        if imported:
            latest = parse_iso(str(imported)).astimezone(config.office.tz).date()
    if limit <= 0:
        return True, latest, "bank-freshness gate switched off (bank_freshness_business_days = 0)"
    if latest is None:
        return (
            False,
            None,
            "bank gate closed: no bank statement imported yet (import one, or set "
            "dunning.bank_freshness_business_days = 0)",
        )
    country = config.office.jurisdiction
    age, day = 0, latest + timedelta(days=1)
    while day < today:
        if is_business_day(day, country):
            age += 1
        day += timedelta(days=1)
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


# -- snapshot -------------------------------------------------------------------------------


def plan_settings(
    config: Config,
    *,
    global_pause: str | None,
    bank_block: str | None,
    send_day: date | None = None,
) -> PlanSettings:
    d = config.dunning
    return PlanSettings(
        ladders=dict(config.ladders),
        ladder_b2b=d.ladder_b2b,
        ladder_b2c=d.ladder_b2c,
        tag_ladders=dict(d.tag_ladders),
        min_open=d.min_open,
        min_spacing_days=d.min_spacing_days,
        country=config.office.jurisdiction,
        atw_extension=d.atw_extension,
        vat_deductible=config.office.vat_deductible,
        thank_you=d.thank_you,
        enabled=d.enabled,
        global_pause=global_pause,
        bank_block=bank_block,
        review_wait_max_days=config.inbound.review_wait_max_days,
        send_day=send_day,
        letter_receipt_days=config.letters.receipt_business_days,
    )


def global_pause_reason(store: Store, today: date) -> str | None:
    if store.get_state("global_pause") == "1":
        return store.get_state("global_pause_reason") or "paused with dunmail pause"
    for hold in active_holds(store, today.isoformat()):
        if hold["scope"] == "global":
            return f"global hold: {hold['reason']}"
    return None


def _local_day(iso: str, config: Config) -> date:
    return parse_iso(iso).astimezone(config.office.tz).date()


def _invoice_state(
    row: dict[str, Any], held: dict[str, str], promised: dict[str, str], planned: set[str]
) -> InvoiceState:
    open_c = (
        row["amount_cents"] - row["paid_cents"] - row["credited_cents"] - row["written_off_cents"]
    )
    notice_c = row["formal_notice_cents"]
    item = InvoiceItem(
        number=row["number"],
        currency=row["currency"],
        amount=from_cents(row["amount_cents"]),
        open=from_cents(max(open_c, 0)),
        issue_date=date.fromisoformat(row["issue_date"]),
        due_date=date.fromisoformat(row["due_date"]),
        reference=row["reference"],
        reference_kind=row["reference_kind"],
        formal_notice_date=_d(row["formal_notice_date"]),
        formal_notice_costs=None if notice_c is None else from_cents(notice_c),
    )
    progress = Progress(
        issue_date=item.issue_date,
        due_date=item.due_date,
        done=row["dunning_step"],
        last_step_date=_d(row["last_step_date"]),
        formal_notice_date=item.formal_notice_date,
    )
    return InvoiceState(
        item=item,
        status=row["status"],
        progress=progress,
        last_step_name=row["last_step_name"],
        held=held.get(row["number"]),
        promised=promised.get(row["number"]),
        in_plan=row["number"] in planned,
    )


def load_snapshots(store: Store, config: Config, today: date) -> list[DebtorSnapshot]:
    """Everything the planner needs, read in one go (one consistent snapshot)."""
    with store.transaction():
        return _load(store, config, today)


def _load(store: Store, config: Config, today: date) -> list[DebtorSnapshot]:
    iso_today = today.isoformat()
    invoices = invoice_rows(store, statuses=LIVE_STATES)
    holds = active_holds(store, iso_today)
    debtor_holds = {h["target"]: h["reason"] for h in holds if h["scope"] == "debtor"}
    invoice_holds = {h["target"]: h["reason"] for h in holds if h["scope"] == "invoice"}
    promised: dict[str, str] = {}
    promised_all: dict[str, str] = {}
    for p in store.query(
        "SELECT * FROM promises WHERE status = 'open' AND grace_until >= ?", (iso_today,)
    ):
        why = f"until {p['grace_until']}"
        numbers = loads(p["invoice_numbers"], [])
        if numbers:
            promised.update({n: why for n in numbers})
        else:
            promised_all[p["debtor_id"]] = why
    planned: set[str] = set()
    for plan_row in store.query(
        "SELECT invoice_numbers FROM payment_plans WHERE status = 'active'"
    ):
        planned.update(loads(plan_row["invoice_numbers"], []))
    outbox = store.query(
        "SELECT debtor_id, kind, status, message_id, invoice_numbers, created_at, sent_at"
        " FROM outbox WHERE kind IN ('reminder','thank_you') AND status != 'cancelled'"
        " AND status != 'failed' ORDER BY id"
    )
    thanked = {r["message_id"] for r in outbox if r["kind"] == "thank_you"}
    mail_info: dict[str, dict[str, Any]] = {}
    for r in outbox:
        if r["kind"] != "reminder" or r["debtor_id"] is None:
            continue
        info = mail_info.setdefault(r["debtor_id"], {"last": None, "pending": False, "sent": None})
        day = _local_day(r["sent_at"] or r["created_at"], config)
        info["last"] = max(info["last"] or day, day)
        if r["status"] in ("queued", "sending"):
            info["pending"] = True
        if r["status"] == "sent" and (
            info["sent"] is None or (r["sent_at"] or "") >= (info["sent"]["sent_at"] or "")
        ):
            info["sent"] = r
    by_debtor: dict[str, list[dict[str, Any]]] = {}
    for row in invoices:
        by_debtor.setdefault(row["debtor_id"], []).append(row)
    candidates = set(by_debtor)
    thank_candidates: dict[str, LastReminder] = {}
    for debtor_id, info in mail_info.items():
        sent = info["sent"]
        if sent is None or debtor_id in by_debtor:
            continue
        thanks_id = derived_message_id(
            "thanks", sent["message_id"], mail_domain(config.office.email)
        )
        if thanks_id in thanked:
            continue
        numbers = tuple(loads(sent["invoice_numbers"], []))
        statuses = (
            {
                r["number"]: r["status"]
                for r in store.query(
                    f"SELECT number, status FROM invoices WHERE number IN ({','.join('?' * len(numbers))})",
                    numbers,
                )
            }
            if numbers
            else {}
        )
        all_paid = bool(numbers) and all(statuses.get(n) == "paid" for n in numbers)
        if all_paid and not config.intake.thank_on_outside_settlement:
            # Paid in the accounting package (an open-items snapshot): dunmail saw no money
            # arrive, so it does not thank for it unless the office wants it to.
            all_paid = not settled_outside(store, list(numbers))
        thank_candidates[debtor_id] = LastReminder(sent["message_id"], numbers, all_paid)
        candidates.add(debtor_id)
    if not candidates:
        return []
    marks = ",".join("?" * len(candidates))
    ids = sorted(candidates)
    debtors = {r["id"]: r for r in store.query(f"SELECT * FROM debtors WHERE id IN ({marks})", ids)}
    emails: dict[str, list[str]] = {}
    for r in store.query(
        f"SELECT debtor_id, email FROM debtor_emails WHERE status = 'ok' AND debtor_id IN ({marks})"
        " ORDER BY debtor_id, position",
        ids,
    ):
        emails.setdefault(r["debtor_id"], []).append(r["email"])
    cases = {
        r["debtor_id"]: r
        for r in store.query(
            f"SELECT * FROM cases WHERE closed_at IS NULL AND debtor_id IN ({marks})", ids
        )
    }
    waits = load_review_waits(store, config)
    unposted = unposted_debtors(store)
    booked = claim_ledgers(store, [int(c["id"]) for c in cases.values()])
    snapshots = []
    for debtor_id in ids:
        d = debtors.get(debtor_id)
        if d is None or d["erased_at"]:
            continue
        case = cases.get(debtor_id)
        info = mail_info.get(debtor_id, {})
        country = (d["country"] or "").upper()
        jurisdiction = country if country in ("NL", "BE", "DE") else config.office.jurisdiction
        debtor_promise = promised_all.get(debtor_id)
        rows = by_debtor.get(debtor_id, [])
        # A promise for all the debtor's invoices, else the per-invoice ones; never a merged
        # copy of every promise per invoice (that was O(invoices x promises)).
        states = tuple(
            _invoice_state(
                r,
                invoice_holds,
                {r["number"]: debtor_promise} if debtor_promise else promised,
                planned,
            )
            for r in rows
        )
        status = "insolvent" if d["insolvent"] else (case["status"] if case else "active")
        last = thank_candidates.get(debtor_id)
        snapshots.append(
            DebtorSnapshot(
                debtor_id=debtor_id,
                name=d["name"],
                language=d["language"] or config.office.language,
                debtor_type=d["debtor_type"],
                jurisdiction=jurisdiction,
                emails=tuple(emails.get(debtor_id, [])),
                invoices=states,
                tags=tuple(loads(d["tags"], [])),
                ladder_override=d["ladder"],
                case_id=case["id"] if case else None,
                case_token=case["token"] if case else None,
                case_status=status,
                paused_until=_d(case["paused_until"]) if case else None,
                hold=debtor_holds.get(debtor_id),
                last_mail_date=info.get("last"),
                mail_pending=bool(info.get("pending")),
                last_reminder=last,
                thank_you_sent=False,
                review_wait=waits.get(debtor_id),
                postal_address=bool(d["street"] and d["postcode"] and d["city"]),
                letter_unposted=unposted.get(debtor_id),
                ledger=booked.get(int(case["id"]), Ledger()) if case else Ledger(),
            )
        )
    return snapshots


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


def send_moment(config: Config, today: date, now: datetime | None = None) -> datetime:
    """When a mail planned at ``now`` (default: the start of ``today``, office time) really
    leaves: the sending window's next opening — the same computation the outbox uses for
    ``not_before``, so preview, the stated deadlines and the send time agree."""
    if now is None:
        now = datetime.combine(today, time(0, 0), tzinfo=config.office.tz)
    return sending_window(config).next_opening(now)


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


@dataclass
class QueueReport:
    queued: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    skipped: int = 0
    held: int = 0


def _decision(action: Action, today: date, extra: dict[str, Any]) -> dict[str, Any]:
    return {
        "date": today.isoformat(),
        "reason": action.reason,
        "ladder": action.ladder,
        "step": action.step,
        "step_name": action.step_name,
        "template": action.template,
        "amount_due": str(action.amount_due),
        "amount_due_cents": to_cents(action.amount_due),
        "costs": str(action.charges.costs),
        "cost_lines": [str(line) for line in action.charges.cost_lines],
        "interest": str(action.charges.interest),
        "interest_lines": [str(line) for line in action.charges.interest_lines],
        "charges_off": action.charges.off_reason,
        "currency": action.currency,
        "other_amounts": [{"currency": c, "amount": str(a)} for c, a in action.other_amounts],
        "costs_basis": action.charges.costs_basis,
        "interest_to": action.interest_to.isoformat() if action.interest_to else None,
        # What the mail claims; outbox.mark_sent books it in the case's claims ledger.
        "claims": [
            {
                "kind": c.kind,
                "currency": c.currency,
                "basis": action.charges.costs_basis
                if c.kind == "costs"
                else f"{interest_basis(action.jurisdiction, action.debtor_type)};"
                f" {action.charges.interest_convention}",
                "total": str(c.total),
                "to_book": str(c.to_book),
                "settled": str(c.settled),
                "due": str(c.due),
            }
            for c in action.claims
        ],
        "notice_costs": None if action.notice_costs is None else str(action.notice_costs),
        "deadline": action.deadline.isoformat() if action.deadline else None,
        "advances": [
            {
                "number": a.number,
                "from_step": a.from_step,
                "to_step": a.to_step,
                "step_name": a.step_name,
                "formal_notice": a.formal_notice,
            }
            for a in action.advances
        ],
        **extra,
    }


def _advance_invoices(
    store: Store, action: Action, today: date, now_iso: str
) -> list[dict[str, Any]]:
    previous = []
    for adv in action.advances:
        row = store.one(
            "SELECT dunning_step, last_step_name, last_step_date, formal_notice_date,"
            " formal_notice_cents FROM invoices WHERE number = ?",
            (adv.number,),
        )
        if row is None:
            continue
        previous.append({"number": adv.number, **row})
        notice_cents = (
            to_cents(action.notice_costs)
            if adv.formal_notice and action.notice_costs is not None
            else row["formal_notice_cents"]
        )
        store.execute(
            "UPDATE invoices SET dunning_step = ?, last_step_name = ?, last_step_date = ?,"
            " formal_notice_cents = ?, formal_notice_date = CASE WHEN ? THEN NULL"
            " ELSE formal_notice_date END, updated_at = ? WHERE number = ?",
            (
                adv.to_step,
                adv.step_name,
                today.isoformat(),
                notice_cents,
                adv.formal_notice,
                now_iso,
                adv.number,
            ),
        )
    return previous


def _message_id(store: Store, action: Action, config: Config) -> str | None:
    for attempt in range(1, 50):
        mid = message_id_for(action, config, attempt)
        status = store.scalar("SELECT status FROM outbox WHERE message_id = ?", (mid,))
        if status is None:
            return mid
        if status != "cancelled":
            return None  # this mail already exists: never a second one
        if action.kind == "thank_you":
            return None
    return None


def _queue_mail(
    store: Store, config: Config, action: Action, today: date, now: datetime, report: QueueReport
) -> None:
    now_iso = iso_utc(now)
    case = open_case(store, action.debtor_id, now=now_iso)
    mid = _message_id(store, action, config)
    if mid is None:
        report.skipped += 1
        return
    name = store.scalar("SELECT name FROM debtors WHERE id = ?", (action.debtor_id,)) or ""
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
    previous = _advance_invoices(store, action, today, now_iso)
    extra = {
        "previous": previous,
        "qr": mail.inline_png is not None,
        "attachments": [f.filename for f in files],
        "attachment_problems": problems,
        # The stated deadline counts from this day; the outbox never sends it later.
        "send_day": send_at.astimezone(config.office.tz).date().isoformat(),
    }
    decision = _decision(action, today, extra)
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
            detail={"review_item": item, **_decision(action, today, {})},
            at=now_iso,
        )
        return
    item_id = add_review_item(
        store,
        action.kind if action.kind in ("call_task", "handover", "bounce") else "call_task",
        action.reason,
        priority=1 if action.kind == "handover" else 2,
        evidence=_decision(action, today, {}),
        due_date=today.isoformat(),
        debtor_id=action.debtor_id,
        case_id=case["id"],
        invoice_numbers=numbers,
        dedupe_key=key,
        now=now_iso,
    )
    previous = _advance_invoices(store, action, today, now_iso)
    report.tasks.append(item_id)
    record_event(
        store,
        f"{action.kind}_task",
        debtor_id=action.debtor_id,
        case_id=case["id"],
        detail={"review_item": item_id, **_decision(action, today, {"previous": previous})},
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
                from daemon.app.letter_steps import queue_letter  # imports this module

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
    from daemon.app.plans import review_plans
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
