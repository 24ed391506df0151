"""ISO 20022 bank-to-customer messages: CAMT.052 (report), .053 (statement), .054 (notification).

Every published version (.001.02 ... .001.13 and later) is read the same way: elements are
matched by local name under whatever namespace the document uses, so a new version with the
same element names needs no change here.

The XML is read with a streaming, hardened ``lxml.etree.iterparse``: no DTD, no entities, no
network, no huge-tree mode. Each ``Ntry`` is turned into records and then removed from the tree,
so memory stays flat however many entries a file holds. A document that declares a DOCTYPE is
refused outright: bank files never need one, and it is how XXE and billion-laughs arrive.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO

from lxml import etree

from parsers.bank import Balance, BankFormatError, Direction, Payment, Statement

_CONTAINERS = {"Stmt": "053", "Rpt": "052", "Ntfctn": "054"}
_ROOTS = {"BkToCstmrStmt": "053", "BkToCstmrAcctRpt": "052", "BkToCstmrDbtCdtNtfctn": "054"}
_OPENING = ("OPBD", "PRCD", "ITBD")
_CLOSING = ("CLBD",)


@dataclass(slots=True)
class _Header:
    """What a Stmt/Rpt/Ntfctn says about itself; read once its first Ntry (or its end) arrives."""

    format: str
    statement_id: str | None = None
    account: str = ""
    currency: str | None = None
    created_at: str | None = None
    sequence: str | None = None
    from_date: date | None = None
    to_date: date | None = None
    balances: tuple[Balance, ...] = ()
    entries_sum: Decimal = Decimal(0)
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class StatementEnd:
    """Yielded by :func:`iter_camt` after the last payment of one statement."""

    statement: Statement  # header and balances; ``payments`` is empty


class _Paths:
    """Element paths for one namespace, built once: ``find`` with plain paths runs in C."""

    def __init__(self, ns: str) -> None:
        self.ns = ns
        self._cache: dict[str, str] = {}

    def __call__(self, path: str) -> str:
        got = self._cache.get(path)
        if got is None:
            got = "/".join(self.ns + part for part in path.split("/"))
            self._cache[path] = got
        return got


class _RefuseDoctype(io.RawIOBase):
    """A byte stream that stops at any DOCTYPE/ENTITY declaration before lxml sees it."""

    _MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype")

    def __init__(self, raw: IO[bytes], source: str) -> None:
        self._raw = raw
        self._source = source
        self._tail = b""
        self._first = True

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._raw.read(len(buffer))
        if not chunk:
            return 0
        if self._first:
            self._first = False
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]:
                raise BankFormatError(f"{self._source}: UTF-16/32 XML is not a bank format")
        window = self._tail + chunk
        if any(marker in window for marker in self._MARKERS):
            raise BankFormatError(
                f"{self._source}: XML with a DOCTYPE or entity declaration is refused "
                "(bank statements never need one)"
            )
        self._tail = window[-9:]
        buffer[: len(chunk)] = chunk
        return len(chunk)


def iter_camt(
    data: bytes | IO[bytes], *, source: str = "<bytes>"
) -> Iterator[Payment | StatementEnd]:
    """Yield each Payment as its entry is read, then a StatementEnd per statement.

    Raises BankFormatError for anything that is not a readable CAMT message.
    """
    raw: IO[bytes] = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    stream = _RefuseDoctype(raw, source)
    context = etree.iterparse(
        stream,
        events=("start", "end"),
        # Only the elements that matter reach Python: the rest is built and read in C.
        tag=[f"{{*}}{name}" for name in (*_ROOTS, *_CONTAINERS, "Ntry")],
        resolve_entities=False,
        no_network=True,
        huge_tree=False,
        load_dtd=False,
        remove_comments=True,
        remove_pis=True,
    )
    root_kind: str | None = None
    version: str | None = None
    header: _Header | None = None
    container: etree._Element | None = None
    paths: _Paths | None = None
    entry_no = 0
    try:
        for event, el in context:
            tag = el.tag
            if not isinstance(tag, str):
                continue
            ns, _, local = tag.rpartition("}")
            ns = ns + "}" if ns else ""
            if event == "start":
                if root_kind is None:
                    root_kind = local
                    if el.getroottree().docinfo.doctype:
                        raise BankFormatError(f"{source}: XML with a DOCTYPE is refused")
                if local in _ROOTS and version is None:
                    version = _version_from_ns(ns) or f"camt.{_ROOTS[local]}"
                elif local in _CONTAINERS and el.getparent() is not None:
                    parent = el.getparent()
                    assert parent is not None
                    if parent.tag.rpartition("}")[2] in _ROOTS:
                        container = el
                        header = None
                        paths = _Paths(ns)
                        entry_no = 0
                continue
            if container is None or paths is None:
                continue
            if local == "Ntry" and el.getparent() is container:
                if header is None:
                    header = _read_header(container, paths, version, local_of(container), source)
                entry_no += 1
                yield from _entry_payments(el, paths, header, entry_no, source)
                container.remove(el)
            elif el is container:
                if header is None:
                    header = _read_header(container, paths, version, local_of(container), source)
                yield StatementEnd(_finish(header))
                container = None
                header = None
                el.clear()
    except etree.XMLSyntaxError as exc:
        raise BankFormatError(f"{source}: not well-formed XML: {exc}") from None
    except (ValueError, OverflowError) as exc:
        if isinstance(exc, BankFormatError):
            raise
        raise BankFormatError(f"{source}: unreadable XML: {exc}") from None
    if version is None:
        raise BankFormatError(f"{source}: not a CAMT message (no BkToCstmr... element)")


def iter_camt_payments(data: bytes | IO[bytes], *, source: str = "<bytes>") -> Iterator[Payment]:
    """Only the payments, in file order, in bounded memory."""
    for item in iter_camt(data, source=source):
        if isinstance(item, Payment):
            yield item


def parse_camt(data: bytes | IO[bytes], *, source: str = "<bytes>") -> list[Statement]:
    """Every statement of a CAMT.052/053/054 message with its payments."""
    statements: list[Statement] = []
    pending: list[Payment] = []
    for item in iter_camt(data, source=source):
        if isinstance(item, Payment):
            pending.append(item)
        else:
            st = item.statement
            statements.append(
                Statement(
                    format=st.format,
                    statement_id=st.statement_id,
                    account_iban=st.account_iban,
                    currency=st.currency,
                    balances=st.balances,
                    payments=tuple(pending),
                    created_at=st.created_at,
                    sequence=st.sequence,
                    from_date=st.from_date,
                    to_date=st.to_date,
                    warnings=st.warnings,
                )
            )
            pending = []
    return statements


def local_of(el: etree._Element) -> str:
    return str(el.tag).rpartition("}")[2]


def _version_from_ns(ns: str) -> str | None:
    marker = ns.rfind("camt.")
    if marker < 0:
        return None
    return ns[marker:].rstrip("}")


def _text(el: etree._Element, path: str) -> str | None:
    value = el.findtext(path)
    if not value:
        return None
    return value.strip() or None


def _amount(text: str | None, what: str, source: str) -> Decimal:
    if text is None:
        raise BankFormatError(f"{source}: {what} has no amount")
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise BankFormatError(f"{source}: {what} amount {text!r} is not a number") from None
    if not value.is_finite():
        raise BankFormatError(f"{source}: {what} amount {text!r} is not a number")
    return value


def _date(el: etree._Element, p: _Paths, path: str, what: str, source: str) -> date | None:
    raw = _text(el, p(path + "/Dt")) or _text(el, p(path + "/DtTm")) or _text(el, p(path))
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFormatError(f"{source}: {what} date {raw!r} is not YYYY-MM-DD") from None


def _direction(code: str | None, what: str, source: str) -> Direction:
    if code == "CRDT":
        return Direction.CREDIT
    if code == "DBIT":
        return Direction.DEBIT
    raise BankFormatError(f"{source}: {what} CdtDbtInd {code!r} is neither CRDT nor DBIT")


def _account(el: etree._Element, p: _Paths, path: str) -> str | None:
    return _text(el, p(path + "/Id/IBAN")) or _text(el, p(path + "/Id/Othr/Id"))


def _read_header(
    box: etree._Element, p: _Paths, version: str | None, kind: str, source: str
) -> _Header:
    fmt = version or f"camt.{_CONTAINERS.get(kind, '053')}"
    header = _Header(format=fmt)
    header.statement_id = _text(box, p("Id"))
    header.account = _account(box, p, "Acct") or ""
    header.currency = _text(box, p("Acct/Ccy"))
    header.created_at = _text(box, p("CreDtTm"))
    header.sequence = _text(box, p("ElctrncSeqNb")) or _text(box, p("LglSeqNb"))
    header.from_date = _date(box, p, "FrToDt/FrDtTm", "FrToDt", source)
    header.to_date = _date(box, p, "FrToDt/ToDtTm", "FrToDt", source)
    balances: list[Balance] = []
    for bal in box.iterchildren(p("Bal")):
        kind_code = _text(bal, p("Tp/CdOrPrtry/Cd")) or _text(bal, p("Tp/CdOrPrtry/Prtry")) or "?"
        amt_el = bal.find(p("Amt"))
        amount = _amount(
            amt_el.text if amt_el is not None else None, f"balance {kind_code}", source
        )
        if _text(bal, p("CdtDbtInd")) == "DBIT":
            amount = -amount
        currency = amt_el.get("Ccy", "") if amt_el is not None else ""
        day = _date(bal, p, "Dt", f"balance {kind_code}", source)
        balances.append(Balance(kind_code, amount, currency, day))
    header.balances = tuple(balances)
    if header.currency is None and balances:
        header.currency = balances[0].currency
    return header


def _finish(header: _Header) -> Statement:
    warnings = list(header.warnings)
    opening = next((b for k in _OPENING for b in header.balances if b.kind == k), None)
    closing = next((b for k in _CLOSING for b in header.balances if b.kind == k), None)
    if opening is not None and closing is not None and opening.currency == closing.currency:
        expected = opening.amount + header.entries_sum
        if expected != closing.amount:
            warnings.append(
                f"balance mismatch: {opening.kind} {opening.amount} + entries "
                f"{header.entries_sum} = {expected}, but {closing.kind} is {closing.amount}"
            )
    return Statement(
        format=header.format,
        statement_id=header.statement_id,
        account_iban=header.account,
        currency=header.currency,
        balances=header.balances,
        created_at=header.created_at,
        sequence=header.sequence,
        from_date=header.from_date,
        to_date=header.to_date,
        warnings=tuple(warnings),
    )


_Index = dict[str, list[etree._Element]]
_PATHS: dict[tuple[str, str], str] = {}  # (parent path, namespaced tag) -> local path


def _index(entry: etree._Element) -> tuple[_Index, list[_Index]]:
    """One pass over an Ntry: local path -> elements, for the entry and for each TxDtls.

    Looking paths up in a dict is an order of magnitude cheaper than ElementPath ``find``.
    """
    top: _Index = {}
    txs: list[_Index] = []
    where: dict[etree._Element, tuple[str, _Index]] = {entry: ("", top)}
    paths = _PATHS
    for el in entry.iterdescendants():
        tag = el.tag
        parent_path, idx = where[el.getparent()]  # type: ignore[index]
        key = (parent_path, tag)
        path = paths.get(key)
        if path is None:
            if not isinstance(tag, str):
                continue
            local = tag.rpartition("}")[2]
            path = f"{parent_path}/{local}" if parent_path else local
            if len(paths) < 4096:
                paths[key] = path
        if path == "NtryDtls/TxDtls" and idx is top:
            tx: _Index = {}
            txs.append(tx)
            where[el] = ("", tx)
            continue
        where[el] = (path, idx)
        found = idx.get(path)
        if found is None:
            idx[path] = [el]
        else:
            found.append(el)
    return top, txs


def _t(idx: _Index, path: str) -> str | None:
    found = idx.get(path)
    if not found:
        return None
    text = found[0].text
    return (text.strip() or None) if text else None


def _all(idx: _Index, path: str) -> tuple[str, ...]:
    return tuple(t for el in idx.get(path, ()) if el.text and (t := el.text.strip()))


def _idx_date(idx: _Index, path: str, what: str, source: str) -> date | None:
    raw = _t(idx, path + "/Dt") or _t(idx, path + "/DtTm")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFormatError(f"{source}: {what} date {raw!r} is not YYYY-MM-DD") from None


def _tx_code(idx: _Index) -> str | None:
    domain = _t(idx, "BkTxCd/Domn/Cd")
    if domain is not None:
        family = _t(idx, "BkTxCd/Domn/Fmly/Cd") or ""
        sub = _t(idx, "BkTxCd/Domn/Fmly/SubFmlyCd") or ""
        return "/".join(part for part in (domain, family, sub) if part)
    return _t(idx, "BkTxCd/Prtry/Cd")


def _entry_payments(
    entry: etree._Element, p: _Paths, header: _Header, entry_no: int, source: str
) -> Iterator[Payment]:
    what = f"entry {entry_no}"
    top, details = _index(entry)
    amt_els = top.get("Amt")
    amt_el = amt_els[0] if amt_els else None
    entry_amount = _amount(amt_el.text if amt_el is not None else None, what, source)
    currency = (amt_el.get("Ccy") if amt_el is not None else None) or header.currency or ""
    if header.currency is None and currency:
        header.currency = currency  # a camt.054 may carry neither balances nor Acct/Ccy
    direction = _direction(_t(top, "CdtDbtInd"), what, source)
    signed = entry_amount if direction is Direction.CREDIT else -entry_amount
    header.entries_sum += signed
    base = Payment(
        account_iban=header.account,
        booking_date=_idx_date(top, "BookgDt", what, source),
        value_date=_idx_date(top, "ValDt", what, source),
        amount=entry_amount,
        currency=currency,
        direction=direction,
        reversal=(_t(top, "RvslInd") or "").lower() in ("true", "1"),
        bank_reference=_t(top, "AcctSvcrRef"),
        additional_info=_t(top, "AddtlNtryInf"),
        transaction_code=_tx_code(top),
        entry_reference=_t(top, "NtryRef") or str(entry_no),
        statement_id=header.statement_id,
        entry_signed_amount=signed,
    )
    if not details:
        yield base
        return
    amounts = [_tx_amount(tx, f"{what} TxDtls {i + 1}", source) for i, tx in enumerate(details)]
    missing = [i for i, got in enumerate(amounts) if got is None]
    if missing and len(details) > 1:
        # Keep the entry's total intact: the first record without an amount takes what the
        # others leave, the rest get zero. A person sees the warning.
        known = sum((got[0] for got in amounts if got is not None), Decimal(0))
        header.warnings.append(
            f"{what}: {len(missing)} of {len(details)} TxDtls carry no amount; "
            "the entry amount was assigned to the first of them"
        )
        for n, i in enumerate(missing):
            amounts[i] = (entry_amount - known if n == 0 else Decimal(0), None)
    for index, (tx, got) in enumerate(zip(details, amounts, strict=True)):
        yield _tx_payment(tx, base, index, got, source)


def _tx_amount(tx: _Index, what: str, source: str) -> tuple[Decimal, str | None] | None:
    found = tx.get("Amt") or tx.get("AmtDtls/TxAmt/Amt")
    if not found:
        return None
    return _amount(found[0].text, what, source), found[0].get("Ccy")


def _party(tx: _Index, side: str) -> tuple[str | None, str | None, str | None]:
    name = _t(tx, f"RltdPties/{side}/Nm") or _t(tx, f"RltdPties/{side}/Pty/Nm")
    iban = _t(tx, f"RltdPties/{side}Acct/Id/IBAN") or _t(tx, f"RltdPties/{side}Acct/Id/Othr/Id")
    bic = _t(tx, f"RltdAgts/{side}Agt/FinInstnId/BIC") or _t(
        tx, f"RltdAgts/{side}Agt/FinInstnId/BICFI"
    )
    return name, iban, bic


def _tx_payment(
    tx: _Index,
    base: Payment,
    index: int,
    got: tuple[Decimal, str | None] | None,
    source: str,
) -> Payment:
    amount, currency = got if got is not None else (base.amount, base.currency)
    code = _t(tx, "CdtDbtInd")
    direction = _direction(code, "TxDtls", source) if code else base.direction
    # The counterparty is whoever is not us: the payer on a credit, the payee on a debit.
    side = "Dbtr" if direction is Direction.CREDIT else "Cdtr"
    name, iban, bic = _party(tx, side)
    if name is None and iban is None:
        # Some banks fill only the other side; take it unless it is the office's own account.
        other = _party(tx, "Cdtr" if side == "Dbtr" else "Dbtr")
        if other[1] is None or other[1] != base.account_iban:
            name, iban, bic = other
    e2e = _t(tx, "Refs/EndToEndId")
    if e2e is not None and e2e.upper() == "NOTPROVIDED":
        e2e = None
    tx_info = _t(tx, "AddtlTxInf")
    info = base.additional_info
    if tx_info:
        info = f"{info} {tx_info}" if info else tx_info
    return Payment(
        account_iban=base.account_iban,
        booking_date=base.booking_date,
        value_date=base.value_date,
        amount=amount,
        currency=currency or base.currency,
        direction=direction,
        reversal=base.reversal,
        return_reason=_t(tx, "RtrInf/Rsn/Cd") or _t(tx, "RtrInf/Rsn/Prtry"),
        bank_reference=base.bank_reference or _t(tx, "Refs/AcctSvcrRef"),
        end_to_end_id=e2e,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_bic=bic,
        remittance_lines=_all(tx, "RmtInf/Ustrd"),
        structured_references=_all(tx, "RmtInf/Strd/CdtrRefInf/Ref"),
        additional_info=info,
        transaction_code=base.transaction_code or _tx_code(tx),
        entry_reference=base.entry_reference,
        batch_index=index,
        statement_id=base.statement_id,
        entry_signed_amount=base.entry_signed_amount,
    )
