"""SWIFT MT940 (statement) and MT942 (interim report) as Dutch and German banks export them.

Tolerates what real files contain: CRLF or LF, a stray Ctrl-Z, SWIFT ``{1:}{2:}{4: ... -}``
envelopes, bank header lines (``ABNANL2A`` / ``940``), several statements and accounts per file,
decimal comma or point, and text in UTF-8, cp1252 or latin-1. The :86: field is read by
:mod:`parsers.mt940_details`. Errors name the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, InvalidOperation

from parsers.bank import Balance, BankFormatError, Direction, Payment, Statement
from parsers.mt940_details import Details, looks_like_iban, parse_details

_TAG = re.compile(r":(\d\d[A-Z]?):")
_LINE61 = re.compile(
    r"(?P<vd>\d{6})(?P<ed>\d{4})?(?P<mark>RC|RD|EC|ED|C|D)(?P<fc>[A-Z])?"
    r"(?P<amt>\d[\d]*(?:[,.]\d*)?)(?P<tt>[A-Z][A-Z0-9 ]{3})(?P<rest>.*)"
)
_BALANCE = re.compile(r"(?P<cd>[CD])(?P<d>\d{6})(?P<ccy>[A-Z]{3})(?P<amt>\d[\d]*(?:[,.]\d*)?)")
_OPENING = ("60F", "60M")
_CLOSING = ("62F", "62M")


def decode(data: bytes) -> str:
    """UTF-8 when it is; otherwise cp1252, and latin-1 as the decoder that never fails."""
    for encoding in ("utf-8", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


@dataclass(slots=True)
class _Draft:
    """One statement being read; becomes a Statement at the next :20: or the end."""

    line: int
    reference: str
    fmt: str
    account: str = ""
    sequence: str | None = None
    created_at: str | None = None
    currency: str | None = None  # MT942 has no balances; :34F: names the currency
    balances: list[Balance] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    pending: tuple[int, dict[str, str | None]] | None = None  # :61: awaiting its :86:
    info: list[str] = field(default_factory=list)  # raw :86: lines of the pending :61:


def parse_mt940(data: bytes, *, source: str = "<bytes>") -> list[Statement]:
    """Every statement in an MT940/MT942 file, in file order."""
    text = decode(data).replace("\x1a", "")
    fmt = "mt942" if ("{2:I942" in text or "{2:O942" in text or ":34F:" in text) else "mt940"
    statements: list[Statement] = []
    draft: _Draft | None = None
    for line_no, tag, lines in _fields(text):
        value = lines[0].strip()
        if tag == "20":
            if draft is not None:
                statements.append(_finish(draft, source))
            draft = _Draft(line=line_no, reference=value, fmt=fmt)
            continue
        if draft is None:
            raise BankFormatError(f"{source}: line {line_no}: :{tag}: before any :20:")
        if tag == "25":
            draft.account = value
        elif tag in ("28", "28C"):
            draft.sequence = value
        elif tag == "13D":
            draft.created_at = value
        elif tag == "34F" and draft.currency is None:
            draft.currency = value[:3] or None
        elif tag[:2] in ("60", "62", "64", "65"):
            _flush(draft, source)  # a :86: after the closing balance is the statement's own
            draft.balances.append(_balance(tag, value, line_no, source))
        elif tag == "61":
            _flush(draft, source)
            draft.pending = (line_no, _line61(lines, line_no, source))
        elif tag == "86" and draft.pending is not None:
            # Old Rabobank files repeat :86: for each further line of the same entry.
            draft.info.extend(lines)
    if draft is not None:
        statements.append(_finish(draft, source))
    if not statements:
        raise BankFormatError(f"{source}: no MT940 statement found (no :20: tag)")
    return statements


def _fields(text: str) -> list[tuple[int, str, list[str]]]:
    """Split into (line number, tag, raw lines); envelope and header lines are dropped."""
    out: list[tuple[int, str, list[str]]] = []
    current: list[str] | None = None
    last_tag = before_86 = ""
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw
        if line.startswith("{"):
            # {1:...}{2:...}{4: may share a line with the first tag.
            cut = line.rfind("{4:")
            line = line[cut + 3 :] if cut >= 0 else ""
            current = None
            if not line:
                continue
        match = _TAG.match(line)
        if match:
            tag = match.group(1)
            before_86 = last_tag if tag == "86" else before_86
            last_tag = tag
            current = [line[match.end() :]]
            out.append((line_no, tag, current))
            continue
        stripped = line.strip()
        if stripped == ":940:" or stripped.startswith("-}"):
            current = None
            continue
        # "-" ends a SWIFT message, but a wrapped entry :86: may also put a lone "-" on a line
        # (a mandate id "MND-EV01" cut at the hyphen): only there it is text.
        if stripped.startswith("-") and not (last_tag == "86" and before_86 == "61"):
            current = None
            continue
        if current is not None:
            current.append(line)
    return out


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


def _line61(lines: list[str], line_no: int, source: str) -> dict[str, str | None]:
    m = _LINE61.match(lines[0].strip())
    if m is None:
        raise BankFormatError(f"{source}: line {line_no}: :61: {lines[0].strip()!r} unreadable")
    got: dict[str, str | None] = m.groupdict()
    rest = m.group("rest")
    if "//" in rest:
        customer, _, bank = rest.partition("//")
        extra = bank[16:].strip()
        got["bank"] = bank[:16].strip() or None
    else:
        token = rest.split(" ", 1)[0]
        # ASN writes the counter IBAN (up to 34 characters) where the 16-character reference goes.
        cut = len(token) if len(token) > 16 and looks_like_iban(token) else 16
        customer, extra = rest[:cut], rest[cut:].strip()
        got["bank"] = None
    got["customer"] = customer.strip() or None
    supplement = " ".join(part.strip() for part in lines[1:] if part.strip())
    got["extra"] = " ".join(part for part in (extra, supplement) if part) or None
    return got


def _counterparty_from_61(got: dict[str, str | None]) -> tuple[str | None, str | None]:
    """Account and name that Rabobank, ASN and SNS put on the :61: line itself."""
    customer = (got.get("customer") or "").strip()
    extra = (got.get("extra") or "").strip()
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
        or re.fullmatch(r"P\d{9}", value)
    )


def _flush(draft: _Draft, source: str) -> None:
    if draft.pending is None:
        return
    line_no, got = draft.pending
    details = parse_details(draft.info, first_width=4) if draft.info else Details()
    draft.pending = None
    draft.info = []
    value_date = _yymmdd(got["vd"] or "", line_no, source)
    entry = got.get("ed")
    booking = _entry_date(value_date, entry, line_no, source) if entry else value_date
    mark = got["mark"] or "C"
    # SWIFT: RC is the reversal of a credit (money leaves), RD of a debit (money comes back).
    direction = Direction.CREDIT if mark in ("C", "EC", "RD") else Direction.DEBIT
    account = name = None
    if details.counterparty_iban is None or details.counterparty_name is None:
        account, name = _counterparty_from_61(got)
    currency = next((b.currency for b in draft.balances), draft.currency or "")
    customer = got.get("customer")
    draft.payments.append(
        Payment(
            account_iban=_account(draft.account, currency or None),
            booking_date=booking,
            value_date=value_date,
            amount=_amount(got["amt"] or "", line_no, source),
            currency=currency,
            direction=direction,
            reversal=mark.startswith("R") or details.reversal_hint,
            return_reason=details.return_reason,
            bank_reference=got.get("bank"),
            end_to_end_id=details.end_to_end_id,
            counterparty_name=details.counterparty_name or name,
            counterparty_iban=details.counterparty_iban or account,
            counterparty_bic=details.counterparty_bic,
            remittance_lines=details.remittance_lines,
            structured_references=details.structured_references,
            additional_info=details.text or got.get("extra"),
            transaction_code=(got.get("tt") or "").strip() or None,
            entry_reference=customer if customer and customer != "NONREF" else None,
            statement_id=draft.reference,
        )
    )


def _finish(draft: _Draft, source: str) -> Statement:
    _flush(draft, source)
    warnings: list[str] = []
    opening = next((b for k in _OPENING for b in draft.balances if b.kind == k), None)
    closing = next((b for k in _CLOSING for b in draft.balances if b.kind == k), None)
    total = sum((p.signed_amount for p in draft.payments), Decimal(0))
    if opening is not None and closing is not None and opening.amount + total != closing.amount:
        warnings.append(
            f"balance mismatch: {opening.kind} {opening.amount} + entries {total} = "
            f"{opening.amount + total}, but {closing.kind} is {closing.amount}"
        )
    currency = next((b.currency for b in draft.balances), draft.currency)
    account = _account(draft.account, currency)
    payments = tuple(
        p if p.account_iban == account and p.currency else _rehome(p, account, currency)
        for p in draft.payments
    )
    dates = [b.date for b in draft.balances if b.date is not None]
    return Statement(
        format=draft.fmt,
        statement_id=draft.reference,
        account_iban=account,
        currency=currency,
        balances=tuple(draft.balances),
        payments=payments,
        created_at=draft.created_at,
        sequence=draft.sequence,
        from_date=opening.date if opening else (min(dates) if dates else None),
        to_date=closing.date if closing else (max(dates) if dates else None),
        warnings=tuple(warnings),
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
