"""The daemon: one asyncio loop running each stage behind its own error boundary.

Stages: inbound mail (IDLE or polling), the dunning cycle at the configured times (with
promise and plan reviews), the outbox, staff notifications and upkeep. A failing stage backs
off exponentially (capped) while the others go on. Signal handlers only set flags: SIGTERM
lets the current unit of work finish and stops; SIGHUP reloads the configuration (a bad
file is refused and the old configuration kept). The systemd watchdog is pinged only after
a cycle in which every stage was healthy.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, tzinfo
from pathlib import Path
from typing import Any

from daemon.adapters.auditlog import formatter_for
from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.notify import SystemdNotifier
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store.db import Store, dumps, open_store
from daemon.config import Config, ConfigError

log = logging.getLogger("dunmail")

Clock = Callable[[], datetime]


class AlreadyRunning(RuntimeError):
    """Another daemon holds the database lock."""


class InstanceLock:
    """An exclusive lock beside the database: a second daemon on it refuses to start.

    flock is released by the kernel when the process dies, so kill -9 never leaves a stale
    lock behind."""

    def __init__(self, db_path: str) -> None:
        self.path = Path(db_path + ".lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.read(fd, 32).decode(errors="replace").strip() or "?"
            os.close(fd)
            raise AlreadyRunning(
                f"another dunmail daemon (pid {holder}) is running on this database"
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    @staticmethod
    def holder(db_path: str) -> int | None:
        """The pid of a running daemon on this database, or None."""
        path = Path(db_path + ".lock")
        if not path.exists():
            return None
        fd = os.open(path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.read(fd, 32).decode(errors="replace").strip()
            return int(text) if text.isdigit() else -1
        finally:
            os.close(fd)
        return None


@dataclass
class StageState:
    name: str
    interval: float  # seconds between runs when healthy
    failures: int = 0
    last_ok: datetime | None = None
    last_error: str | None = None
    busy_since: float | None = None  # time.monotonic() when the current run began

    def hung(self, limit: float) -> bool:
        return self.busy_since is not None and time.monotonic() - self.busy_since > limit


@dataclass
class Runtime:
    """What the stages share: the configuration (replaceable on SIGHUP) and the database."""

    config: Config
    store: Store
    clock: Clock
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    halt: threading.Event = field(default_factory=threading.Event)  # stop, seen by threads
    counters: dict[str, int] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return self.now().astimezone(self.config.office.tz).date()

    def count(self, key: str, n: int = 1) -> None:
        self.counters[key] = self.counters.get(key, 0) + n


Stage = Callable[[Runtime], Any]


async def wait_or_stop(stop: asyncio.Event, seconds: float) -> None:
    """Wait on the stop flag instead of sleeping, so SIGTERM is answered at once."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)


