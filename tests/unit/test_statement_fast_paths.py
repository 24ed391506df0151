"""The fast paths of the statement parsers read exactly what a plain element walk reads.

parsers.camt reads an entry from its serialised text, through a plan per tag skeleton and, once a
skeleton repeats, a regex per skeleton. The oracle here is independent of all that: lxml element
access by local name. Every entry shape appears several times, so the first sighting (plan
built from the cut text) and the repeats (regex) are both compared with it.
"""

from __future__ import annotations

import dataclasses
import io
import itertools
from decimal import Decimal

import pytest
from lxml import etree

import parsers.camt_entries as camt_entries
import parsers.camt_layout as camt_layout
from parsers.bank import BankFormatError, Direction, Payment
from parsers.camt import iter_camt, iter_camt_payments
from parsers.mt940 import iter_mt940, iter_mt940_payments

NS = "urn:iso:std:iso:20022:tech:xsd:camt.053.001.08"
IBAN = "NL91ABNA0417164300"

# One TxDtls each; {p} is the namespace prefix ("" or "c:"), {i} the entry number.
SHAPES = {
    "plain-credit": (
        "<{p}Refs><{p}EndToEndId>E{i}</{p}EndToEndId></{p}Refs>"
        "<{p}RltdPties><{p}Dbtr><{p}Nm>Klant {i}</{p}Nm></{p}Dbtr><{p}DbtrAcct><{p}Id>"
        "<{p}IBAN>NL02RABO{i:010d}</{p}IBAN></{p}Id></{p}DbtrAcct></{p}RltdPties>"
        "<{p}RmtInf><{p}Ustrd>Factuur {i}</{p}Ustrd></{p}RmtInf>"
    ),
    "escaped-and-padded-text": (
        "<{p}Refs><{p}EndToEndId>  E{i}\n </{p}EndToEndId></{p}Refs>"
        "<{p}RltdPties><{p}Dbtr><{p}Nm>Jansen &amp; Zn &lt;{i}&gt; &#233;&#x20AC;</{p}Nm>"
        "</{p}Dbtr></{p}RltdPties>"
        "<{p}RmtInf><{p}Ustrd><![CDATA[a < b & c]]> {i}</{p}Ustrd><{p}Ustrd> </{p}Ustrd>"
        "<{p}Ustrd>tweede &quot;regel&quot;</{p}Ustrd></{p}RmtInf>"
    ),
    "party-v9-and-other-id": (
        "<{p}Amt Ccy='USD'>{i}.25</{p}Amt>"
        "<{p}RltdPties><{p}Dbtr><{p}Pty><{p}Nm>Pty {i}</{p}Nm><{p}Id><{p}OrgId><{p}Othr>"
        "<{p}Id>KVK{i}</{p}Id></{p}Othr></{p}OrgId></{p}Id></{p}Pty></{p}Dbtr>"
        "<{p}DbtrAcct><{p}Id><{p}Othr><{p}Id>ACC{i}</{p}Id></{p}Othr></{p}Id></{p}DbtrAcct>"
        "</{p}RltdPties><{p}RltdAgts><{p}DbtrAgt><{p}FinInstnId><{p}BICFI>INGBNL2A</{p}BICFI>"
        "</{p}FinInstnId></{p}DbtrAgt></{p}RltdAgts>"
    ),
    "structured-and-unknown-elements": (
        "<{p}Refs><{p}InstrId>I{i}</{p}InstrId><{p}EndToEndId>NOTPROVIDED</{p}EndToEndId>"
        "</{p}Refs><{p}Xtra><{p}Nm>ghost</{p}Nm><{p}Ustrd>ghost</{p}Ustrd></{p}Xtra>"
        "<{p}RmtInf><{p}Strd><{p}CdtrRefInf><{p}Tp><{p}CdOrPrtry><{p}Cd>SCOR</{p}Cd>"
        "</{p}CdOrPrtry></{p}Tp><{p}Ref>RF18539007547034</{p}Ref></{p}CdtrRefInf></{p}Strd>"
        "</{p}RmtInf><{p}RtrInf><{p}Rsn><{p}Cd>AC04</{p}Cd></{p}Rsn></{p}RtrInf>"
        "<{p}AddtlTxInf>retour {i}</{p}AddtlTxInf>"
    ),
    "empty-elements": (
        "<{p}Refs><{p}EndToEndId/></{p}Refs><{p}RltdPties><{p}Dbtr><{p}Nm/></{p}Dbtr>"
        "<{p}Cdtr><{p}Nm>Other side {i}</{p}Nm></{p}Cdtr></{p}RltdPties>"
        "<{p}RmtInf><{p}Ustrd/></{p}RmtInf>"
    ),
}


