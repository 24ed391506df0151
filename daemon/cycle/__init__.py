"""The daemon: one asyncio loop running each stage behind its own error boundary.

Stages: inbound mail (IDLE or polling), the dunning cycle at the configured times (with
promise and plan reviews), the outbox, staff notifications and upkeep. A failing stage backs
off exponentially (capped) while the others go on. Signal handlers only set flags: SIGTERM
lets the current unit of work finish and stops; SIGHUP reloads the configuration (a bad
file is refused and the old configuration kept). The systemd watchdog is pinged only after
a cycle in which every stage was healthy.

The package: ``runtime`` (what the stages share), ``stages`` (each stage, one call with the
runtime) and ``loop`` (the Daemon, its signals, back-off, health and logging). Callers
import from ``daemon.cycle``.
"""

from __future__ import annotations

from daemon.cycle.loop import (
    Daemon,
    StageState,
    accelerated_clock,
    backoff_delay,
    configure_logging,
    set_log_level,
    wait_or_stop,
)
from daemon.cycle.runtime import Clock, Runtime, Stage
from daemon.cycle.stages import (
    OUTBOX_BATCH,
    InboundStage,
    default_stages,
    recover_at_startup,
    recover_interrupted,
    stage_dunning,
    stage_intake,
    stage_outbox,
    stage_staff,
    stage_upkeep,
)

__all__ = [
    "OUTBOX_BATCH",
    "Clock",
    "Daemon",
    "InboundStage",
    "Runtime",
    "Stage",
    "StageState",
    "accelerated_clock",
    "backoff_delay",
    "configure_logging",
    "default_stages",
    "recover_at_startup",
    "recover_interrupted",
    "set_log_level",
    "stage_dunning",
    "stage_intake",
    "stage_outbox",
    "stage_staff",
    "stage_upkeep",
    "wait_or_stop",
]
