"""SWIFT MT940 (statement) and MT942 (interim report) as Dutch and German banks export them.

Tolerates what real files contain: CRLF or LF, a stray Ctrl-Z, SWIFT ``{1:}{2:}{4: ... -}``
envelopes, bank header lines (``ABNANL2A`` / ``940``), several statements and accounts per file,
decimal comma or point, and text in UTF-8, cp1252 or latin-1. The :86: field is read by
:mod:`parsers.mt940_details`. Errors name the line.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from itertools import chain
from typing import IO, cast

from parsers.bank import Balance, BankFormatError, Direction, Payment, Statement
from parsers.camt import StatementEnd
from parsers.camt_entries import new_payment
from parsers.mt940_details import DetailFields, looks_like_iban, read_details

_TAG = re.compile(r":(\d\d[A-Z]?):")
_LINE61 = re.compile(
    r"(?P<vd>\d{6})(?P<ed>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<fc>[A-Z])?"
    r"(?P<amt>\d[\d]*(?:[,.]\d*)?)(?P<tt>[A-Z][A-Z0-9 ]{3})(?P<rest>.*)"
)
_BALANCE = re.compile(r"(?P<cd>[CD])(?P<d>\d{6})(?P<ccy>[A-Z]{3})(?P<amt>\d[\d]*(?:[,.]\d*)?)")
_OPENING = ("60F", "60M")
_CLOSING = ("62F", "62M")
_MT942_MARKERS = ("{2:I942", "{2:O942", ":34F:")


def decode(data: bytes) -> str:
    """UTF-8 when it is; otherwise cp1252, and latin-1 as the decoder that never fails."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


_CHUNK = 1 << 20  # characters split into lines at a time
_CREDIT_MARKS = frozenset(("C", "EC", "RD"))
_CREDIT, _DEBIT = Direction.CREDIT, Direction.DEBIT
_DECIMAL = Decimal
_GIRO = re.compile(r"P\d{9}")

# A parsed :61: line: value date, entry date, mark, amount, type code, bank reference,
# customer reference, the rest (supplementary details included).
_Line61 = tuple[str, str | None, str, str, str, str | None, str | None, str | None]


@dataclass(slots=True)
class _Draft:
    """One statement being read; becomes a StatementEnd at the next :20: or the end."""

    line: int
    reference: str
    fmt: str
    account: str = ""
    sequence: str | None = None
    created_at: str | None = None
    currency: str | None = None  # MT942 has no balances; :34F: names the currency
    balances: list[Balance] = field(default_factory=list)
    # Payments wait here only while no balance has fixed the statement's currency (MT942).
    held: list[Payment] = field(default_factory=list)
    total: Decimal = Decimal(0)
    pending: tuple[int, _Line61] | None = None  # :61: awaiting its :86:
    info: list[str] = field(default_factory=list)  # raw :86: lines of the pending :61:
    # (account, currency) as _home reads them, memoised: None again whenever a field changes
    # what they are read from (the :25: account, the :34F: currency, the balances).
    home: tuple[str, str] | None = None