class Daemon:
    def __init__(
        self,
        config: Config,
        reload: Callable[[], Config] | None = None,
        *,
        clock: Clock = utc_now,
        notifier: SystemdNotifier | None = None,
        stages: dict[str, tuple[Stage, float]] | None = None,
        tick_seconds: float | None = None,
        max_cycles: int | None = None,
    ) -> None:
        self.config = config
        self.load_config = reload
        self.clock = clock
        self.notifier = notifier or SystemdNotifier.from_environment()
        tick = config.daemon.tick_seconds
        self.stage_table = stages if stages is not None else default_stages(tick)
        # The health check (and watchdog ping) runs at least once a second.
        self.tick_seconds = tick_seconds if tick_seconds is not None else min(1.0, tick)
        # A stage busy for longer than this is hung: no more watchdog pings, so systemd
        # restarts the daemon (a pass over a big mailbox or plan may take a while).
        self.hang_seconds = max(120.0, 12 * tick)
        self.max_cycles = max_cycles
        self.lock = InstanceLock(config.database.path)
        self._reload = False
        self._stop_requests = 0

    # -- signals: flags only ------------------------------------------------------------
    def _on_term(self) -> None:
        self._stop_requests += 1
        if self._stop_requests > 1:  # a second SIGTERM is a hard stop
            log.warning("second stop request: exiting now")
            os._exit(1)
        self.runtime.halt.set()
        self.runtime.stop.set()

    def _on_hup(self) -> None:
        self._reload = True

    def reload_config(self) -> None:
        self._reload = False
        if self.load_config is None:
            log.warning("SIGHUP ignored: the configuration was not read from a file")
            return
        try:
            fresh = self.load_config()
        except Exception as exc:  # ConfigError, an unreadable file, a missing secret …
            why = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
            log.error("config reload refused, keeping the running configuration: %s", why)
            return
        if fresh.database.path != self.config.database.path:
            log.error("config reload refused: database.path cannot change while running")
            return
        self.config = self.runtime.config = fresh
        set_log_level(fresh.daemon.log_level)
        log.info("configuration reloaded from %s", fresh.source or "built-in defaults")

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> int:
        self.lock.acquire()
        try:
            return asyncio.run(self._main())
        finally:
            self.lock.release()

    async def _main(self) -> int:
        path = self.config.database.path
        store = open_store(path, daemon=True, files=FilePolicy(self.config.files.group))
        self.runtime = Runtime(self.config, store, self.clock)
        loop = asyncio.get_running_loop()
        loop.add_signal_handler(signal.SIGTERM, self._on_term)
        loop.add_signal_handler(signal.SIGINT, self._on_term)
        loop.add_signal_handler(signal.SIGHUP, self._on_hup)
        store.set_state("daemon_pid", str(os.getpid()))
        store.set_state("daemon_started", iso_utc(self.clock()))
        store.set_state("clock", iso_utc(self.clock()))
        recover_at_startup(self.runtime)
        states = {
            name: StageState(name, interval) for name, (_, interval) in self.stage_table.items()
        }
        # Each stage gets its own connection: SQLite transactions belong to a connection,
        # and the stages run concurrently in worker threads.
        tasks = [
            asyncio.create_task(self._stage_loop(name, stage, states[name], path), name=name)
            for name, (stage, _) in self.stage_table.items()
        ]
        for task in tasks:
            task.add_done_callback(_report_dead_stage)
        self.notifier.ready(f"running {len(states)} stages")
        log.info("dunmail daemon started (pid %s)", os.getpid())
        cycles = 0
        try:
            while not self.runtime.stop.is_set():
                if self._reload:
                    self.reload_config()
                await wait_or_stop(self.runtime.stop, self.tick_seconds)
                dead = [t for t in tasks if t.done()]
                healthy = not dead and all(
                    s.failures == 0 and s.last_ok is not None and not s.hung(self.hang_seconds)
                    for s in states.values()
                )
                cycles += 1
                await asyncio.to_thread(self._record_cycle, states, healthy)
                if healthy:
                    if self.config.daemon.watchdog:
                        self.notifier.watchdog()
                    self.notifier.status(f"healthy; {self._summary()}")
                if self.max_cycles is not None and cycles >= self.max_cycles:
                    self.runtime.halt.set()
                    self.runtime.stop.set()
        finally:
            self.notifier.stopping()
            # Let every stage finish its current unit of work.
            await asyncio.gather(*tasks, return_exceptions=True)
            store.set_state("daemon_stopped", iso_utc(self.clock()))
            store.close()
            log.info("dunmail daemon stopped")
        return 0

    def _summary(self) -> str:
        counters = self.runtime.counters
        return ", ".join(f"{k} {v}" for k, v in sorted(counters.items())) or "idle"

    async def _stage_loop(self, name: str, stage: Stage, state: StageState, path: str) -> None:
        store = await asyncio.to_thread(
            open_store, path, daemon=True, files=FilePolicy(self.config.files.group)
        )
        view = Runtime(
            self.runtime.config,
            store,
            self.clock,
            stop=self.runtime.stop,
            halt=self.runtime.halt,
            counters=self.runtime.counters,
        )
        try:
            while not self.runtime.stop.is_set():
                view.config = self.runtime.config  # pick up a reloaded configuration
                state.busy_since = time.monotonic()
                try:
                    await asyncio.to_thread(stage, view)
                except Exception as exc:  # the stage's error boundary
                    state.failures += 1
                    state.last_error = f"{type(exc).__name__}: {exc}"
                    delay = backoff_delay(state.failures, view.config)
                    log.error(
                        "stage %s failed (%s); retrying in %ss",
                        name,
                        state.last_error,
                        delay,
                        exc_info=log.isEnabledFor(logging.DEBUG),
                    )
                    self.notifier.status(f"stage {name} failing: {state.last_error}")
                else:
                    if state.failures:
                        log.info("stage %s recovered after %s failure(s)", name, state.failures)
                    state.failures = 0
                    state.last_error = None
                    state.last_ok = self.clock()
                    delay = state.interval
                    log.debug("stage %s ok in %.3fs", name, time.monotonic() - state.busy_since)
                finally:
                    state.busy_since = None
                await wait_or_stop(self.runtime.stop, delay)
        finally:
            await asyncio.to_thread(store.close)

    def _record_cycle(self, states: dict[str, StageState], healthy: bool) -> None:
        store = self.runtime.store
        summary = {
            name: {
                "ok": s.failures == 0,
                "error": s.last_error,
                "last_ok": iso_utc(s.last_ok) if s.last_ok else None,
            }
            for name, s in states.items()
        }
        now = iso_utc(self.clock())
        with store.transaction():
            # "clock": the daemon's own (possibly accelerated) time, for status and tests.
            store.set_state("clock", now)
            store.set_state("last_cycle", now)
            store.set_state("stages", dumps(summary))
            if healthy:
                store.set_state("last_healthy_cycle", now)


