"""MT940/MT942: Dutch and German :86: dialects, wraps, envelopes, encodings."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from parsers.bank import BankFormatError, Direction
from parsers.mt940 import parse_mt940
from parsers.mt940_details import parse_details


def mt(
    *lines: str, head: str = ":20:STMT1\n:25:NL91ABNA0417164300EUR\n:28C:1/1\n:60F:C240301EUR100,00"
) -> bytes:
    return (head + "\n" + "\n".join(lines) + "\n:62F:C240301EUR100,00\n-\n").encode()


@pytest.mark.parametrize(
    ("lines", "field", "expected"),
    [
        pytest.param(
            ["/EREF/E2E-1//CNTP/NL02RABO0123456789/RABONL2U/Jansen BV///REMI/USTD//Factuur 42/"],
            "counterparty_name",
            "Jansen BV",
            id="ing-cntp-name",
        ),
        pytest.param(
            ["/EREF/E2E-1//CNTP/NL02RABO0123456789/RABONL2U/Jansen BV///REMI/USTD//Factuur 42/"],
            "remittance_lines",
            ("Factuur 42",),
            id="ing-remi-ustd",
        ),
        pytest.param(
            ["/EREF/NOTPROVIDED//REMI/STRD/CUR/9001123412341234/"],
            "structured_references",
            ("9001123412341234",),
            id="ing-remi-strd-kenmerk",
        ),
        pytest.param(
            ["/EREF/NOTPROVIDED//REMI/STRD/CUR/9001123412341234/"],
            "end_to_end_id",
            None,
            id="eref-notprovided",
        ),
        pytest.param(
            ["/RTRN/MS03//EREF/X1//CNTP/NL02RABO0123456789/RABONL2U/J///REMI/USTD//x/"],
            "return_reason",
            "MS03",
            id="ing-rtrn",
        ),
        pytest.param(
            [
                "/TRTP/SEPA OVERBOEKING/IBAN/NL02RABO0123456789/BIC/RABONL2U",
                "/NAME/Foo BV/REMI/nota 1/EREF/E9",
            ],
            "counterparty_iban",
            "NL02RABO0123456789",
            id="abn-trtp-iban",
        ),
        pytest.param(
            [
                "/TRTP/ACCEPTGIROBETALING/IBAN/NL86INGB0002445588/BIC/INGBNL2A",
                "/NAME/BELASTINGDIENST/REMI/ISSUER: CUR                  REF: 4420",
                "043232693268/EREF/NOTPROVIDED",
            ],
            "structured_references",
            ("4420043232693268",),
            id="abn-acceptgiro-wrapped-mid-token",
        ),
        pytest.param(
            ["/ORDP//NAME/Bedrijf B.V./REMI/NR.201303-111/ISDT/2013-04-03"],
            "counterparty_name",
            "Bedrijf B.V.",
            id="rabo-ordp-name",
        ),
        pytest.param(
            [
                "166?00GUTSCHRIFT?109310?20EREF+E2E-7?21SVWZ+Rechnung 4711 vom 2?22",
                "0.08.2008?30DEUTDEFF?31DE21500500001234567897?32Herr Ueberweis?33ender",
            ],
            "counterparty_name",
            "Herr Ueberweisender",
            id="german-name-32-33",
        ),
        pytest.param(
            [
                "166?00GUTSCHRIFT?109310?20EREF+E2E-7?21SVWZ+Rechnung 4711 vom 2?22",
                "0.08.2008?30DEUTDEFF?31DE21500500001234567897?32Herr",
            ],
            "remittance_lines",
            ("Rechnung 4711 vom 20.08.2008",),
            id="german-svwz-joined",
        ),
        pytest.param(
            ["166?00GUTSCHRIFT?20EREF+E2E-7?21SVWZ+x?31DE21500500001234567897"],
            "end_to_end_id",
            "E2E-7",
            id="german-eref",
        ),
        pytest.param(
            ["000>100555555555", ">20TENAAMSTELLING TEGENREKENIN>21G 1111222233334444"],
            "remittance_lines",
            ("TENAAMSTELLING TEGENREKENING 1111222233334444",),
            id="triodos-subfields",
        ),
        pytest.param(
            [
                "GIRO   428428 KPN - DIGITENNE    BETALINGSKENM.  000000042188659",
                "5314606715 BETREFT FACTUUR",
            ],
            "structured_references",
            ("000000042188659",),
            id="abn-old-betalingskenmerk",
        ),
        pytest.param(
            ["FACTUUR 201403110", "REK: NL65INGB0123456789/NAAM: PICQER"],
            "counterparty_name",
            "PICQER",
            id="knab-rek-naam",
        ),
        pytest.param(
            ["NL57ABNA0987654321 ABNANL2A J AAP NOTPROVIDED kilometervergoed", "ing 2e kwartaal"],
            "remittance_lines",
            ("NL57ABNA0987654321 ABNANL2A J AAP NOTPROVIDED kilometervergoeding 2e kwartaal",),
            id="ing-86-wrapped-mid-word",
        ),
        pytest.param(
            ["HIER EEN OMSCHRIJVING", "WANT DAT IS ZO"],
            "remittance_lines",
            ("HIER EEN OMSCHRIJVING", "WANT DAT IS ZO"),
            id="short-lines-stay-apart",
        ),
    ],
)
def test_86_dialects(lines: list[str], field: str, expected: object) -> None:
    assert getattr(parse_details(lines), field) == expected


def test_statement_fields_and_ing_transaction() -> None:
    data = mt(
        ":61:2403010301C1,56NTRFEREF//00000000001005",
        "/TRCD/00100/",
        ":86:/EREF/EV1234//CNTP/NL32INGB0000012345/INGBNL2A/ING BANK///REMI/USTD//Nota 7/",
    )
    (st,) = parse_mt940(data)
    (p,) = st.payments
    assert (st.account_iban, st.currency, st.statement_id, st.sequence) == (
        "NL91ABNA0417164300",
        "EUR",
        "STMT1",
        "1/1",
    )
    assert (p.amount, p.direction, p.value_date, p.booking_date) == (
        Decimal("1.56"),
        Direction.CREDIT,
        date(2024, 3, 1),
        date(2024, 3, 1),
    )
    assert (p.end_to_end_id, p.counterparty_iban, p.bank_reference) == (
        "EV1234",
        "NL32INGB0000012345",
        "00000000001005",
    )
    assert st.warnings[0].startswith("balance mismatch")


@pytest.mark.parametrize(
    ("mark", "direction", "reversal"),
    [
        ("C", Direction.CREDIT, False),
        ("D", Direction.DEBIT, False),
        ("RC", Direction.DEBIT, True),
        ("RD", Direction.CREDIT, True),
    ],
    ids=["credit", "debit", "reversal-of-credit", "reversal-of-debit"],
)
def test_direction_and_storno_marks(mark: str, direction: Direction, reversal: bool) -> None:
    (p,) = parse_mt940(mt(f":61:240301{mark}5,00NTRFNONREF", ":86:x"))[0].payments
    assert (p.direction, p.reversal) == (direction, reversal)


def test_entry_date_rolls_into_next_year() -> None:
    (p,) = parse_mt940(mt(":61:2312310101D5,00NTRFNONREF"))[0].payments
    assert (p.value_date, p.booking_date) == (date(2023, 12, 31), date(2024, 1, 1))


def test_swift_envelope_crlf_ctrl_z_and_several_statements() -> None:
    one = "{1:F01INGBNL2AXXXX0000000000}{2:O940INGBNL2AXXXXN}{4:\r\n:20:A\r\n:25:111\r\n:28C:1\r\n:60F:D240301EUR1.000,00\r\n:62F:D240301EUR1.000,00\r\n-}{5:}\r\n"
    data = (
        one.replace("1.000", "1000")
        + "\x1a"
        + one.replace(":25:111", ":25:222").replace("1.000", "1000")
    ).encode()
    sts = parse_mt940(data)
    assert [s.account_iban for s in sts] == ["111", "222"]
    assert sts[0].balance("60F").amount == Decimal("-1000.00")  # type: ignore[union-attr]


def test_decimal_point_and_latin1_text() -> None:
    data = (
        mt(":61:240301C000000000300.00NMSCNONREF", ":86:Contante storting café")
        .decode()
        .encode("latin-1")
    )
    (p,) = parse_mt940(data)[0].payments
    assert p.amount == Decimal("300.00") and p.remittance_lines == ("Contante storting café",)


def test_mt942_is_recognised() -> None:
    data = b":20:X\n:25:GJB1\n:28C:1/1\n:34F:EURD0,00\n:13D:1610301730+0000\n:61:1610301031D0,42MCI0NONREF//055\n:86:REMIT\n:90D:1EUR0,42\n-"
    (st,) = parse_mt940(data)
    assert st.format == "mt942" and st.currency == "EUR" and st.payments[0].currency == "EUR"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(mt(":61:24130C5,00NTRFNONREF"), "line 5", id="bad-61-names-line"),
        pytest.param(mt(":61:241301C5,00NTRFNONREF"), "line 5.*date", id="bad-month"),
        pytest.param(b":20:X\n:25:1\n:60F:C24030XEUR1,00\n", "line 3", id="bad-balance"),
        pytest.param(b":25:1\n", "before any :20:", id="no-20"),
        pytest.param(b"hello", "no MT940 statement", id="garbage"),
    ],
)
def test_errors_name_the_line(data: bytes, message: str) -> None:
    with pytest.raises(BankFormatError, match=message):
        parse_mt940(data, source="x.sta")
