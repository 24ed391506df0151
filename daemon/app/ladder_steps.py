"""What every ladder step writes, whatever its channel (mail, letter, task): the invoices'
ladder state advanced, the decision recorded with its reasons, a Message-ID never used twice,
and when the step's mail can leave. Shared by daemon.app.dunning (mail, task) and
daemon.app.letter_steps (letter), which both import it and not each other (#14).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from daemon.adapters.store.db import Store
from daemon.adapters.store.ladder_state import advance_invoice, ladder_state
from daemon.adapters.store.outbox import outbox_status
from daemon.app.outbox import sending_window
from daemon.app.reminder_mail import message_id_for
from daemon.config import Config
from daemon.domain.claims import interest_basis
from daemon.domain.dunning_planner import Action
from daemon.domain.money import to_cents


def send_moment(config: Config, today: date, now: datetime | None = None) -> datetime:
    """When a mail planned at ``now`` (default: the start of ``today``, office time) really
    leaves: the sending window's next opening — the same computation the outbox uses for
    ``not_before``, so preview, the stated deadlines and the send time agree."""
    if now is None:
        now = datetime.combine(today, time(0, 0), tzinfo=config.office.tz)
    return sending_window(config).next_opening(now)


@dataclass
class QueueReport:
    queued: list[int] = field(default_factory=list)
    tasks: list[int] = field(default_factory=list)
    skipped: int = 0
    held: int = 0


def step_decision(action: Action, today: date, extra: dict[str, Any]) -> dict[str, Any]:
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


def advance_invoices(
    store: Store, action: Action, today: date, now_iso: str
) -> list[dict[str, Any]]:
    previous = []
    for adv in action.advances:
        row = ladder_state(store, adv.number)
        if row is None:
            continue
        previous.append({"number": adv.number, **row})
        notice_cents = (
            to_cents(action.notice_costs)
            if adv.formal_notice and action.notice_costs is not None
            else row["formal_notice_cents"]
        )
        advance_invoice(
            store,
            adv.number,
            to_step=adv.to_step,
            step_name=adv.step_name,
            day=today.isoformat(),
            notice_cents=notice_cents,
            formal_notice=adv.formal_notice,
            at=now_iso,
        )
    return previous


def step_message_id(store: Store, action: Action, config: Config) -> str | None:
    for attempt in range(1, 50):
        mid = message_id_for(action, config, attempt)
        status = outbox_status(store, mid)
        if status is None:
            return mid
        if status != "cancelled":
            return None  # this mail already exists: never a second one
        if action.kind == "thank_you":
            return None
    return None
