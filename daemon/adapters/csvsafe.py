"""CSV that a spreadsheet opens as data, never as formulas (CSV injection, OWASP).

Payer names, remittance text, debtor names and subjects come from outside. A cell such as
``=HYPERLINK("http://x","y")`` or ``=cmd|' /C calc'!A0`` is run by Excel or LibreOffice when
the office opens the export, so every text cell that a spreadsheet would read as a formula is
prefixed with a single quote, as OWASP advises. Excel and LibreOffice hide that quote and
show the text as it was.

A cell is neutralised when it starts, or starts after leading white space (spreadsheets trim
it before they look), with ``=``, ``+``, ``-``, ``@``, their full-width forms, a tab or a
carriage return or line feed. What stays as it is:

- numbers: ints, floats and Decimals that dunmail computes, and text that is wholly a plain number
  (``-12.50``, ``1.234,56``): a negative amount must stay a number for the bookkeeper, and
  digits with one leading minus cannot call anything;
- every other cell, byte for byte.

Dutch, Belgian and German Excel split a .csv on ``;``, not ``,``, so ``Jansen;=cmd|…`` would
become a cell of its own there: a formula trigger after a ``;`` or a line break inside a cell
gets the quote too (rare in real names and remittance text, which then show ``;'-``).

Why not ``defusedcsv``: it does not treat tab, carriage return, leading white space, the
full-width forms or the ``;`` split, and it rewrites every ``|`` in such a cell to ``\\|``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any, TextIO

# = + - @, their full-width forms (＝ ＋ － ＠), and the control characters OWASP lists.
_TRIGGERS = "=+-@\uff1d\uff0b\uff0d\uff20\t\r\n"
_SPACE = " \u00a0\u3000"
_NUMBER = re.compile(r"-?\d[\d.,]*")
# A trigger at the start of a piece after ';' or a line break, past any spaces.
_INNER = re.compile(r"([;\r\n][ \t\u00a0\u3000]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])([^;\r\n]*)")


def _plain_number(text: str) -> bool:
    return _NUMBER.fullmatch(text.strip(_SPACE)) is not None


def neutralise(value: Any) -> Any:
    """The cell as a spreadsheet may safely read it: formula triggers quoted, numbers and
    ordinary text unchanged, None as an empty cell."""
    if value is None:
        return ""
    if isinstance(value, (int, float, Decimal)):  # our own numbers (bool is an int too)
        return value
    text = str(value)
    head = text.lstrip(_SPACE)
    if head and head[0] in _TRIGGERS and not (head[0] not in "\t\r\n" and _plain_number(head)):
        text = "'" + text
    return _INNER.sub(_quote_inner, text)


def _quote_inner(match: re.Match[str]) -> str:
    sep, piece = match.group(1), match.group(2)
    return sep + piece if _plain_number(piece) else sep + "'" + piece


def write_rows(stream: TextIO, rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> None:
    """A header line and one line per row (keys outside ``columns`` are left out).

    Lines end in CRLF (RFC 4180): the writer quotes a cell holding any character of the line
    end, so with CRLF a lone CR or LF in a payer name stays inside its quoted cell instead of
    starting a new row (with "\n" a CR went out unquoted)."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow([neutralise(c) for c in columns])
    for row in rows:
        writer.writerow([neutralise(row.get(c)) for c in columns])


def csv_bytes(rows: Iterable[Mapping[str, Any]], columns: Sequence[str]) -> bytes:
    """The rows as UTF-8 CSV, for files inside a dossier."""
    buffer = io.StringIO()
    write_rows(buffer, rows, columns)
    return buffer.getvalue().encode("utf-8")