class _Reader:
    """Applies fields in order; what they complete is appended to ``out``."""

    def __init__(self, fmt: str, source: str, statements: bool = True) -> None:
        self.fmt = fmt
        self.source = source
        self.statements = statements  # False: only payments are wanted
        self.draft: _Draft | None = None
        self.out: list[Payment | StatementEnd] = []
        self.dates: dict[tuple[str, str | None], tuple[date, date]] = {}

    def field(self, tag: str, line_no: int, lines: list[str]) -> None:
        draft = self.draft
        if tag == "86":
            if draft is None:
                raise BankFormatError(f"{self.source}: line {line_no}: :86: before any :20:")
            if draft.pending is not None:
                # Old Rabobank files repeat :86: for each further line of the same entry.
                draft.info.extend(lines)
            return
        if tag == "61" and draft is not None:
            if draft.pending is not None:
                self.flush(draft)
            draft.pending = (line_no, _line61(lines, line_no, self.source))
            return
        value = lines[0].strip()
        if tag == "20":
            if draft is not None:
                self.finish(draft)
            self.draft = _Draft(line=line_no, reference=value, fmt=self.fmt)
            return
        if draft is None:
            raise BankFormatError(f"{self.source}: line {line_no}: :{tag}: before any :20:")
        if tag == "25":
            draft.account = value
            draft.home = None
        elif tag in ("28", "28C"):
            draft.sequence = value
        elif tag == "13D":
            draft.created_at = value
        elif tag == "34F" and draft.currency is None:
            draft.currency = value[:3] or None
            draft.home = None
        elif tag[:2] in ("60", "62", "64", "65"):
            if draft.pending is not None:
                self.flush(draft)  # a :86: after the closing balance is the statement's own
            draft.balances.append(_balance(tag, value, line_no, self.source))
            draft.home = None
            if draft.held:
                account, currency = _home(draft)
                self.out.extend(_rehome(p, account, currency) for p in draft.held)
                draft.held = []

    def flush(self, draft: _Draft) -> None:
        assert draft.pending is not None
        source = self.source
        line_no, (vd, ed, mark, amt, tt, bank, customer, extra) = draft.pending
        draft.pending = None
        info, draft.info = draft.info, []
        (remittance, structured, e2e, cp_name, cp_iban, cp_bic, reason, _, reversal_hint, text) = (
            read_details(info, 4) if info else _NO_DETAILS
        )
        got = self.dates.get((vd, ed))
        if got is None:
            value_date = _yymmdd(vd, line_no, source)
            booking = _entry_date(value_date, ed, line_no, source) if ed else value_date
            got = self.dates[(vd, ed)] = (value_date, booking)
        if cp_iban is None or cp_name is None:
            account, name = _counterparty_from_61(customer or "", extra or "")
            cp_name = cp_name or name
            cp_iban = cp_iban or account
        home, currency = draft.home or _home(draft)  # the memo, inline: this runs per entry
        try:
            amount = _DECIMAL(amt.replace(",", "."))
        except InvalidOperation:
            amount = _amount(amt, line_no, source)  # raises the worded error
        # SWIFT: RC is the reversal of a credit (money leaves), RD of a debit (money comes back).
        if mark in _CREDIT_MARKS:
            direction = _CREDIT
            draft.total += amount
        else:
            direction = _DEBIT
            draft.total -= amount
        payment = new_payment(
            home,
            got[1],
            got[0],
            amount,
            currency,
            direction,
            mark[0] == "R" or reversal_hint,
            reason,
            bank,
            e2e,
            cp_name,
            cp_iban,
            cp_bic,
            remittance,
            structured,
            text or extra,
            tt.strip() or None,
            customer if customer and customer != "NONREF" else None,
            0,
            draft.reference,
            None,
        )
        if draft.balances:
            self.out.append(payment)
        else:
            draft.held.append(payment)

    def finish(self, draft: _Draft) -> None:
        if draft.pending is not None:
            self.flush(draft)
        warnings: list[str] = []
        opening = next((b for k in _OPENING for b in draft.balances if b.kind == k), None)
        closing = next((b for k in _CLOSING for b in draft.balances if b.kind == k), None)
        total = draft.total
        if opening is not None and closing is not None and opening.amount + total != closing.amount:
            warnings.append(
                f"balance mismatch: {opening.kind} {opening.amount} + entries {total} = "
                f"{opening.amount + total}, but {closing.kind} is {closing.amount}"
            )
        currency = next((b.currency for b in draft.balances), draft.currency)
        account = _account(draft.account, currency)
        if draft.held:
            self.out.extend(_rehome(p, account, currency) for p in draft.held)
            draft.held = []
        dates = [b.date for b in draft.balances if b.date is not None]
        statement = Statement(
            format=draft.fmt,
            statement_id=draft.reference,
            account_iban=account,
            currency=currency,
            balances=tuple(draft.balances),
            created_at=draft.created_at,
            sequence=draft.sequence,
            from_date=opening.date if opening else (min(dates) if dates else None),
            to_date=closing.date if closing else (max(dates) if dates else None),
            warnings=tuple(warnings),
        )
        if self.statements:
            self.out.append(StatementEnd(statement))


_NO_DETAILS: DetailFields = ((), (), None, None, None, None, None, None, False, "")


def iter_mt940(
    data: bytes | IO[bytes], *, source: str = "<bytes>"
) -> Iterator[Payment | StatementEnd]:
    """Yield each Payment as its :61:/:86: pair is read, then a StatementEnd per statement.

    Memory is bounded by one field, not by the number of entries. The StatementEnd carries the
    final account and currency; a payment read before a later ``:25:`` changed them (not seen
    in real files) keeps the earlier account, which :func:`parse_mt940` corrects.
    """
    return _iter_mt940(data, source, True)


