"""Inbound mail, exactly once: fetch → store and process (rows + cursor + every effect, one
commit per group of messages) → move or flag on the server (after the commit, recorded,
repaired on the next pass).

Throughput: a group of messages shares one commit (each is an fsync), the server actions of a
fetch batch go out as one command per target folder, and the pure work on a message's bytes
(parse, classify) runs ahead in worker processes. Each message is its own savepoint inside
the group, so one that fails is shunted alone.

A crash anywhere leaves a state the next pass finishes: an uncommitted group is fetched again
(the cursor moved in the same commit), a stored but unprocessed row (from before groups, or
a retry) is processed first, a recorded but unperformed server action is retried first, and a
message fetched again (UIDVALIDITY changed) is recognised by its Message-ID and marked
duplicate.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from datetime import date, datetime, tzinfo
from typing import Any, Protocol

from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.imap import FetchedMessage, connect_with_retry
from daemon.adapters.mailerrors import MailError, PermanentMailError
from daemon.adapters.store import inbox as db
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import add_review_item
from daemon.app.replies import classification_json, handle_reply
from daemon.config import Config, ImapSettings
from daemon.domain.classify import Classification, classify
from daemon.domain.workdays import is_business_day
from parsers.mail import MailFormatError, ParsedMail, parse, parse_headers

PROCESSED_FLAGS = ("\\Seen", "$DunmailProcessed")
REVIEW_FLAGS = ("\\Flagged", "$DunmailReview")
# UIDs per FETCH: a few hundred keeps round trips rare; adapter chunks bodies by size.
FETCH_BATCH = 200
# Parse + classify (pure CPU, ~7 ms a mail) runs in worker processes for batches at least this
# large; smaller ones are not worth the pickling, and the result is the same either way.
PARALLEL_MIN_BATCH = 8
PARALLEL_WORKERS = 2
# Fetch the next batch while this one is processed only while this one holds less than this.
PREFETCH_MAX_BYTES = 32 * 1024 * 1024
# Messages stored + processed per commit: each commit is an fsync (synchronous=FULL), and a
# group this size holds the write lock for about a tenth of a second.
COMMIT_GROUP = 32
_MSGID = re.compile(r"<[^<>\s]+>")
_META_HEADERS = ("message-id", "from", "subject", "date")

# Hook points for crash-injection tests: "stored", "processed" (inside a commit group),
# "committed" (after it, with its last inbox id), "done" (after the server action).
Hook = Callable[[str, int], None]


class MalformedMail(ValueError):
    """The message cannot be read as mail at all."""


class MailboxClient(Protocol):
    """The parts of daemon.adapters.imap.ImapMailbox ingestion uses."""

    def select(self, mailbox: str) -> int: ...
    def uids_after(self, last_uid: int) -> list[int]: ...
    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]: ...
    def move(self, uids: Iterable[int], folder: str) -> None: ...
    def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None: ...
    def remove_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None: ...
    def refile(self, message_id: str, source: str, target: str) -> int: ...
    def idle_wait(self, timeout_s: float) -> bool: ...
    @property
    def has_idle(self) -> bool: ...


@dataclass
class PassReport:
    fetched: int = 0
    stored: int = 0
    outcomes: dict[str, int] = field(default_factory=dict)
    server_actions: int = 0
    errors: list[str] = field(default_factory=list)
    stopped_early: bool = False  # asked to stop; the rest waits for the next pass

    def count(self, status: str) -> None:
        self.outcomes[status] = self.outcomes.get(status, 0) + 1

    def as_dict(self) -> dict[str, Any]:
        return {
            "fetched": self.fetched,
            "stored": self.stored,
            "outcomes": self.outcomes,
            "server_actions": self.server_actions,
            "errors": self.errors,
            "stopped_early": self.stopped_early,
        }


def account_of(imap: ImapSettings) -> str:
    return f"{imap.username}@{imap.host}"


# -- the pass -----------------------------------------------------------------------------


def run_ingestion_pass(
    store: Store,
    config: Config,
    client: MailboxClient,
    *,
    now: datetime,
    hook: Hook | None = None,
    stop: threading.Event | None = None,
) -> PassReport:
    """One pass over the configured mailbox; safe to repeat after a crash at any point.
    ``stop`` set (SIGTERM) ends the pass after the fetch batch in hand, moved and recorded:
    a backlog of thousands of mails must not outlast the service manager's stop timeout."""
    report = PassReport()
    account, mailbox = account_of(config.imap), config.imap.mailbox
    uidvalidity = client.select(mailbox)
    pending = [row["id"] for row in db.pending_server_actions(store, account, mailbox)]
    _server_actions(client, store, pending, uidvalidity, report)
    leftover = db.unprocessed_ids(store, account, mailbox)
    for inbox_id in leftover:
        report.count(process_message(store, config, inbox_id, now=now))
    _server_actions(client, store, leftover, uidvalidity, report)
    uids = client.uids_after(db.cursor_uid(store, account, mailbox, uidvalidity))
    if len(uids) < PARALLEL_MIN_BATCH:
        shutdown_workers()  # quiet again: an idle daemon keeps no worker processes
    batches = [uids[start : start + FETCH_BATCH] for start in range(0, len(uids), FETCH_BATCH)]
    ahead = None
    for index, batch in enumerate(batches):
        if stop is not None and stop.is_set():
            report.stopped_early = True
            break
        messages, understood = ahead if ahead is not None else _fetch_ahead(client, config, batch)
        # The next batch is fetched and handed to the workers before this one is processed,
        # so they parse and classify it meanwhile (unless this one is big: two batches of
        # large mail in memory at once is not worth it). Nothing of it is stored yet: after a
        # crash it is simply fetched again.
        ahead = None
        held = sum(len(m.raw) for m in messages if m.raw is not None)
        if index + 1 < len(batches) and held <= PREFETCH_MAX_BYTES:
            ahead = _fetch_ahead(client, config, batches[index + 1])
        done: list[int] = []
        for group in range(0, len(messages), COMMIT_GROUP):
            members = messages[group : group + COMMIT_GROUP]
            done.extend(
                _ingest_group(store, config, uidvalidity, members, understood, report, now, hook)
            )
            if done:
                _call(hook, "committed", done[-1])
        # One MOVE/STORE per target for the whole batch: Dovecot's cost of a MOVE is mostly
        # per command, not per UID. Every row is committed first, so a crash before this line
        # leaves recorded actions that the next pass performs before anything else.
        _server_actions(client, store, done, uidvalidity, report)
        for inbox_id in done:
            _call(hook, "done", inbox_id)
    return report


