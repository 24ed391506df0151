"""Money amounts in nl/en/de/fr notation ("€ 1.234,50", "EUR 1,234.50", "1234,50 euro")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

_NUM = r"\d{1,3}(?:[.,' \u00a0]\d{3})*(?:[.,]\d{1,2})?(?:,-)?|\d+(?:[.,]\d{1,2})?(?:,-)?"
_CUR_BEFORE = re.compile(rf"(?:€|EUR|eur)\s?({_NUM})(?![\d])")
_CUR_AFTER = re.compile(rf"(?<![\d.,])({_NUM})\s?(?:€|EUR\b|euro\b|euros\b|eur\b)", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Amount:
    value: Decimal
    currency: str
    text: str
    start: int


def parse_number(token: str) -> Decimal | None:
    """ "1.234,50" / "1,234.50" / "1 234,50" / "150,-" → Decimal; None when unreadable."""
    t = token.replace("\u00a0", " ").replace("'", "").replace(" ", "")
    if t.endswith(",-"):
        t = t[:-2]
    last_dot, last_comma = t.rfind("."), t.rfind(",")
    sep = max(last_dot, last_comma)
    if sep >= 0 and len(t) - sep - 1 in (1, 2):
        intpart, frac = t[:sep], t[sep + 1 :]
    else:
        intpart, frac = t, ""
    intpart = intpart.replace(".", "").replace(",", "")
    try:
        return Decimal(f"{intpart}.{frac}" if frac else intpart)
    except InvalidOperation:
        return None


def find_amounts(text: str) -> tuple[Amount, ...]:
    out: list[Amount] = []
    spans: list[tuple[int, int]] = []
    for regex in (_CUR_BEFORE, _CUR_AFTER):
        for m in regex.finditer(text):
            if any(m.start() < e and s < m.end() for s, e in spans):
                continue
            value = parse_number(m.group(1))
            if value is not None:
                spans.append(m.span())
                out.append(Amount(value, "EUR", m.group(0), m.start()))
    out.sort(key=lambda a: a.start)
    return tuple(out)