def iter_mt940_payments(data: bytes | IO[bytes], *, source: str = "<bytes>") -> Iterator[Payment]:
    """Only the payments, in file order, in bounded memory."""
    return cast(Iterator[Payment], _iter_mt940(data, source, False))


def _iter_mt940(
    data: bytes | IO[bytes], source: str, statements: bool
) -> Iterator[Payment | StatementEnd]:
    """:func:`iter_mt940`; without ``statements`` the StatementEnds are left out."""
    raw = data if isinstance(data, bytes | bytearray) else data.read()
    text = decode(bytes(raw))
    del raw
    if "\x1a" in text:
        text = text.replace("\x1a", "")
    # rfind, not "in": on a big text CPython's backward scan runs about three times faster, and
    # these markers are mostly absent, so either reads the whole text.
    fmt = "mt942" if any(text.rfind(marker) >= 0 for marker in _MT942_MARKERS) else "mt940"
    reader = _Reader(fmt, source, statements)
    out = reader.out
    apply = reader.field
    tag_match = _TAG.match
    # A field is applied when the next one starts, so its wrapped lines are complete by then.
    tag = last_tag = before_86 = ""
    tag_line = 0
    field_lines: list[str] = []
    lines: list[str] | None = None
    for line_no, line in enumerate(_lines(text), 1):
        first = line[:1]
        if first == "{":
            # {1:...}{2:...}{4: may share a line with the first tag.
            cut = line.rfind("{4:")
            line = line[cut + 3 :] if cut >= 0 else ""
            lines = None
            if not line:
                continue
            first = line[:1]
        elif first and first not in ":-" and not first.isspace():
            # Neither a tag nor a "-" or ":940:" line: it continues the field.
            if lines is not None:
                lines.append(line)
            continue
        match = tag_match(line) if first == ":" else None
        if match is None:
            stripped = line.strip()
            if stripped[:1] == "-":
                # "-" ends a SWIFT message, but a wrapped entry :86: may also put a lone "-"
                # on a line (a mandate id "MND-EV01" cut at the hyphen): only there it is text.
                if stripped[:2] == "-}" or not (last_tag == "86" and before_86 == "61"):
                    lines = None
                    continue
            elif stripped == ":940:":
                lines = None
                continue
            if lines is not None:
                lines.append(line)
            continue
        draft = reader.draft
        if tag == "86" and draft is not None:
            # The most common fields, applied here: this one only waits for its :61: to be read.
            if draft.pending is not None:
                draft.info.extend(field_lines)
        elif tag == "61" and draft is not None:
            # As _Reader.field applies it: the entry before is flushed, but yielded only after
            # this :61: is read, so that a bad one raises before that entry is yielded.
            if draft.pending is not None:
                reader.flush(draft)
            draft.pending = (tag_line, _line61(field_lines, tag_line, source))
            if out:
                yield from out
                out.clear()
        elif tag:
            apply(tag, tag_line, field_lines)
            if out:
                yield from out
                out.clear()
        tag = match.group(1)
        if tag == "86":
            before_86 = last_tag
        last_tag = tag
        tag_line = line_no
        field_lines = lines = [line[match.end() :]]
    if tag:
        apply(tag, tag_line, field_lines)
    if reader.draft is None:
        raise BankFormatError(f"{source}: no MT940 statement found (no :20: tag)")
    reader.finish(reader.draft)
    yield from out


def parse_mt940(data: bytes | IO[bytes], *, source: str = "<bytes>") -> list[Statement]:
    """Every statement in an MT940/MT942 file, in file order."""
    statements: list[Statement] = []
    pending: list[Payment] = []
    for item in iter_mt940(data, source=source):
        if isinstance(item, Payment):
            pending.append(item)
            continue
        st = item.statement
        account, currency = st.account_iban, st.currency
        payments = tuple(
            p if p.account_iban == account and p.currency else _rehome(p, account, currency)
            for p in pending
        )
        statements.append(replace(st, payments=payments))
        pending = []
    return statements


def _lines(text: str) -> Iterator[str]:
    """``text.splitlines()`` a chunk at a time, each cut after a newline: the same lines,
    without a list of every line of a big file. (Chained in C: no Python frame per line.)"""
    return chain.from_iterable(map(str.splitlines, _chunks(text)))


def _chunks(text: str) -> Iterator[str]:
    start, size = 0, len(text)
    while start < size:
        end = text.find("\n", start + _CHUNK)
        if end < 0:
            yield text[start:]
            return
        yield text[start : end + 1]
        start = end + 1


