"""CSV injection: the cells a spreadsheet would run are quoted, everything else is unchanged."""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

import pytest

from daemon.adapters.csvsafe import csv_bytes, neutralise

NEUTRALISED = [
    ("hyperlink", '=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
    ("dde-cmd", "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
    ("plus-formula", "+1+1", "'+1+1"),
    ("minus-formula", "-2+3", "'-2+3"),
    ("at-function", "@SUM(1)", "'@SUM(1)"),
    ("leading-tab", "\t=1+1", "'\t=1+1"),
    ("leading-tab-text", "\tfoo", "'\tfoo"),
    # The line break also starts a piece that a mis-split file would show as a new row.
    ("leading-cr", "\r=1+1", "'\r'=1+1"),
    ("leading-lf", "\n=1+1", "'\n'=1+1"),
    ("after-spaces", "   =1+1", "'   =1+1"),
    ("after-nbsp", "\u00a0=1+1", "'\u00a0=1+1"),
    ("fullwidth-equals", "\uff1d1+1", "'\uff1d1+1"),
    ("lone-minus", "-", "'-"),
    ("tab-before-number", "\t-12", "'\t-12"),
    ("semicolon-split", "Jansen;=cmd|' /C calc'!A0", "Jansen;'=cmd|' /C calc'!A0"),
    ("semicolon-space-split", "x;  @SUM(1);b", "x;  '@SUM(1);b"),
    ("line-break-split", "paid\n=1+1", "paid\n'=1+1"),
]

UNCHANGED: list[tuple[str, Any]] = [
    ("name", "Jansen Installatie B.V."),
    ("remittance", "F2026-0001 factuur 12"),
    ("negative-amount-text", "-12.50"),
    ("dutch-amount-text", "1.234,56"),
    ("negative-dutch-amount", "-1.234,56"),
    ("dutch-price", "5,-"),
    ("semicolon-number", "a;-5,00"),
    ("email", "ap@acme.test"),
    ("empty", ""),
    ("int", 3),
    ("negative-int", -3),
    ("decimal", Decimal("-12.50")),
    ("apostrophe-first", "'s-Hertogenbosch"),
]


@pytest.mark.parametrize(
    ("value", "expected"), [c[1:] for c in NEUTRALISED], ids=[c[0] for c in NEUTRALISED]
)
def test_formula_triggers_are_quoted(value: str, expected: str) -> None:
    assert neutralise(value) == expected


@pytest.mark.parametrize("value", [c[1] for c in UNCHANGED], ids=[c[0] for c in UNCHANGED])
def test_ordinary_values_are_unchanged(value: Any) -> None:
    assert neutralise(value) == value


def test_none_is_an_empty_cell_and_the_file_reads_back() -> None:
    rows = [{"name": "=1+1", "amount": Decimal("-5.00"), "note": None, "n": 2}]
    data = csv_bytes(rows, ["name", "amount", "note", "n"])
    back = list(csv.DictReader(io.StringIO(data.decode())))
    assert back == [{"name": "'=1+1", "amount": "-5.00", "note": "", "n": "2"}]
