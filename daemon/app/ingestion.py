"""Inbound mail, exactly once: fetch → store and process (rows + cursor + every effect, one
commit per group of messages) → move or flag on the server (after the commit, recorded,
repaired on the next pass).

Throughput: a group of messages shares one commit (each is an fsync), the server actions of a
fetch batch go out as one command per target folder, and the pure work on a message's bytes
(parse, classify) runs ahead in the loop's worker processes (daemon.app.inbound_workers).
Each message is its own savepoint inside the group, so one that fails is shunted alone.

A crash anywhere leaves a state the next pass finishes: an uncommitted group is fetched again
(the cursor moved in the same commit), a stored but unprocessed row (from before groups, or
a retry) is processed first, a recorded but unperformed server action is retried first, and a
message fetched again (UIDVALIDITY changed) is recognised by its Message-ID and marked
duplicate.

The loop owns the resources a pass uses and passes them in: the worker pool and the routing
table (daemon.app.mail_routes).
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.imap import FetchedMessage, connect_with_retry
from daemon.adapters.mailerrors import MailError
from daemon.adapters.store import inbox as db
from daemon.adapters.store.db import Store
from daemon.app.inbound_workers import (
    PARALLEL_MIN_BATCH,
    Ahead,
    HeaderMeta,
    InboundWorkers,
    header_meta,
)
from daemon.app.inbox_processing import FILE_ACCOUNT, FILE_MAILBOX, process_message, shunt
from daemon.app.mail_routes import default_routes
from daemon.app.mailbox import MailboxClient, PassReport, account_of
from daemon.app.routing import RouteTable, understanding_of
from daemon.app.server_actions import perform_server_actions
from daemon.config import Config

# UIDs per FETCH: a few hundred keeps round trips rare; adapter chunks bodies by size.
FETCH_BATCH = 200
# Fetch the next batch while this one is processed only while this one holds less than this.
PREFETCH_MAX_BYTES = 32 * 1024 * 1024
# Messages stored + processed per commit: each commit is an fsync (synchronous=FULL), and a
# group this size holds the write lock for about a tenth of a second.
COMMIT_GROUP = 32

# Hook points for crash-injection tests: "stored", "processed" (inside a commit group),
# "committed" (after it, with its last inbox id), "done" (after the server action).
Hook = Callable[[str, int], None]


def run_ingestion_pass(
    store: Store,
    config: Config,
    client: MailboxClient,
    *,
    now: datetime,
    hook: Hook | None = None,
    stop: threading.Event | None = None,
    workers: InboundWorkers | None = None,
    routes: RouteTable | None = None,
) -> PassReport:
    """One pass over the configured mailbox; safe to repeat after a crash at any point.
    ``stop`` set (SIGTERM) ends the pass after the fetch batch in hand, moved and recorded:
    a backlog of thousands of mails must not outlast the service manager's stop timeout.
    ``workers``: the loop's parse/classify pool (without one, all of it runs in line);
    ``routes``: the loop's routing table (the default one when not given)."""
    routes = routes if routes is not None else default_routes()
    report = PassReport()
    account, mailbox = account_of(config.imap), config.imap.mailbox
    uidvalidity = client.select(mailbox)
    _finish_earlier_passes(store, config, client, uidvalidity, report, now, routes)
    uids = client.uids_after(db.cursor_uid(store, account, mailbox, uidvalidity))
    if len(uids) < PARALLEL_MIN_BATCH and workers is not None:
        workers.shutdown()  # quiet again: an idle daemon keeps no worker processes
    pool = workers if workers is not None else InboundWorkers(workers=0)
    batches = [uids[start : start + FETCH_BATCH] for start in range(0, len(uids), FETCH_BATCH)]
    unit = _Group(store, config, uidvalidity, pool, routes, report, now, hook)
    ahead = None
    for index, batch in enumerate(batches):
        if stop is not None and stop.is_set():
            report.stopped_early = True
            break
        messages, understood = (
            ahead if ahead is not None else _fetch_ahead(client, config, batch, pool)
        )
        # The next batch is fetched and handed to the workers before this one is processed,
        # so they parse and classify it meanwhile (unless this one is big: two batches of
        # large mail in memory at once is not worth it). Nothing of it is stored yet: after a
        # crash it is simply fetched again.
        ahead = None
        held = sum(len(m.raw) for m in messages if m.raw is not None)
        if index + 1 < len(batches) and held <= PREFETCH_MAX_BYTES:
            ahead = _fetch_ahead(client, config, batches[index + 1], pool)
        _ingest_batch(unit, client, messages, understood)
    return report


def _finish_earlier_passes(
    store: Store,
    config: Config,
    client: MailboxClient,
    uidvalidity: int,
    report: PassReport,
    now: datetime,
    routes: RouteTable,
) -> None:
    """What a crashed or interrupted pass left, before anything new: server actions recorded
    but not performed, then rows stored but not processed (and their server actions)."""
    account, mailbox = account_of(config.imap), config.imap.mailbox
    pending = [row["id"] for row in db.pending_server_actions(store, account, mailbox)]
    perform_server_actions(client, store, pending, uidvalidity, report)
    leftover = db.unprocessed_ids(store, account, mailbox)
    for inbox_id in leftover:
        report.count(process_message(store, config, inbox_id, now=now, routes=routes))
    perform_server_actions(client, store, leftover, uidvalidity, report)


