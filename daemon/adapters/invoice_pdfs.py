"""Reading an invoice PDF under the rules of daemon.domain.invoice_pdfs.

The path is resolved once (realpath) and must lie inside ``invoices.pdf_dir``. It is then
opened again component by component from the folder with O_NOFOLLOW, so that a directory or
the file swapped for a symlink between the check and the read is refused rather than
followed out of the folder. The opened descriptor is checked with fstat (regular file, size)
and at most ``max_bytes + 1`` bytes are read, so a file that grows meanwhile is refused too.
O_NONBLOCK keeps a FIFO from hanging the daemon before fstat refuses it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager

from daemon.domain.invoice_pdfs import (
    PDF_MAGIC,
    PdfPolicy,
    candidate,
    content_problem,
    kind_problem,
    outside_message,
    relative_parts,
    size_problem,
)

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
_FILE_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC | os.O_NOCTTY


class PdfRefused(Exception):
    """The invoice PDF may not be read; the message says why, naming the value."""


@contextmanager
def _opened(value: str, policy: PdfPolicy) -> Iterator[tuple[int, int]]:
    """(descriptor, size) of the checked file; closed on leaving the block."""
    path, problem = candidate(value, policy)
    if path is None:
        raise PdfRefused(problem or f"pdf path {value!r} is refused")
    try:
        real_folder = os.path.realpath(policy.folder, strict=True)
    except OSError as exc:
        raise PdfRefused(f"invoices.pdf_dir {policy.folder}: {exc.strerror or exc}") from exc
    try:
        real = os.path.realpath(path, strict=True)
    except OSError as exc:
        lexical = os.path.normpath(path)
        if relative_parts(lexical, os.path.normpath(policy.folder)) is None:
            raise PdfRefused(outside_message(value, lexical, real_folder, policy)) from exc
        raise PdfRefused(f"pdf file {value!r}: {exc.strerror or exc}") from exc
    parts = relative_parts(real, real_folder)
    if parts is None:
        raise PdfRefused(outside_message(value, real, real_folder, policy))
    fd = _open_below(real_folder, parts, value)
    try:
        st = os.fstat(fd)
        problem = kind_problem(st.st_mode) or size_problem(st.st_size, policy)
        if problem:
            raise PdfRefused(f"pdf file {value!r} {problem}")
        yield fd, st.st_size
    finally:
        os.close(fd)


def _open_below(real_folder: str, parts: tuple[str, ...], value: str) -> int:
    try:
        dir_fd = os.open(real_folder, _DIR_FLAGS)
    except OSError as exc:
        raise PdfRefused(f"invoices.pdf_dir {real_folder}: {exc.strerror or exc}") from exc
    try:
        for part in parts[:-1]:
            inner = os.open(part, _DIR_FLAGS, dir_fd=dir_fd)
            os.close(dir_fd)
            dir_fd = inner
        before = os.stat(parts[-1], dir_fd=dir_fd, follow_symlinks=False)
        problem = kind_problem(before.st_mode)
        if problem:  # checked before open: opening a device can have side effects
            raise PdfRefused(f"pdf file {value!r} {problem}")
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=dir_fd)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise PdfRefused(
                f"pdf file {value!r} changed into a symbolic link while it was opened"
            ) from exc
        raise PdfRefused(f"pdf file {value!r}: {exc.strerror or exc}") from exc
    finally:
        os.close(dir_fd)


def _read_at_most(fd: int, limit: int) -> bytes:
    chunks: list[bytes] = []
    left = limit
    while left > 0:
        chunk = os.read(fd, min(left, 1 << 20))
        if not chunk:
            break
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def pdf_problem(value: str, policy: PdfPolicy) -> str | None:
    """None when ``value`` names a PDF that may be attached, else why not (for import and
    for deciding whether a copy can be sent). Reads only the first bytes."""
    try:
        with _opened(value, policy) as (fd, _):
            problem = content_problem(_read_at_most(fd, len(PDF_MAGIC)))
    except PdfRefused as exc:
        return str(exc)
    except OSError as exc:
        return f"pdf file {value!r}: {exc.strerror or exc}"
    return f"pdf file {value!r} {problem}" if problem else None


def read_pdf(value: str, policy: PdfPolicy) -> bytes:
    """The whole checked file; PdfRefused when any rule fails now."""
    try:
        with _opened(value, policy) as (fd, _):
            data = _read_at_most(fd, policy.max_bytes + 1)
    except OSError as exc:
        raise PdfRefused(f"pdf file {value!r}: {exc.strerror or exc}") from exc
    problem = size_problem(len(data), policy) or content_problem(data[: len(PDF_MAGIC)])
    if problem:
        raise PdfRefused(f"pdf file {value!r} {problem}")
    return data


def folder_problem(policy: PdfPolicy) -> str | None:
    """None when invoices.pdf_dir is unset or a readable folder; else what is wrong."""
    if not policy.folder:
        return None
    try:
        fd = os.open(policy.folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError as exc:
        return f"invoices.pdf_dir {policy.folder}: {exc.strerror or exc}"
    os.close(fd)
    return None
