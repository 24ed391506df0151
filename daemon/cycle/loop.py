"""The daemon loop (daemon.cycle): one asyncio loop running each stage
(daemon.cycle.stages) behind its own error boundary, with exponential back-off for a
failing stage, signal handlers that only set flags (SIGTERM stops after the current unit
of work, SIGHUP reloads the configuration), the health record and the watchdog ping, and
the logging set-up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, tzinfo

from daemon.adapters.auditlog import formatter_for
from daemon.adapters.clock import iso_utc, utc_now
from daemon.adapters.instance_lock import InstanceLock
from daemon.adapters.notify import SystemdNotifier
from daemon.adapters.privatefiles import FilePolicy
from daemon.adapters.store.db import dumps, open_store
from daemon.config import Config, ConfigError
from daemon.cycle.runtime import Clock, Runtime, Stage
from daemon.cycle.stages import InboundStage, default_stages, recover_at_startup

log = logging.getLogger("dunmail")


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
            for stage, _ in self.stage_table.values():
                if isinstance(stage, InboundStage):
                    stage.workers.shutdown()  # the loop owns the pool: it ends it
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
