"""Drop-folder files: which names to look at, and when a file is complete.

An export that is still being written must never be read half. A file is complete when its
size and modification time stayed the same across two scans at least ``stable_seconds``
apart (measured with the daemon's clock); names a writer uses while writing (``.tmp``,
``.part``, a leading dot) are never looked at, so a writer that renames when done may run
with ``stable_seconds = 0``: taken on the scan after it appears. Pure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

# Names a writer uses while it is still writing (the rename convention), and our own folders.
TEMPORARY_SUFFIXES = (".tmp", ".part", ".partial", ".crdownload", ".filepart")
OUR_FOLDERS = frozenset({"processed", "failed", "held"})
REASON_SUFFIX = ".reason.txt"


def ignored_name(name: str) -> bool:
    """True for names never picked up: still being written, hidden, or our own."""
    lowered = name.lower()
    return (
        name.startswith(".")
        or name.startswith("~")
        or lowered.endswith(TEMPORARY_SUFFIXES)
        or name in OUR_FOLDERS
        or lowered.endswith(REASON_SUFFIX)
    )


@dataclass(frozen=True, slots=True)
class Sighting:
    size: int
    mtime_ns: int
    seen_at: datetime


def is_stable(
    previous: Sighting | None, size: int, mtime_ns: int, now: datetime, stable_seconds: int
) -> bool:
    """Complete when an earlier scan saw the same size and mtime at least ``stable_seconds``
    ago. An empty file is never complete: an exporter creates the file before it writes."""
    if size == 0 or previous is None:
        return False
    if (previous.size, previous.mtime_ns) != (size, mtime_ns):
        return False
    return now - previous.seen_at >= timedelta(seconds=max(stable_seconds, 0))
