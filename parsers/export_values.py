"""Dates and amounts as accounting packages write them, read into dunmail's own form.

Dates: one declared format per mapping (``dd-mm-yyyy``, ``dd.mm.yyyy``, ``yyyy-mm-dd``,
``d/m/yyyy`` …); a value in another form is an error, never re-guessed (``03/04/2026`` is
the 3rd of April in Europe and the 4th of March elsewhere).

Amounts: a decimal comma or point with optional thousands grouping (``1.234,56``,
``1,234.56``), a leading or trailing minus, an optional euro sign. With ``decimal = "auto"``
the file's own unambiguous values decide which character is the decimal one; a value such as
``1,234`` that could be either, in a file that never says, is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

# format name → regex with named groups; d/m allow one or two digits.
DATE_FORMATS: dict[str, str] = {
    "yyyy-mm-dd": r"(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})",
    "dd-mm-yyyy": r"(?P<d>\d{2})-(?P<m>\d{2})-(?P<y>\d{4})",
    "d-m-yyyy": r"(?P<d>\d{1,2})-(?P<m>\d{1,2})-(?P<y>\d{4})",
    "dd.mm.yyyy": r"(?P<d>\d{2})\.(?P<m>\d{2})\.(?P<y>\d{4})",
    "d.m.yyyy": r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<y>\d{4})",
    "dd/mm/yyyy": r"(?P<d>\d{2})/(?P<m>\d{2})/(?P<y>\d{4})",
    "d/m/yyyy": r"(?P<d>\d{1,2})/(?P<m>\d{1,2})/(?P<y>\d{4})",
}
DECIMALS = ("auto", ",", ".")

_SIGNED = re.compile(r"(?P<lead>-)?\s*(?:€|EUR)?\s*(?P<num>[0-9][0-9., ]*)\s*(?P<trail>-)?")


def parse_date(text: str, fmt: str) -> tuple[str | None, str | None]:
    """(ISO date, None) or (None, error)."""
    s = text.strip()
    match = re.fullmatch(DATE_FORMATS[fmt], s)
    if match is None:
        return None, f"date {text!r} does not have the mapping's date format {fmt}"
    try:
        value = date(int(match["y"]), int(match["m"]), int(match["d"]))
    except ValueError as exc:
        return None, f"date {text!r} is not a real date ({exc})"
    return value.isoformat(), None


def _split(text: str) -> tuple[str, str] | None:
    """(sign, digits-and-separators) or None when it is not an amount at all."""
    s = text.strip().replace("\u00a0", " ")
    match = _SIGNED.fullmatch(s)
    if match is None or (match["lead"] and match["trail"]):
        return None
    return ("-" if match["lead"] or match["trail"] else ""), match["num"].replace(" ", "")


def decimal_hint(text: str) -> str | None:
    """The decimal character a value proves (``,`` or ``.``), "" for a value without either,
    None when it could be either (``1,234``: a decimal comma, or a thousands comma)."""
    parts = _split(text)
    if parts is None:
        return ""
    num = parts[1]
    commas, points = num.count(","), num.count(".")
    if commas and points:
        return "," if num.rfind(",") > num.rfind(".") else "."
    if not commas and not points:
        return ""
    sep = "," if commas else "."
    if commas + points > 1:  # only a thousands separator repeats
        return "." if sep == "," else ","
    whole, _, fraction = num.partition(sep)
    if len(fraction) == 3 and 1 <= len(whole) <= 3 and whole != "0":
        return None
    return sep


def file_decimal(values: Iterable[tuple[int, str]]) -> tuple[str | None, tuple[int, str] | None]:
    """The decimal character the values agree on, from (line, text) pairs.

    Returns (character, None); (None, first ambiguous value) when no value decides; raises
    ValueError naming both lines when two values prove different characters."""
    decided: tuple[str, int, str] | None = None
    ambiguous: tuple[int, str] | None = None
    for line, text in values:
        hint = decimal_hint(text)
        if hint is None:
            ambiguous = ambiguous or (line, text)
        elif hint:
            if decided is None:
                decided = (hint, line, text)
            elif decided[0] != hint:
                raise ValueError(
                    f"amount {text!r} on line {line} uses {hint!r} as decimal separator, but "
                    f"{decided[2]!r} on line {decided[1]} uses {decided[0]!r}; set decimal in "
                    "the mapping"
                )
    if decided is not None:
        return decided[0], None
    return (None, ambiguous) if ambiguous else (".", None)


def parse_amount(text: str, decimal: str) -> tuple[str | None, str | None]:
    """(plain amount such as ``-1234.56``, None) or (None, error), with ``decimal`` the
    decimal character (``,`` or ``.``); the other one may only group thousands."""
    parts = _split(text)
    if parts is None:
        return None, f"amount {text!r} is not a number"
    sign, num = parts
    group = "." if decimal == "," else ","
    grouped = re.escape(group)
    pattern = rf"(?:[0-9]{{1,3}}(?:{grouped}[0-9]{{3}})+|[0-9]+)(?:{re.escape(decimal)}[0-9]+)?"
    if not re.fullmatch(pattern, num):
        return None, (
            f"amount {text!r} does not fit decimal separator {decimal!r} "
            f"with thousands separator {group!r}"
        )
    return sign + num.replace(group, "").replace(decimal, "."), None
