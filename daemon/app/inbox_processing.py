"""Processing one stored inbox row, in its own savepoint: a duplicate (same Message-ID or
bytes) is marked so; unreadable mail is shunted to review; our own mail is ignored; mail of a
sender class with a use case of its own (bank, invoices, staff) is handed over through the
routing table the caller passes; any other mail is a debtor's reply (daemon.app.replies).
Every outcome records the server action it calls for (done after the commit, by
daemon.app.server_actions) and one ``mail_processed`` event.
"""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import inbox as db
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import add_review_item
from daemon.app.inbound_workers import Understood
from daemon.app.mail_routes import default_routes
from daemon.app.replies import classification_json, handle_reply
from daemon.app.routing import (
    HANDOVER_KINDS,
    Handler,
    HandOver,
    RouteTable,
    classify_reply,
    sender_class,
    understanding_of,
)
from daemon.app.server_actions import (
    next_server_action,
    pending_refile_note,
    server_action_for,
)
from daemon.config import Config
from parsers.mail import MailFormatError, parse

# Messages handed over as files (`dunmail inbox import`) live under this account: no server
# copy to move or flag, numbered in arrival order.
FILE_ACCOUNT = "file"
FILE_MAILBOX = "import"


class MalformedMail(ValueError):
    """The message cannot be read as mail at all."""


def process_message(
    store: Store,
    config: Config,
    inbox_id: int,
    *,
    now: datetime,
    understood: Understood | None = None,
    routes: RouteTable | None = None,
) -> str:
    """Process one stored row; any failure shunts it (the pass goes on). Returns the status.
    ``understood``: its parse + classification computed ahead (same raw bytes, same config);
    ``routes``: the hand-over table (the default one when not given)."""
    try:
        with store.transaction():
            row = db.inbox_row(store, inbox_id)
            if row is None or row["status"] != "new":
                return row["status"] if row else "missing"
            table = routes if routes is not None else default_routes()
            return _process(store, config, row, now=now, understood=understood, routes=table)
    except Exception as exc:
        with store.transaction():
            row = db.inbox_row(store, inbox_id)
            assert row is not None
            shunt(store, config, row, f"{type(exc).__name__}: {exc}", now=now)
        return "shunted"


def retry_message(
    store: Store,
    config: Config,
    inbox_id: int,
    *,
    now: datetime,
    routes: RouteTable | None = None,
) -> str:
    """Process a shunted (or any) row again after a fix; its server action is not repeated."""
    with store.transaction():
        row = db.inbox_row(store, inbox_id)
        if row is None:
            raise LookupError(f"no inbox message {inbox_id}")
        if row["status"] in ("new", "duplicate"):
            raise ValueError(f"inbox message {inbox_id} is {row['status']}; nothing to retry")
        db.reset_for_retry(store, inbox_id)
        record_event(
            store,
            "mail_retry",
            inbox_id=inbox_id,
            at=iso_utc(now),
            detail={"previous_status": row["status"], "error": row["error"]},
        )
    return process_message(store, config, inbox_id, now=now, routes=routes)


def _process(
    store: Store,
    config: Config,
    row: dict[str, Any],
    *,
    now: datetime,
    understood: Understood | None,
    routes: RouteTable,
) -> str:
    at = iso_utc(now)
    original = db.original_of(store, row["id"], row["message_id"], row["sha256"])
    if original is not None:
        status = "review" if original["status"] in ("review", "shunted") else "processed"
        _finish(
            store,
            config,
            row,
            "duplicate",
            now,
            route_as=status,
            error=f"duplicate of inbox {original['id']}",
        )
        return "duplicate"
    if row["raw"] is None:
        raise MalformedMail("the message body was purged")
    if understood is not None and understood[0] is not None:
        mail = understood[0]
    else:
        try:
            mail = parse(
                bytes(row["raw"]),
                max_message_bytes=max(config.imap.max_message_bytes, len(row["raw"])),
            )
        except MailFormatError as exc:
            raise MalformedMail(str(exc)) from exc
    if not mail.headers or any(d.startswith("unparseable") for d in mail.defects):
        raise MalformedMail("no readable header: " + "; ".join(mail.defects)[:300])
    route = sender_class(understanding_of(config), mail)
    if route == "own":
        record_event(
            store,
            "mail_ignored",
            inbox_id=row["id"],
            at=at,
            detail={
                "reason": "sent from our own address (loop protection)",
                "from": mail.from_addr,
            },
        )
        _finish(store, config, row, "ignored", now, kind="own")
        return "ignored"
    if route is not None and route in HANDOVER_KINDS:
        status = _hand_over(store, config, row, routes[route], now=now, routes=routes)
        _finish(store, config, row, status, now, kind=HANDOVER_KINDS[route])
        return status
    c = understood[1] if understood is not None and understood[1] is not None else None
    if c is None:
        c = classify_reply(mail, understanding_of(config))
    outcome = handle_reply(store, config, row, mail, c, now=now)
    _finish(
        store,
        config,
        row,
        outcome.status,
        now,
        kind=c.machine or "reply",
        intent=c.intent.value,
        classification=classification_json(c),
        debtor_id=outcome.debtor_id,
        case_id=outcome.case_id,
    )
    return outcome.status