def entry(shape: str, i: int, prefix: str) -> str:
    p = prefix
    cd = "DBIT" if i % 3 == 0 else "CRDT"
    details = SHAPES[shape].format(p=p, i=i)
    ws = "\n    " if i % 2 else ""  # pretty-printed and compact entries of one shape
    return (
        f"<{p}Ntry>{ws}<{p}NtryRef>{i}</{p}NtryRef>{ws}<{p}Amt Ccy='EUR'>{i}.10</{p}Amt>"
        f"<{p}CdtDbtInd>{cd}</{p}CdtDbtInd><{p}Sts><{p}Cd>BOOK</{p}Cd></{p}Sts>"
        f"<{p}BookgDt><{p}Dt>2024-03-0{1 + i % 9}</{p}Dt></{p}BookgDt>"
        f"<{p}ValDt><{p}DtTm>2024-03-01T10:00:00</{p}DtTm></{p}ValDt>"
        f"<{p}BkTxCd><{p}Domn><{p}Cd>PMNT</{p}Cd><{p}Fmly><{p}Cd>RCDT</{p}Cd>"
        f"<{p}SubFmlyCd>ESCT</{p}SubFmlyCd></{p}Fmly></{p}Domn></{p}BkTxCd>"
        f"<{p}NtryDtls><{p}TxDtls>{details}</{p}TxDtls></{p}NtryDtls>{ws}</{p}Ntry>\n"
    )


def document(entries: list[str], prefix: str) -> bytes:
    p = prefix
    decl = f'xmlns:{p[:-1]}="{NS}"' if p else f'xmlns="{NS}"'
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><{p}Document {decl}><{p}BkToCstmrStmt>'
        f"<{p}Stmt><{p}Id>S1</{p}Id><{p}Acct><{p}Id><{p}IBAN>{IBAN}</{p}IBAN></{p}Id>"
        f"<{p}Ccy>EUR</{p}Ccy></{p}Acct>{''.join(entries)}</{p}Stmt></{p}BkToCstmrStmt>"
        f"</{p}Document>"
    ).encode()


def local(el: etree._Element) -> str:
    return etree.QName(el).localname


def child(el: etree._Element | None, *path: str) -> etree._Element | None:
    for name in path:
        if el is None:
            return None
        el = next((c for c in el if isinstance(c.tag, str) and local(c) == name), None)
    return el


def text(el: etree._Element | None, *path: str) -> str | None:
    found = child(el, *path)
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def oracle(data: bytes) -> list[tuple[object, ...]]:
    """The fields the tests compare, read with plain lxml element access (single TxDtls)."""
    out: list[tuple[object, ...]] = []
    for ntry in etree.fromstring(data).iter(f"{{{NS}}}Ntry"):
        tx = child(ntry, "NtryDtls", "TxDtls")
        credit = text(ntry, "CdtDbtInd") == "CRDT"
        side = "Dbtr" if credit else "Cdtr"

        def party(side: str, tx: etree._Element | None = tx) -> tuple[str | None, str | None]:
            return (
                text(tx, "RltdPties", side, "Nm") or text(tx, "RltdPties", side, "Pty", "Nm"),
                text(tx, "RltdPties", f"{side}Acct", "Id", "IBAN")
                or text(tx, "RltdPties", f"{side}Acct", "Id", "Othr", "Id"),
            )

        name, iban = party(side)
        if name is None and iban is None:
            name, iban = party("Cdtr" if credit else "Dbtr")
        rmt = child(tx, "RmtInf")
        ustrd = tuple(
            (c.text or "").strip()
            for c in (rmt if rmt is not None else [])
            if local(c) == "Ustrd" and (c.text or "").strip()
        )
        amount = child(tx, "Amt")
        if amount is None:
            amount = child(ntry, "Amt")
        assert amount is not None
        e2e = text(tx, "Refs", "EndToEndId")
        out.append(
            (
                Decimal(amount.text or ""),
                amount.get("Ccy"),
                Direction.CREDIT if credit else Direction.DEBIT,
                text(ntry, "NtryRef"),
                text(ntry, "BookgDt", "Dt"),
                None if e2e is None or e2e.upper() == "NOTPROVIDED" else e2e,
                name,
                iban,
                ustrd,
                text(tx, "RtrInf", "Rsn", "Cd"),
            )
        )
    return out


def fields(p: Payment) -> tuple[object, ...]:
    return (
        p.amount,
        p.currency,
        p.direction,
        p.entry_reference,
        p.booking_date.isoformat() if p.booking_date else None,
        p.end_to_end_id,
        p.counterparty_name,
        p.counterparty_iban,
        p.remittance_lines,
        p.return_reason,
    )


@pytest.mark.parametrize("prefix", ["", "c:"], ids=["default-namespace", "prefixed-namespace"])
@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_repeated_shapes_read_as_the_element_walk_reads_them(shape: str, prefix: str) -> None:
    data = document([entry(shape, i, prefix) for i in range(1, 13)], prefix)
    got = [fields(p) for p in iter_camt_payments(data, source="t")]
    assert got == oracle(data)
    assert len(got) == 12


