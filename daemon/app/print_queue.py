"""The print queue: print, post (the dispatch date, a registered-mail code), cancel, and a
letter on demand (``dunmail letter``). Posting is recorded by a person; the posting date is
the step's dispatch date (daemon/domain/letter.py says how receipt is presumed)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.store import letters as letter_store
from daemon.adapters.store.cases import open_case
from daemon.adapters.store.db import Store, dumps
from daemon.adapters.store.events import record_event
from daemon.adapters.store.ladder_state import date_posted_step, revert_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.app.claims import book_sent_claims
from daemon.app.letters import (
    LetterRefused,
    MadeLetter,
    address_of,
    make_letter,
    step_of,
)
from daemon.config import Config
from daemon.domain.dunning_planner import ActionKind, letter_action
from daemon.domain.ladder_state import reversals
from daemon.domain.letter import letter_deadline, presumed_receipt

__all__ = ["LetterRefused", "cancel_letter", "letter_on_demand", "post_letter", "print_letter"]


def print_letter(
    store: Store, letter_id: int, now: datetime, actor: str, *, force: bool = False
) -> dict[str, Any]:
    """The letter's PDF, marked printed. Refused (unless ``force``) when everything it asks
    for has been paid, credited or written off since it was made: never post a demand for a
    settled claim."""
    row = letter_store.letter(store, letter_id)
    if row is None:
        raise LetterRefused(f"no letter #{letter_id} (see dunmail letters list)")
    if row["status"] == "cancelled":
        raise LetterRefused(f"letter #{letter_id} was cancelled")
    numbers = row["invoice_numbers"]
    if numbers and not force and not letter_store.unsettled_numbers(store, numbers):
        raise LetterRefused(
            f"letter #{letter_id}: {', '.join(numbers)} settled since it was made; cancel it"
            f" (dunmail letters cancel {letter_id}) or print it anyway with --force"
        )
    with store.transaction():
        letter_store.mark_printed(store, letter_id, iso_utc(now))
        record_event(
            store,
            "letter_printed",
            actor=actor,
            debtor_id=row["debtor_id"],
            case_id=row["case_id"],
            detail={"letter": letter_id},
            at=iso_utc(now),
        )
    return row


def post_letter(
    store: Store,
    config: Config,
    letter_id: int,
    *,
    posted_on: date,
    tracking: str | None,
    now: datetime,
    actor: str,
) -> dict[str, Any]:
    """Record the posting: the dispatch date of the step, the presumed receipt, the
    registered-mail code. A letter posted after its printed date may state too short a
    deadline: a review item says so (reprint, or grant the extra days)."""
    row = letter_store.letter(store, letter_id)
    if row is None:
        raise LetterRefused(f"no letter #{letter_id} (see dunmail letters list)")
    if row["status"] == "cancelled":
        raise LetterRefused(f"letter #{letter_id} was cancelled; it cannot be posted")
    if row["status"] == "posted":
        raise LetterRefused(f"letter #{letter_id} was already posted on {row['posted_on']}")
    letter_day = date.fromisoformat(row["letter_date"])
    if posted_on < letter_day:
        raise LetterRefused(
            f"--date {posted_on.isoformat()} is before the letter's date {row['letter_date']}"
        )
    decision = row["decision"]
    # the debtor's jurisdiction decides the receipt rule (BE: Boek XIX's paper term)
    country = decision.get("jurisdiction") or config.office.jurisdiction
    receipt = presumed_receipt(posted_on, config.letters.receipt_business_days, country)
    formal = any(a.get("formal_notice") for a in decision.get("advances", []))
    # A letter its step's mail carried reached the debtor with that mail: the deadline it
    # states counts from the mail's send day, the notice is received that day, and a late
    # paper copy shortens nothing.
    carried = letter_store.carrier_sent_at(store, letter_id)
    mailed = carried is not None
    notice_day = receipt
    if carried is not None:
        notice_day = parse_iso(carried).astimezone(config.office.tz).date()
    at = iso_utc(now)
    with store.transaction():
        letter_store.mark_posted(
            store,
            letter_id,
            posted_on=posted_on.isoformat(),
            receipt=receipt.isoformat(),
            tracking=tracking,
        )
        if row["step"]:
            numbers = [a["number"] for a in decision.get("advances", [])]
            date_posted_step(
                store,
                numbers,
                row["step"],
                posted_on=posted_on.isoformat(),
                receipt=notice_day.isoformat(),
                formal_notice=formal,
                now=at,
            )
        if row["step"] and row["case_id"] is not None:
            # The costs and interest the letter states become booked claims of the case now
            # that it left, as for a mail (#15); a mail that carried it booked them already,
            # and the ledger books only what is not yet booked.
            book_sent_claims(
                store,
                {
                    "id": None,
                    "kind": "reminder",
                    "case_id": row["case_id"],
                    "debtor_id": row["debtor_id"],
                    "message_id": f"letter #{letter_id}",
                    "decision": dumps(decision),
                    "invoice_numbers": dumps(row["invoice_numbers"]),
                },
                at,
            )
        late = None if mailed else _too_short(row, posted_on, config)
        if late:
            add_review_item(
                store,
                "letter_deadline",
                late,
                priority=1,
                evidence={"letter": letter_id, "step": row["step_name"]},
                debtor_id=row["debtor_id"],
                case_id=row["case_id"],
                invoice_numbers=row["invoice_numbers"],
                dedupe_key=f"letter-deadline:{letter_id}",
                now=at,
            )
        record_event(
            store,
            "letter_posted",
            actor=actor,
            debtor_id=row["debtor_id"],
            case_id=row["case_id"],
            message_sha256=row["sha256"],
            detail={
                "letter": letter_id,
                "posted_on": posted_on.isoformat(),
                "presumed_receipt": receipt.isoformat(),
                "tracking_code": tracking,
            },
            at=at,
        )
    row.pop("decision", None)
    return {
        **row,
        "status": "posted",
        "posted_on": posted_on.isoformat(),
        "presumed_receipt": receipt.isoformat(),
        "tracking_code": tracking or row["tracking_code"],
        "late": late,
    }


def _too_short(row: dict[str, Any], posted_on: date, config: Config) -> str | None:
    stated = row["deadline"]
    days = row["decision"].get("deadline_days")
    if not stated or not days:
        return None
    jurisdiction = row["decision"].get("jurisdiction") or config.office.jurisdiction
    needed = letter_deadline(
        posted_on,
        int(days),
        config.letters.receipt_business_days,
        jurisdiction,
        config.office.jurisdiction,
    )
    if needed <= date.fromisoformat(stated):
        return None
    return (
        f"letter #{row['id']} was posted on {posted_on.isoformat()}, after its date"
        f" {row['letter_date']}: it states {stated} as the deadline, but {days} days from the"
        f" day after the presumed receipt end on {needed.isoformat()}; give the debtor until"
        " then, or print the letter again (dunmail letter DEBTOR)"
    )


def cancel_letter(store: Store, letter_id: int, now: datetime, actor: str) -> dict[str, Any]:
    """A letter that will not be posted: out of the queue, and the ladder step it took is
    given back to its invoices (planned again, never skipped), as for a mail that never left."""
    row = letter_store.letter(store, letter_id)
    if row is None:
        raise LetterRefused(f"no letter #{letter_id} (see dunmail letters list)")
    if row["status"] == "posted":
        raise LetterRefused(f"letter #{letter_id} was posted on {row['posted_on']}; it stays")
    at = iso_utc(now)
    with store.transaction():
        letter_store.mark_cancelled(store, letter_id)
        for reversal in reversals(row["decision"]):
            revert_invoice(store, reversal, at)
        record_event(
            store,
            "letter_cancelled",
            actor=actor,
            debtor_id=row["debtor_id"],
            case_id=row["case_id"],
            detail={"letter": letter_id},
            at=at,
        )
    return row


def letter_on_demand(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    step_name: str | None,
    now: datetime,
    actor: str,
) -> tuple[int, MadeLetter]:
    """``dunmail letter DEBTOR``: the letter for a step, stored with the case and put in the
    print queue (it holds no ladder step up). LetterRefused says why none can be made."""
    from daemon.app.ladder_steps import send_moment
    from daemon.app.planner_snapshot import load_snapshots, plan_settings

    today = now.astimezone(config.office.tz).date()
    snapshot = next(
        (s for s in load_snapshots(store, config, today) if s.debtor_id == debtor_id), None
    )
    if snapshot is None:
        raise LetterRefused(f"debtor {debtor_id} has no open invoice to write about")
    settings = plan_settings(config, global_pause=None, bank_block=None, send_day=today)
    action = letter_action(snapshot, today, settings, step_name)
    if action.action != ActionKind.EMAIL:
        raise LetterRefused(f"no letter for {debtor_id}: {action.reason}")
    address = address_of(letter_store.postal_address(store, debtor_id))
    if address is None or address.missing():
        missing = ", ".join(address.missing()) if address else "the debtor is erased"
        raise LetterRefused(
            f"{debtor_id} has no postal address ({missing}); add street, postcode and city to"
            " the invoice file and import it again"
        )
    step = step_of(config, action)
    letter_day = send_moment(config, today, now).astimezone(config.office.tz).date()
    case = open_case(store, debtor_id, now=iso_utc(now))
    made = make_letter(
        action,
        config,
        address,
        case_id=case["id"],
        letter_date=letter_day,
        terms_mode="append" if step is not None and step.terms != "none" else "none",
    )
    with store.transaction():
        letter_id = letter_store.add_letter(
            store,
            debtor_id=debtor_id,
            case_id=case["id"],
            ladder=action.ladder,
            step=None,
            step_name=action.step_name,
            language=made.letter.language,
            letter_date=letter_day.isoformat(),
            deadline=action.deadline.isoformat() if action.deadline else None,
            invoice_numbers=[i.number for i in action.invoices],
            pdf=made.pdf,
            pages=made.pages,
            decision={"reason": action.reason, "on_demand": True},
            dedupe_key=None,
            now=iso_utc(now),
        )
        assert letter_id is not None  # no dedupe key: the insert cannot be ignored
        record_event(
            store,
            "letter_made",
            actor=actor,
            debtor_id=debtor_id,
            case_id=case["id"],
            detail={"letter": letter_id, "step": action.step_name, "pages": made.pages},
            at=iso_utc(now),
        )
    return letter_id, made
