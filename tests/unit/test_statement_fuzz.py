"""Whatever bytes arrive, parse_statement_bytes answers with statements or a BankFormatError."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from parsers.bank import BankFormatError
from parsers.statements import detect_format, parse_statement_bytes

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "bank"
SEEDS = sorted(p for p in CORPUS.glob("*/*") if p.is_file()) if CORPUS.exists() else []
SEED_BYTES = [p.read_bytes() for p in SEEDS[:: max(1, len(SEEDS) // 12)]] or [
    b":20:X\n:25:1\n:60F:C240101EUR1,00\n:61:240101C1,00NTRFNONREF\n:86:x\n:62F:C240101EUR2,00\n",
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>',
]
FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def only_format_errors(data: bytes) -> None:
    try:
        parse_statement_bytes(data, source="fuzz")
    except BankFormatError as exc:
        assert str(exc)


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes(data: bytes) -> None:
    only_format_errors(data)


@FUZZ
@given(
    st.sampled_from([b":20:", b"<Document>", b'<?xml version="1.0"?><BkToCstmrStmt>']),
    st.binary(max_size=1000),
)
def test_random_bytes_behind_a_plausible_start(prefix: bytes, tail: bytes) -> None:
    only_format_errors(prefix + tail)


@FUZZ
@given(st.sampled_from(SEED_BYTES), st.data())
def test_mutated_real_files(seed: bytes, data: st.DataObject) -> None:
    buf = bytearray(seed)
    for _ in range(data.draw(st.integers(1, 8))):
        op = data.draw(st.sampled_from(["flip", "cut", "insert", "delete"]))
        pos = data.draw(st.integers(0, max(0, len(buf) - 1)))
        if op == "flip" and buf:
            buf[pos] = data.draw(st.integers(0, 255))
        elif op == "cut":
            del buf[pos:]
        elif op == "insert":
            buf[pos:pos] = data.draw(
                st.sampled_from(
                    [
                        b":61:",
                        b":86:",
                        b"<Ntry>",
                        b"</Amt>",
                        b"&x;",
                        b"<!DOCTYPE a>",
                        b"\x1a",
                        b"?20",
                        b"/REMI/",
                    ]
                )
            )
        elif buf:
            del buf[pos : pos + data.draw(st.integers(1, 40))]
    only_format_errors(bytes(buf))


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        pytest.param(
            b'\xef\xbb\xbf<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">',
            "camt",
            id="camt-with-bom",
        ),
        pytest.param(
            b"{1:F01INGBNL2AXXXX0000000000}{2:O940}{4:\r\n:20:X", "mt940", id="swift-envelope"
        ),
        pytest.param(
            b"ABNANL2A\n940\nABNANL2A\n:20:ABN AMRO BANK NV\n", "mt940", id="abn-header-lines"
        ),
        pytest.param(b"\x1a:20:940A\n", "mt940", id="leading-ctrl-z"),
    ],
)
def test_detect_format_from_content(data: bytes, kind: str) -> None:
    assert detect_format(data) == kind


@pytest.mark.parametrize(
    ("data", "hint"),
    [
        pytest.param(b"PK\x03\x04rest", "zip", id="zip"),
        pytest.param(b"%PDF-1.7", "PDF", id="pdf"),
        pytest.param(b"<html><body/></html>", "not an ISO 20022", id="other-xml"),
        pytest.param(b"Datum;Bedrag;Omschrijving\n", "expected CAMT", id="csv"),
    ],
)
def test_unknown_formats_get_a_hint(data: bytes, hint: str) -> None:
    with pytest.raises(BankFormatError, match=f"unknown bank format.*{hint}"):
        detect_format(data)
