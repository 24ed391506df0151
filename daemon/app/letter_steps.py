"""A ladder step with channel = "letter": the PDF into the print queue (bytes + sha256, with
the case), and the step's mail carrying it when the step says ``attach_to_mail``. Called by
daemon.app.dunning.queue_day inside its transaction, like the mail and task writers."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.letter_pdf import LetterError
from daemon.adapters.store.cases import open_case
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.letters import link_outbox, postal_address
from daemon.adapters.store.queue import add_review_item
from daemon.app.ladder_steps import (
    QueueReport,
    advance_invoices,
    send_moment,
    step_decision,
    step_message_id,
)
from daemon.app.letters import (
    address_of,
    letter_filename,
    letter_key,
    mail_attachments,
    make_letter,
    step_of,
    store_letter,
)
from daemon.app.mailout import Attachment, enqueue
from daemon.app.reminder_mail import build_mail
from daemon.config import Config
from daemon.domain.dunning_planner import NOTICE_TERM_DAYS, Action


def queue_letter(
    store: Store, config: Config, action: Action, today: date, now: datetime, report: QueueReport
) -> None:
    """A letter step: the PDF into the print queue (bytes + sha256), mailed as an attachment
    when the step says so. Dated the day it can leave (the sending window's next opening)."""
    now_iso = iso_utc(now)
    case = open_case(store, action.debtor_id, now=now_iso)
    key = letter_key(store, action)
    if key is None:
        report.skipped += 1
        return
    step = step_of(config, action)
    address = address_of(postal_address(store, action.debtor_id))
    send_day = send_moment(config, today, now).astimezone(config.office.tz).date()
    if address is None or address.missing():
        report.skipped += 1
        return
    mailed = step is not None and step.attach_to_mail and bool(action.to)
    try:
        made = make_letter(
            action,
            config,
            address,
            case_id=case["id"],
            letter_date=send_day,
            terms_mode=step.terms if step else "none",
            mailed=mailed,
        )
    except LetterError as exc:  # an unreadable logo, font or terms file: fix and retry
        item = add_review_item(
            store,
            "letter_failed",
            f"the letter for step '{action.step_name}' cannot be made: {exc}",
            priority=1,
            debtor_id=action.debtor_id,
            case_id=case["id"],
            invoice_numbers=[i.number for i in action.invoices],
            dedupe_key=f"letter-failed:{action.debtor_id}:{action.step}:{action.message_key}",
            now=now_iso,
        )
        report.tasks.append(item)
        return
    days = step.deadline_days if step else 0
    if step is not None and step.formal_notice and days:
        days = max(days, NOTICE_TERM_DAYS)
    previous = advance_invoices(store, action, today, now_iso)
    decision = step_decision(
        action,
        today,
        {
            "previous": previous,
            "send_day": send_day.isoformat(),
            "channel": "letter",
            "deadline_days": days,
            "jurisdiction": action.jurisdiction,
            "receipt_business_days": config.letters.receipt_business_days,
        },
    )
    letter_id = store_letter(
        store, config, action, made, key=key, case_id=case["id"], decision=decision, now=now
    )
    if letter_id is None:
        raise RuntimeError(f"letter for {action.message_key} refused")  # rolls back the step
    outbox_id = None
    if mailed:
        outbox_id = _letter_mail(store, config, action, made, case, letter_id, today, now)
    report.queued.append(letter_id)
    record_event(
        store,
        "letter_queued",
        debtor_id=action.debtor_id,
        case_id=case["id"],
        detail={"letter": letter_id, "pages": made.pages, "outbox": outbox_id, **decision},
        outbox_id=outbox_id,
        at=now_iso,
    )


def _letter_mail(
    store: Store,
    config: Config,
    action: Action,
    made: Any,
    case: dict[str, Any],
    letter_id: int,
    today: date,
    now: datetime,
) -> int | None:
    """The step's mail with the letter (and the terms when it says attach) as attachments.
    Its decision carries no advances: the letter took the step, the mail only carries it."""
    mid = step_message_id(store, action, config)
    if mid is None:
        return None
    name = (postal_address(store, action.debtor_id) or {}).get("name") or ""
    mail, _ = build_mail(
        action,
        config,
        debtor_name=name,
        case_token=case["token"],
        now=now,
        today=today,
        message_id=mid,
        letter_attached=True,
    )
    files = [Attachment(letter_filename(action, made.letter.letter_date), made.pdf)]
    if made.terms is not None:
        files.append(Attachment(f"{made.letter.enclosures[0]}.pdf", made.terms))
    extra, problems = mail_attachments(
        store, config, action, step_of(config, action), mail.language or "nl"
    )
    files += extra
    mail = replace(mail, attachments=tuple(files))
    send_at = send_moment(config, today, now)
    send_day = send_at.astimezone(config.office.tz).date().isoformat()
    decision = {
        **step_decision(action, today, {"letter": letter_id, "send_day": send_day}),
        "advances": [],
    }
    decision["attachment_problems"] = problems
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
        now=iso_utc(now),
    )
    if outbox_id is not None:
        link_outbox(store, letter_id, outbox_id)
    return outbox_id
