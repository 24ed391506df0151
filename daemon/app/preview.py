"""`dunmail preview`: what the daemon would do on a date, and why — through the same plan
function as the daemon (daemon.app.dunning.plan), writing nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from daemon.adapters.store.db import Store
from daemon.app.dunning import DayPlan, plan
from daemon.config import Config
from daemon.domain.cases import Action


def _money(value: Decimal) -> str:
    return format(value.quantize(Decimal("0.01")), "f")


def action_view(action: Action, name: str = "", send_at: datetime | None = None) -> dict[str, Any]:
    mail = action.action == "email"
    return {
        "debtor_id": action.debtor_id,
        "debtor_name": name,
        "action": str(action.action),
        "kind": action.kind,
        "channel": action.channel,  # "letter": a PDF for the print queue (#16)
        "step": action.step,
        "step_name": action.step_name,
        "template": action.template,
        "ladder": action.ladder,
        "language": action.language,
        "jurisdiction": action.jurisdiction,
        "to": list(action.to) if action.action in ("email",) else [],
        "invoices": [i.number for i in action.invoices],
        "advances": {a.number: a.to_step for a in action.advances},
        "currency": action.currency,
        "amount_due": _money(action.amount_due),
        "other_amounts": {c: _money(a) for c, a in action.other_amounts},
        "costs": _money(action.charges.costs),
        "interest": _money(action.charges.interest),
        "total": _money(action.total),
        "notice_costs": None if action.notice_costs is None else _money(action.notice_costs),
        "cost_lines": [str(line) for line in action.charges.cost_lines],
        "interest_lines": [str(line) for line in action.charges.interest_lines],
        "charges_off": action.charges.off_reason,
        "interest_to": action.interest_to.isoformat() if action.interest_to else None,
        "deadline": action.deadline.isoformat() if action.deadline else None,
        # when the outbox will really send it: the sending window's next opening
        "send_at": send_at.isoformat() if mail and send_at is not None else None,
        "reason": action.reason,
    }


@dataclass(frozen=True, slots=True)
class Preview:
    day: DayPlan
    items: list[dict[str, Any]]

    def header(self) -> dict[str, Any]:
        return {
            "date": self.day.today.isoformat(),
            "bank_ok": self.day.bank_ok,
            "bank_latest": self.day.bank_latest.isoformat() if self.day.bank_latest else None,
            "bank_reason": self.day.bank_reason,
            "invoice_ok": self.day.invoice_ok,
            "invoice_reason": self.day.invoice_reason,
            "global_pause": self.day.global_pause,
            "send_at": self.day.send_at.isoformat() if self.day.send_at else None,
        }


def preview(store: Store, config: Config, today: date) -> Preview:
    day = plan(store, config, today)
    names = day.names
    return Preview(
        day, [action_view(a, names.get(a.debtor_id, ""), day.send_at) for a in day.actions]
    )
