"""Progress bars on stderr for commands that can run for seconds.

Shown only while a person watches: stderr is a terminal and the command does not print
JSON. In a pipe, a cron job or a test nothing is written, so output stays machine-readable.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sized
from types import TracebackType
from typing import Any, TypeVar

import click

from daemon.cli.context import is_terminal

T = TypeVar("T")


def watching(*, as_json: bool = False) -> bool:
    return is_terminal() and not as_json


class Bar:
    """A daemon.app.progress.Progress that draws a click progress bar once called.

    Use as a context manager so the bar ends its line even when the work fails."""

    def __init__(self, label: str, *, enabled: bool) -> None:
        self.label = label
        self.enabled = enabled
        self._bar: Any = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        if self._bar is None:
            self._bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
            self._bar.__enter__()
        self._bar.update(max(done - self._done, 0))
        self._done = max(done, self._done)

    def __enter__(self) -> Bar:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        if self._bar is not None:
            self._bar.__exit__(kind, error, trace)
            self._bar = None


def progress_iter(items: Iterable[T], label: str, *, enabled: bool) -> Iterator[T]:
    """``items`` with a bar that advances per item (sized iterables only)."""
    if not enabled or not isinstance(items, Sized):
        yield from items
        return
    total = len(items)
    with Bar(label, enabled=True) as bar:
        for n, item in enumerate(items, 1):
            yield item
            bar(n, total)
