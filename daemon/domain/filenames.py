"""Safe names for files and archive entries made from text we do not control.

Debtor ids and invoice numbers arrive in imported CSV and UBL, and an old database may hold
any of them: ``../../../tmp/evil``, ``C:\\x``, ``D/1``, a control character. Used as a file or
ZIP entry name unchanged, such a value climbs out of the folder an agency unpacks the dossier
into, or makes two debtors share one file. A name made here holds only ASCII letters, digits,
``.``, ``_`` and ``-``, never starts with a dot or dash, never holds ``..``, is never empty
or a reserved Windows device name; when the text had to be changed, a short hash of the exact
text keeps two different values apart.
"""

from __future__ import annotations

import hashlib
import re

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_DOTS = re.compile(r"\.{2,}")
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{d}{n}" for d in ("COM", "LPT") for n in range(1, 10)}
)


def short_hash(text: str) -> str:
    """8 hex digits of the sha256 of the exact text: tells apart values that map alike."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:8]


def slug(text: str, *, limit: int = 48) -> str:
    """A file-name-safe rendering of ``text`` (lossy; see :func:`unique_stem`)."""
    safe = _DOTS.sub("_", _UNSAFE.sub("_", text))
    safe = safe.lstrip(".-")[:limit].rstrip(".")
    if not safe:
        return "_"
    if safe.split(".")[0].upper() in _WINDOWS_DEVICES:
        return "_" + safe
    return safe


def unique_stem(text: str) -> str:
    """The slug, with a short hash of the exact text when the slug had to change it."""
    safe = slug(text)
    return safe if safe == text else f"{safe}-{short_hash(text)}"


class EntryNames:
    """Names inside one archive: each safe, and unique even where case is ignored (an agency
    may unpack on Windows or macOS)."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._used = {name.lower() for name in reserved}

    def add(self, folder: str, text: str, suffix: str) -> str:
        """A new entry ``folder/<safe text>suffix`` (folder is ours, a plain relative path)."""
        stem = unique_stem(text)
        name, n = f"{folder}/{stem}{suffix}", 2
        while name.lower() in self._used:
            name, n = f"{folder}/{stem}-{n}{suffix}", n + 1
        self._used.add(name.lower())
        return name
