"""Structured payment references: ISO 11649 RF, Dutch betalingskenmerk, Belgian OGM/VCS.

Algorithms and vectors: domain-rules §5 and §8.3–8.5. Normalised values: RF upper case
without spaces, kenmerk digits only, OGM its 12 digits (``format_ogm`` gives the
``+++ddd/dddd/ddddd+++`` display form).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class ReferenceKind(StrEnum):
    RF = "rf"
    KENMERK = "kenmerk"
    OGM = "ogm"


@dataclass(frozen=True, slots=True)
class Reference:
    kind: ReferenceKind
    value: str  # normalised, see module docstring
    valid: bool  # check digits OK


# --- ISO 11649 -------------------------------------------------------------------------

_RF_STRICT = re.compile(r"RF[0-9]{2}[A-Z0-9]{1,21}")


def _mod97(s: str) -> int:
    # int(c, 36) maps 0-9 to themselves and A..Z to 10..35, exactly the ISO 7064 table.
    return int("".join(str(int(c, 36)) for c in s)) % 97


def rf_body(invoice_number: str) -> str:
    """The RF payload for an invoice number: upper case, only [A-Z0-9] kept (1–21 chars)."""
    body = re.sub(r"[^A-Z0-9]", "", invoice_number.upper())
    if not 1 <= len(body) <= 21:
        raise ValueError(
            f"invoice number {invoice_number!r} gives {len(body)} reference characters; "
            "an RF reference needs 1 to 21 letters/digits"
        )
    return body


def generate_rf(invoice_number: str) -> str:
    """``F2026-0412`` → ``RF70F20260412``."""
    body = rf_body(invoice_number)
    return f"RF{98 - _mod97(body + 'RF00'):02d}{body}"


def is_valid_rf(text: str, *, strict: bool = True) -> bool:
    """Mod-97 check; spaces are ignored. Strict refuses lower case; lenient upper-cases."""
    s = text.replace(" ", "")
    if not strict:
        s = s.upper()
    if not _RF_STRICT.fullmatch(s):
        return False
    if not 2 <= int(s[2:4]) <= 98:
        return False
    return _mod97(s[4:] + s[:4]) == 1


# --- Dutch betalingskenmerk --------------------------------------------------------------

_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6, 1)
KENMERK_LENGTHS = frozenset({7, 9, 10, 11, 12, 13, 14, 16})


def _kenmerk_check(body: str) -> int:
    total = sum(int(d) * _WEIGHTS[i % 10] for i, d in enumerate(reversed(body)))
    c = 11 - total % 11
    return {10: 1, 11: 0}.get(c, c)


def generate_kenmerk(digits: str) -> str:
    """Betalingskenmerk for a number of digits.

    7–12 digits give the short form C + length code + digits (9–14 long); anything else up
    to 15 digits is zero-padded to 15 and gives the 16-digit form C + 15 digits.
    """
    if not digits.isdigit() or not digits.isascii() or len(digits) > 15:
        raise ValueError(f"betalingskenmerk needs 1 to 15 digits, got {digits!r}")
    body = f"{len(digits) % 10}{digits}" if 7 <= len(digits) <= 12 else digits.zfill(15)
    return f"{_kenmerk_check(body)}{body}"


def kenmerk_from_invoice_number(invoice_number: str) -> str:
    """``F2026-0412`` → digits ``20260412`` padded to 15 → ``8000000020260412``."""
    digits = re.sub(r"[^0-9]", "", invoice_number)
    if not digits or len(digits) > 15:
        raise ValueError(f"invoice number {invoice_number!r} has no usable 1-15 digits")
    return generate_kenmerk(digits.zfill(15))


def is_valid_kenmerk(text: str) -> bool:
    """Length 7, 9–14 or 16 digits (spaces ignored), length code and mod-11 check digit."""
    s = text.replace(" ", "")
    if not s.isascii() or not s.isdigit() or len(s) not in KENMERK_LENGTHS:
        return False
    if len(s) == 7:
        return True  # the 7-digit form carries no check information
    if len(s) != 16 and int(s[1]) != (len(s) - 2) % 10:
        return False
    return int(s[0]) == _kenmerk_check(s[1:])


# --- Belgian OGM / VCS ---------------------------------------------------------------------

_OGM_DISPLAY = re.compile(r"(\+{3}|\*{3})([0-9 /]+)(\+{3}|\*{3})")


def _ogm_check(base: str) -> int:
    return int(base) % 97 or 97


def generate_ogm(base10: str) -> str:
    """``1234567890`` → ``+++123/4567/89002+++``."""
    if len(base10) != 10 or not base10.isdigit() or not base10.isascii():
        raise ValueError(f"an OGM needs a 10-digit base, got {base10!r}")
    return format_ogm(f"{base10}{_ogm_check(base10):02d}")


def format_ogm(digits12: str) -> str:
    d = digits12
    return f"+++{d[:3]}/{d[3:7]}/{d[7:]}+++"


def _groups_of_four(text: str, *, from_right: bool) -> str:
    if from_right:
        head = len(text) % 4
        parts = ([text[:head]] if head else []) + [
            text[i : i + 4] for i in range(head, len(text), 4)
        ]
        return " ".join(parts)
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


def display_reference(reference: str, kind: str) -> str:
    """The form a person reads and types, per kind (display only: QR payloads and SEPA
    files keep the normalised value, domain-rules §5 and §6):

    - OGM ``090933755493`` → ``+++090/9337/55493+++``;
    - betalingskenmerk in groups of four from the right (``5000 0567 8901 2345``,
      ``12 2345 3462 2567``);
    - RF in groups of four (``RF18 5390 0754 7034``).

    A value that does not have its kind's shape is shown exactly as stored, so nothing a
    debtor must copy is ever altered."""
    compact = "".join(reference.split())
    if kind == ReferenceKind.OGM:
        digits = _ogm_digits(reference, allow_bare=True)
        return format_ogm(digits) if digits is not None else reference
    if kind == ReferenceKind.KENMERK:
        if compact.isdigit() and compact.isascii():
            return _groups_of_four(compact, from_right=True)
        return reference
    if kind == ReferenceKind.RF:
        upper = compact.upper()
        if _RF_STRICT.fullmatch(upper):
            return _groups_of_four(upper, from_right=False)
        return reference
    return reference


def _ogm_digits(text: str, *, allow_bare: bool) -> str | None:
    s = text.strip()
    m = _OGM_DISPLAY.fullmatch(s)
    if m:
        if m.group(1) != m.group(3):
            return None  # mixed +++ / *** delimiters: project rule, treated as invalid
        inner = m.group(2).replace(" ", "")
        if not re.fullmatch(r"[0-9]{3}/[0-9]{4}/[0-9]{5}", inner):
            return None
        return inner.replace("/", "")
    if allow_bare:
        bare = s.replace(" ", "").replace("/", "")
        if len(bare) == 12 and bare.isdigit() and bare.isascii():
            return bare
    return None


def is_valid_ogm(text: str, *, allow_bare: bool = False) -> bool:
    """``+++ddd/dddd/ddddd+++`` or ``***…***`` with mod-97 check (remainder 0 written 97)."""
    digits = _ogm_digits(text, allow_bare=allow_bare)
    return digits is not None and int(digits[10:]) == _ogm_check(digits[:10])


# --- classification ------------------------------------------------------------------------


def classify_reference(text: str) -> Reference | None:
    """Classify a field that should hold exactly one reference (e.g. an import column).

    Returns None when the text has none of the three shapes; a recognised shape with wrong
    check digits comes back with ``valid=False``. Twelve bare digits are tried as OGM first
    (the usual Belgian form), then as kenmerk.
    """
    s = text.strip()
    compact = s.replace(" ", "").upper()
    if re.fullmatch(r"RF[0-9]{2}[A-Z0-9]+", compact):
        return Reference(ReferenceKind.RF, compact, is_valid_rf(compact))
    if s and s[0] in "+*":
        digits = _ogm_digits(s, allow_bare=False)
        if digits is None:
            return Reference(ReferenceKind.OGM, re.sub(r"[^0-9]", "", s), False)
        return Reference(ReferenceKind.OGM, digits, is_valid_ogm(s))
    bare = compact.replace("/", "")
    if bare.isascii() and bare.isdigit():
        if len(bare) == 12 and is_valid_ogm(bare, allow_bare=True):
            return Reference(ReferenceKind.OGM, bare, True)
        if "/" in compact:
            return Reference(ReferenceKind.OGM, bare, False)
        return Reference(ReferenceKind.KENMERK, bare, is_valid_kenmerk(bare))
    return None


_RF_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])RF[0-9]{2} ?[A-Z0-9]{1,21}(?: [A-Z0-9]{1,4})*", re.I)
_OGM_IN_TEXT = re.compile(
    r"(\+{3}|\*{3})? ?([0-9]{3}) ?/ ?([0-9]{4}) ?/ ?([0-9]{5}) ?(\+{3}|\*{3})?"
)
_DIGIT_GROUPS = re.compile(r"(?<![A-Za-z0-9])[0-9]{1,4}(?: [0-9]{4})+(?![A-Za-z0-9])")
_DIGIT_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9]{9,16}(?![A-Za-z0-9])")


def _detect_rf(text: str) -> Reference | None:
    m = _RF_IN_TEXT.search(text)
    if not m:
        return None
    tokens = m.group(0).upper().split(" ")
    # Groups of four may be followed by unrelated words: take the longest valid prefix.
    for n in range(len(tokens), 0, -1):
        candidate = "".join(tokens[:n])
        if len(candidate) <= 25 and is_valid_rf(candidate):
            return Reference(ReferenceKind.RF, candidate, True)
    # Report the bad reference as written: the first token, or "RF18" plus its first group.
    shown = tokens[0] if len(tokens[0]) > 4 else "".join(tokens[:2])
    return Reference(ReferenceKind.RF, shown[:25], False)


def _detect_ogm(text: str) -> Reference | None:
    for m in _OGM_IN_TEXT.finditer(text):
        digits = m.group(2) + m.group(3) + m.group(4)
        ok = int(digits[10:]) == _ogm_check(digits[:10])
        opened, closed = m.group(1), m.group(5)
        if opened and closed:
            return Reference(ReferenceKind.OGM, digits, ok and opened == closed)
        if ok:
            return Reference(ReferenceKind.OGM, digits, True)
    return None


def _detect_digits(text: str) -> Reference | None:
    candidates = [m.group(0).replace(" ", "") for m in _DIGIT_GROUPS.finditer(text)]
    candidates += [m.group(0) for m in _DIGIT_RUN.finditer(text)]
    # Longest first: a 16-digit kenmerk beats a 12-digit OGM beats shorter kenmerken.
    for c in sorted(candidates, key=len, reverse=True):
        if len(c) == 12 and is_valid_ogm(c, allow_bare=True):
            return Reference(ReferenceKind.OGM, c, True)
        if len(c) >= 9 and is_valid_kenmerk(c):
            return Reference(ReferenceKind.KENMERK, c, True)
    return None


def detect_reference(text: str) -> Reference | None:
    """Find a structured reference inside free text (remittance info, a mail body).

    An ``RF`` prefix or ``+++…+++`` delimiters are strong signals and are reported even
    with bad check digits (``valid=False``); bare digit runs are only reported when their
    check digits hold, since any long number would otherwise look like a reference.
    """
    return _detect_rf(text) or _detect_ogm(text) or _detect_digits(text)