def backoff_delay(failures: int, config: Config) -> float:
    """Seconds before a failing stage runs again: doubling from min(tick, 2), capped."""
    base = min(config.daemon.tick_seconds, 2.0)
    return float(min(base * 2 ** (failures - 1), config.daemon.backoff_max_seconds))


def _report_dead_stage(task: asyncio.Task[None]) -> None:
    """A stage loop that ends by an exception is a bug: say so (the watchdog stops too)."""
    if not task.cancelled() and task.exception() is not None:
        log.error("stage %s stopped: %r", task.get_name(), task.exception())


# -- stages ---------------------------------------------------------------------------------


def recover_at_startup(rt: Runtime) -> None:
    """Resolve mail left 'sending' by a crash (never a blind resend). When IMAP is down
    the rows stay 'sending' and the outbox stage tries again before it sends anything."""
    try:
        recover_interrupted(rt)
    except Exception as exc:  # a broken database or IMAP must not keep the daemon down
        log.error("start-up recovery failed (%s); will retry before sending", exc)


def recover_interrupted(rt: Runtime) -> None:
    """Only the outbox stage claims rows, one at a time: when it starts a run, any row still
    'sending' was interrupted (by a crash, or an error after the claim) and is resolved
    from the Sent folder before the drain."""
    from daemon.app.recovery import recover_outbox

    if not rt.store.scalar("SELECT 1 FROM outbox WHERE status = 'sending' LIMIT 1"):
        return
    report = recover_outbox(rt.store, rt.config, now=rt.now())
    log.info(
        "outbox recovery: %s found in the Sent folder, %s uncertain (to review), %s left",
        len(report.found_sent),
        len(report.uncertain),
        len(report.left),
    )
    if report.left:
        # Those rows stay 'sending' (never resent); the next run asks the Sent folder again.
        log.warning("outbox recovery incomplete: %s", "; ".join(report.errors))


class InboundStage:
    """Keeps one IMAP connection: a pass, then IDLE (or a poll wait) until mail arrives.

    The wait is short (at most ``max_wait`` seconds) so a stop request is honoured quickly;
    a broken connection raises, the stage backs off and the next run reconnects."""

    def __init__(self, max_wait: float = 10.0) -> None:
        self.client: Any = None
        self.settings: Any = None
        self.max_wait = max_wait

    def __call__(self, rt: Runtime) -> None:
        if self.client is not None and self.settings != rt.config.imap:
            self.close()  # SIGHUP changed the mailbox settings: reconnect with the new ones
        if not rt.config.imap.configured:
            return
        from daemon.adapters.imap import connect_with_retry
        from daemon.app.inbound import run_ingestion_pass, wait_for_mail

        if self.client is None:
            self.settings = rt.config.imap
            self.client = connect_with_retry(rt.config.imap, attempts=1)
        try:
            report = run_ingestion_pass(
                rt.store, rt.config, self.client, now=rt.now(), stop=rt.halt
            )
            rt.count("mails", report.stored)
            if not rt.halt.is_set():
                wait_for_mail(self.client, min(rt.config.imap.poll_seconds, self.max_wait), rt.halt)
        except Exception:
            self.close()
            raise

    def close(self) -> None:
        if self.client is not None:
            with contextlib.suppress(Exception):
                self.client.logout()
            self.client = None