def _fetch_ahead(
    client: MailboxClient, config: Config, uids: Sequence[int]
) -> tuple[list[FetchedMessage], dict[int, Future[tuple[HeaderMeta, Understood]]]]:
    messages = client.fetch(uids)
    return messages, understand_ahead(config, messages)


def _ingest_group(
    store: Store,
    config: Config,
    uidvalidity: int,
    messages: Sequence[FetchedMessage],
    understood: dict[int, Future[tuple[HeaderMeta, Understood]]],
    report: PassReport,
    now: datetime,
    hook: Hook | None,
) -> list[int]:
    """Store and process a few messages in ONE commit (synchronous=FULL makes each commit an
    fsync). Exactly once still holds: the cursor moves in the same commit, nothing leaves the
    database before it (server actions come after), and a crash undoes the whole group, which
    the next pass fetches again. Each message is its own savepoint, so one that fails is
    shunted alone."""
    account, mailbox = account_of(config.imap), config.imap.mailbox
    done: list[int] = []
    with store.transaction():
        for message in messages:
            report.fetched += 1
            meta, pre = _result(understood.get(message.uid))
            inbox_id = ingest(
                store, config, account, mailbox, uidvalidity, message, now=now, meta=meta
            )
            if inbox_id is None:
                continue
            report.stored += 1
            _call(hook, "stored", inbox_id)
            report.count(process_message(store, config, inbox_id, now=now, understood=pre))
            _call(hook, "processed", inbox_id)
            done.append(inbox_id)
    return done


def _call(hook: Hook | None, point: str, inbox_id: int) -> None:
    if hook is not None:
        hook(point, inbox_id)


