"""Invoice numbers as identifiers: the characters they may hold, checked at intake.

An invoice number travels far beyond the invoice file: into file names and zip entries of
the hand-over dossier (``invoices/{number}.pdf``), into Message-IDs
(``<reminder.{number}.{level}@domain>``), mail subjects and headers, and the CLI's output.
Rather than escape it differently at each of those places, intake only accepts numbers that
are safe in all of them:

- ASCII letters, digits and ``- _ . /`` only (no spaces, no control or non-ASCII characters,
  nothing a header, a shell or a file system gives a meaning to);
- one or more parts separated by a single ``/`` (``2026/0001``), each part starting and
  ending with a letter or digit, so no leading or trailing dot or slash, no empty part, and
  no part that is ``.`` or ``..`` or hidden (``.x``);
- no ``..`` anywhere;
- at most ``MAX_NUMBER_LENGTH`` characters (Peppol and national numbering stay far below).

Real numbers such as ``F2026-0412``, ``2026/0001``, ``INV.2026.12`` and ``2026_00017`` pass.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NUMBER_LENGTH = 64
NUMBER_CHARACTERS = "letters A-Z a-z, digits 0-9 and - _ . /"

_PART = r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
_NUMBER = re.compile(rf"{_PART}(?:/{_PART})*")
_ALLOWED = re.compile(r"[A-Za-z0-9._/-]")


def _describe(ch: str) -> str:
    name = unicodedata.name(ch, "") or unicodedata.category(ch)
    return f"{ch!r} (U+{ord(ch):04X} {name})" if ch.isprintable() else f"U+{ord(ch):04X}"


def check_number(text: str) -> str | None:
    """None when ``text`` is a safe invoice number, else why not (one line, quoting a
    bounded, printable form of the value)."""
    shown = ascii(text[:MAX_NUMBER_LENGTH]) + ("…" if len(text) > MAX_NUMBER_LENGTH else "")
    if not text:
        return "invoice number is empty"
    if len(text) > MAX_NUMBER_LENGTH:
        return f"invoice number {shown} is longer than {MAX_NUMBER_LENGTH} characters"
    bad = next((ch for ch in text if not _ALLOWED.fullmatch(ch)), None)
    if bad is not None:
        return f"invoice number {shown} contains {_describe(bad)}; allowed are {NUMBER_CHARACTERS}"
    if ".." in text:
        return f"invoice number {shown} contains '..'"
    if not _NUMBER.fullmatch(text):
        return (
            f"invoice number {shown} must start and end with a letter or digit, "
            "also around each '/'"
        )
    return None


def is_safe_number(text: str) -> bool:
    return check_number(text) is None