def test_interleaved_shapes_match_the_oracle_whatever_the_order() -> None:
    shapes = sorted(SHAPES)
    order = [shapes[(i * 7) % len(shapes)] for i in range(60)]
    data = document([entry(shape, i, "") for i, shape in enumerate(order, 1)], "")
    assert [fields(p) for p in iter_camt_payments(data, source="t")] == oracle(data)


def test_every_entry_a_new_skeleton_stays_correct_and_the_cache_bounded() -> None:
    # An attribute that differs per entry gives every entry a skeleton of its own.
    count = camt_layout._MAX_PLANS + 40
    entries = [
        entry("plain-credit", i, "").replace("<Ntry>", f'<Ntry n="{i}">', 1)
        for i in range(1, count + 1)
    ]
    data = document(entries, "")
    assert [fields(p) for p in iter_camt_payments(data, source="t")] == oracle(data)
    assert len(camt_layout._PLANS) <= camt_layout._MAX_PLANS
    assert len(camt_layout._RECENT) <= camt_layout._MAX_RECENT


def test_skeletons_seen_twice_each_keep_the_compiled_regexes_bounded() -> None:
    count = camt_layout._MAX_COMPILED + 30
    entries = [
        entry("plain-credit", i, "").replace("<Ntry>", f'<Ntry n="{i // 2}">', 1)
        for i in range(2, 2 * count + 2)
    ]
    data = document(entries, "")
    assert [fields(p) for p in iter_camt_payments(data, source="t")] == oracle(data)
    compiled = sum(len(plan.patterns) for plan in camt_layout._PLANS.values())
    assert 0 < compiled <= camt_layout._MAX_COMPILED


def test_an_outsized_entry_is_read_but_not_kept() -> None:
    filler = "".join(f"<Xtra{i}>x</Xtra{i}>" for i in range(2000))
    big = entry("plain-credit", 5, "").replace("<NtryDtls>", filler + "<NtryDtls>", 1)
    data = document([big, big], "")
    assert [fields(p) for p in iter_camt_payments(data, source="t")] == oracle(data)
    assert all(len(key) <= camt_layout._MAX_SKELETON for key in camt_layout._PLANS)


def test_a_bad_amount_in_a_repeated_shape_is_worded_like_the_first() -> None:
    entries = [entry("plain-credit", i, "") for i in range(1, 6)]
    entries.append(
        entry("plain-credit", 6, "").replace("<Amt Ccy='EUR'>6.10", "<Amt Ccy='EUR'> 6,1 ")
    )
    with pytest.raises(BankFormatError, match=r"entry 6 amount ' 6,1 ' is not a number"):
        list(iter_camt_payments(document(entries, ""), source="t"))


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        pytest.param(
            [entry("plain-credit", 1, "").replace("<Amt Ccy='EUR'>1.10", "<Amt><Ustrd/>1.10")],
            "entry 1 has no amount",
            id="entry-amount-with-a-child-before-its-text",
        ),
        pytest.param(["<Ntry/>", "<Ntry/>"], "entry 1 has no amount", id="empty-ntry"),
        pytest.param(
            [entry("plain-credit", i, "") for i in (1, 2)]
            + [entry("plain-credit", 3, "").replace("<Amt Ccy='EUR'>3.10", "<Amt><Ustrd/>3.10")],
            "entry 3 has no amount",
            id="repeated-entry-amount-with-a-child-first",
        ),
    ],
)
def test_an_amount_without_text_reads_as_missing(entries: list[str], message: str) -> None:
    # Three times: the plan is built, then its regex compiled, then the regex alone reads it.
    for _ in range(3):
        with pytest.raises(BankFormatError, match=message):
            list(iter_camt_payments(document(entries, ""), source="t"))


def test_a_doctype_split_over_two_reads_is_still_refused() -> None:
    head = b'<?xml version="1.0"?>'
    # lxml reads 32 KiB at a time: put the declaration across that seam.
    pad = b" " * (32 * 1024 - len(head) - 4)
    data = head + pad + b'<!DOCTYPE d [<!ENTITY x "y">]><d>&x;</d>'
    with pytest.raises(BankFormatError, match="DOCTYPE"):
        list(iter_camt(io.BytesIO(data), source="seam"))


def test_fast_payment_is_an_ordinary_frozen_payment() -> None:
    values = (
        IBAN, None, None, Decimal("1.00"), "EUR", Direction.CREDIT, False, None, "B", "E",
        "N", "I", "C", ("u",), ("r",), "X", "T", "1", 0, "S", Decimal("1.00"),
    )  # fmt: skip
    built = camt_entries.new_payment(*values)
    assert type(built) is Payment
    assert built == Payment(*values)
    assert hash(built) == hash(Payment(*values))
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.amount = Decimal(2)  # type: ignore[misc]


