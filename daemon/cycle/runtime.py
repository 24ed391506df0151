"""What the daemon's stages share (daemon.cycle): the runtime a stage runs with (the
configuration, replaceable on SIGHUP, the database, the clock and the stop flags) and the
shape of a stage."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from daemon.adapters.store.db import Store
from daemon.config import Config

Clock = Callable[[], datetime]


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
