"""Memory of an idle daemon: `dunmail run` against a local Dovecot + aiosmtpd, nothing to do.

    .venv/bin/python bench/bench_idle.py                    # --settle 20 [--importtime]

Starts both servers (tests.servers), writes a config and an empty database, starts
`python -m daemon --config … run` as a subprocess, waits until the state table has
``last_healthy_cycle``, then samples the process RSS (psutil) for ``--settle`` seconds and
reports the last and the peak. ``--importtime`` also lists the biggest imports of the
daemon's start-up (``python -X importtime``). Target: < 80 MB RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.integration.inbound_corpus import wait_for_login  # noqa: E402
from tests.servers import DovecotServer, SmtpServer  # noqa: E402

TARGET_MB = 80.0
START_TIMEOUT_S = 60.0


def config_text(db: Path, imap_port: int, user: str, smtp_port: int) -> str:
    return f"""[office]
name = "Voorbeeld B.V."
email = "debiteuren@voorbeeld-bv.nl"
iban = "NL91ABNA0417164300"
[database]
path = "{db}"
[imap]
host = "127.0.0.1"
port = {imap_port}
security = "plain"
username = "{user}"
password_env = "DUNMAIL_BENCH_IMAP_PASSWORD"
timeout_seconds = 10
[smtp]
host = "127.0.0.1"
port = {smtp_port}
security = "plain"
timeout_seconds = 10
[daemon]
tick_seconds = 1
"""


def healthy(db: Path) -> bool:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            row = conn.execute("SELECT value FROM state WHERE key = 'last_healthy_cycle'")
            return row.fetchone() is not None
    except sqlite3.OperationalError:
        return False


def biggest_imports(limit: int = 15) -> list[tuple[str, float]]:
    """Cumulative import time (ms) of the daemon's start-up imports, largest first."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import daemon.cli, daemon.cycle"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )  # fmt: skip
    rows = []
    for line in done.stderr.splitlines():
        m = re.match(r"import time:\s+\d+ \|\s+(\d+) \|( *)(\S+)", line)
        if m and len(m.group(2)) <= 3:  # top-level and first-level imports
            rows.append((m.group(3), int(m.group(1)) / 1000))
    return sorted(rows, key=lambda r: -r[1])[:limit]


def run(settle_s: float, importtime: bool) -> dict[str, Any]:
    dovecot = DovecotServer.start()
    smtp = SmtpServer().start()
    proc: subprocess.Popen[bytes] | None = None
    work: Path | None = None
    try:
        account = wait_for_login(dovecot.add_user())
        work = Path(tempfile.mkdtemp(prefix="dunmail-bench-idle-"))
        db = work / "dunmail.db"
        config = work / "config.toml"
        config.write_text(config_text(db, dovecot.port, account.username, smtp.port))
        env = {**os.environ, "DUNMAIL_BENCH_IMAP_PASSWORD": account.password}
        subprocess.run(
            [sys.executable, "-m", "daemon", "--config", str(config), "init"],
            cwd=ROOT, env=env, check=True, capture_output=True,
        )  # fmt: skip
        log = (work / "daemon.log").open("wb")
        proc = subprocess.Popen(
            [sys.executable, "-m", "daemon", "--config", str(config), "run"],
            cwd=ROOT, env=env, stdout=log, stderr=log,
        )  # fmt: skip
        deadline = time.monotonic() + START_TIMEOUT_S
        while not healthy(db):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((work / "daemon.log").read_text(errors="replace")[-2000:])
            time.sleep(0.2)
        ready_s = START_TIMEOUT_S - (deadline - time.monotonic())
        process = psutil.Process(proc.pid)
        samples = []
        end = time.monotonic() + settle_s
        while time.monotonic() < end:
            samples.append(process.memory_info().rss / 2**20)
            time.sleep(0.5)
        info = process.memory_full_info()
        result: dict[str, Any] = {
            "healthy_after_s": round(ready_s, 1),
            "settle_s": settle_s,
            "rss_mb": round(samples[-1], 1),
            "rss_peak_mb": round(max(samples), 1),
            "uss_mb": round(info.uss / 2**20, 1),
            "threads": process.num_threads(),
            "modules_note": "RSS of the daemon process alone (no children)",
            "target_met": max(samples) < TARGET_MB,
        }
        if importtime:
            result["biggest_imports_ms"] = biggest_imports()
        return result
    finally:
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
        smtp.stop()
        dovecot.stop()
        if work is not None:
            shutil.rmtree(work, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--settle", type=float, default=20.0)
    parser.add_argument("--importtime", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.settle, args.importtime), indent=2))


if __name__ == "__main__":
    main()
