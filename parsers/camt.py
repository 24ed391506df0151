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
is read" below. The plan is built from the same local-name spec trees a walk would use.
"""

from __future__ import annotations

import contextlib
import io
import operator
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import IO, Any, cast

from lxml import etree

from parsers.bank import Balance, BankFormatError, Direction, Payment, Statement

_CONTAINERS = {"Stmt": "053", "Rpt": "052", "Ntfctn": "054"}
_SWEEP = 64  # entries read between two removals from the tree
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


class _RefuseDoctype:
    """A byte stream that stops at any DOCTYPE/ENTITY declaration before lxml sees it.

    lxml only calls ``read``. Every declaration holds a "!", which a bank file almost never
    does; a scan for it is one memchr, where a scan for "<" would stop at every tag.
    """

    _MARKERS = (b"<!DOCTYPE", b"<!ENTITY", b"<!doctype")

    def __init__(self, raw: IO[bytes], source: str) -> None:
        self._raw = raw
        self._source = source
        self._tail = b""  # the last bytes read: a marker may straddle two chunks
        self._first = True

    def read(self, size: int = -1) -> bytes:
        chunk = self._raw.read(size)
        if not chunk:
            return b""
        if self._first:
            self._first = False
            if chunk[:2] in (b"\xff\xfe", b"\xfe\xff") or b"\x00" in chunk[:4]:
                raise BankFormatError(f"{self._source}: UTF-16/32 XML is not a bank format")
        if b"!" in chunk or b"!" in self._tail:
            window = self._tail + chunk
            if any(marker in window for marker in self._MARKERS):
                raise BankFormatError(
                    f"{self._source}: XML with a DOCTYPE or entity declaration is refused "
                    "(bank statements never need one)"
                )
        self._tail = chunk[-9:] if len(chunk) >= 9 else (self._tail + chunk)[-9:]
        return chunk


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
    entry_tag = ""  # "{namespace}Ntry" of the current statement
    entry_no = 0
    swept = 0  # entries read since the last sweep
    names: dict[str, tuple[str, str]] = {}  # tag -> (namespace with braces, local name)
    try:
        for event, el in context:
            if container is not None and el.getparent() is container:
                # A child of the statement: an entry, or (in a malformed file) a root or
                # statement element, which starts nothing there.
                if event == "start":
                    continue
                tag = el.tag
                if tag != entry_tag and (not isinstance(tag, str) or local_of(el) != "Ntry"):
                    continue
                if header is None:
                    assert paths is not None
                    header = _read_header(container, paths, version, local_of(container), source)
                entry_no += 1
                yield from _entry_payments(el, header, entry_no, source)
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
# an amount with its Ccy. _TX starts a payment record of its own.
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

# The order in which a plan hands an entry's and a transaction's texts over.
_ENTRY_KEYS = (
    "NtryRef", "CdtDbtInd", "RvslInd", "BookgDt", "BookgDtTm", "ValDt", "ValDtTm",
    "AcctSvcrRef", "AddtlNtryInf", "domain", "family", "sub", "prtry",
)  # fmt: skip
_TX_KEYS = (
    "CdtDbtInd", "EndToEndId", "AcctSvcrRef", "AddtlTxInf", "RtrCd", "RtrPrtry",
    "DbtrNm", "DbtrPtyNm", "DbtrIBAN", "DbtrOthr", "DbtrBIC", "DbtrBICFI",
    "CdtrNm", "CdtrPtyNm", "CdtrIBAN", "CdtrOthr", "CdtrBIC", "CdtrBICFI",
    "domain", "family", "sub", "prtry",
)  # fmt: skip

# How an entry is read. lxml has parsed it (hardened) into a tree; touching that tree from
# Python costs a proxy object per element, so the entry is serialised once, in C, and read as
# text. In that text every "<" and ">" is markup: texts and attribute values are escaped
# (&lt; &gt; &amp; &#13; ...). Its tags alone, the skeleton, fix the entry's structure, and the
# entries of one file share a few skeletons: which text holds which field is worked out once
# per skeleton (a _Plan) with the spec trees above. A skeleton seen again gets a regex of its
# own, its tags as literals and ``[^<]*+`` for the texts (none where they were empty), which
# checks that an entry has exactly that skeleton and captures the texts the plan needs in one
# pass. Comments, PIs and CDATA cannot appear: the parser drops or resolves them. The caches
# are bounded (plans, regexes, skeleton size), so a hostile file costs time, not memory.

_Amount = tuple[int | None, str | None]  # (position of its text or None for none, its Ccy)
_Texts = Callable[[tuple[str, ...]], tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class _TxPlan:
    texts: _Texts  # _TX_KEYS, in order
    amount: _Amount | None  # TxDtls/Amt, else AmtDtls/TxAmt/Amt, else None
    ustrd: tuple[int, ...]
    refs: tuple[int, ...]


@dataclass(slots=True)
class _Plan:
    indices: tuple[int, ...]  # the parts of the cut entry that it reads, in order
    slots: Callable[[list[str]], tuple[str, ...]]  # those parts, after part 0 (always "")
    texts: _Texts  # _ENTRY_KEYS, in order
    amount: _Amount | None
    txs: tuple[_TxPlan, ...]
    tags: list[str]
    # Compiled once the skeleton is seen again, one per set of texts it reads that are not empty
    # (None: a pattern that takes any texts).
    patterns: dict[tuple[int, ...] | None, re.Pattern[str]] = field(default_factory=dict)


class _Node:
    """An element of the skeleton: its local name, its tag as written and where its text is."""

    __slots__ = ("children", "local", "tag", "text")

    def __init__(self, local: str, tag: str, text: int | None) -> None:
        self.local = local
        self.tag = tag
        self.text = text  # index of its text among the cut parts; None for ``<X/>``
        self.children: list[_Node] = []


class _Keys:
    """Where one Ntry (or one TxDtls) keeps each key: first texts, repeated texts, amounts."""

    __slots__ = ("amounts", "many", "text")

    def __init__(self) -> None:
        self.text: dict[str, int | None] = {}
        self.many: dict[str, list[int | None]] = {}
        self.amounts: dict[str, tuple[int | None, str | None]] = {}


_PLANS: dict[str, _Plan] = {}
_MAX_PLANS = 512
# Plans with a pattern, with its bound fullmatch, tried in this order.
_RECENT: list[tuple[_Plan, Callable[[str], re.Match[str] | None]]] = []
_MAX_RECENT = 4
_MAX_PATTERNS = 8  # per plan
_MAX_SKELETON = 16_384  # characters; a real entry's tags take one or two thousand
_MAX_COMPILED = 64  # regexes compiled since the cache was last emptied
_COMPILED: list[None] = []  # one item per regex compiled: a counter threads can share
_CCY = re.compile(r'\sCcy="([^"]*)"')
_NAME = re.compile(r"[^\s/]+")
_REFERENCE = re.compile(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(lt|gt|amp|quot|apos));")
_NAMED = {"lt": "<", "gt": ">", "amp": "&", "quot": '"', "apos": "'"}


def _unescape_one(m: re.Match[str]) -> str:
    dec, hexa, name = m.groups()
    if name is not None:
        return _NAMED[name]
    return chr(int(dec) if dec is not None else int(hexa, 16))


def _unescape(text: str) -> str:
    return _REFERENCE.sub(_unescape_one, text) if "&" in text else text


def _skeleton(tags: list[str]) -> _Node:
    """The element tree of one cut entry; ``tags[j]`` is part ``2j + 1``, its text ``2j + 2``."""
    root: _Node | None = None
    stack: list[_Node] = []
    for j, tag in enumerate(tags):
        if tag[:1] == "/":
            stack.pop()
            continue
        closed = tag[-1:] == "/"
        name = _NAME.match(tag)
        local = name.group().rpartition(":")[2] if name else ""
        node = _Node(local, tag, None if closed else 2 * j + 2)
        if stack:
            stack[-1].children.append(node)
        else:
            root = node
        if not closed:
            stack.append(node)
    if root is None or stack:
        raise ValueError("serialised entry is not one element")  # lxml never writes that
    return root


def _gather(node: _Node, spec: dict[str, object], keys: _Keys, txs: list[_Keys]) -> None:
    """Keep where ``spec`` finds its keys, matched by local name; skip every other subtree."""
    for child in node.children:
        want = spec.get(child.local)
        if want is None:
            continue
        if want is _TX:
            tx = _Keys()
            txs.append(tx)
            _gather(child, _TX_SPEC, tx, txs)
        elif isinstance(want, dict):
            _gather(child, want, keys, txs)
        else:
            leaf = str(want)
            if leaf[0] == "*":
                keys.many.setdefault(leaf[1:], []).append(child.text)
            elif leaf[0] == "@":
                ccy = _CCY.search(child.tag)
                keys.amounts.setdefault(
                    leaf[1:], (child.text, _unescape(ccy.group(1)) if ccy else None)
                )
            else:
                keys.text.setdefault(leaf, child.text)


def _no_texts(parts: list[str]) -> tuple[str, ...]:
    return ("",)


def _plan(tags: list[str]) -> _Plan:
    top = _Keys()
    txs: list[_Keys] = []
    _gather(_skeleton(tags), _ENTRY_SPEC, top, txs)
    # Every text the plan reads gets a position; position 0 is "" and stands for an element
    # without text or a key without element (the two read the same).
    wanted = {*top.text.values(), *(a[0] for a in top.amounts.values())}
    for tx in txs:
        wanted |= {*tx.text.values(), *(a[0] for a in tx.amounts.values())}
        wanted |= {i for many in tx.many.values() for i in many}
    slots = sorted(i for i in wanted if i is not None)
    position = {index: n + 1 for n, index in enumerate(slots)}

    def at(keys: _Keys, order: tuple[str, ...]) -> _Texts:
        return operator.itemgetter(*(position.get(keys.text.get(k) or -1, 0) for k in order))

    def amount(got: tuple[int | None, str | None] | None) -> _Amount | None:
        if got is None:
            return None
        return (position[got[0]] if got[0] is not None else None), got[1]

    return _Plan(
        indices=tuple(slots),
        # Part 0 is always "": the entry starts with "<". (One index would give no tuple.)
        slots=operator.itemgetter(0, *slots) if slots else _no_texts,
        texts=at(top, _ENTRY_KEYS),
        amount=amount(top.amounts.get("Amt")),
        txs=tuple(
            _TxPlan(
                texts=at(tx, _TX_KEYS),
                amount=amount(tx.amounts.get("Amt") or tx.amounts.get("TxAmt")),
                ustrd=tuple(position.get(i or -1, 0) for i in tx.many.get("Ustrd", ())),
                refs=tuple(position.get(i or -1, 0) for i in tx.many.get("Ref", ())),
            )
            for tx in txs
        ),
        tags=tags,
    )


def _pattern(plan: _Plan, filled: tuple[int, ...] | None) -> re.Pattern[str]:
    """A regex that matches exactly the entries of ``plan``'s skeleton whose unread texts are
    not empty at ``filled`` and empty elsewhere (any texts for None); its groups are the plan's
    positions (group 1, empty, is position 0). An empty text costs the regex nothing."""
    wanted = set(plan.indices)
    out = ["()"]
    for j, tag in enumerate(plan.tags):
        out.append(f"<{re.escape(tag)}>")
        if 2 * j + 2 in wanted:
            out.append("([^<]*+)")
        elif filled is None or 2 * j + 2 in filled:
            out.append("[^<]*+")
    return re.compile("".join(out))


def _promote(n: int) -> None:
    """Move the plan that matched one step forward: skeletons seen often are tried first."""
    # Another thread may have emptied the list meanwhile: the order is only a hint.
    with contextlib.suppress(IndexError):
        _RECENT[n - 1], _RECENT[n] = _RECENT[n], _RECENT[n - 1]


def _read(serialised: str) -> tuple[_Plan, tuple[str, ...]]:
    """The plan of one serialised entry and the texts it needs, by position."""
    for n, (known, fullmatch) in enumerate(_RECENT):
        m = fullmatch(serialised)
        if m is not None:
            if n:
                _promote(n)
            return known, m.groups()
    parts = serialised.replace(">", "<").split("<")
    tags = parts[1::2]
    skeleton = "<".join(tags)
    if len(skeleton) > _MAX_SKELETON:
        # No bank writes entries like this: read it, but keep nothing of it around.
        once = _plan(tags)
        return once, once.slots(parts)
    plan = _PLANS.get(skeleton)
    if plan is None:
        if len(_PLANS) >= _MAX_PLANS:
            _PLANS.clear()
            _RECENT.clear()
            _COMPILED.clear()
        plan = _PLANS[skeleton] = _plan(tags)
    else:
        # Seen twice: worth a regex (a skeleton seen once, and a hostile file can make every
        # entry unique, never pays for one). It joins the recent ones at the back.
        wanted = set(plan.indices)
        filled: tuple[int, ...] | None = tuple(
            j for j in range(2, len(parts), 2) if parts[j] and j not in wanted
        )
        if filled not in plan.patterns and len(plan.patterns) >= _MAX_PATTERNS:
            filled = None
        pattern = plan.patterns.get(filled)
        if pattern is None:
            _COMPILED.append(None)
            if len(_COMPILED) > _MAX_COMPILED:
                # Compiled regexes are the big part of the cache: start over with this one.
                _COMPILED.clear()
                _PLANS.clear()
                _RECENT.clear()
                _PLANS[skeleton] = plan
                plan.patterns.clear()
            pattern = plan.patterns[filled] = _pattern(plan, filled)
        del _RECENT[_MAX_RECENT - 1 :]
        _RECENT.append((plan, pattern.fullmatch))
    return plan, plan.slots(parts)


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
    entry: etree._Element, header: _Header, entry_no: int, source: str
) -> Iterable[Payment]:
    """The payment records of one Ntry: one per TxDtls, or one for an entry without."""
    serialised = _tostring(entry, encoding=str, with_tail=False)
    for n, recent in enumerate(_RECENT):  # _read, inline: it runs per entry
        m = recent[1](serialised)
        if m is not None:
            if n:
                _promote(n)
            plan = recent[0]
            raw = m.groups()
            break
    else:
        plan, raw = _read(serialised)
    if "&" in serialised:
        raw = tuple(map(_unescape, raw))
    # The common cases are spelt out inline; anything unusual goes through the helpers that
    # word the errors.
    texts = tuple(map(_strip, raw))  # amounts keep the raw text for their error message

    def what() -> str:  # only called to word an error
        return f"entry {entry_no}"

    (ref, code, rvsl, bd, bdtm, vd, vdtm, bank_ref, info, domain, family, sub, prtry) = plan.texts(
        texts
    )
    got = plan.amount
    # An empty text is an amount element whose first child comes before any text: for lxml
    # its text is None, not "".
    text = (raw[got[0]] or None) if got is not None and got[0] is not None else None
    try:
        entry_amount = _DECIMAL(text)  # type: ignore[arg-type]
        if not entry_amount.is_finite():
            raise InvalidOperation
    except (TypeError, InvalidOperation):
        entry_amount = _amount(text, what, source)  # raises the worded error
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
        direction = _direction(code or None, what, source)  # raises
        signed = entry_amount
    header.entries_sum += signed
    raw_day = bd or bdtm
    booking = (_DATES.get(raw_day) or _day(raw_day, what, source)) if raw_day else None
    raw_day = vd or vdtm
    value = (_DATES.get(raw_day) or _day(raw_day, what, source)) if raw_day else None
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
            try:
                value_amount = _DECIMAL(text)  # type: ignore[arg-type]
                if not value_amount.is_finite():
                    raise InvalidOperation
            except (TypeError, InvalidOperation):
                value_amount = _amount(text, lambda: f"{what()} TxDtls 1", source)
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
    return _batch_payments(raw, texts, txs, base, header, what, source)


def _batch_payments(
    raw: tuple[str, ...],
    texts: tuple[str, ...],
    txs: tuple[_TxPlan, ...],
    base: _Base,
    header: _Header,
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
# filled with plain attribute stores and then becomes the Payment it was laid out as. Should
# Payment's fields ever change, the layouts differ and the ordinary constructor is used.


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


def _fast_payment(*values: Any) -> Payment:
    record = _Fields(*values)
    record.__class__ = Payment  # type: ignore[assignment]
    return cast(Payment, record)


def _payment_builder() -> Callable[..., Payment]:
    """_fast_payment when it builds exactly what Payment(...) builds, else Payment itself."""
    if _Fields.__slots__ != tuple(f.name for f in fields(Payment)):
        return Payment
    sample = (
        "A", date(2024, 1, 2), None, Decimal("1.5"), "EUR", Direction.CREDIT, True, "R", "B",
        "E", "N", "I", "C", ("u",), ("r",), "X", "T", "1", 2, "S", Decimal("-1.5"),
    )  # fmt: skip
    try:
        built = _fast_payment(*sample)
    except TypeError:  # "object layout differs"
        return Payment
    return _fast_payment if built == Payment(*sample) and type(built) is Payment else Payment


new_payment = _payment_builder()
_payment = new_payment
