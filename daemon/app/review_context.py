"""What every review action works with: the request, its context, its error and result.

Its own module so that daemon.app.review and the action modules beside it
(daemon.app.review_letters) import it and not each other (#14: no import cycles).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.config import Config

# (message, resolved, detail) of one action.
Result = tuple[str, bool, dict[str, Any]]


class ReviewError(ValueError):
    """The action cannot be done; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class ActionRequest:
    action: str
    date: date | None = None
    amount: Decimal | None = None
    invoices: tuple[tuple[str, Decimal | None], ...] = ()
    agency: str | None = None
    to: str | None = None
    text: str | None = None
    email: str | None = None
    instalments: int | None = None
    every_days: int | None = None
    out_dir: str | None = None


# Processing a stored mail again belongs to the inbound use case, which itself reaches this
# module through staff replies. It is handed in by whoever composes the two (the CLI, the
# inbound routing) instead of imported here: (store, config, inbox id, now) -> (result, note).
MailRetry = Callable[[Store, Config, int, datetime], tuple[str, str | None]]


@dataclass
class ActionContext:
    """One review action under way: the item, the request, who acts and when."""

    store: Store
    config: Config
    item: dict[str, Any]
    req: ActionRequest
    actor: str
    today: date
    now: datetime
    retry_mail: MailRetry | None = None

    @property
    def at(self) -> str:
        return iso_utc(self.now)

    def event(self, event: str, **detail: Any) -> None:
        item = self.item
        record_event(
            self.store,
            event,
            actor=self.actor,
            debtor_id=item["debtor_id"],
            case_id=item["case_id"],
            invoice_number=item["invoice_numbers"][0]
            if len(item["invoice_numbers"]) == 1
            else None,
            detail={
                "review_item": item["id"],
                "type": item["type"],
                "reason": item["reason"],
                "action": self.req.action,
                **detail,
            },
            inbox_id=item["inbox_id"],
            outbox_id=item["outbox_id"],
            transaction_id=item["transaction_id"],
            at=self.at,
        )

    def need_debtor(self) -> str:
        if not self.item["debtor_id"]:
            raise ReviewError(f"item #{self.item['id']} is not linked to a debtor")
        return str(self.item["debtor_id"])
