"""Inbound throughput: N generated mails in a real Dovecot INBOX → ingested and classified.

    .venv/bin/python bench/bench_inbound.py         # --count 10000 [--mark-mode flag] [--profile]

Starts a throw-away Dovecot on loopback (tests.servers), MULTIAPPENDs the mails from
bench/gen_mail.py (not timed), imports the debtors/invoices they link to, then times one
``daemon.app.ingestion.run_ingestion_pass`` through the real ``ImapMailbox`` on a daemon
connection (synchronous=FULL). The split fetch / wait for workers / store / process / server
action comes from timing wrappers around the adapter and the pass's steps; parse + classify run
in the pass's worker processes (``daemon.app.inbound_workers``). Target: >= 200 mails/s.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import gen_mail  # noqa: E402
from daemon.adapters.imap import FetchedMessage, ImapMailbox  # noqa: E402
from daemon.adapters.store.db import open_store  # noqa: E402
from daemon.app import ingestion  # noqa: E402
from daemon.app.inbound_workers import InboundWorkers  # noqa: E402
from daemon.app.invoices import import_invoices  # noqa: E402
from tests.integration.inbound_corpus import NOW, corpus_config, wait_for_login  # noqa: E402
from tests.servers import DovecotServer, MailAccount  # noqa: E402

TARGET_PER_S = 200.0


class Timings:
    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    def add(self, name: str, seconds: float) -> None:
        self.seconds[name] = self.seconds.get(name, 0.0) + seconds

    def wrap(self, name: str, fn: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.add(name, time.perf_counter() - t0)

        return timed


class TimedMailbox:
    """ImapMailbox with its round trips timed; everything else passes through."""

    def __init__(self, inner: ImapMailbox, timings: Timings) -> None:
        self._inner = inner
        self._t = timings

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    @property
    def has_idle(self) -> bool:
        return self._inner.has_idle

    def fetch(self, uids: Iterable[int]) -> list[FetchedMessage]:
        result: list[FetchedMessage] = self._t.wrap("imap fetch", self._inner.fetch)(uids)
        return result

    def move(self, uids: Iterable[int], folder: str) -> None:
        self._t.wrap("imap move/flag", self._inner.move)(uids, folder)

    def add_flags(self, uids: Iterable[int], flags: Iterable[str]) -> None:
        self._t.wrap("imap move/flag", self._inner.add_flags)(uids, flags)


def deliver(account: MailAccount, raws: Iterable[bytes], batch: int = 250) -> int:
    n = 0
    with account.client() as c:
        pending: list[bytes] = []
        for raw in raws:
            pending.append(raw)
            if len(pending) == batch:
                c.multiappend("INBOX", pending)
                n += len(pending)
                pending = []
        if pending:
            c.multiappend("INBOX", pending)
            n += len(pending)
    return n


def run(count: int, profile: bool, mark_mode: str = "move") -> dict[str, Any]:
    server = DovecotServer.start()
    try:
        account = wait_for_login(server.add_user())
        work = Path(tempfile.mkdtemp(prefix="dunmail-bench-inbound-"))
        t0 = time.perf_counter()
        delivered = deliver(account, gen_mail.messages(count))
        csv_path = work / "invoices.csv"
        invoices = gen_mail.invoices_csv(csv_path, gen_mail.copies_for(count))
        store = open_store(work / "dunmail.db", daemon=True)
        import_invoices(store, [csv_path])
        setup_s = time.perf_counter() - t0

        config = corpus_config(account.imap_settings(), mark_mode=mark_mode)
        timings = Timings()
        originals = (
            ingestion.ingest,
            ingestion.process_message,
            ingestion.perform_server_actions,
            InboundWorkers.result,
        )
        ingestion.ingest = timings.wrap("store (ingest)", ingestion.ingest)
        ingestion.process_message = timings.wrap("process (link+decide+act)", originals[1])
        ingestion.perform_server_actions = timings.wrap(
            "server action (move + record)", originals[2]
        )
        # Time the pass spends waiting for the workers' parse + classify (0 when in line).
        InboundWorkers.result = timings.wrap("wait for workers", originals[3])  # type: ignore[method-assign]
        workers = InboundWorkers()  # the pass's loop owns the pool: here, the benchmark
        profiler = cProfile.Profile() if profile else None
        try:
            client = TimedMailbox(ImapMailbox.connect(config.imap), timings)
            t1 = time.perf_counter()
            if profiler:
                profiler.enable()
            report = ingestion.run_ingestion_pass(store, config, client, now=NOW, workers=workers)
            if profiler:
                profiler.disable()
            total = time.perf_counter() - t1
            client.logout()
        finally:
            (
                ingestion.ingest,
                ingestion.process_message,
                ingestion.perform_server_actions,
                InboundWorkers.result,  # type: ignore[method-assign]
            ) = originals
            workers.shutdown()
        if profiler:
            stats = pstats.Stats(profiler)
            stats.sort_stats("cumulative").print_stats(30)
            stats.sort_stats("tottime").print_stats(20)
        statuses = dict(
            store.conn.execute("SELECT status, COUNT(*) FROM inbox GROUP BY status").fetchall()
        )
        linked = store.scalar("SELECT COUNT(*) FROM inbox WHERE debtor_id IS NOT NULL")
        store.close()
        shutil.rmtree(work, ignore_errors=True)
        return {
            "mark_mode": mark_mode,
            "mails": delivered,
            "invoices": invoices,
            "setup_seconds": round(setup_s, 1),
            "seconds": round(total, 2),
            "per_s": round(report.stored / total, 1),
            "split": {k: round(v, 2) for k, v in timings.seconds.items()},
            "stored": report.stored,
            "statuses": statuses,
            "linked_to_debtor": linked,
            "errors": report.errors[:5],
            "target_met": report.stored / total >= TARGET_PER_S,
        }
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--profile", action="store_true", help="cProfile the pass")
    parser.add_argument("--mark-mode", choices=("move", "flag"), default="move")
    args = parser.parse_args()
    result = run(args.count, args.profile, args.mark_mode)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