def _home(draft: _Draft) -> tuple[str, str]:
    """The statement's own account and currency as far as they are known (memoised on the
    draft until a field changes them)."""
    home = draft.home
    if home is None:
        currency = draft.balances[0].currency if draft.balances else (draft.currency or "")
        home = draft.home = (_account(draft.account, currency or None), currency)
    return home


def _amount(raw: str, line_no: int, source: str) -> Decimal:
    try:
        return Decimal(raw.replace(",", "."))
    except InvalidOperation:
        raise BankFormatError(f"{source}: line {line_no}: amount {raw!r} is not a number") from None


def _yymmdd(raw: str, line_no: int, source: str) -> date:
    try:
        year = int(raw[:2])
        return date(2000 + year if year < 80 else 1900 + year, int(raw[2:4]), int(raw[4:6]))
    except ValueError:
        raise BankFormatError(f"{source}: line {line_no}: date {raw!r} is not YYMMDD") from None


def _balance(tag: str, value: str, line_no: int, source: str) -> Balance:
    m = _BALANCE.match(value.replace(" ", ""))
    if m is None:
        raise BankFormatError(f"{source}: line {line_no}: :{tag}: balance {value!r} unreadable")
    amount = _amount(m.group("amt"), line_no, source)
    return Balance(
        kind=tag,
        amount=-amount if m.group("cd") == "D" else amount,
        currency=m.group("ccy"),
        date=_yymmdd(m.group("d"), line_no, source),
    )


def _entry_date(value_date: date, mmdd: str, line_no: int, source: str) -> date:
    """The MMDD booking date has no year: take the one closest to the value date."""
    best: date | None = None
    for year in (value_date.year - 1, value_date.year, value_date.year + 1):
        try:
            candidate = date(year, int(mmdd[:2]), int(mmdd[2:]))
        except ValueError:
            continue
        if best is None or abs(candidate - value_date) < abs(best - value_date):
            best = candidate
    if best is None:
        raise BankFormatError(f"{source}: line {line_no}: entry date {mmdd!r} is not MMDD")
    return best


def _line61(lines: list[str], line_no: int, source: str) -> _Line61:
    m = _LINE61.match(lines[0].strip())
    if m is None:
        raise BankFormatError(f"{source}: line {line_no}: :61: {lines[0].strip()!r} unreadable")
    vd, ed, mark, _, amt, tt, rest = m.groups()
    if "//" in rest:
        customer, _, bank_part = rest.partition("//")
        extra = bank_part[16:].strip()
        bank = bank_part[:16].strip() or None
    else:
        token = rest.split(" ", 1)[0]
        # ASN writes the counter IBAN (up to 34 characters) where the 16-character reference goes.
        cut = len(token) if len(token) > 16 and looks_like_iban(token) else 16
        customer, extra = rest[:cut], rest[cut:].strip()
        bank = None
    if len(lines) > 1:
        if len(lines) == 2:
            supplement = lines[1].strip()
        else:
            supplement = " ".join([part for part in map(str.strip, lines[1:]) if part])
        extra = f"{extra} {supplement}" if extra and supplement else extra or supplement
    return vd, ed, mark, amt, tt, bank, customer.strip() or None, extra or None


def _counterparty_from_61(customer: str, extra: str) -> tuple[str | None, str | None]:
    """Account and name that Rabobank, ASN and SNS put on the :61: line itself."""
    customer = customer.strip()
    extra = extra.strip()
    account = name = None
    first, _, after = extra.partition(" ")
    if _is_account(first):
        account, name = first, after.strip() or None
    elif _is_account(customer):
        account, name = customer, extra or None
    return account, name


def _is_account(value: str) -> bool:
    """An IBAN, a Dutch 7-10 digit account, or Rabobank's P-prefixed giro number."""
    return bool(
        looks_like_iban(value)
        or (value.isdigit() and 7 <= len(value) <= 10)
        or _GIRO.fullmatch(value)
    )


def _rehome(payment: Payment, account: str, currency: str | None) -> Payment:
    return replace(payment, account_iban=account, currency=payment.currency or currency or "")


def _account(raw: str, currency: str | None) -> str:
    """':25:' without the currency some banks append (NL77INGB0574908765EUR)."""
    value = raw.strip()
    if currency and value.endswith(currency) and len(value) > len(currency):
        head = value[: -len(currency)].rstrip()
        if not head.endswith("/"):
            return head
    return value