def _hand_over(
    store: Store,
    config: Config,
    row: dict[str, Any],
    handler: Handler,
    *,
    now: datetime,
    routes: RouteTable,
) -> str:
    """Bank statement mail, the office's invoice mail and staff commands belong to their own
    use cases; the routing table says which."""
    result = handler(
        HandOver(
            store=store,
            config=config,
            raw=bytes(row["raw"]),
            inbox_id=row["id"],
            attempts=int(row.get("attempts") or 0),
            now=now,
            retry_mail=partial(retry_for_review, routes=routes),
        )
    )
    status = result.get("status") if isinstance(result, dict) else getattr(result, "status", None)
    return "review" if str(status) in ("review", "quarantined", "refused") else "processed"


def _finish(
    store: Store,
    config: Config,
    row: dict[str, Any],
    status: str,
    now: datetime,
    *,
    route_as: str | None = None,
    **values: Any,
) -> None:
    desired = server_action_for(config, route_as or status)
    action: str | None
    action, done = next_server_action(row["server_action"], bool(row["server_done"]), desired)
    if row["account"] == FILE_ACCOUNT:
        action, done = None, True  # imported from a file: there is no server copy
    db.finish_message(
        store,
        row["id"],
        status=status,
        processed_at=iso_utc(now),
        server_action=action,
        server_done=int(done),
        **values,
    )
    if status != "shunted":  # a shunted mail has its own event, with the error
        # What the mail was and what became of it: the line an admin reads per mail.
        record_event(
            store,
            "mail_processed",
            debtor_id=values.get("debtor_id"),
            case_id=values.get("case_id"),
            inbox_id=row["id"],
            at=iso_utc(now),
            detail={
                "kind": values.get("kind") or status,
                "intent": values.get("intent"),
                "outcome": status,
                "filed": action,
                "error": values.get("error"),
            },
        )


def retry_for_review(
    store: Store,
    config: Config,
    inbox_id: int,
    now: datetime,
    routes: RouteTable | None = None,
) -> tuple[str, str | None]:
    """The review queue's ``retry``: (what processing it again gave, where its copy moves)."""
    result = retry_message(store, config, inbox_id, now=now, routes=routes)
    return result, pending_refile_note(db.inbox_row(store, inbox_id) or {})


def shunt(store: Store, config: Config, row: dict[str, Any], error: str, *, now: datetime) -> None:
    at = iso_utc(now)
    _finish(store, config, row, "shunted", now, error=error[:2000])
    evidence = {
        "from": row["from_addr"],
        "subject": row["subject"],
        "message_id": row["message_id"],
        "size": row["size"],
        "error": error[:2000],
    }
    add_review_item(
        store,
        "shunted_mail",
        f"mail could not be processed: {error[:300]}",
        priority=1,
        evidence=evidence,
        proposed_actions=("fix, then: dunmail inbox retry " + str(row["id"]), "ignore"),
        inbox_id=row["id"],
        dedupe_key=f"shunted_mail:inbox:{row['id']}:{row['attempts']}",
        now=at,
    )
    record_event(store, "mail_shunted", inbox_id=row["id"], at=at, detail=evidence)
