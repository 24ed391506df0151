"""Files that hold personal data: created 0600 (0640 with ``files.group``) whatever the umask.

The database, its WAL and shared-memory files, backups, hand-over dossiers and GDPR exports
name debtors and hold their mail. A process umask of 022 would leave them readable by every
local user, so they are never created through the umask: the mode is given to ``os.open`` and
set again with ``fchmod`` on the open descriptor (the umask can only take bits away, and a
descriptor cannot be swapped under us the way a path can).
"""

from __future__ import annotations

import contextlib
import grp
import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("dunmail.files")

_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)


class PrivateFileError(OSError):
    """A private file cannot be created as asked; the message names the file or the key."""


@dataclass(frozen=True, slots=True)
class FilePolicy:
    """Who may read dunmail's files: the owner only, or also the members of ``group``."""

    group: str = ""

    @property
    def mode(self) -> int:
        return 0o640 if self.group else 0o600

    @property
    def dir_mode(self) -> int:
        return 0o750 if self.group else 0o700

    def gid(self) -> int | None:
        if not self.group:
            return None
        try:
            return grp.getgrnam(self.group).gr_gid
        except KeyError:
            raise PrivateFileError(f"files.group: no group named {self.group!r}") from None


def secure_fd(fd: int, policy: FilePolicy) -> None:
    """Give an open file its private mode (and group), whatever the umask did."""
    gid = policy.gid()
    if gid is not None:
        os.fchown(fd, -1, gid)
    os.fchmod(fd, policy.mode)


def create_private(path: Path, policy: FilePolicy) -> int:
    """Create ``path`` exclusively (never an existing file, never through a symlink) and
    return its descriptor, already private. Raises FileExistsError when the name is taken."""
    fd = os.open(path, _CREATE, policy.mode)
    try:
        secure_fd(fd, policy)
    except BaseException:
        os.close(fd)
        path.unlink(missing_ok=True)
        raise
    return fd


def write_private(path: Path, data: bytes, policy: FilePolicy) -> None:
    """Write ``data`` to ``path`` with the private mode, replacing an older file of that name
    atomically (readers see the old file or the whole new one, never a part)."""
    tmp = _reserve(path.parent, f".{path.name}", ".tmp", policy)
    try:
        with os.fdopen(tmp[1], "wb", closefd=True) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp[0], path)
    except BaseException:
        tmp[0].unlink(missing_ok=True)
        raise


def reserve_private(directory: Path, stem: str, suffix: str, policy: FilePolicy) -> Path:
    """Claim a new, empty, private file ``stem{suffix}`` (or ``stem-2{suffix}``, …): the name
    is ours from now on; fill it with :func:`write_private`."""
    path, fd = _reserve(directory, stem, suffix, policy, counter_from=1)
    os.close(fd)
    return path


def _reserve(
    directory: Path, stem: str, suffix: str, policy: FilePolicy, *, counter_from: int = 0
) -> tuple[Path, int]:
    """Create the first free name: ``stem{suffix}``, ``stem-2{suffix}``, … (counter_from=1)
    or a temporary ``stem.PID.N{suffix}`` (counter_from=0)."""
    for n in range(counter_from, counter_from + 10_000):
        if not counter_from:
            name = f"{stem}.{os.getpid()}.{n}{suffix}"
        else:
            name = f"{stem}{suffix}" if n == 1 else f"{stem}-{n}{suffix}"
        path = directory / name
        try:
            return path, create_private(path, policy)
        except FileExistsError:
            continue
    raise PrivateFileError(f"{directory}: no free file name for {stem}{suffix}")


def private_dir(path: Path, policy: FilePolicy) -> Path:
    """Create a folder for private files (0700, or 0750 with files.group); an existing folder
    is left as it is: it may be shared on purpose."""
    if not path.is_dir():
        path.mkdir(parents=True, exist_ok=True, mode=policy.dir_mode)
        os.chmod(path, policy.dir_mode)  # mkdir's mode passes through the umask
        gid = policy.gid()
        if gid is not None:
            os.chown(path, -1, gid)
    return path


def tighten(path: Path, policy: FilePolicy) -> str | None:
    """Give an existing private file the configured mode and group: take away what others
    may read (e.g. a database made 0644 by an older dunmail; logged as a warning) and, with
    files.group, let that group read it. Returns the warning, or None."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    gid = policy.gid()
    if gid is not None and st.st_gid != gid:
        with contextlib.suppress(PermissionError):  # not our file: the mode still matters
            os.chown(path, -1, gid)
    current = stat.S_IMODE(st.st_mode)
    wanted = policy.mode if policy.group else current & policy.mode
    if wanted == current:
        return None
    try:
        os.chmod(path, wanted)
    except PermissionError:
        message = f"{path} has mode {current:04o} and is not ours to change to {wanted:04o}"
    else:
        if not current & ~wanted:
            return None  # only the configured group was let in
        message = f"{path} was readable by others: mode {current:04o} changed to {wanted:04o}"
    log.warning(message)
    return message
