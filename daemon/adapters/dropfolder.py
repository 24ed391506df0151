"""A drop folder on disk: confined listing, reading and moving of the files put there.

Whoever can write the folder (an SFTP account, the accounting package's export job) must not
be able to make dunmail read or move anything else: entries are looked at with lstat, never
followed; only regular files are read, through a descriptor opened with O_NOFOLLOW relative
to the folder, and only up to ``max_bytes``. A file being worked on is first renamed into a
private ``.work`` folder, so the bytes imported are the bytes that were checked. Files are
only ever renamed (to ``processed/``, ``failed/`` or ``held/``), never deleted; what dunmail
writes (reason files, its folders) is private (daemon.adapters.privatefiles).
"""

from __future__ import annotations

import errno
import os
import stat
from dataclasses import dataclass
from pathlib import Path

from daemon.adapters.privatefiles import FilePolicy, private_dir, write_private
from daemon.domain.dropfiles import REASON_SUFFIX, ignored_name

WORK = ".work"  # hidden: never picked up as a file of its own
_OPEN = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
_DIR = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC


class DropFileError(OSError):
    """A file that cannot be taken as it is; the message says why (goes to its reason file)."""


@dataclass(frozen=True, slots=True)
class Entry:
    name: str
    size: int
    mtime_ns: int
    regular: bool  # False: a symlink, a fifo, a device … (never opened)
    kind: str  # "file" | "symlink" | "other"


def folder_problem(folder: Path) -> str | None:
    """Why dunmail could not work in ``folder`` as this user, or None: what `check-config`
    says before the daemon finds out on its first tick."""
    try:
        st = os.stat(folder)
    except FileNotFoundError:
        return f"{folder} does not exist: create it, writable by the user dunmail runs as"
    except OSError as exc:
        return f"{folder}: {exc.strerror or exc}"
    if not stat.S_ISDIR(st.st_mode):
        return f"{folder} is not a folder"
    if not os.access(folder, os.R_OK | os.W_OK | os.X_OK):
        return (
            f"{folder} is not readable and writable by this user: dunmail moves each file "
            "into processed/, failed/ or held/ inside it"
        )
    for sub in (WORK, "processed", "failed", "held"):
        path = folder / sub
        if path.is_symlink() or (path.exists() and not path.is_dir()):
            return f"{path} is a link or not a folder: dunmail will not write through it; remove it"
    return None


def scan(folder: Path) -> list[Entry]:
    """The folder's entries that may be drop files, by lstat (links are not followed).
    Directories are skipped (processed/, failed/, held/ and any a person made)."""
    entries = []
    with os.scandir(folder) as listing:
        for item in listing:
            if ignored_name(item.name):
                continue
            st = item.stat(follow_symlinks=False)
            if stat.S_ISDIR(st.st_mode):
                continue
            kind = (
                "file"
                if stat.S_ISREG(st.st_mode)
                else "symlink"
                if stat.S_ISLNK(st.st_mode)
                else "other"
            )
            entries.append(Entry(item.name, st.st_size, st.st_mtime_ns, kind == "file", kind))
    return sorted(entries, key=lambda e: (e.mtime_ns, e.name))


def take(folder: Path, name: str, policy: FilePolicy) -> Path:
    """Rename ``name`` into the private work folder (a link is moved as a link, never
    followed); returns its new path. A second daemon or a person racing us gets ENOENT.
    Both folders are held open while renaming, so a work folder swapped for a link by
    whoever can write the drop folder is refused, never written through."""
    folder_fd = os.open(folder, _DIR)  # the configured folder itself may be a link
    try:
        work_fd = _subdir(folder, WORK, policy)
        try:
            os.rename(name, name, src_dir_fd=folder_fd, dst_dir_fd=work_fd)
        finally:
            os.close(work_fd)
    finally:
        os.close(folder_fd)
    return folder / WORK / name


def read_confined(path: Path, max_bytes: int) -> bytes:
    """The bytes of a regular file at ``path`` in one of our folders (neither that folder
    nor the file is followed when it is a link), refused beyond ``max_bytes``
    (``intake.max_file_bytes``)."""
    parent = os.open(path.parent, _DIR | os.O_NOFOLLOW)
    try:
        fd = os.open(path.name, _OPEN, dir_fd=parent)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DropFileError(exc.errno, "a symbolic link: not followed") from exc
        raise
    finally:
        os.close(parent)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DropFileError("not a regular file")
        if st.st_size > max_bytes:
            raise DropFileError(
                f"{st.st_size} bytes, more than intake.max_file_bytes = {max_bytes}"
            )
        chunks, total = [], 0
        while chunk := os.read(fd, 1 << 20):
            total += len(chunk)
            if total > max_bytes:  # it grew while we read
                raise DropFileError(f"more than intake.max_file_bytes = {max_bytes}")
            chunks.append(chunk)
        return b"".join(chunks)
    finally:
        os.close(fd)


def settle(path: Path, folder: Path, sub: str, reason: str | None, policy: FilePolicy) -> Path:
    """Move a file from one of our folders (``.work``, ``held``, ``failed``) to
    ``folder/sub`` under a free name, with ``NAME.reason.txt`` beside it when there is a
    reason. Returns the new path."""
    source_fd = os.open(path.parent, _DIR | os.O_NOFOLLOW)
    try:
        target_fd = _subdir(folder, sub, policy)
        try:
            name = _free_name(target_fd, path.name)
            os.rename(path.name, name, src_dir_fd=source_fd, dst_dir_fd=target_fd)
        finally:
            os.close(target_fd)
    finally:
        os.close(source_fd)
    target_dir = folder / sub
    if reason:
        write_private(
            target_dir / (name + REASON_SUFFIX), (reason.rstrip() + "\n").encode(), policy
        )
    return target_dir / name


def put_back(path: Path, folder: Path) -> Path:
    """Move a file from one of our folders back into the drop folder (``dunmail intake
    retry``), under a free name."""
    source_fd = os.open(path.parent, _DIR | os.O_NOFOLLOW)
    folder_fd = os.open(folder, _DIR)
    try:
        name = _free_name(folder_fd, path.name)
        os.rename(path.name, name, src_dir_fd=source_fd, dst_dir_fd=folder_fd)
    finally:
        os.close(source_fd)
        os.close(folder_fd)
    return folder / name


def _subdir(folder: Path, sub: str, policy: FilePolicy) -> int:
    """An open descriptor of our folder ``folder/sub``, made private when new; a link or a
    file in its place is refused (whoever can write the drop folder could plant one)."""
    path = folder / sub
    try:
        return os.open(path, _DIR | os.O_NOFOLLOW)
    except FileNotFoundError:
        private_dir(path, policy)
        return os.open(path, _DIR | os.O_NOFOLLOW)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            raise DropFileError(
                f"{path} is a link or not a folder: dunmail will not write through it; remove it"
            ) from exc
        raise


def _free_name(dir_fd: int, name: str) -> str:
    stem, dot, suffix = name.partition(".")
    for n in range(1, 10_000):
        candidate = name if n == 1 else f"{stem}-{n}{dot}{suffix}"
        try:
            os.stat(candidate, dir_fd=dir_fd, follow_symlinks=False)
        except FileNotFoundError:
            return candidate
    raise DropFileError(f"no free name for {name}")


def leftovers(folder: Path) -> list[Path]:
    """Files a crash left in the work folder: taken but never settled."""
    work = folder / WORK
    if not work.is_dir() or work.is_symlink():
        return []
    return sorted(p for p in work.iterdir() if not p.is_dir())
