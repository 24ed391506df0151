"""A first-character lookahead for the large cue regexes.

Python's ``re`` tries every alternative of a pattern at every position of the text, and with
IGNORECASE it has no fast scan for where a match could start. The cue lists have a hundred and
more alternatives, so most of classification's time went into alternatives that could not
begin at that character. ``with_prefilter`` puts ``(?=[...])`` in front, listing every
character a match can start with: positions that cannot start a match are left after one set
test. The matches are the same (the set is derived from the parsed pattern, under the same
flags); a pattern the analysis does not understand is returned unchanged.
"""

from __future__ import annotations

import re
from typing import Any

try:  # the parser behind re.compile (Python 3.11+); without it: no prefilter, same results
    # Private modules: typeshed has listed one or both depending on the mypy release.
    from re import _constants as sre_constants  # type: ignore[attr-defined,unused-ignore]
    from re import _parser as sre_parser  # type: ignore[attr-defined,unused-ignore]
except ImportError:  # pragma: no cover
    sre_constants = sre_parser = None

# A character class bigger than this is not worth listing (and a RANGE may be huge).
MAX_RANGE = 512


class _Unbounded(Exception):
    """A match may start with (almost) any character: no useful prefilter."""


def first_chars(pattern: re.Pattern[str]) -> frozenset[str] | None:
    """Every character a match of ``pattern`` can start with, or None when that cannot be
    bounded (an empty match is possible, ``.``/``\\w`` first, inline flags, …)."""
    if sre_parser is None:
        return None
    try:
        chars, nullable = _sequence(sre_parser.parse(pattern.pattern, pattern.flags).data)
    except (_Unbounded, re.error, AttributeError, TypeError, ValueError):
        return None
    return None if nullable or not chars else frozenset(chars)


def with_prefilter(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with a lookahead for its first characters; unchanged where none applies."""
    chars = first_chars(pattern)
    if chars is None:
        return pattern
    listed = "".join(re.escape(c) for c in sorted(chars))
    try:
        return re.compile(f"(?=[{listed}])(?:{pattern.pattern})", pattern.flags)
    except re.error:
        return pattern


def _sequence(items: Any) -> tuple[set[str], bool]:
    """First characters of consecutive items, and whether all of them can match empty."""
    found: set[str] = set()
    for op, av in items:
        chars, nullable = _item(op, av)
        found |= chars
        if not nullable:
            return found, False
    return found, True


def _item(op: Any, av: Any) -> tuple[set[str], bool]:
    c = sre_constants
    if op is c.LITERAL:
        return {chr(av)}, False
    if op is c.IN:
        return _charset(av), False
    if op in (c.AT, c.ASSERT, c.ASSERT_NOT):  # zero width: the next item starts the match
        return set(), True
    if op is c.BRANCH:
        found: set[str] = set()
        nullable = False
        for alternative in av[1]:
            chars, empty = _sequence(alternative.data)
            found |= chars
            nullable = nullable or empty
        return found, nullable
    if op is c.SUBPATTERN:
        _group, add_flags, del_flags, sub = av
        if add_flags or del_flags:  # (?i:…) and friends change what a literal matches
            raise _Unbounded
        return _sequence(sub.data)
    if op in (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None)):
        low, _high, sub = av
        chars, empty = _sequence(sub.data)
        return chars, empty or low == 0
    if op is getattr(c, "ATOMIC_GROUP", None):
        return _sequence(av.data)
    raise _Unbounded  # ANY, NOT_LITERAL, categories, back references, …


def _charset(members: Any) -> set[str]:
    c = sre_constants
    found: set[str] = set()
    for op, av in members:
        if op is c.LITERAL:
            found.add(chr(av))
        elif op is c.RANGE and av[1] - av[0] <= MAX_RANGE:
            found.update(chr(code) for code in range(av[0], av[1] + 1))
        else:  # NEGATE, CATEGORY (\w, \d, \s), huge ranges
            raise _Unbounded
    return found
