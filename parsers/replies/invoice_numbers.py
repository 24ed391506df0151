"""Invoice numbers in free text, normalised to the canonical form."""

from __future__ import annotations

import re
from collections.abc import Iterable

# "F2026-0412", also written without the hyphen ("F20260412"); letters + year + sequence.
DEFAULT_INVOICE_PATTERN = (
    r"(?<![A-Za-z0-9])(?P<prefix>[A-Z]{1,3})[ ]?(?P<year>20\d{2})-?(?P<seq>\d{4})(?!\d)"
)


def compile_pattern(pattern: str | re.Pattern[str] | None) -> re.Pattern[str]:
    if pattern is None:
        return _DEFAULT
    return pattern if isinstance(pattern, re.Pattern) else re.compile(pattern)


_DEFAULT = re.compile(DEFAULT_INVOICE_PATTERN)


def canonical(match: re.Match[str]) -> str:
    """Named groups prefix/year/seq give "PREFIXYEAR-SEQ"; otherwise the match as written."""
    groups = match.groupdict()
    if {"prefix", "year", "seq"} <= groups.keys():
        return f"{groups['prefix'].upper()}{groups['year']}-{groups['seq']}"
    return match.group(0).upper()


def find_invoice_numbers(
    texts: Iterable[str], pattern: str | re.Pattern[str] | None = None
) -> tuple[str, ...]:
    """Every invoice number in ``texts``, in order of first appearance, without duplicates."""
    regex = compile_pattern(pattern)
    seen: dict[str, None] = {}
    for text in texts:
        for m in regex.finditer(text):
            seen.setdefault(canonical(m), None)
    return tuple(seen)
