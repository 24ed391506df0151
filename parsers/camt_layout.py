"""Where the fields of a CAMT ``Ntry`` sit in its serialised text: one plan per tag skeleton.

Walking an entry element by element from Python costs a proxy object per element; cutting the
texts out of the serialised entry by a plan worked out once per skeleton does not. This module
holds that plan and its bounded caches, and knows nothing of payments: it hands the texts over
by position, in the key order below, and :mod:`parsers.camt_entries` makes records of them.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field

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
#
# The regex starts after the entry's own start tag, whose namespace declarations and attributes
# no field is read from. That lets the same regex read an entry in the document text as lxml
# read it (``<Ntry>...</Ntry>``, see "Reading entries from the source" in parsers.camt), where
# the start tag carries no declarations: then there is nothing to serialise at all.

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
# Plans with a pattern, with its bound fullmatch (for a serialised entry, from the end of its
# start tag) and match (for an entry in the document text, from the same place), in this order.
_Matcher = Callable[[str, int], re.Match[str] | None]
_RECENT: list[tuple[_Plan, _Matcher, _Matcher]] = []
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
    not empty at ``filled`` and empty elsewhere (any texts for None), from the end of the
    entry's start tag to the end of its end tag; its groups are the plan's positions (group 1,
    empty, is position 0). An empty text costs the regex nothing."""
    wanted = set(plan.indices)
    out = ["()"]
    for j, tag in enumerate(plan.tags):
        if j:  # the start tag is left out: see "How an entry is read"
            out.append(f"<{re.escape(tag)}>")
        if 2 * j + 2 in wanted:
            out.append("([^<]*+)")
        elif filled is None or 2 * j + 2 in filled:
            out.append("[^<]*+")
    return re.compile("".join(out))


def _promote(n: int) -> None:
    """Move the plan that matched one step forward: skeletons seen often are tried first."""
    # Another thread may have emptied the list meanwhile: the order is only a hint. (A plain
    # try costs less than contextlib.suppress, and this runs for many entries.)
    try:  # noqa: SIM105 - see above
        _RECENT[n - 1], _RECENT[n] = _RECENT[n], _RECENT[n - 1]
    except IndexError:
        pass


def _body_start(serialised: str) -> int:
    """Where a serialised entry's start tag ends: ">" in an attribute value is escaped."""
    return serialised.find(">") + 1


def _read(serialised: str) -> tuple[_Plan, tuple[str, ...]]:
    """The plan of one serialised entry and the texts it needs, by position."""
    start = _body_start(serialised)
    for n, (known, fullmatch, _) in enumerate(_RECENT):
        m = fullmatch(serialised, start)
        if m is not None:
            if n:
                _promote(n)
            return known, m.groups()
    parts = serialised.replace(">", "<").split("<")
    tags = parts[1::2]
    skeleton = "<".join(tags)
    if len(skeleton) > _MAX_SKELETON or len(tags) == 1:
        # No bank writes entries like this: read it, but keep nothing of it around. (An empty
        # ``<Ntry/>`` has no amount, which is an error; a regex of its empty body would match
        # at the start of any entry in the document text.)
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
        _RECENT.append((plan, pattern.fullmatch, pattern.match))
    return plan, plan.slots(parts)
