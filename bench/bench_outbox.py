"""5,000 reminders due: the daily plan + queue, then the outbox drain to real servers.

    .venv/bin/python bench/bench_outbox.py                  # --reminders 5000 [--profile]

5,000 debtors with one overdue invoice each (bench/gen_dunning.py, not timed). Timed:
``daemon.app.dunning.queue_day`` (plan, render every reminder, one transaction) and
``daemon.app.outbox.drain_outbox`` through the real SMTP adapter to an aiosmtpd on loopback
with the Sent-folder copy APPENDed to a throw-away Dovecot (both from tests.servers).
"""

from __future__ import annotations

import argparse
import cProfile
import json
import logging
import pstats
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.bench_plan import bench_config  # noqa: E402
from bench.gen_dunning import TODAY, populate  # noqa: E402
from daemon.adapters.store.db import open_store  # noqa: E402
from daemon.app.dunning import queue_day  # noqa: E402
from daemon.app.outbox import drain_outbox  # noqa: E402
from tests.integration.inbound_corpus import wait_for_login  # noqa: E402
from tests.servers import DovecotServer, SmtpServer  # noqa: E402


def run(reminders: int, profile: bool) -> dict[str, Any]:
    dovecot = DovecotServer.start()
    smtp = SmtpServer().start()
    try:
        account = wait_for_login(dovecot.add_user())
        work = Path(tempfile.mkdtemp(prefix="dunmail-bench-outbox-"))
        store = open_store(work / "dunmail.db", daemon=True)
        populate(store, invoices=reminders, per_debtor=1, min_overdue_days=3, max_overdue_days=60)
        base = bench_config()
        config = replace(base, imap=account.imap_settings(), smtp=smtp.smtp_settings())
        now = datetime(TODAY.year, TODAY.month, TODAY.day, 10, 0, tzinfo=config.office.tz)
        profiler = cProfile.Profile() if profile else None
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        _day, queued = queue_day(store, config, now)
        t1 = time.perf_counter()
        drained = drain_outbox(store, config, now=now)
        t2 = time.perf_counter()
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
        sent_copies = len(account.uids("Sent"))
        received = len(smtp.received)
        store.close()
        shutil.rmtree(work, ignore_errors=True)
        return {
            "debtors_due": reminders,
            "queued": len(queued.queued),
            "tasks": len(queued.tasks),
            "queue_seconds": round(t1 - t0, 2),
            "queued_per_s": round(len(queued.queued) / (t1 - t0), 1),
            "drain_seconds": round(t2 - t1, 2),
            "sent": len(drained.sent),
            "sent_per_s": round(len(drained.sent) / (t2 - t1), 1) if drained.sent else 0.0,
            "smtp_received": received,
            "sent_folder_copies": sent_copies,
            "errors": drained.errors[:5],
        }
    finally:
        smtp.stop()
        dovecot.stop()


def main() -> None:
    # aiosmtpd logs a deprecation per session for an attribute tests/servers.py reads.
    logging.getLogger("mail.log").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reminders", type=int, default=5_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.reminders, args.profile), indent=2))


if __name__ == "__main__":
    main()
