"""The planner's snapshot: everything ``plan_day`` needs, read in one go from the store
(one consistent read), and the plan's settings from the config."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from daemon.adapters.clock import parse_iso
from daemon.adapters.store import dunning_snapshot as reads
from daemon.adapters.store.cases import active_holds
from daemon.adapters.store.claims import ledgers as claim_ledgers
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.intake import settled_outside
from daemon.adapters.store.invoices import invoice_rows
from daemon.adapters.store.letters import unposted_debtors
from daemon.app.mailout import derived_message_id, mail_domain
from daemon.app.review_wait import load_review_waits
from daemon.config import Config
from daemon.domain.claims import Ledger
from daemon.domain.dunning_planner import DebtorSnapshot, InvoiceState, LastReminder, PlanSettings
from daemon.domain.invoice_states import LIVE_STATES
from daemon.domain.money import from_cents
from daemon.domain.policy import Progress
from daemon.domain.statement_of_account import InvoiceItem


def _d(text: str | None) -> date | None:
    return date.fromisoformat(text[:10]) if text else None


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


@dataclass
class _Facts:
    """The maps one snapshot read builds, shared by every debtor's snapshot."""

    by_debtor: dict[str, list[dict[str, Any]]]
    debtor_holds: dict[str, str]
    invoice_holds: dict[str, str]
    promised: dict[str, str]
    promised_all: dict[str, str]
    planned: set[str]
    mail_info: dict[str, dict[str, Any]]
    thank_candidates: dict[str, LastReminder] = field(default_factory=dict)


def _promises(store: Store, iso_today: str) -> tuple[dict[str, str], dict[str, str]]:
    """(invoice → promise, debtor → promise for all its invoices), open and in grace."""
    promised: dict[str, str] = {}
    promised_all: dict[str, str] = {}
    for p in reads.promises_in_grace(store, iso_today):
        why = f"until {p['grace_until']}"
        numbers = loads(p["invoice_numbers"], [])
        if numbers:
            promised.update({n: why for n in numbers})
        else:
            promised_all[p["debtor_id"]] = why
    return promised, promised_all


def _mail_info(outbox: list[dict[str, Any]], config: Config) -> dict[str, dict[str, Any]]:
    """Debtor → its last reminder day, whether one is pending, and the newest one sent."""
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
    return mail_info


def _thank_candidates(
    store: Store, config: Config, facts: _Facts, thanked: set[str]
) -> dict[str, LastReminder]:
    """Debtors with nothing live left whose last reminder was sent and not yet thanked for."""
    found: dict[str, LastReminder] = {}
    for debtor_id, info in facts.mail_info.items():
        sent = info["sent"]
        if sent is None or debtor_id in facts.by_debtor:
            continue
        thanks_id = derived_message_id(
            "thanks", sent["message_id"], mail_domain(config.office.email)
        )
        if thanks_id in thanked:
            continue
        numbers = tuple(loads(sent["invoice_numbers"], []))
        statuses = reads.invoice_statuses(store, numbers)
        all_paid = bool(numbers) and all(statuses.get(n) == "paid" for n in numbers)
        if all_paid and not config.intake.thank_on_outside_settlement:
            # Paid in the accounting package (an open-items snapshot): dunmail saw no money
            # arrive, so it does not thank for it unless the office wants it to.
            all_paid = not settled_outside(store, list(numbers))
        found[debtor_id] = LastReminder(sent["message_id"], numbers, all_paid)
    return found


def _facts(store: Store, config: Config, iso_today: str) -> _Facts:
    by_debtor: dict[str, list[dict[str, Any]]] = {}
    for row in invoice_rows(store, statuses=LIVE_STATES):
        by_debtor.setdefault(row["debtor_id"], []).append(row)
    holds = active_holds(store, iso_today)
    promised, promised_all = _promises(store, iso_today)
    outbox = reads.reminder_history(store)
    facts = _Facts(
        by_debtor=by_debtor,
        debtor_holds={h["target"]: h["reason"] for h in holds if h["scope"] == "debtor"},
        invoice_holds={h["target"]: h["reason"] for h in holds if h["scope"] == "invoice"},
        promised=promised,
        promised_all=promised_all,
        planned=reads.invoices_in_active_plans(store),
        mail_info=_mail_info(outbox, config),
    )
    thanked = {r["message_id"] for r in outbox if r["kind"] == "thank_you"}
    facts.thank_candidates = _thank_candidates(store, config, facts, thanked)
    return facts


def _load(store: Store, config: Config, today: date) -> list[DebtorSnapshot]:
    facts = _facts(store, config, today.isoformat())
    ids = sorted(set(facts.by_debtor) | set(facts.thank_candidates))
    if not ids:
        return []
    debtors = reads.debtors_by_id(store, ids)
    emails = reads.deliverable_emails(store, ids)
    cases = reads.open_cases(store, ids)
    waits = load_review_waits(store, config)
    unposted = unposted_debtors(store)
    booked = claim_ledgers(store, [int(c["id"]) for c in cases.values()])
    snapshots = []
    for debtor_id in ids:
        d = debtors.get(debtor_id)
        if d is None or d["erased_at"]:
            continue
        case = cases.get(debtor_id)
        extra = {
            "review_wait": waits.get(debtor_id),
            "letter_unposted": unposted.get(debtor_id),
            "ledger": booked.get(int(case["id"]), Ledger()) if case else Ledger(),
        }
        snapshots.append(_debtor_snapshot(config, facts, d, case, emails.get(debtor_id, []), extra))
    return snapshots


def _debtor_snapshot(
    config: Config,
    facts: _Facts,
    d: dict[str, Any],
    case: dict[str, Any] | None,
    emails: list[str],
    extra: dict[str, Any],
) -> DebtorSnapshot:
    debtor_id = d["id"]
    info = facts.mail_info.get(debtor_id, {})
    country = (d["country"] or "").upper()
    jurisdiction = country if country in ("NL", "BE", "DE") else config.office.jurisdiction
    debtor_promise = facts.promised_all.get(debtor_id)
    # A promise for all the debtor's invoices, else the per-invoice ones; never a merged
    # copy of every promise per invoice (that was O(invoices x promises)).
    states = tuple(
        _invoice_state(
            r,
            facts.invoice_holds,
            {r["number"]: debtor_promise} if debtor_promise else facts.promised,
            facts.planned,
        )
        for r in facts.by_debtor.get(debtor_id, [])
    )
    status = "insolvent" if d["insolvent"] else (case["status"] if case else "active")
    return DebtorSnapshot(
        debtor_id=debtor_id,
        name=d["name"],
        language=d["language"] or config.office.language,
        debtor_type=d["debtor_type"],
        jurisdiction=jurisdiction,
        emails=tuple(emails),
        invoices=states,
        tags=tuple(loads(d["tags"], [])),
        ladder_override=d["ladder"],
        case_id=case["id"] if case else None,
        case_token=case["token"] if case else None,
        case_status=status,
        paused_until=_d(case["paused_until"]) if case else None,
        hold=facts.debtor_holds.get(debtor_id),
        last_mail_date=info.get("last"),
        mail_pending=bool(info.get("pending")),
        last_reminder=facts.thank_candidates.get(debtor_id),
        thank_you_sent=False,
        postal_address=bool(d["street"] and d["postcode"] and d["city"]),
        **extra,
    )
