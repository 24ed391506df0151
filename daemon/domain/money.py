"""Money helpers on plain ``Decimal``: parsing human amounts, cents, rounding, formatting.

Money is never a float. Amounts travel as ``Decimal`` with two places; storage uses integer
cents. Rounding is always half-up to the cent (domain-rules §1.2), never banker's rounding.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")

_AMOUNT = re.compile(r"[+-]?[0-9][0-9.,]*")
_GROUPED = {sep: re.compile(r"[0-9]{1,3}(?:" + re.escape(sep) + r"[0-9]{3})*") for sep in ".,"}


def _grouped(int_part: str, sep: str) -> bool:
    return _GROUPED[sep].fullmatch(int_part) is not None


def parse_amount(text: str) -> Decimal:
    """Parse ``1234.50``, ``1234,50``, ``1.234,50`` or ``1,234.50`` into an exact Decimal.

    The last separator is the decimal separator, except when it appears more than once
    (``1.234.567``: thousands only). A single separator followed by exactly three digits
    (``1.234``, ``12,345``) could be either and is refused as ambiguous. Raises ValueError
    naming the text for anything else.
    """
    s = text.strip()
    if not _AMOUNT.fullmatch(s) or s[-1] in ".,":
        raise ValueError(f"not an amount: {text!r}")
    sign = ""
    if s[0] in "+-":
        sign, s = ("-" if s[0] == "-" else ""), s[1:]
    seps = [i for i, ch in enumerate(s) if ch in ".,"]
    if not seps:
        return Decimal(sign + s)
    last = s[seps[-1]]
    other = "," if last == "." else "."
    if s.count(last) > 1:
        # Repeated separator can only be thousands grouping: "1.234.567".
        if other in s or not _grouped(s, last):
            raise ValueError(f"not an amount: {text!r}")
        return Decimal(sign + s.replace(last, ""))
    int_part, frac = s[: seps[-1]], s[seps[-1] + 1 :]
    if other in int_part:
        if not _grouped(int_part, other):
            raise ValueError(f"bad digit grouping in amount: {text!r}")
        int_part = int_part.replace(other, "")
    elif len(frac) == 3 and len(int_part) <= 3 and int_part != "0":
        raise ValueError(f"ambiguous amount (thousands or decimals?): {text!r}")
    try:
        return Decimal(f"{sign}{int_part}.{frac}")
    except InvalidOperation as exc:  # pragma: no cover - regex already filtered
        raise ValueError(f"not an amount: {text!r}") from exc


def quantize_cents(d: Decimal) -> Decimal:
    """Round to the cent, half-up (185.145 → 185.15)."""
    return d.quantize(CENT, rounding=ROUND_HALF_UP)


def to_cents(d: Decimal, *, rounding: bool = False) -> int:
    """Exact integer cents; more than two decimals raise ValueError unless ``rounding``."""
    if not d.is_finite():
        raise ValueError(f"not a finite amount: {d}")
    scaled = d * 100
    if scaled != scaled.to_integral_value():
        if not rounding:
            raise ValueError(f"amount has more than two decimals: {d}")
        scaled = quantize_cents(d) * 100
    return int(scaled)


def from_cents(c: int) -> Decimal:
    """Integer cents to a two-place Decimal (12345 → Decimal('123.45'))."""
    return (Decimal(c) / 100).quantize(CENT)


def format_plain(d: Decimal) -> str:
    """Machine format with a dot and two decimals, no grouping: ``1234.50``."""
    return f"{quantize_cents(d):f}"
