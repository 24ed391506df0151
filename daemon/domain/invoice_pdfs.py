"""Which invoice PDFs dunmail may read: the rules, without touching a file.

An invoice's ``pdf`` value comes from an import file, so it is hostile: ``/etc/passwd`` or
``/proc/self/environ`` would otherwise be mailed to whoever asks for an invoice copy. A PDF
may only be read when it lies inside the configured folder (``invoices.pdf_dir``) after every
symlink is resolved, is a regular file, starts with ``%PDF-`` and stays under the size limit.
daemon.adapters.invoice_pdfs applies these rules to the file system, at import and again
when the file is read for sending.
"""

from __future__ import annotations

import posixpath
import stat
from dataclasses import dataclass

PDF_MAGIC = b"%PDF-"
DEFAULT_MAX_BYTES = 10 * 1024 * 1024
MAX_VALUE_LENGTH = 1024


@dataclass(frozen=True, slots=True)
class PdfPolicy:
    folder: str  # absolute; "" = no folder configured, every pdf value is refused
    max_bytes: int = DEFAULT_MAX_BYTES


NO_FOLDER = (
    "invoice PDFs are not enabled: set invoices.pdf_dir in the config to the folder that holds them"
)


def candidate(value: str, policy: PdfPolicy) -> tuple[str | None, str | None]:
    """(absolute path, None) for a ``pdf`` value, relative values taken inside the folder;
    (None, why not) for a value that cannot name a file there."""
    if not policy.folder:
        return None, NO_FOLDER
    if len(value) > MAX_VALUE_LENGTH:
        return None, f"pdf path is longer than {MAX_VALUE_LENGTH} characters"
    if any(not ch.isprintable() for ch in value):
        return None, f"pdf path {value!a} contains control characters"
    if not value.strip():
        return None, "pdf path is empty"
    # Not normalised here: realpath must see "link/.." as the kernel would.
    return posixpath.join(policy.folder, value), None


def relative_parts(real_path: str, real_folder: str) -> tuple[str, ...] | None:
    """The path components of ``real_path`` below ``real_folder`` (both symlink-free
    absolute paths), or None when it is not strictly inside the folder."""
    folder = posixpath.normpath(real_folder)
    path = posixpath.normpath(real_path)
    if not (posixpath.isabs(folder) and posixpath.isabs(path)):
        return None
    if posixpath.commonpath([folder, path]) != folder or path == folder:
        return None
    parts = tuple(posixpath.relpath(path, folder).split("/"))
    if any(p in ("", ".", "..") for p in parts):
        return None
    return parts


def outside_message(value: str, real_path: str, real_folder: str, policy: PdfPolicy) -> str:
    if posixpath.normpath(real_path) == posixpath.normpath(real_folder):
        return f"pdf path {value!r} names the folder invoices.pdf_dir itself, not a file"
    return (
        f"pdf path {value!r} resolves to {real_path}, outside invoices.pdf_dir "
        f"{policy.folder}; only files inside that folder may be attached"
    )


def kind_problem(mode: int) -> str | None:
    """A PDF must be a regular file: no device, FIFO, socket, directory or symlink."""
    if stat.S_ISREG(mode):
        return None
    for test, name in (
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISLNK, "a symbolic link"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
    ):
        if test(mode):
            return f"is {name}, not a regular file"
    return "is not a regular file"


def size_problem(size: int, policy: PdfPolicy) -> str | None:
    if size > policy.max_bytes:
        return f"is {size} bytes, more than invoices.pdf_max_bytes ({policy.max_bytes})"
    if size < len(PDF_MAGIC):
        return "is empty or too short to be a PDF"
    return None


def content_problem(head: bytes) -> str | None:
    if not head.startswith(PDF_MAGIC):
        return f"does not start with {PDF_MAGIC.decode()} (not a PDF file)"
    return None
