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
from collections.abc import Callable, Iterator
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
    names: dict[str, tuple[str, str]] = {}  # tag -> (namespace with braces, local name)
    try:
        for event, el in context:
            tag = el.tag
            got = names.get(tag)
            if got is None:
                if not isinstance(tag, str):
                    continue
                ns, _, local = tag.rpartition("}")
                got = (ns + "}" if ns else "", local)
                if len(names) < 256:
                    names[tag] = got
            ns, local = got
            if event == "start":
                if local == "Ntry" and root_kind is not None:
                    continue
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
                el.clear()  # freeing the subtree first makes the removal cheap
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


def _date(el: etree._Element, p: _Paths, path: str, what: str, source: str) -> date | None:
    raw = _text(el, p(path + "/Dt")) or _text(el, p(path + "/DtTm")) or _text(el, p(path))
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFormatError(f"{source}: {what} date {raw!r} is not YYYY-MM-DD") from None


def _named(label: str) -> Callable[[], str]:
    return lambda: label


def _direction(code: str | None, what: Callable[[], str], source: str) -> Direction:
    if code == "CRDT":
        return Direction.CREDIT
    if code == "DBIT":
        return Direction.DEBIT
    raise BankFormatError(f"{source}: {what()} CdtDbtInd {code!r} is neither CRDT nor DBIT")


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
            amt_el.text if amt_el is not None else None,
            _named(f"balance {kind_code}"),
            source,
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


# What each Ntry is read for, as a tree of local names. A leaf names the key under which the
# stripped text of its first element is kept; "*" keys keep every element's text, "@" keys keep
# the element itself (amounts need their Ccy). _TX starts a payment record of its own.
_TX = "TX"
_TX_CODE = {
    "Domn": {"Cd": "domain", "Fmly": {"Cd": "family", "SubFmlyCd": "sub"}},
    "Prtry": {"Cd": "prtry"},
}
_ENTRY_SPEC: dict[str, object] = {
    "NtryRef": "NtryRef",
    "Amt": "@Amt",
    "CdtDbtInd": "CdtDbtInd",
    "RvslInd": "RvslInd",
    "BookgDt": {"Dt": "BookgDt", "DtTm": "BookgDtTm"},
    "ValDt": {"Dt": "ValDt", "DtTm": "ValDtTm"},
    "AcctSvcrRef": "AcctSvcrRef",
    "BkTxCd": _TX_CODE,
    "NtryDtls": {"TxDtls": _TX},
    "AddtlNtryInf": "AddtlNtryInf",
}


def _party_spec(side: str) -> dict[str, object]:
    return {
        side: {"Nm": f"{side}Nm", "Pty": {"Nm": f"{side}PtyNm"}},
        f"{side}Acct": {"Id": {"IBAN": f"{side}IBAN", "Othr": {"Id": f"{side}Othr"}}},
    }


_TX_SPEC: dict[str, object] = {
    "Refs": {"EndToEndId": "EndToEndId", "AcctSvcrRef": "AcctSvcrRef"},
    "Amt": "@Amt",
    "AmtDtls": {"TxAmt": {"Amt": "@TxAmt"}},
    "CdtDbtInd": "CdtDbtInd",
    "BkTxCd": _TX_CODE,
    "RltdPties": {**_party_spec("Dbtr"), **_party_spec("Cdtr")},
    "RltdAgts": {
        f"{side}Agt": {"FinInstnId": {"BIC": f"{side}BIC", "BICFI": f"{side}BICFI"}}
        for side in ("Dbtr", "Cdtr")
    },
    "RmtInf": {"Ustrd": "*Ustrd", "Strd": {"CdtrRefInf": {"Ref": "*Ref"}}},
    "RtrInf": {"Rsn": {"Cd": "RtrCd", "Prtry": "RtrPrtry"}},
    "AddtlTxInf": "AddtlTxInf",
}

_Spec = dict[object, object]


class _Found:
    """What one Ntry (or one TxDtls) holds: first texts, repeated texts and amount elements."""

    __slots__ = ("amounts", "many", "text")

    def __init__(self) -> None:
        self.text: dict[str, str] = {}  # stripped; "" when the first such element was empty
        self.many: dict[str, list[str]] = {}
        self.amounts: dict[str, etree._Element] = {}

    def get(self, key: str) -> str | None:
        return self.text.get(key) or None

    def all(self, key: str) -> tuple[str, ...]:
        return tuple(t for t in self.many.get(key, ()) if t)


