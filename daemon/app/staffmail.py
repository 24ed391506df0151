"""Staff mail: urgent notifications, the daily digest, and acting on a reply to either.

A notification's subject carries the item id ("[dunmail #42] Dispute: …") and its Message-ID
is ours, so a reply links back through In-Reply-To/References. A reply is obeyed only when it
comes from a configured staff address AND proves it (DKIM or our own server's
Authentication-Results — the same check as bank statement mail); anything else is refused,
recorded and put in front of a person. Every accepted command is confirmed by mail.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from email import message_from_bytes, policy
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import staff as staff_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import add_review_item, decode_item, review_item
from daemon.adapters.store.review import wake_snoozed
from daemon.app.bankmail import authenticate, claimed_senders, sender_of
from daemon.app.mail_composer import compose_mail, mail_context
from daemon.app.mailout import OutgoingMail, derived_message_id, enqueue, mail_domain
from daemon.app.review import ActionRequest, MailRetry, ReviewError, act, allowed_actions
from daemon.config import Config
from parsers.mail import parse
from parsers.replies.quotes import split_reply

URGENT_TYPES = frozenset({"insolvency", "dispute"})
STAFF_KINDS = ("staff_alert", "staff_digest", "staff_confirmation")
_SUBJECT_ID = re.compile(r"\[dunmail #(\d+)\]")
_LINE_ID = re.compile(r"^#(\d+)\s+")


class CommandError(ValueError):
    """A reply line that is not a command we know; the message shows the right form."""


def staff_language(config: Config) -> str:
    return "nl" if config.office.language == "nl" else "en"


def _title(item_type: str) -> str:
    return item_type.replace("_", " ").capitalize()


def _debtor_name(store: Store, debtor_id: str | None) -> str:
    if not debtor_id:
        return "unknown debtor"
    return staff_store.debtor_name(store, debtor_id) or debtor_id


def _mail(
    config: Config,
    kind: str,
    seed: str,
    template: str,
    context: dict[str, Any],
    to: str,
    now: datetime,
    *,
    in_reply_to: str | None = None,
) -> OutgoingMail:
    office = config.office
    return compose_mail(
        office,
        kind=kind,
        message_id=derived_message_id(kind, seed, mail_domain(office.email)),
        template=template,
        language=staff_language(config),
        context=mail_context(office, values=context),
        to=(to,),
        now=now,
        from_name=f"dunmail ({office.name})",
        in_reply_to=in_reply_to,
        references=(in_reply_to,) if in_reply_to else (),
        auto_submitted="auto-generated",
    )


def _item_context(store: Store, item: dict[str, Any]) -> dict[str, Any]:
    evidence = item["evidence"]
    excerpt = evidence.get("excerpt") or evidence.get("text") or evidence.get("subject") or ""
    return {
        "item_id": item["id"],
        "type": item["type"],
        "title": _title(item["type"]),
        "priority": item["priority_name"],
        "reason": item["reason"],
        "debtor_id": item["debtor_id"] or "",
        "debtor_name": _debtor_name(store, item["debtor_id"]),
        "invoices": ", ".join(item["invoice_numbers"]),
        "excerpt": str(excerpt)[:1500],
        "due_date": item["due_date"] or "",
        "actions": ", ".join(allowed_actions(item["type"])),
    }


def notify_urgent(store: Store, config: Config, now: datetime) -> int:
    """Mail every urgent open item (insolvency, dispute, or priority 0) not yet notified."""
    address = config.staff.notify_address
    if not address:
        return 0
    rows = staff_store.unnotified_urgent(store)
    at = iso_utc(now)
    sent = 0
    for row in rows:
        item = decode_item(row)
        with store.transaction():
            mail = _mail(
                config,
                "staff_alert",
                f"item:{item['id']}",
                "staff_alert",
                _item_context(store, item),
                address,
                now,
            )
            enqueue(
                store, mail, decision={"review_item": item["id"], "template": "staff_alert"}, now=at
            )
            staff_store.mark_notified(store, item["id"], at=at)
        sent += 1
    return sent


def send_digest(store: Store, config: Config, today: date, now: datetime) -> int | None:
    """The daily list of open items, once per day from staff.digest_time (office time).
    Returns the outbox id, or None (not yet time, nothing open, or already sent today)."""
    address = config.staff.notify_address
    if not address:
        return None
    hour, minute = (int(p) for p in config.staff.digest_time.split(":"))
    if now.astimezone(config.office.tz).time() < time(hour % 24, minute):
        return None
    wake_snoozed(store, today.isoformat(), at=iso_utc(now))
    items = [decode_item(r) for r in staff_store.open_by_priority(store)]
    if not items:
        return None
    mail = _mail(
        config,
        "staff_digest",
        f"digest:{today.isoformat()}",
        "staff_digest",
        {
            "day": today.isoformat(),
            "count": len(items),
            "items": [_item_context(store, i) for i in items],
        },
        address,
        now,
    )
    with store.transaction():
        return enqueue(
            store,
            mail,
            decision={"review_items": [i["id"] for i in items], "template": "staff_digest"},
            now=iso_utc(now),
        )


# --- replies -----------------------------------------------------------------------------------


def _parse_date(text: str) -> date:
    text = text.strip()
    for pattern in (r"(\d{4})-(\d{1,2})-(\d{1,2})", r"(\d{1,2})[-./](\d{1,2})[-./](\d{4})"):
        m = re.fullmatch(pattern, text)
        if m:
            a, b, c = (int(g) for g in m.groups())
            try:
                return date(a, b, c) if a > 31 else date(c, b, a)
            except ValueError:
                break
    raise CommandError(f"{text!r} is not a date; write it as 2026-12-15")


def _parse_amount(text: str) -> Decimal:
    try:
        value = Decimal(text.strip().replace(",", "."))
    except InvalidOperation as exc:
        raise CommandError(f"{text!r} is not an amount; write it as 125.50") from exc
    return value


def parse_command(line: str) -> ActionRequest:
    """One command line → the queue action it asks for.

    resume | promise DATE | write off [AMOUNT] | credit AMOUNT | assign NAME | comment TEXT |
    snooze DATE | dismiss [TEXT] | done [TEXT] | handover AGENCY | approve | reject [TEXT] |
    fixed | retry"""
    words = line.strip().split(None, 1)
    if not words:
        raise CommandError("the reply has no command")
    verb, rest = words[0].lower().rstrip(":"), (words[1].strip() if len(words) > 1 else "")
    if verb in ("write", "writeoff", "write-off", "write_off"):
        if verb == "write":
            if not rest.lower().startswith("off"):
                raise CommandError("did you mean 'write off'?")
            rest = rest[3:].strip()
        return ActionRequest("write_off", amount=_parse_amount(rest) if rest else None)
    simple = {
        "resume": "resume",
        "approve": "approve",
        "retry": "retry",
        "fixed": "fix_address",
        "fix": "fix_address",
    }
    if verb in simple:
        return ActionRequest(simple[verb], text=rest or None)
    if verb in ("promise", "snooze"):
        if not rest:
            raise CommandError(f"'{verb}' needs a date, e.g. '{verb} 2026-12-15'")
        return ActionRequest(verb, date=_parse_date(rest))
    if verb == "credit":
        if not rest:
            raise CommandError("'credit' needs an amount, e.g. 'credit 125.00'")
        return ActionRequest("credit", amount=_parse_amount(rest))
    if verb == "assign":
        if not rest:
            raise CommandError("'assign' needs a name, e.g. 'assign ann'")
        return ActionRequest("assign", to=rest.split()[0])
    if verb in ("handover", "hand-over"):
        if not rest:
            raise CommandError("'handover' needs the agency, e.g. 'handover Incasso BV'")
        return ActionRequest("handover", agency=rest)
    if verb in ("comment", "dismiss", "done", "reject"):
        if verb == "comment" and not rest:
            raise CommandError("'comment' needs text, e.g. 'comment called, will pay friday'")
        return ActionRequest(verb, text=rest or None)
    raise CommandError(
        f"unknown command {verb!r}; use one of: resume, promise DATE, write off,"
        " credit AMOUNT, assign NAME, comment TEXT, snooze DATE, dismiss, done,"
        " handover AGENCY, approve, reject, fixed, retry"
    )


def _linked_item(store: Store, mail: Any, line: str) -> tuple[int | None, str]:
    """The item a reply is about: '#42 …' on the line, then our notification it answers,
    then the '[dunmail #42]' tag in the subject. Returns (item id, command line)."""
    m = _LINE_ID.match(line)
    if m:
        return int(m.group(1)), line[m.end() :]
    refs = [r for r in (mail.in_reply_to, *mail.references) if r]
    if refs:
        item_id = staff_store.alerted_item(store, refs)
        if item_id is not None:
            return item_id, line
    m = _SUBJECT_ID.search(mail.subject or "")
    return (int(m.group(1)) if m else None), line


def _first_line(mail: Any) -> str:
    text = split_reply(mail.text).new if mail.text else ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if line and not line.startswith(">"):
            return line
    return ""


def handle_staff_reply(
    store: Store,
    config: Config,
    raw: bytes,
    *,
    inbox_id: int | None,
    now: datetime,
    dnsfunc: Callable[..., bytes | None] | None = None,
    retry_mail: MailRetry | None = None,
) -> dict[str, Any]:
    """Act on a staff member's reply command; returns {"status": processed | refused, …}.

    ``retry_mail`` is the inbound use case's retry, handed in by the inbound routing."""
    at = iso_utc(now)
    sender = sender_of(raw)
    staff = {a.lower() for a in config.staff.addresses}
    if sender is None:
        claimed = ", ".join(claimed_senders(message_from_bytes(raw, policy=policy.compat32)))
        return _refuse(
            store, inbox_id, claimed, "the mail has no single, unambiguous From address", at
        )
    if sender not in staff:
        return _refuse(store, inbox_id, sender, "the sender is not a configured staff address", at)
    method, why = authenticate(raw, sender.rsplit("@", 1)[1], config.bank.authserv_id, dnsfunc)
    if method is None:
        return _refuse(store, inbox_id, sender, f"the mail does not prove its sender: {why}", at)
    mail = parse(raw)
    line = _first_line(mail)
    item_id, command_line = _linked_item(store, mail, line)
    actor = f"mail:{sender}"
    today = now.astimezone(config.office.tz).date()
    try:
        if item_id is None:
            raise CommandError(
                "this reply names no review item; reply to a dunmail"
                " notification or start the line with '#ID'"
            )
        request = parse_command(command_line)
        outcome = act(
            store,
            config,
            item_id,
            request,
            actor=actor,
            today=today,
            now=now,
            retry_mail=retry_mail,
        )
        ok, text = True, outcome.message
    except (CommandError, ReviewError) as exc:
        ok, text = False, str(exc)
        record_event(
            store,
            "staff_command_failed",
            actor=actor,
            inbox_id=inbox_id,
            at=at,
            detail={"review_item": item_id, "command": line, "reason": text},
        )
    item = review_item(store, item_id) if item_id is not None else None
    confirmation = _mail(
        config,
        "staff_confirmation",
        f"reply:{inbox_id}:{mail.message_id}",
        "staff_confirmation",
        {
            "item_id": item_id or "",
            "ok": ok,
            "command": line,
            "result": text,
            "title": _title(item["type"]) if item else "",
            "state": item["state"] if item else "",
        },
        sender,
        now,
        in_reply_to=mail.message_id,
    )
    outbox_id = enqueue(
        store,
        confirmation,
        decision={"review_item": item_id, "ok": ok, "command": line, "authenticated_by": method},
        now=at,
    )
    return {
        "status": "processed",
        "ok": ok,
        "review_item": item_id,
        "result": text,
        "authenticated_by": method,
        "confirmation_outbox_id": outbox_id,
    }


def _refuse(
    store: Store, inbox_id: int | None, sender: str | None, reason: str, at: str
) -> dict[str, Any]:
    detail = {"from": sender, "reason": reason}
    record_event(
        store,
        "staff_reply_refused",
        actor=f"mail:{sender or 'unknown'}",
        inbox_id=inbox_id,
        detail=detail,
        at=at,
    )
    item_id = add_review_item(
        store,
        "staff_reply_refused",
        f"A reply claiming to come from staff address {sender} was refused: {reason}",
        priority=1,
        evidence=detail,
        inbox_id=inbox_id,
        dedupe_key=f"staff-refused:{inbox_id}" if inbox_id is not None else None,
        now=at,
    )
    return {"status": "refused", "ok": False, "reason": reason, "review_item": item_id}
