"""The last look before a mail leaves (daemon.app.outbox claims a row, then asks): is
anything that made it right when it was planned no longer true? Read inside the claim
transaction; the answer is a reason to cancel it, or None."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from daemon.adapters.store import outbox as outbox_store
from daemon.adapters.store.cases import STOPPED_CASE_STATES, active_holds
from daemon.adapters.store.db import Store, loads
from daemon.domain.invoice_states import DUNNABLE_STATES
from daemon.domain.money import to_cents


def late_for_deadline(decision: dict[str, Any], today: date) -> str | None:
    """A mail stating a deadline counted from its planned send day must not leave later (an
    SMTP outage, a rate limit past the window): the debtor would get fewer days than
    configured. It is cancelled instead, its steps reverted, and the next cycle plans it again
    with a deadline counted from the new send day."""
    deadline, send_day = decision.get("deadline"), decision.get("send_day")
    if not deadline or not send_day or today.isoformat() <= send_day:
        return None
    return (
        f"its deadline {deadline} was counted from {send_day}; sent on {today.isoformat()} it"
        " would be shorter than configured: planned again with a new deadline"
    )


def last_look(store: Store, row: dict[str, Any], today: date) -> str | None:
    """Why this mail must not go out now (None: it may)."""
    if store.get_state("global_pause") == "1":
        return "global pause"
    why = _stopped(store, row, today.isoformat())
    if why is not None or row["kind"] != "reminder":
        return why
    return _reminder_outdated(store, row, today)


def _stopped(store: Store, row: dict[str, Any], iso_today: str) -> str | None:
    """A hold, a stopped or paused case, or an address that no longer takes mail."""
    debtor = row["debtor_id"]
    numbers = loads(row["invoice_numbers"], [])
    for hold in active_holds(store, iso_today):
        if hold["scope"] == "global" or (hold["scope"] == "debtor" and hold["target"] == debtor):
            return f"hold: {hold['reason']}"
        if hold["scope"] == "invoice" and hold["target"] in numbers and row["kind"] == "reminder":
            return f"invoice {hold['target']} on hold: {hold['reason']}"
    case = outbox_store.open_case_row(store, debtor)
    if case is not None and row["kind"] == "reminder":
        if case["status"] in STOPPED_CASE_STATES:
            return f"case is {case['status']}"
        if case["status"] == "paused" and (case["paused_until"] or "9999") > iso_today:
            return f"case paused until {case['paused_until']}"
    recipients = loads(row["recipients"], [])
    if outbox_store.undeliverable_addresses(store, debtor) & {r.lower() for r in recipients}:
        return "a recipient address is no longer deliverable"
    return None


def _reminder_outdated(store: Store, row: dict[str, Any], today: date) -> str | None:
    """Too late for its stated deadline, an invoice no longer dunnable, a changed amount, or
    a payment promise that now covers it."""
    decision = loads(row["decision"], {})
    late = late_for_deadline(decision, today)
    if late is not None:
        return late
    numbers = loads(row["invoice_numbers"], [])
    invoices = outbox_store.invoices_by_number(store, numbers)
    for number in numbers:
        inv = invoices.get(number)
        if inv is None or inv["status"] not in DUNNABLE_STATES:
            return f"invoice {number} is {inv['status'] if inv else 'gone'}"
    if _amount_changed(decision, invoices.values()):
        return "the open amount changed since the mail was planned"
    for covered in outbox_store.promised_numbers(store, row["debtor_id"], today.isoformat()):
        if not covered or set(covered) & set(numbers):
            return "a payment promise covers it"
    return None


def _amount_changed(decision: dict[str, Any], invoices: Any) -> bool:
    """Per currency (#15): amount_due is the statement currency's; others are stated apart."""
    open_by: dict[str, int] = {}
    for i in invoices:
        cents = i["amount_cents"] - i["paid_cents"] - i["credited_cents"] - i["written_off_cents"]
        open_by[i["currency"]] = open_by.get(i["currency"], 0) + cents
    expected = decision.get("amount_due_cents")
    currency = decision.get("currency")
    stated = {
        o["currency"]: to_cents(Decimal(o["amount"])) for o in decision.get("other_amounts", [])
    }
    if currency is None:  # a mail planned before #15: one sum
        return expected is not None and sum(open_by.values()) != expected
    return (expected is not None and open_by.get(currency, 0) != expected) or any(
        open_by.get(c, 0) != cents for c, cents in stated.items()
    )