def _ingest_batch(
    unit: _Group,
    client: MailboxClient,
    messages: Sequence[FetchedMessage],
    understood: Ahead,
) -> None:
    """A fetch batch: stored and processed in commit groups, then moved or flagged."""
    done: list[int] = []
    for group in range(0, len(messages), COMMIT_GROUP):
        members = messages[group : group + COMMIT_GROUP]
        done.extend(_ingest_group(unit, members, understood))
        if done:
            _call(unit.hook, "committed", done[-1])
    # One MOVE/STORE per target for the whole batch: Dovecot's cost of a MOVE is mostly
    # per command, not per UID. Every row is committed first, so a crash before this line
    # leaves recorded actions that the next pass performs before anything else.
    perform_server_actions(client, unit.store, done, unit.uidvalidity, unit.report)
    for inbox_id in done:
        _call(unit.hook, "done", inbox_id)


def _fetch_ahead(
    client: MailboxClient, config: Config, uids: Sequence[int], pool: InboundWorkers
) -> tuple[list[FetchedMessage], Ahead]:
    messages = client.fetch(uids)
    return messages, pool.start(understanding_of(config), messages)


@dataclass(frozen=True, slots=True)
class _Group:
    """What storing and processing a commit group needs from its pass."""

    store: Store
    config: Config
    uidvalidity: int
    pool: InboundWorkers
    routes: RouteTable
    report: PassReport
    now: datetime
    hook: Hook | None


def _ingest_group(unit: _Group, messages: Sequence[FetchedMessage], understood: Ahead) -> list[int]:
    """Store and process a few messages in ONE commit (synchronous=FULL makes each commit an
    fsync). Exactly once still holds: the cursor moves in the same commit, nothing leaves the
    database before it (server actions come after), and a crash undoes the whole group, which
    the next pass fetches again. Each message is its own savepoint, so one that fails is
    shunted alone."""
    store, config, report, now = unit.store, unit.config, unit.report, unit.now
    account, mailbox = account_of(config.imap), config.imap.mailbox
    done: list[int] = []
    with store.transaction():
        for message in messages:
            report.fetched += 1
            meta, pre = unit.pool.result(understood.get(message.uid))
            inbox_id = ingest(
                store, config, account, mailbox, unit.uidvalidity, message, now=now, meta=meta
            )
            if inbox_id is None:
                continue
            report.stored += 1
            _call(unit.hook, "stored", inbox_id)
            status = process_message(
                store, config, inbox_id, now=now, understood=pre, routes=unit.routes
            )
            report.count(status)
            _call(unit.hook, "processed", inbox_id)
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
    meta = meta if meta is not None else header_meta(raw)
    at = iso_utc(now)
    with store.transaction():
        where = (account, mailbox, uidvalidity, message.uid)
        inbox_id = _insert_new(store, where, raw, message.size, meta, at)
        db.advance_cursor(store, account, mailbox, uidvalidity, message.uid, now=at)
        if inbox_id is not None and (message.too_large or message.raw is None):
            limit = config.imap.max_message_bytes
            row = db.inbox_row(store, inbox_id)
            assert row is not None
            shunt(
                store,
                config,
                row,
                f"too large: {message.size} bytes (limit {limit}); only the headers were stored",
                now=now,
            )
    return inbox_id


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


def import_message(
    store: Store,
    config: Config,
    raw: bytes,
    *,
    now: datetime,
    routes: RouteTable | None = None,
) -> tuple[int, str]:
    """Store and process one message that did not come through IMAP (a reply saved from
    another mailbox, an .eml forwarded as attachment), exactly as a fetched one would be:
    the same duplicate check by Message-ID, the same effects. Returns (inbox id, status)."""
    limit = config.imap.max_message_bytes
    if len(raw) > limit:
        raise ValueError(f"{len(raw)} bytes is larger than imap.max_message_bytes ({limit})")
    with store.transaction():
        uid = db.highest_uid(store, FILE_ACCOUNT, FILE_MAILBOX) + 1
        where = (FILE_ACCOUNT, FILE_MAILBOX, 0, uid)
        inbox_id = _insert_new(store, where, raw, len(raw), header_meta(raw), iso_utc(now))
        assert inbox_id is not None  # a fresh uid cannot collide
        status = process_message(store, config, inbox_id, now=now, routes=routes)
    return inbox_id, status


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
    """Connect (capped backoff), run passes; with ``once`` a single pass. Returns the last.
    This loop owns the worker pool and the routing table its passes use."""
    stop = stop or threading.Event()
    workers, routes = InboundWorkers(), default_routes()
    try:
        return _fetch_loop(store, config, once, stop, clock, on_pass, workers, routes)
    finally:
        workers.shutdown()


def _fetch_loop(
    store: Store,
    config: Config,
    once: bool,
    stop: threading.Event,
    clock: Callable[[], datetime],
    on_pass: Callable[[PassReport], None] | None,
    workers: InboundWorkers,
    routes: RouteTable,
) -> PassReport:
    report = PassReport()
    while not stop.is_set():
        client = connect_with_retry(config.imap, max_wait=config.daemon.backoff_max_seconds)
        try:
            while not stop.is_set():
                report = run_ingestion_pass(
                    store, config, client, now=clock(), stop=stop, workers=workers, routes=routes
                )
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
