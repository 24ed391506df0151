"""The pure work on a message's bytes (header sniff, parse, classify), and the process pool
that runs it ahead of the ingestion pass.

The pool belongs to the loop that runs the passes (daemon.cycle's inbound stage, the CLI's
fetch, the benchmark): it creates an ``InboundWorkers`` and passes it to each pass. The pass
asks it to start a batch; the processes start on the first large batch and stop when the
mail goes quiet, so an idle daemon keeps no worker processes.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from daemon.adapters.clock import iso_utc
from daemon.adapters.imap import FetchedMessage
from daemon.app.routing import Understanding, classify_reply, sender_class
from daemon.domain.classify import Classification
from parsers.mail import ParsedMail, parse, parse_headers

# Parse + classify (pure CPU, ~7 ms a mail) runs in worker processes for batches at least this
# large; smaller ones are not worth the pickling, and the result is the same either way.
PARALLEL_MIN_BATCH = 8
PARALLEL_WORKERS = 2

# The columns a stored row shows before it is processed.
HeaderMeta = dict[str, str | None]
# (parsed mail, classification) — either may be None: the processing step then computes it.
Understood = tuple[ParsedMail | None, Classification | None]
Ahead = dict[int, Future[tuple[HeaderMeta, Understood]]]


def header_meta(raw: bytes) -> HeaderMeta:
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


def understand(raw: bytes, u: Understanding) -> Understood:
    """What processing would compute from ``raw``, or None parts where it must do it itself
    (unreadable mail, routed elsewhere): its own run then gives the same result or error."""
    try:
        mail = parse(raw, max_message_bytes=max(u.max_message_bytes, len(raw)))
    except Exception:
        return (None, None)
    if not mail.headers or any(d.startswith("unparseable") for d in mail.defects):
        return (mail, None)
    if sender_class(u, mail) is not None:
        return (mail, None)
    try:
        return (mail, classify_reply(mail, u))
    except Exception:
        return (mail, None)


def prepare(raw: bytes, u: Understanding) -> tuple[HeaderMeta, Understood]:
    """Everything pure ingestion does with one message's bytes, for a worker."""
    understood = understand(raw, u)
    mail = understood[0]
    return (meta_of(mail) if mail is not None else header_meta(raw)), understood


class InboundWorkers:
    """The parse/classify pool of one loop. With ``workers=0``, or where processes are
    unavailable, the pass does the work in line (the result is the same)."""

    def __init__(self, workers: int = PARALLEL_WORKERS) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None

    def _get(self) -> ProcessPoolExecutor | None:
        """forkserver, not fork: a forked worker would inherit the daemon's open files —
        among them the flock of the instance lock, which must die with the daemon under
        kill -9."""
        if self._pool is None:
            try:
                context = multiprocessing.get_context("forkserver")
                context.set_forkserver_preload([__name__])
                self._pool = ProcessPoolExecutor(
                    max_workers=min(self.workers, os.cpu_count() or 1),
                    mp_context=context,
                    initializer=_exit_with_parent,
                    initargs=(),
                )
            except (OSError, ValueError, NotImplementedError):
                return None
        return self._pool

    def shutdown(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
            self._pool = None

    def start(self, u: Understanding, messages: Sequence[FetchedMessage]) -> Ahead:
        """Start header sniff + parse + classify of a fetched batch (UID → future); empty for
        a small batch or without a pool — ingest and processing then do it in line."""
        todo = [m for m in messages if m.raw is not None and not m.too_large]
        if self.workers < 1 or len(todo) < PARALLEL_MIN_BATCH or (pool := self._get()) is None:
            return {}
        try:
            return {m.uid: pool.submit(prepare, m.raw, u) for m in todo if m.raw is not None}
        except (BrokenProcessPool, RuntimeError, OSError):
            self.shutdown()
            return {}

    def result(
        self, future: Future[tuple[HeaderMeta, Understood]] | None
    ) -> tuple[HeaderMeta | None, Understood | None]:
        if future is None:
            return None, None
        try:
            return future.result()
        except BrokenProcessPool:  # a worker died: do it in line, start a new pool next time
            self.shutdown()
        except Exception:  # could not pickle, …: do it in line instead
            pass
        return None, None


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