_LOCAL: dict[object, str] = {}  # tag -> local name, so each distinct tag is split once
_SPECS: dict[tuple[int, str], _Spec] = {}  # (spec, namespace) -> spec keyed by full tag


def _spec_for(spec: dict[str, object], ns: str) -> _Spec:
    """``spec`` keyed by full tag in namespace ``ns``, built once per namespace.

    Looking an element's own tag up first saves splitting every tag into its local name.
    """
    key = (id(spec), ns)
    got = _SPECS.get(key)
    if got is None:
        if len(_SPECS) > 256:
            _SPECS.clear()
        got = {}
        for name, node in spec.items():
            if isinstance(node, dict):
                got[ns + name] = _spec_for(node, ns)
            elif node is _TX:
                got[ns + name] = node
            else:
                leaf = str(node)
                got[ns + name] = (leaf[0], leaf[1:]) if leaf[0] in "*@" else leaf
        _SPECS[key] = got
    return got


def _collect(
    parent: etree._Element, spec: _Spec, found: _Found, txs: list[_Found], ns: str
) -> None:
    """Keep what ``spec`` asks for, matched by local name; skip every other subtree."""
    for child in parent:
        tag = child.tag
        node = spec.get(tag)
        if node is None:
            # Another namespace (or none) still counts by its local name.
            local = _LOCAL.get(tag)
            if local is None:
                if not isinstance(tag, str):
                    continue
                local = tag.rpartition("}")[2]
                if len(_LOCAL) < 4096:
                    _LOCAL[tag] = local
            node = spec.get(ns + local)
            if node is None:
                continue
        cls = node.__class__
        if cls is str:
            if node is _TX:
                tx = _Found()
                txs.append(tx)
                _collect(child, _spec_for(_TX_SPEC, ns), tx, txs, ns)
            elif node not in found.text:
                text = child.text
                found.text[node] = text.strip() if text else ""  # type: ignore[index]
        elif cls is dict:
            _collect(child, node, found, txs, ns)  # type: ignore[arg-type]
        else:
            kind: str
            key: str
            kind, key = node  # type: ignore[misc]
            if kind == "@":
                found.amounts.setdefault(key, child)
            else:
                text = child.text
                found.many.setdefault(key, []).append(text.strip() if text else "")


def _found_date(found: _Found, key: str, what: Callable[[], str], source: str) -> date | None:
    raw = found.get(key) or found.get(key + "Tm")
    if raw is None:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise BankFormatError(f"{source}: {what()} date {raw!r} is not YYYY-MM-DD") from None


def _tx_code(found: _Found) -> str | None:
    domain = found.get("domain")
    if domain is not None:
        family = found.get("family") or ""
        sub = found.get("sub") or ""
        return "/".join(part for part in (domain, family, sub) if part)
    return found.get("prtry")