MT940 = (
    ":20:S1\n:25:NL91ABNA0417164300EUR\n:28C:1\n:60F:C240229EUR100,00\n"
    ":61:2403010301C10,00NTRFEREF//B1\n:86:/EREF/E1//CNTP/NL02RABO0123456789/RABONL2U/JANSEN///"
    "REMI/USTD//F1/\n:62F:C240301EUR110,00\n"
    ":20:S2\n:25:NL91ABNA0417164300\n:28C:2\n"
    ":61:2403020302D5,00NTRFNONREF\n:86:free text\n:62F:C240302EUR105,00\n"
    ":20:S3\n:25:NL91ABNA0417164300\n:34F:EUR0,\n:61:2403030303C1,00NTRFNONREF\n:86:held\n"
)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(MT940.encode(), id="three-statements-one-held-for-its-currency"),
        pytest.param(MT940.replace("\n", "\r\n").encode() + b"\x1a", id="crlf-and-ctrl-z"),
        pytest.param(MT940.replace("10,00", "1x,00").encode(), id="broken-amount"),
    ],
)
def test_mt940_payments_only_equals_the_full_stream_filtered(data: bytes) -> None:
    def run(items: object) -> list[str]:
        out: list[str] = []
        try:
            for item in items:  # type: ignore[attr-defined]
                out.append(repr(item))
        except BankFormatError as exc:
            out.append(f"error: {exc}")
        return out

    full = [r for r in run(iter_mt940(data, source="t")) if r.startswith(("Payment", "error"))]
    assert run(iter_mt940_payments(data, source="t")) == full
    assert any(r.startswith("Payment") for r in full) or full[-1].startswith("error")


def test_camt_payments_only_equals_the_full_stream_filtered() -> None:
    data = document([entry(s, i, "") for i, s in zip(range(1, 11), itertools.cycle(SHAPES))], "")
    full = [p for p in iter_camt(data, source="t") if isinstance(p, Payment)]
    assert list(iter_camt_payments(data, source="t")) == full


# -- entries read straight from the document text ------------------------------------------


def _plain_document(entries: int) -> bytes:
    """Written as lxml would serialise it (double quotes, no CR, comments or prefixes): the
    form in which entries can be read from the document text without serialising them."""
    body = "".join(
        f'<Ntry><NtryRef>{i}</NtryRef><Amt Ccy="EUR">{i}.50</Amt><CdtDbtInd>CRDT</CdtDbtInd>'
        "<Sts><Cd>BOOK</Cd></Sts><BookgDt><Dt>2026-03-02</Dt></BookgDt>"
        f"<NtryDtls><TxDtls><Refs><EndToEndId>E{i}</EndToEndId></Refs>"
        f"<RltdPties><Dbtr><Nm>Klant &amp; Zn {i} &#233;</Nm></Dbtr></RltdPties>"
        f"<RmtInf><Ustrd>Factuur {i}</Ustrd></RmtInf></TxDtls></NtryDtls></Ntry>\n"
        for i in range(1, entries + 1)
    )
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<Document xmlns="{NS}"><BkToCstmrStmt>'
        f"<GrpHdr><MsgId>M</MsgId></GrpHdr><Stmt><Id>S</Id><Acct><Id><IBAN>{IBAN}</IBAN></Id>"
        f"<Ccy>EUR</Ccy></Acct>\n{body}</Stmt></BkToCstmrStmt></Document>\n"
    ).encode()


@pytest.mark.parametrize(
    "variant",
    [
        pytest.param(lambda d: d.replace(b"\n", b"\r\n"), id="crlf"),
        pytest.param(lambda d: d.replace(b"<Stmt>", b"<!-- c --><Stmt>", 1), id="comment"),
        pytest.param(lambda d: d.replace(b'Ccy="EUR">', b"Ccy='EUR'>"), id="single-quotes"),
        pytest.param(lambda d: d.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"').replace(
            "é".encode(), "é".encode("latin-1")), id="latin-1"),
    ],
)  # fmt: skip
def test_entries_read_from_the_document_text_equal_their_serialised_reading(
    variant: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plain document is read from its text (nearly no serialisation); each variant breaks
    a rule of that path and is read by serialising every entry. Same payments either way."""
    calls = 0
    real = camt_entries._tostring

    def counting(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(camt_entries, "_tostring", counting)
    plain = _plain_document(300)
    fast = list(iter_camt_payments(plain))
    assert len(fast) == 300 and calls < 10  # a skeleton is learned from serialisations
    calls = 0
    slow = list(iter_camt_payments(variant(plain)))  # type: ignore[operator]
    assert calls >= 290
    assert slow == fast
    assert fast[0].counterparty_name == "Klant & Zn 1 é"
