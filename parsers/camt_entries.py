"""The payment records of one CAMT ``Ntry``, built from the texts its plan cut out.

:mod:`parsers.camt_layout` says where an entry's texts are; this module says what they mean:
amounts, direction, dates, the counterparty, and the worded error for each bad value (the
statement balances in :mod:`parsers.camt` use the same amount reader). It runs once per entry,
so the common cases are spelt out inline. ``new_payment``, the cheap Payment constructor that
parsers.mt940 shares, is here because building records is what costs most per entry.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import cast

from lxml import etree

from parsers.bank import BankFormatError, Direction, Payment
from parsers.camt_layout import _RECENT, _body_start, _promote, _read, _TxPlan, _unescape
from parsers.camt_source import Header, SourceText

_tostring = etree.tostring
_strip = str.strip
_DATES: dict[str, date] = {}
_CREDIT = Direction.CREDIT
_DEBIT = Direction.DEBIT
_DECIMAL = Decimal

# The entry-level values every record of one Ntry shares: account, booking date, value date,
# amount, currency, direction, reversal, bank reference, additional info, transaction code,
# entry reference, statement id, signed amount.
_Base = tuple[
    str, date | None, date | None, Decimal, str, Direction, bool, str | None, str | None,
    str | None, str, str | None, Decimal,
]  # fmt: skip


def _entry_payments(
    entry: etree._Element, header: Header, entry_no: int, source: str, doc: SourceText
) -> Iterable[Payment]:
    """The payment records of one Ntry: one per TxDtls, or one for an entry without."""
    # Its texts by position, read where it stands in the document text when it can be and from
    # its serialisation when not. The plan lookups are _read, inline: they run per entry.
    m = None
    start = doc.body
    if start >= 0:
        doc_text = doc.text
        for n, recent in enumerate(_RECENT):
            m = recent[2](doc_text, start)
            if m is not None:
                if n:
                    _promote(n)
                plan = recent[0]
                break
    if m is not None:
        end = doc.cursor = m.end()  # the next Ntry start tag is after this entry
        raw = m.groups()
        escaped = doc_text.find("&", start, end) >= 0
    else:
        serialised = _tostring(entry, encoding=str, with_tail=False)
        start = _body_start(serialised)
        for n, recent in enumerate(_RECENT):
            m = recent[1](serialised, start)
            if m is not None:
                if n:
                    _promote(n)
                plan = recent[0]
                raw = m.groups()
                break
        else:
            plan, raw = _read(serialised)
        escaped = "&" in serialised
    doc.body = -1
    if escaped:
        raw = tuple(map(_unescape, raw))
    # The common cases are spelt out inline; anything unusual goes through the helpers that
    # word the errors.
    texts = tuple(map(_strip, raw))  # amounts keep the raw text for their error message
    (ref, code, rvsl, bd, bdtm, vd, vdtm, bank_ref, info, domain, family, sub, prtry) = plan.texts(
        texts
    )
    got = plan.amount
    # An empty text is an amount element whose first child comes before any text: for lxml
    # its text is None, not "".
    entry_text = (raw[got[0]] or None) if got is not None and got[0] is not None else None
    try:
        entry_amount = _DECIMAL(entry_text)  # type: ignore[arg-type]
        if not entry_amount.is_finite():
            raise InvalidOperation
    except (TypeError, InvalidOperation):
        # Raises the worded error.
        entry_amount = _amount(entry_text, _entry_name(entry_no), source)
    currency = (got[1] if got is not None else None) or header.currency or ""
    if header.currency is None and currency:
        header.currency = currency  # a camt.054 may carry neither balances nor Acct/Ccy
    if code == "CRDT":
        direction = _CREDIT
        signed = entry_amount
    elif code == "DBIT":
        direction = _DEBIT
        signed = -entry_amount
    else:
        direction = _direction(code or None, _entry_name(entry_no), source)  # raises
        signed = entry_amount
    header.entries_sum += signed
    raw_day = bd or bdtm
    booking = (_DATES.get(raw_day) or _new_day(raw_day, entry_no, source)) if raw_day else None
    raw_day = vd or vdtm
    value = (_DATES.get(raw_day) or _new_day(raw_day, entry_no, source)) if raw_day else None
    if domain and family and sub:
        tx_code: str | None = f"{domain}/{family}/{sub}"
    else:
        tx_code = _tx_code(domain, family, sub, prtry)
    base: _Base = (
        header.account,
        booking,
        value,
        entry_amount,
        currency,
        direction,
        rvsl != "" and rvsl.lower() in ("true", "1"),
        bank_ref or None,
        info or None,
        tx_code,
        ref or str(entry_no),
        header.statement_id,
        signed,
    )
    txs = plan.txs
    if len(txs) == 1:
        tx = txs[0]
        got = tx.amount
        if got is None:
            amount = None
        else:
            text = (raw[got[0]] or None) if got[0] is not None else None
            if text == entry_text:
                value_amount = entry_amount  # the usual: the entry is the one transaction
            else:
                try:
                    value_amount = _DECIMAL(text)  # type: ignore[arg-type]
                    if not value_amount.is_finite():
                        raise InvalidOperation
                except (TypeError, InvalidOperation):
                    value_amount = _amount(text, lambda: f"entry {entry_no} TxDtls 1", source)
            amount = (value_amount, got[1])
        return (_tx_payment(texts, tx, base, 0, amount, source),)
    if not txs:
        account, _, _, _, _, _, reversal, bank, extra, _, entry_ref, sid, _ = base
        return (
            _payment(
                account, booking, value, entry_amount, currency, direction, reversal, None,
                bank, None, None, None, None, (), (), extra, tx_code, entry_ref, 0, sid, signed,
            ),
        )  # fmt: skip
    return _batch_payments(raw, texts, txs, base, header, _entry_name(entry_no), source)


def _batch_payments(
    raw: tuple[str, ...],
    texts: tuple[str, ...],
    txs: tuple[_TxPlan, ...],
    base: _Base,
    header: Header,
    what: Callable[[], str],
    source: str,
) -> Iterator[Payment]:
    amounts = [
        _tx_amount(raw, tx, lambda i=i: f"{what()} TxDtls {i + 1}", source)  # type: ignore[misc]
        for i, tx in enumerate(txs)
    ]
    missing = [i for i, got in enumerate(amounts) if got is None]
    if missing:
        # Keep the entry's total intact: the first record without an amount takes what the
        # others leave, the rest get zero. A person sees the warning.
        known = sum((got[0] for got in amounts if got is not None), Decimal(0))
        header.warnings.append(
            f"{what()}: {len(missing)} of {len(txs)} TxDtls carry no amount; "
            "the entry amount was assigned to the first of them"
        )
        for n, i in enumerate(missing):
            amounts[i] = (base[3] - known if n == 0 else Decimal(0), None)
    for index, (tx, got) in enumerate(zip(txs, amounts, strict=True)):
        yield _tx_payment(texts, tx, base, index, got, source)


def _entry_name(entry_no: int) -> Callable[[], str]:
    """What an error message calls the entry: only built on the way to one."""
    return lambda: f"entry {entry_no}"


def _new_day(raw: str, entry_no: int, source: str) -> date | None:
    """_day for a date not seen yet, which may be the one to word an error for."""
    return _day(raw, _entry_name(entry_no), source)


def _amount(text: str | None, what: Callable[[], str], source: str) -> Decimal:
    """``what`` names the element for an error message; it is only built when one is raised."""
    if text is None:
        raise BankFormatError(f"{source}: {what()} has no amount")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BankFormatError(f"{source}: {what()} amount {text!r} is not a number") from None
    if not value.is_finite():
        raise BankFormatError(f"{source}: {what()} amount {text!r} is not a number")
    return value


def _direction(code: str | None, what: Callable[[], str], source: str) -> Direction:
    if code == "CRDT":
        return Direction.CREDIT
    if code == "DBIT":
        return Direction.DEBIT
    raise BankFormatError(f"{source}: {what()} CdtDbtInd {code!r} is neither CRDT nor DBIT")


def _day(raw: str, what: Callable[[], str], source: str) -> date | None:
    if not raw:
        return None
    got = _DATES.get(raw)
    if got is None:
        try:
            got = date.fromisoformat(raw[:10])
        except ValueError:
            raise BankFormatError(f"{source}: {what()} date {raw!r} is not YYYY-MM-DD") from None
        if len(_DATES) > 4096:
            _DATES.clear()
        if len(raw) <= 32:
            _DATES[raw] = got
    return got


def _tx_code(domain: str, family: str, sub: str, prtry: str) -> str | None:
    if domain:
        if family and sub:
            return f"{domain}/{family}/{sub}"
        return "/".join(filter(None, (domain, family, sub)))
    return prtry or None


def _tx_amount(
    raw: tuple[str, ...], tx: _TxPlan, what: Callable[[], str], source: str
) -> tuple[Decimal, str | None] | None:
    got = tx.amount
    if got is None:
        return None
    text = (raw[got[0]] or None) if got[0] is not None else None
    return _amount(text, what, source), got[1]


def _kept(texts: tuple[str, ...], positions: tuple[int, ...]) -> tuple[str, ...]:
    """The non-empty texts at ``positions``, in order."""
    if len(positions) == 1:
        text = texts[positions[0]]
        return (text,) if text else ()
    return tuple(filter(None, map(texts.__getitem__, positions)))


def _tx_payment(
    texts: tuple[str, ...],
    tx: _TxPlan,
    base: _Base,
    index: int,
    got: tuple[Decimal, str | None] | None,
    source: str,
) -> Payment:
    (
        account, booking, value, entry_amount, entry_ccy, entry_direction,
        reversal, entry_bank, info, tx_code, entry_ref, sid, signed,
    ) = base  # fmt: skip
    amount, currency = got if got is not None else (entry_amount, entry_ccy)
    (
        code, e2e, bank_ref, tx_info, rtr_cd, rtr_prtry,
        dbtr_nm, dbtr_pty_nm, dbtr_iban, dbtr_othr, dbtr_bic, dbtr_bicfi,
        cdtr_nm, cdtr_pty_nm, cdtr_iban, cdtr_othr, cdtr_bic, cdtr_bicfi,
        domain, family, sub, prtry,
    ) = tx.texts(texts)  # fmt: skip
    direction = _direction(code, lambda: "TxDtls", source) if code else entry_direction
    # The counterparty is whoever is not us: the payer on a credit, the payee on a debit.
    if direction is _CREDIT:
        name = dbtr_nm or dbtr_pty_nm or None
        iban = dbtr_iban or dbtr_othr or None
        bic = dbtr_bic or dbtr_bicfi or None
    else:
        name = cdtr_nm or cdtr_pty_nm or None
        iban = cdtr_iban or cdtr_othr or None
        bic = cdtr_bic or cdtr_bicfi or None
    if name is None and iban is None:
        # Some banks fill only the other side; take it unless it is the office's own account.
        if direction is _CREDIT:
            other = (cdtr_nm or cdtr_pty_nm or None, cdtr_iban or cdtr_othr or None)
            other_bic = cdtr_bic or cdtr_bicfi or None
        else:
            other = (dbtr_nm or dbtr_pty_nm or None, dbtr_iban or dbtr_othr or None)
            other_bic = dbtr_bic or dbtr_bicfi or None
        if other[1] is None or other[1] != account:
            (name, iban), bic = other, other_bic
    if e2e and e2e.upper() == "NOTPROVIDED":
        e2e = ""
    if tx_info:
        info = f"{info} {tx_info}" if info else tx_info
    return _payment(
        account,
        booking,
        value,
        amount,
        currency or entry_ccy,
        direction,
        reversal,
        rtr_cd or rtr_prtry or None,
        entry_bank or bank_ref or None,
        e2e or None,
        name,
        iban,
        bic,
        _kept(texts, tx.ustrd) if tx.ustrd else (),
        _kept(texts, tx.refs) if tx.refs else (),
        info,
        tx_code or _tx_code(domain, family, sub, prtry),
        entry_ref,
        index,
        sid,
        signed,
    )


# Building a Payment through its frozen dataclass __init__ costs one object.__setattr__ call per
# field, more than reading the record. _Fields has the same slots without the freeze: it is
# filled with plain attribute stores and then becomes the Payment it was laid out as, at the
# end of its own __init__, so that calling _Fields is all it takes (no wrapper call that packs
# and unpacks 21 arguments). Should Payment's fields ever change, the layouts differ and the
# ordinary constructor is used.


class _Fields:
    __slots__ = (  # noqa: RUF023 - Payment's field order: the layouts must be the same
        "account_iban", "booking_date", "value_date", "amount", "currency", "direction",
        "reversal", "return_reason", "bank_reference", "end_to_end_id", "counterparty_name",
        "counterparty_iban", "counterparty_bic", "remittance_lines", "structured_references",
        "additional_info", "transaction_code", "entry_reference", "batch_index",
        "statement_id", "entry_signed_amount",
    )  # fmt: skip

    def __init__(
        self, account_iban: str, booking_date: date | None, value_date: date | None,
        amount: Decimal, currency: str, direction: Direction, reversal: bool,
        return_reason: str | None, bank_reference: str | None, end_to_end_id: str | None,
        counterparty_name: str | None, counterparty_iban: str | None,
        counterparty_bic: str | None, remittance_lines: tuple[str, ...],
        structured_references: tuple[str, ...], additional_info: str | None,
        transaction_code: str | None, entry_reference: str | None, batch_index: int,
        statement_id: str | None, entry_signed_amount: Decimal | None,
    ) -> None:  # fmt: skip
        self.account_iban = account_iban
        self.booking_date = booking_date
        self.value_date = value_date
        self.amount = amount
        self.currency = currency
        self.direction = direction
        self.reversal = reversal
        self.return_reason = return_reason
        self.bank_reference = bank_reference
        self.end_to_end_id = end_to_end_id
        self.counterparty_name = counterparty_name
        self.counterparty_iban = counterparty_iban
        self.counterparty_bic = counterparty_bic
        self.remittance_lines = remittance_lines
        self.structured_references = structured_references
        self.additional_info = additional_info
        self.transaction_code = transaction_code
        self.entry_reference = entry_reference
        self.batch_index = batch_index
        self.statement_id = statement_id
        self.entry_signed_amount = entry_signed_amount
        self.__class__ = Payment  # type: ignore[assignment]


def _payment_builder() -> Callable[..., Payment]:
    """_Fields when it builds exactly what Payment(...) builds, else Payment itself."""
    if _Fields.__slots__ != tuple(f.name for f in fields(Payment)):
        return Payment
    sample = (
        "A", date(2024, 1, 2), None, Decimal("1.5"), "EUR", Direction.CREDIT, True, "R", "B",
        "E", "N", "I", "C", ("u",), ("r",), "X", "T", "1", 2, "S", Decimal("-1.5"),
    )  # fmt: skip
    try:
        built: object = _Fields(*sample)
    except TypeError:  # "object layout differs"
        return Payment
    if built == Payment(*sample) and type(built) is Payment:
        return cast(Callable[..., Payment], _Fields)
    return Payment


new_payment = _payment_builder()
_payment = new_payment
