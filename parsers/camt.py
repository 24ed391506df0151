"""ISO 20022 bank-to-customer messages: CAMT.052 (report), .053 (statement), .054 (notification).

Every published version (.001.02 ... .001.13 and later) is read the same way: elements are
matched by local name under whatever namespace the document uses, so a new version with the
same element names needs no change here.

The XML is read with a streaming, hardened ``lxml.etree.iterparse``: no DTD, no entities, no
network, no huge-tree mode. Each ``Ntry`` is turned into records and then removed from the tree
(in sweeps of a few dozen), so memory stays flat however many entries a file holds. A document
that declares a DOCTYPE is refused outright: bank files never need one, and it is how XXE and
billion-laughs arrive.

An entry is not walked element by element from Python: lxml serialises it (in C) and the
fields are cut out of that text by a plan worked out once per tag skeleton; see "How an entry
is read" in :mod:`parsers.camt_layout`. The plan is built from the same local-name spec trees a
walk would use, and :mod:`parsers.camt_entries` turns its texts into payments. Where the
document is written plainly, an entry whose skeleton is known is read straight from the text
lxml parsed it from, with no serialisation at all; see "Reading entries from the source" below.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import IO, cast

from lxml import etree

from parsers.bank import Balance, BankFormatError, Payment, Statement
from parsers.camt_entries import _amount, _entry_payments
from parsers.camt_source import Header, RefuseDoctype, SourceText

_CONTAINERS = {"Stmt": "053", "Rpt": "052", "Ntfctn": "054"}
_SWEEP = 64  # entries read between two removals from the tree
_ROOTS = {"BkToCstmrStmt": "053", "BkToCstmrAcctRpt": "052", "BkToCstmrDbtCdtNtfctn": "054"}
_OPENING = ("OPBD", "PRCD", "ITBD")
_CLOSING = ("CLBD",)


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


def iter_camt(
    data: bytes | IO[bytes], *, source: str = "<bytes>"
) -> Iterator[Payment | StatementEnd]:
    """Yield each Payment as its entry is read, then a StatementEnd per statement.

    Raises BankFormatError for anything that is not a readable CAMT message.
    """
    return _iter_camt(data, source, True)


def iter_camt_payments(data: bytes | IO[bytes], *, source: str = "<bytes>") -> Iterator[Payment]:
    """Only the payments, in file order, in bounded memory."""
    return cast(Iterator[Payment], _iter_camt(data, source, False))


def _iter_camt(
    data: bytes | IO[bytes], source: str, statements: bool
) -> Iterator[Payment | StatementEnd]:
    """:func:`iter_camt`; without ``statements`` the StatementEnds are left out."""
    raw: IO[bytes] = io.BytesIO(data) if isinstance(data, bytes | bytearray) else data
    doc = SourceText(RefuseDoctype(raw, source))
    context = etree.iterparse(
        doc,
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
    header: Header | None = None
    container: etree._Element | None = None
    paths: _Paths | None = None
    entry_tag = ""  # "{namespace}Ntry" of the current statement
    entry_no = 0
    swept = 0  # entries read since the last sweep
    names: dict[str, tuple[str, str]] = {}  # tag -> (namespace with braces, local name)
    try:
        for event, el in context:
            if container is not None and el.getparent() is container:
                # A child of the statement: an entry, or (in a malformed file) a root or
                # statement element, which starts nothing there.
                tag = el.tag
                is_entry = tag == entry_tag or (isinstance(tag, str) and local_of(el) == "Ntry")
                if event == "start":
                    if is_entry and doc.on:
                        doc.entry_started(True)
                    continue
                if not is_entry:
                    continue
                if header is None:
                    assert paths is not None
                    header = _read_header(container, paths, version, local_of(container), source)
                entry_no += 1
                yield from _entry_payments(el, header, entry_no, source, doc)
                swept += 1
                if swept == _SWEEP:
                    # Read elements go in bulk, by C: one Python call per entry would cost
                    # more than freeing it. Nothing before an entry is read again.
                    el.clear()
                    del container[: container.index(el) + 1]
                    swept = 0
                continue
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
                if local == "Ntry":
                    if doc.on:
                        doc.entry_started(False)  # not a statement's entry: only counted
                    if root_kind is not None:
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
                        entry_tag = ns + "Ntry"
                        entry_no = swept = 0
                continue
            if container is None or paths is None:
                continue
            if el is container:
                if header is None:
                    header = _read_header(container, paths, version, local_of(container), source)
                if statements:
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


def _account(el: etree._Element, p: _Paths, path: str) -> str | None:
    return _text(el, p(path + "/Id/IBAN")) or _text(el, p(path + "/Id/Othr/Id"))


def _read_header(
    box: etree._Element, p: _Paths, version: str | None, kind: str, source: str
) -> Header:
    fmt = version or f"camt.{_CONTAINERS.get(kind, '053')}"
    header = Header(format=fmt)
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


def _finish(header: Header) -> Statement:
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
