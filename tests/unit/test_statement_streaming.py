"""Streaming readers: the same records as the list APIs, in bounded pieces, in file order."""

from __future__ import annotations

import importlib.util
from decimal import Decimal
from pathlib import Path

import pytest

from parsers import mt940
from parsers.bank import Direction, Payment
from parsers.camt import StatementEnd, iter_camt_payments, parse_camt
from parsers.mt940 import iter_mt940, iter_mt940_payments, parse_mt940

_GEN = Path(__file__).resolve().parents[2] / "bench" / "gen_statements.py"
_SPEC = importlib.util.spec_from_file_location("gen_statements", _GEN)
assert _SPEC is not None and _SPEC.loader is not None
gen_statements = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(gen_statements)


def test_mt940_payments_come_before_their_statement_end() -> None:
    one = ":20:{ref}\n:25:NL91ABNA0417164300EUR\n:28C:1\n:60F:C240301EUR0,00\n{body}:62F:C240301EUR{end}\n-\n"
    body = ":61:240301C5,00NTRFNONREF\n:86:/EREF/E1//REMI/USTD//Factuur 1/\n"
    data = one.format(ref="A", body=body, end="5,00") + one.format(ref="B", body="", end="0,00")
    kinds = [type(item).__name__ for item in iter_mt940(data.encode())]
    assert kinds == ["Payment", "StatementEnd", "StatementEnd"]


def test_mt942_payments_wait_for_the_currency_then_match_the_list_api() -> None:
    # No balance before the entries: the :34F: currency holds until a balance or the end.
    data = (
        b":20:X\n:25:NL91ABNA0417164300\n:28C:1/1\n:61:1610301031D0,42NMSCNONREF//055\n"
        b":86:REMIT\n:34F:EURD0,00\n:61:1610301031C1,00NMSCNONREF\n:86:TWO\n:90D:1EUR0,42\n-"
    )
    streamed = list(iter_mt940_payments(data))
    (st,) = parse_mt940(data)
    assert streamed == list(st.payments)
    assert [p.currency for p in streamed] == ["EUR", "EUR"]


@pytest.mark.parametrize("chunk", [1, 7, 64], ids=["chunk-1", "chunk-7", "chunk-64"])
def test_line_chunks_cut_like_splitlines(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    text = "a\r\nb\rc\n\n:86:d\x0be\x1cf\r\n\u2028g\x85h\r\n" * 5 + "tail"
    monkeypatch.setattr(mt940, "_CHUNK", chunk)
    assert list(mt940._lines(text)) == text.splitlines()


def test_generated_mt940_streams_what_the_list_api_reads(tmp_path: Path) -> None:
    path = tmp_path / "g.sta"
    gen_statements.write_mt940(path, 300)
    data = path.read_bytes()
    (st,) = parse_mt940(data)
    streamed = list(iter_mt940_payments(data))
    assert streamed == list(st.payments) and len(streamed) == 300
    assert st.warnings == ()  # the generator's closing balance adds up
    first = streamed[0]
    # The :86: is wrapped at 65 columns in the middle of the name and the remittance.
    assert first.counterparty_name == "KLANT 0 BV"
    assert first.remittance_lines == ("Factuur 2024-000000 klantnummer 0",)
    assert first.end_to_end_id == "E2E000000000000"


def test_generated_camt_streams_what_the_list_api_reads(tmp_path: Path) -> None:
    path = tmp_path / "g.xml"
    gen_statements.write_camt(path, 300)
    (st,) = parse_camt(path.read_bytes())
    with path.open("rb") as f:
        streamed = list(iter_camt_payments(f))
    assert streamed == list(st.payments) and len(streamed) == 300
    assert st.warnings == ()
    debit = next(p for p in streamed if p.direction is Direction.DEBIT)
    assert debit.counterparty_name is not None and debit.counterparty_iban is not None
    assert sum((p.signed_amount for p in streamed), Decimal(0)) == sum(
        (p.entry_signed_amount or Decimal(0) for p in streamed), Decimal(0)
    )


def test_statement_end_is_the_shared_marker() -> None:
    items = list(iter_mt940(b":20:X\n:25:1\n:60F:C240301EUR0,00\n:62F:C240301EUR0,00\n"))
    assert len(items) == 1 and isinstance(items[0], StatementEnd)
    assert not any(isinstance(item, Payment) for item in items)
