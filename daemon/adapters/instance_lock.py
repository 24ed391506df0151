"""One daemon per database: an flock on a file beside it.

Its own module so that the status view and the CLI can ask "is a daemon running?" without
importing the daemon loop (daemon/cycle/loop.py), which owns the lock while it runs.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


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