def _entry_payments(
    entry: etree._Element, p: _Paths, header: _Header, entry_no: int, source: str
) -> Iterator[Payment]:
    def what() -> str:
        return f"entry {entry_no}"

    top = _Found()
    txs: list[_Found] = []
    _collect(entry, _spec_for(_ENTRY_SPEC, p.ns), top, txs, p.ns)
    amt_el = top.amounts.get("Amt")
    entry_amount = _amount(amt_el.text if amt_el is not None else None, what, source)
    currency = (amt_el.get("Ccy") if amt_el is not None else None) or header.currency or ""
    if header.currency is None and currency:
        header.currency = currency  # a camt.054 may carry neither balances nor Acct/Ccy
    direction = _direction(top.get("CdtDbtInd"), what, source)
    signed = entry_amount if direction is Direction.CREDIT else -entry_amount
    header.entries_sum += signed
    base = _Base(
        account=header.account,
        booking_date=_found_date(top, "BookgDt", what, source),
        value_date=_found_date(top, "ValDt", what, source),
        amount=entry_amount,
        currency=currency,
        direction=direction,
        reversal=(top.get("RvslInd") or "").lower() in ("true", "1"),
        bank_reference=top.get("AcctSvcrRef"),
        additional_info=top.get("AddtlNtryInf"),
        transaction_code=_tx_code(top),
        entry_reference=top.get("NtryRef") or str(entry_no),
        statement_id=header.statement_id,
        signed=signed,
    )
    if not txs:
        yield Payment(
            account_iban=base.account,
            booking_date=base.booking_date,
            value_date=base.value_date,
            amount=entry_amount,
            currency=currency,
            direction=direction,
            reversal=base.reversal,
            bank_reference=base.bank_reference,
            additional_info=base.additional_info,
            transaction_code=base.transaction_code,
            entry_reference=base.entry_reference,
            statement_id=base.statement_id,
            entry_signed_amount=signed,
        )
        return
    if len(txs) == 1:
        got = _tx_amount(txs[0], lambda: f"{what()} TxDtls 1", source)
        yield _tx_payment(txs[0], base, 0, got, source)
        return
    amounts = [
        _tx_amount(tx, lambda i=i: f"{what()} TxDtls {i + 1}", source)  # type: ignore[misc]
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
            amounts[i] = (entry_amount - known if n == 0 else Decimal(0), None)
    for index, (tx, got) in enumerate(zip(txs, amounts, strict=True)):
        yield _tx_payment(tx, base, index, got, source)


@dataclass(slots=True)
class _Base:
    """The entry-level values every record of one Ntry shares."""

    account: str
    booking_date: date | None
    value_date: date | None
    amount: Decimal
    currency: str
    direction: Direction
    reversal: bool
    bank_reference: str | None
    additional_info: str | None
    transaction_code: str | None
    entry_reference: str
    statement_id: str | None
    signed: Decimal


def _tx_amount(
    tx: _Found, what: Callable[[], str], source: str
) -> tuple[Decimal, str | None] | None:
    el = tx.amounts.get("Amt")
    if el is None:
        el = tx.amounts.get("TxAmt")
        if el is None:
            return None
    return _amount(el.text, what, source), el.get("Ccy")


def _party(tx: _Found, side: str) -> tuple[str | None, str | None, str | None]:
    get = tx.get
    name = get(side + "Nm") or get(side + "PtyNm")
    iban = get(side + "IBAN") or get(side + "Othr")
    bic = get(side + "BIC") or get(side + "BICFI")
    return name, iban, bic


def _tx_payment(
    tx: _Found,
    base: _Base,
    index: int,
    got: tuple[Decimal, str | None] | None,
    source: str,
) -> Payment:
    amount, currency = got if got is not None else (base.amount, base.currency)
    get = tx.get
    code = get("CdtDbtInd")
    direction = _direction(code, lambda: "TxDtls", source) if code else base.direction
    # The counterparty is whoever is not us: the payer on a credit, the payee on a debit.
    side = "Dbtr" if direction is Direction.CREDIT else "Cdtr"
    name, iban, bic = _party(tx, side)
    if name is None and iban is None:
        # Some banks fill only the other side; take it unless it is the office's own account.
        other = _party(tx, "Cdtr" if side == "Dbtr" else "Dbtr")
        if other[1] is None or other[1] != base.account:
            name, iban, bic = other
    e2e = get("EndToEndId")
    if e2e is not None and e2e.upper() == "NOTPROVIDED":
        e2e = None
    tx_info = get("AddtlTxInf")
    info = base.additional_info
    if tx_info:
        info = f"{info} {tx_info}" if info else tx_info
    return Payment(
        account_iban=base.account,
        booking_date=base.booking_date,
        value_date=base.value_date,
        amount=amount,
        currency=currency or base.currency,
        direction=direction,
        reversal=base.reversal,
        return_reason=get("RtrCd") or get("RtrPrtry"),
        bank_reference=base.bank_reference or get("AcctSvcrRef"),
        end_to_end_id=e2e,
        counterparty_name=name,
        counterparty_iban=iban,
        counterparty_bic=bic,
        remittance_lines=tx.all("Ustrd") if tx.many else (),
        structured_references=tx.all("Ref") if tx.many else (),
        additional_info=info,
        transaction_code=base.transaction_code or _tx_code(tx),
        entry_reference=base.entry_reference,
        batch_index=index,
        statement_id=base.statement_id,
        entry_signed_amount=base.signed,
    )