def ingest(
    store: Store,
    config: Config,
    account: str,
    mailbox: str,
    uidvalidity: int,
    message: FetchedMessage,
    *,
    now: datetime,
    meta: HeaderMeta | None = None,
) -> int | None:
    """Store one fetched message and advance the cursor past it, together (inside the
    group's unit of work when there is one). ``meta``: the stored columns, computed ahead."""
    raw = message.raw if message.raw is not None else (message.header or b"")
    meta = meta if meta is not None else _header_meta(raw)
    at = iso_utc(now)
    with store.transaction():
        where = (account, mailbox, uidvalidity, message.uid)
        inbox_id = _insert_new(store, where, raw, message.size, meta, at)
        db.advance_cursor(store, account, mailbox, uidvalidity, message.uid, now=at)
        if inbox_id is not None and (message.too_large or message.raw is None):
            limit = config.imap.max_message_bytes
            row = db.inbox_row(store, inbox_id)
            assert row is not None
            _shunt(
                store,
                config,
                row,
                f"too large: {message.size} bytes (limit {limit}); only the headers were stored",
                now=now,
            )
    return inbox_id


HeaderMeta = dict[str, str | None]


def _insert_new(
    store: Store,
    where: tuple[str, str, int, int],
    raw: bytes,
    size: int,
    meta: HeaderMeta,
    at: str,
) -> int | None:
    """The row of a message not yet processed; None when (account, mailbox, uidvalidity,
    uid) is stored already."""
    account, mailbox, uidvalidity, uid = where
    return db.insert_message(
        store,
        account=account,
        mailbox=mailbox,
        uidvalidity=uidvalidity,
        uid=uid,
        message_id=meta["message_id"],
        received_at=at,
        mail_date=meta["date"],
        from_addr=meta["from"],
        subject=meta["subject"],
        size=size,
        sha256=hashlib.sha256(raw).hexdigest(),
        raw=raw,
        status="new",
    )


def _header_meta(raw: bytes) -> HeaderMeta:
    return meta_of(parse_headers(raw))


def meta_of(mail: ParsedMail) -> HeaderMeta:
    """The columns a stored row shows before it is processed, read as parse() reads them (the
    workers take them from their full parse; ingest in line from the header section only)."""
    return {
        "message_id": mail.message_id,
        "from": mail.from_addr or None,
        "subject": mail.subject[:500] or None,
        "date": iso_utc(mail.date) if mail.date is not None else None,
    }


# -- processing ---------------------------------------------------------------------------


def process_message(
    store: Store,
    config: Config,
    inbox_id: int,
    *,
    now: datetime,
    understood: Understood | None = None,
) -> str:
    """Process one stored row; any failure shunts it (the pass goes on). Returns the status.
    ``understood``: its parse + classification computed ahead (same raw bytes, same config)."""
    try:
        with store.transaction():
            row = db.inbox_row(store, inbox_id)
            if row is None or row["status"] != "new":
                return row["status"] if row else "missing"
            return _process(store, config, row, now=now, understood=understood)
    except Exception as exc:
        with store.transaction():
            row = db.inbox_row(store, inbox_id)
            assert row is not None
            _shunt(store, config, row, f"{type(exc).__name__}: {exc}", now=now)
        return "shunted"


# Messages handed over as files (`dunmail inbox import`) live under this account: no server
# copy to move or flag, numbered in arrival order.
FILE_ACCOUNT = "file"
FILE_MAILBOX = "import"


def import_message(store: Store, config: Config, raw: bytes, *, now: datetime) -> tuple[int, str]:
    """Store and process one message that did not come through IMAP (a reply saved from
    another mailbox, an .eml forwarded as attachment), exactly as a fetched one would be:
    the same duplicate check by Message-ID, the same effects. Returns (inbox id, status)."""
    limit = config.imap.max_message_bytes
    if len(raw) > limit:
        raise ValueError(f"{len(raw)} bytes is larger than imap.max_message_bytes ({limit})")
    with store.transaction():
        uid = db.highest_uid(store, FILE_ACCOUNT, FILE_MAILBOX) + 1
        where = (FILE_ACCOUNT, FILE_MAILBOX, 0, uid)
        inbox_id = _insert_new(store, where, raw, len(raw), _header_meta(raw), iso_utc(now))
        assert inbox_id is not None  # a fresh uid cannot collide
        status = process_message(store, config, inbox_id, now=now)
    return inbox_id, status


def retry_message(store: Store, config: Config, inbox_id: int, *, now: datetime) -> str:
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
    return process_message(store, config, inbox_id, now=now)


