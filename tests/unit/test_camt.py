"""CAMT.052/053/054: one record per TxDtls, hardened streaming XML."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal

import pytest

from parsers.bank import BankFormatError, Direction
from parsers.camt import iter_camt_payments, parse_camt


def camt(
    entries: str, *, version: str = "053.001.02", ns: bool = True, balances: str = ""
) -> bytes:
    xmlns = f' xmlns="urn:iso:std:iso:20022:tech:xsd:camt.{version}"' if ns else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Document{xmlns}><BkToCstmrStmt><GrpHdr><MsgId>M1</MsgId></GrpHdr>
<Stmt><Id>S-1</Id><ElctrncSeqNb>7</ElctrncSeqNb><CreDtTm>2024-03-01T10:00:00+01:00</CreDtTm>
<FrToDt><FrDtTm>2024-02-29T00:00:00</FrDtTm><ToDtTm>2024-02-29T23:59:59</ToDtTm></FrToDt>
<Acct><Id><IBAN>NL91ABNA0417164300</IBAN></Id><Ccy>EUR</Ccy></Acct>
{balances}{entries}</Stmt></BkToCstmrStmt></Document>""".encode()


def bal(code: str, amount: str, cd: str = "CRDT") -> str:
    return (
        f"<Bal><Tp><CdOrPrtry><Cd>{code}</Cd></CdOrPrtry></Tp><Amt Ccy='EUR'>{amount}</Amt>"
        f"<CdtDbtInd>{cd}</CdtDbtInd><Dt><Dt>2024-02-29</Dt></Dt></Bal>"
    )


def ntry(amount: str, cd: str, details: str = "", extra: str = "") -> str:
    return (
        f"<Ntry><NtryRef>R1</NtryRef><Amt Ccy='EUR'>{amount}</Amt><CdtDbtInd>{cd}</CdtDbtInd>{extra}"
        "<Sts>BOOK</Sts><BookgDt><Dt>2024-02-29</Dt></BookgDt><ValDt><Dt>2024-03-01</Dt></ValDt>"
        f"<AcctSvcrRef>BANK-1</AcctSvcrRef><NtryDtls>{details}</NtryDtls>"
        "<AddtlNtryInf>SEPA OVERBOEKING</AddtlNtryInf></Ntry>"
    )


TX_CREDIT = """<TxDtls><Refs><EndToEndId>E2E-9</EndToEndId></Refs>
<AmtDtls><TxAmt><Amt Ccy="EUR">121.00</Amt></TxAmt></AmtDtls>
<RltdPties><Dbtr><Nm>Bakkerij Jansen</Nm></Dbtr><DbtrAcct><Id><IBAN>NL02RABO0123456789</IBAN></Id></DbtrAcct>
<Cdtr><Nm>Our Office BV</Nm></Cdtr></RltdPties>
<RltdAgts><DbtrAgt><FinInstnId><BICFI>RABONL2U</BICFI></FinInstnId></DbtrAgt></RltdAgts>
<RmtInf><Ustrd>Factuur 2024-0042</Ustrd><Ustrd>klantnr 77</Ustrd>
<Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd></RmtInf>
<AddtlTxInf>iDEAL</AddtlTxInf></TxDtls>"""


def test_single_credit_maps_every_field() -> None:
    (st,) = parse_camt(camt(ntry("121.00", "CRDT", TX_CREDIT)), source="t.xml")
    (p,) = st.payments
    assert (st.statement_id, st.sequence, st.account_iban, st.currency) == (
        "S-1",
        "7",
        "NL91ABNA0417164300",
        "EUR",
    )
    assert (st.from_date, st.to_date) == (date(2024, 2, 29), date(2024, 2, 29))
    assert st.format == "camt.053.001.02"
    assert p.amount == Decimal("121.00") and p.direction is Direction.CREDIT
    assert (p.booking_date, p.value_date) == (date(2024, 2, 29), date(2024, 3, 1))
    assert (p.counterparty_name, p.counterparty_iban, p.counterparty_bic) == (
        "Bakkerij Jansen",
        "NL02RABO0123456789",
        "RABONL2U",
    )
    assert p.remittance_lines == ("Factuur 2024-0042", "klantnr 77")
    assert p.structured_references == ("RF18539007547034",)
    assert p.end_to_end_id == "E2E-9" and p.bank_reference == "BANK-1"
    assert p.additional_info == "SEPA OVERBOEKING iDEAL"
    assert p.entry_signed_amount == Decimal("121.00")


def test_debit_takes_the_creditor_side() -> None:
    tx = (
        "<TxDtls><Amt Ccy='EUR'>10</Amt><RltdPties><Dbtr><Nm>Us</Nm></Dbtr>"
        "<Cdtr><Pty><Nm>KPN BV</Nm></Pty></Cdtr><CdtrAcct><Id><Othr><Id>12345</Id></Othr></Id></CdtrAcct>"
        "</RltdPties></TxDtls>"
    )
    (p,) = parse_camt(camt(ntry("10", "DBIT", tx)))[0].payments
    assert (p.counterparty_name, p.counterparty_iban, p.signed_amount) == (
        "KPN BV",
        "12345",
        Decimal(-10),
    )


