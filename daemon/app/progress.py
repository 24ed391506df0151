"""How a long unit of work reports how far it got, for a person watching the command.

A use case that can run for seconds takes an optional ``Progress`` and calls it with
(done, total) in whatever unit it counts (bytes read, messages written, months computed).
It never decides whether anything is shown: the CLI does (daemon.cli.progress).
"""

from __future__ import annotations

from collections.abc import Callable

Progress = Callable[[int, int], None]


def silent(done: int, total: int) -> None:
    """The Progress of a run nobody watches."""