def _process(
    store: Store,
    config: Config,
    row: dict[str, Any],
    *,
    now: datetime,
    understood: Understood | None = None,
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
    route = _route(config, mail)
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
    if route in ("bank", "staff", "invoices"):
        status = _hand_over(store, config, row, route, now=now)
        kind = {"bank": "statement", "invoices": "invoice_mail"}.get(route, "staff")
        _finish(store, config, row, status, now, kind=kind)
        return status
    c = understood[1] if understood is not None and understood[1] is not None else None
    if c is None:
        c = _classify(mail, understanding_of(config))
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


def _route(config: Config, mail: ParsedMail) -> str | None:
    return _route_of(understanding_of(config), mail)


def _route_of(u: Understanding, mail: ParsedMail) -> str | None:
    # Loop protection trusts only the strictly read sender: a hostile From naming our own
    # address is not silently ignored but reviewed as an unknown sender's mail. Bank and
    # staff mail are routed on the From as shown; their handlers authenticate it (one
    # unambiguous From, aligned DKIM/DMARC) and quarantine or refuse what fails.
    if mail.sender and mail.sender in u.own_addresses:
        return "own"
    sender = mail.from_addr.lower()
    domain = sender.rpartition("@")[2]
    if sender and (sender in u.trusted or domain in u.trusted):
        return "bank"
    # The office's own invoice mail, BCC'd (daemon.app.invoicemail). A named invoice sender
    # wins; a whole domain ("@office.nl") does not take a staff member's replies.
    if sender and sender in u.invoice_senders:
        return "invoices"
    if sender and sender in u.staff:
        return "staff"
    if sender and domain in u.invoice_senders:
        return "invoices"
    return None


# -- parse + classify ahead, in worker processes --------------------------------------------

# (parsed mail, classification) — either may be None: the processing step then computes it.
Understood = tuple[ParsedMail | None, Classification | None]


@dataclass(frozen=True, slots=True)
class Understanding:
    """The parts of the configuration parse + classify depend on; small, sent to workers."""

    max_message_bytes: int
    tz: tzinfo
    invoice_pattern: str
    country: str
    own_addresses: tuple[str, ...]
    trusted: frozenset[str]
    staff: frozenset[str]
    invoice_senders: frozenset[str] = frozenset()


def understanding_of(config: Config) -> Understanding:
    return Understanding(
        max_message_bytes=config.imap.max_message_bytes,
        tz=config.office.tz,
        invoice_pattern=config.invoices.number_pattern,
        country=config.office.jurisdiction,
        own_addresses=tuple(config.office.addresses),
        trusted=frozenset(t.lower().lstrip("@") for t in config.bank.trusted_senders),
        staff=frozenset(a.lower() for a in config.staff.addresses),
        invoice_senders=frozenset(t.lower().lstrip("@") for t in config.intake.invoice_senders),
    )


def _classify(mail: ParsedMail, u: Understanding) -> Classification:
    country = u.country

    def business(d: date) -> bool:
        return is_business_day(d, country)

    return classify(
        mail,
        tz=u.tz,
        invoice_pattern=u.invoice_pattern,
        is_business_day=business,
        own_addresses=u.own_addresses,
    )


def understand(raw: bytes, u: Understanding) -> Understood:
    """What ``_process`` would compute from ``raw``, or None parts where it must do it itself
    (unreadable mail, routed elsewhere): its own run then gives the same result or error."""
    try:
        mail = parse(raw, max_message_bytes=max(u.max_message_bytes, len(raw)))
    except Exception:
        return (None, None)
    if not mail.headers or any(d.startswith("unparseable") for d in mail.defects):
        return (mail, None)
    if _route_of(u, mail) is not None:
        return (mail, None)
    try:
        return (mail, _classify(mail, u))
    except Exception:
        return (mail, None)


def _prepare(raw: bytes, u: Understanding) -> tuple[HeaderMeta, Understood]:
    """Everything pure ingestion does with one message's bytes, for a worker."""
    understood = understand(raw, u)
    mail = understood[0]
    return (meta_of(mail) if mail is not None else _header_meta(raw)), understood


_pool: ProcessPoolExecutor | None = None


def _workers() -> ProcessPoolExecutor | None:
    """The daemon's parse/classify pool, created on the first large batch and kept while mail
    keeps coming; None where processes are unavailable.

    forkserver, not fork: a forked worker would inherit the daemon's open files — among them
    the flock of the instance lock, which must die with the daemon under kill -9."""
    global _pool
    if _pool is None:
        try:
            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload([__name__])
            _pool = ProcessPoolExecutor(
                max_workers=min(PARALLEL_WORKERS, os.cpu_count() or 1),
                mp_context=context,
                initializer=_exit_with_parent,
                initargs=(),
            )
        except (OSError, ValueError, NotImplementedError):
            return None
    return _pool


def _exit_with_parent() -> None:
    """A worker of a daemon killed with -9 would wait for work forever (and keep the fork
    server alive): leave when the daemon's end of the sentinel pipe closes."""
    parent = multiprocessing.parent_process()
    if parent is None:
        return

    def watch() -> None:
        parent.join()
        os._exit(0)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def shutdown_workers() -> None:
    global _pool
    if _pool is not None:
        _pool.shutdown(wait=True, cancel_futures=True)
        _pool = None


def understand_ahead(
    config: Config, messages: Sequence[FetchedMessage]
) -> dict[int, Future[tuple[HeaderMeta, Understood]]]:
    """Start header sniff + parse + classify of a fetched batch in the workers (UID → future);
    empty for a small batch or without a pool — ingest and processing then do it in line."""
    todo = [m for m in messages if m.raw is not None and not m.too_large]
    if len(todo) < PARALLEL_MIN_BATCH or (pool := _workers()) is None:
        return {}
    u = understanding_of(config)
    try:
        return {m.uid: pool.submit(_prepare, m.raw, u) for m in todo if m.raw is not None}
    except (BrokenProcessPool, RuntimeError, OSError):
        shutdown_workers()
        return {}


def _result(
    future: Future[tuple[HeaderMeta, Understood]] | None,
) -> tuple[HeaderMeta | None, Understood | None]:
    if future is None:
        return None, None
    try:
        return future.result()
    except BrokenProcessPool:  # a worker died: do it in line, start a new pool next time
        shutdown_workers()
    except Exception:  # could not pickle, …: do it in line instead
        pass
    return None, None


def _hand_over(
    store: Store, config: Config, row: dict[str, Any], route: str, *, now: datetime
) -> str:
    """Bank statement mail, the office's invoice mail and staff commands belong to their own
    use cases."""
    raw = bytes(row["raw"])
    result: Any
    if route == "bank":
        from daemon.app.bankmail import import_statement_mail

        result = import_statement_mail(store, config, raw, inbox_id=row["id"], now=iso_utc(now))
    elif route == "invoices":
        from daemon.app.invoicemail import import_invoice_mail

        result = import_invoice_mail(
            store,
            config,
            raw,
            inbox_id=row["id"],
            now=iso_utc(now),
            attempt=int(row.get("attempts") or 0),
        )
    else:
        from daemon.app.staffmail import handle_staff_reply

        result = handle_staff_reply(store, config, raw, inbox_id=row["id"], now=now)
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
    action, done = _next_server_action(row["server_action"], bool(row["server_done"]), desired)
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


def pending_refile_note(row: dict[str, Any]) -> str | None:
    """For a person: where the next fetch will move a retried message's server copy."""
    action = str(row.get("server_action") or "")
    if not action.startswith("refile:") or row.get("server_done"):
        return None
    source, _, target = action.removeprefix("refile:").partition(">")
    return f"the next fetch moves it from {source} to {target}"


def _next_server_action(current: str | None, done: bool, desired: str) -> tuple[str | None, bool]:
    """(server action, already done) for a message whose outcome calls for ``desired``.

    First processing: ``desired``. Processed again (a retry) after its copy was filed: from
    where it is now to where ``desired`` puts it — ``refile:FROM>TO`` (found by Message-ID,
    as the move gave it a new UID) or ``reflag:OLD>NEW``; nothing when it is there already,
    or when the mark mode changed in between (it stays where it is)."""
    if current is None:
        return desired, False
    verb, _, arg = current.partition(":")
    if verb in ("refile", "reflag"):
        source, _, target = arg.partition(">")
        place = ("move" if verb == "refile" else "flag", target if done else source)
    elif done:
        place = (verb, arg)
    else:
        return desired, False  # never performed: the message is still in the mailbox
    want, _, want_arg = desired.partition(":")
    if place[0] != want:
        return current, done
    if place[1] == want_arg:
        return desired, True
    return f"{'refile' if want == 'move' else 'reflag'}:{place[1]}>{want_arg}", False


def _shunt(store: Store, config: Config, row: dict[str, Any], error: str, *, now: datetime) -> None:
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


def server_action_for(config: Config, status: str) -> str:
    review = status in ("review", "shunted")
    if config.imap.mark_mode == "flag":
        return "flag:" + " ".join(REVIEW_FLAGS if review else PROCESSED_FLAGS)
    return "move:" + (config.imap.review_folder if review else config.imap.processed_folder)


def _server_actions(
    client: MailboxClient,
    store: Store,
    inbox_ids: Sequence[int],
    uidvalidity: int,
    report: PassReport,
) -> None:
    """Move or flag after the commit, one command per target; recorded as done (in one
    transaction) only for the rows whose command the server acknowledged."""
    rows = db.server_action_rows(store, inbox_ids)
    groups: dict[str, list[dict[str, Any]]] = {}
    finished: list[int] = []
    for row in rows:
        if not row["server_action"] or row["server_done"]:
            continue
        if row["server_action"].startswith("refile:"):
            if _refile(client, row, report):
                finished.append(row["id"])
            continue
        if row["uidvalidity"] != uidvalidity:
            # Under another UIDVALIDITY the UID names nothing: the re-scan finds it again.
            finished.append(row["id"])
            continue
        groups.setdefault(row["server_action"], []).append(row)
    for action, members in groups.items():
        try:
            _perform(client, action, [r["uid"] for r in members])
            finished.extend(r["id"] for r in members)
            report.server_actions += len(members)
        except PermanentMailError:
            # One refused UID must not hold back the rest: fall back to one command each.
            for row in members:
                try:
                    _perform(client, action, [row["uid"]])
                except PermanentMailError as exc:
                    report.errors.append(f"inbox {row['id']}: {action}: {exc}")
                    continue
                finished.append(row["id"])
                report.server_actions += 1
    if finished:
        with store.transaction():
            db.mark_server_done(store, finished)


def _perform(client: MailboxClient, action: str, uids: list[int]) -> None:
    verb, _, arg = action.partition(":")
    if verb == "move":
        client.move(uids, arg)
    elif verb == "flag":
        client.add_flags(uids, arg.split())
    elif verb == "reflag":
        old, _, new = arg.partition(">")
        client.remove_flags(uids, old.split())
        client.add_flags(uids, new.split())


def _refile(client: MailboxClient, row: dict[str, Any], report: PassReport) -> bool:
    """Move a message filed earlier to the folder its new outcome belongs in. True when done
    (or impossible: then the reason is in the report and the row is not tried again)."""
    source, _, target = row["server_action"].removeprefix("refile:").partition(">")
    if not row["message_id"]:
        report.errors.append(
            f"inbox {row['id']}: no Message-ID to find it by in {source}; move it to {target}"
            " by hand"
        )
        return True
    try:
        moved = client.refile(row["message_id"], source, target)
    except PermanentMailError as exc:
        report.errors.append(f"inbox {row['id']}: refile {source} → {target}: {exc}")
        return False
    report.server_actions += moved
    return True


# -- waiting and the fetch loop -----------------------------------------------------------


def wait_for_mail(
    client: MailboxClient, timeout: float, stop: threading.Event | None = None
) -> bool:
    """IDLE when the server offers it (True: new mail announced); otherwise wait ``timeout``
    on ``stop`` and return False, so the caller polls."""
    if client.has_idle:
        return client.idle_wait(timeout)
    (stop or threading.Event()).wait(timeout)
    return False


def fetch_mail(
    store: Store,
    config: Config,
    *,
    once: bool,
    stop: threading.Event | None = None,
    clock: Callable[[], datetime] = utc_now,
    on_pass: Callable[[PassReport], None] | None = None,
) -> PassReport:
    """Connect (capped backoff), run passes; with ``once`` a single pass. Returns the last."""
    stop = stop or threading.Event()
    report = PassReport()
    while not stop.is_set():
        client = connect_with_retry(config.imap, max_wait=config.daemon.backoff_max_seconds)
        try:
            while not stop.is_set():
                report = run_ingestion_pass(store, config, client, now=clock(), stop=stop)
                if on_pass is not None:
                    on_pass(report)
                if once:
                    return report
                wait_for_mail(client, config.imap.poll_seconds, stop)
        except MailError as exc:
            if once:
                raise
            report.errors.append(str(exc))
        finally:
            client.logout()
    return report