def stage_dunning(rt: Runtime) -> None:
    """Plan and queue reminders once per configured cycle time (office timezone)."""
    local = rt.now().astimezone(rt.config.office.tz)
    due_slot = None
    for slot in sorted(rt.config.dunning.cycle_times):
        hour, minute = (int(p) for p in slot.split(":"))
        moment = local.replace(hour=hour % 24, minute=minute, second=0, microsecond=0)
        if moment <= local:
            due_slot = moment
    if due_slot is None:
        return
    key = due_slot.strftime("%Y-%m-%dT%H:%M")
    if rt.store.get_state("dunning_last_slot") == key:
        return
    from daemon.app.dunning import daily_reviews, queue_day

    daily_reviews(rt.store, rt.config, local.date(), rt.now())
    day, report = queue_day(rt.store, rt.config, rt.now())
    rt.store.set_state("dunning_last_slot", key)
    rt.count("dunning_cycles")
    log.info(
        "dunning cycle %s: %s mail(s) queued, %s task(s), %s held, %s skipped; bank: %s",
        key.replace("T", " "),
        len(report.queued),
        len(report.tasks),
        report.held,
        report.skipped,
        day.bank_reason,
    )


OUTBOX_BATCH = 20


def stage_outbox(rt: Runtime) -> None:
    """Resolve interrupted sends, then drain in small batches so that a stop request waits
    for one batch at most, never for the whole queue."""
    if not rt.config.smtp.configured:
        return
    from daemon.app.outbox import drain_outbox

    recover_interrupted(rt)
    while not rt.halt.is_set():
        report = drain_outbox(rt.store, rt.config, now=rt.now(), limit=OUTBOX_BATCH)
        rt.count("sent", len(report.sent))
        for error in report.errors:
            log.warning("outbox: %s", error)
        handled = report.sent + report.deferred + report.failed + report.cancelled
        if len(handled) < OUTBOX_BATCH or report.rate_limited:
            return


def stage_intake(rt: Runtime) -> None:
    """Take complete files from the drop folders (each tick: a file waits about
    intake.stable_seconds plus a tick before it is read)."""
    intake = rt.config.intake
    if not (intake.invoices_dir or intake.statements_dir):
        return
    from daemon.app.intake import IntakeError, run_intake

    report = run_intake(rt.store, rt.config, rt.now())
    rt.count("intake_files", len(report.files))
    if report.errors:  # the stage shows as failing in `dunmail status`
        raise IntakeError("; ".join(report.errors))


def stage_staff(rt: Runtime) -> None:
    from daemon.app.staffmail import notify_urgent, send_digest

    notify_urgent(rt.store, rt.config, rt.now())
    local = rt.now().astimezone(rt.config.office.tz)
    hour, minute = (int(p) for p in rt.config.staff.digest_time.split(":"))
    if (local.hour, local.minute) >= (hour, minute):
        send_digest(rt.store, rt.config, local.date(), rt.now())


def stage_upkeep(rt: Runtime) -> None:
    from daemon.app.gdpr import purge_expired

    key = rt.today().isoformat()
    if rt.store.get_state("upkeep_last_day") == key:
        return
    purge_expired(rt.store, rt.config, rt.today(), rt.now())
    rt.store.set_state("upkeep_last_day", key)


def default_stages(tick: float = 10.0) -> dict[str, tuple[Stage, float]]:
    """The stages and their pauses between healthy runs, in ``tick`` units
    (``[daemon] tick_seconds``); the inbound stage paces itself with IDLE or polling."""
    return {
        "inbound": (InboundStage(max_wait=tick), 0.0),
        "intake": (stage_intake, tick),
        "dunning": (stage_dunning, tick),
        "outbox": (stage_outbox, tick),
        "staff": (stage_staff, 6 * tick),
        "upkeep": (stage_upkeep, 30 * tick),
    }


def configure_logging(level: str, log_format: str = "text", tz: tzinfo = UTC) -> None:
    """One line per event for journald: level, component, message (ids, never bodies); with
    ``log_format="json"`` one JSON object per line for log shippers (times in ``tz``).

    The level applies to dunmail's own logger only: libraries stay at WARNING whatever it
    is, because their debug output carries protocol traffic (imaplib logs whole messages).
    At INFO the audit logger (dunmail.audit) writes a line per committed change."""
    handler = logging.StreamHandler()
    handler.setFormatter(formatter_for(log_format, tz))
    logging.basicConfig(level=logging.WARNING, handlers=[handler])
    set_log_level(level)


def set_log_level(level: str) -> None:
    log.setLevel(getattr(logging, level, logging.INFO))


def accelerated_clock(start: datetime, factor: float) -> Clock:
    """A clock that runs ``factor`` times faster than the wall clock (the demo)."""
    import time

    origin = time.monotonic()

    def now() -> datetime:
        return start + timedelta(seconds=(time.monotonic() - origin) * factor)

    return now