@pytest.mark.parametrize(
    "version", ["052.001.02", "053.001.04", "053.001.08", "054.001.13", "053.001.13"]
)
def test_every_version_reads_the_same(version: str) -> None:
    sts = parse_camt(camt(ntry("121.00", "CRDT", TX_CREDIT), version=version))
    assert sts[0].format == f"camt.{version}"
    assert sts[0].payments[0].counterparty_name == "Bakkerij Jansen"


def test_no_namespace_still_reads() -> None:
    sts = parse_camt(camt(ntry("5", "CRDT"), ns=False))
    assert sts[0].format == "camt.053" and sts[0].payments[0].amount == Decimal(5)


def test_batch_gives_one_record_per_txdtls_in_order() -> None:
    txs = "".join(
        f"<TxDtls><Refs><EndToEndId>{e}</EndToEndId></Refs><Amt Ccy='EUR'>{a}</Amt></TxDtls>"
        for e, a in (("A", "1.00"), ("NOTPROVIDED", "2.00"), ("C", "3.00"))
    )
    ps = parse_camt(camt(ntry("6.00", "CRDT", txs)))[0].payments
    assert [p.amount for p in ps] == [Decimal("1.00"), Decimal("2.00"), Decimal("3.00")]
    assert [p.batch_index for p in ps] == [0, 1, 2]
    assert [p.end_to_end_id for p in ps] == ["A", None, "C"]


def test_entry_without_txdtls_is_one_record() -> None:
    ps = parse_camt(camt(ntry("9.99", "DBIT")))[0].payments
    assert len(ps) == 1 and ps[0].signed_amount == Decimal("-9.99")


def test_single_txdtls_without_amount_uses_entry_amount() -> None:
    ps = parse_camt(
        camt(ntry("7.50", "CRDT", "<TxDtls><Refs><EndToEndId>X</EndToEndId></Refs></TxDtls>"))
    )[0].payments
    assert ps[0].amount == Decimal("7.50")


def test_reversal_and_return_reason() -> None:
    tx = "<TxDtls><Amt Ccy='EUR'>50</Amt><RtrInf><Rsn><Cd>AC06</Cd></Rsn></RtrInf></TxDtls>"
    (p,) = parse_camt(camt(ntry("50", "DBIT", tx, extra="<RvslInd>true</RvslInd>")))[0].payments
    assert p.reversal and p.return_reason == "AC06"


def test_balance_mismatch_is_a_warning_not_an_error() -> None:
    good = camt(ntry("5", "CRDT"), balances=bal("OPBD", "10") + bal("CLBD", "15"))
    bad = camt(ntry("5", "CRDT"), balances=bal("OPBD", "10") + bal("CLBD", "16"))
    assert parse_camt(good)[0].warnings == ()
    (st,) = parse_camt(bad)
    assert "balance mismatch" in st.warnings[0] and len(st.payments) == 1


def test_debit_balance_is_negative() -> None:
    (st,) = parse_camt(camt("", balances=bal("OPBD", "33.06", "DBIT")))
    assert st.balance("OPBD") is not None and st.balance("OPBD").amount == Decimal("-33.06")  # type: ignore[union-attr]


def test_streaming_from_a_file_object() -> None:
    stream = io.BytesIO(camt(ntry("1", "CRDT") * 3))
    assert len(list(iter_camt_payments(stream))) == 3


XXE = b"""<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt><Id>&x;</Id></Stmt></BkToCstmrStmt></Document>"""
LAUGHS = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><Document><BkToCstmrStmt><Stmt><Id>&lol3;</Id></Stmt></BkToCstmrStmt></Document>"""


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(XXE, "DOCTYPE", id="xxe"),
        pytest.param(LAUGHS, "DOCTYPE", id="billion-laughs"),
        pytest.param(camt(ntry("1", "CRDT"))[:-40], "not well-formed", id="truncated"),
        pytest.param(b"<Document><Other/></Document>", "not a CAMT", id="other-xml"),
        pytest.param(camt(ntry("abc", "CRDT")), "not a number", id="bad-amount"),
        pytest.param(camt(ntry("1", "XXXX")), "CdtDbtInd", id="bad-indicator"),
        pytest.param(b"", "not well-formed", id="empty"),
        pytest.param("<Document/>".encode("utf-16"), "UTF-16", id="utf16"),
    ],
)
def test_hostile_and_broken_xml_is_a_format_error(data: bytes, message: str) -> None:
    with pytest.raises(BankFormatError, match=message):
        parse_camt(data, source="evil.xml")
