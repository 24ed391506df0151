from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.interest import (
    BE_B2B,
    DE_B2B,
    DE_B2C,
    NL_B2B,
    NL_B2C,
    RateTable,
    be_b2b_rate_from_ecb,
    compute_interest,
    rate_on,
)

D = Decimal


@pytest.mark.parametrize(
    ("table", "start", "end", "compound", "lines", "total"),
    [
        pytest.param(
            NL_B2B,
            date(2024, 3, 16),
            date(2025, 12, 31),
            True,
            ["366.44", "617.53", "226.05", "366.41", "573.58"],
            "2150.01",
            id="I1-nl-handelsrente-capitalised",
        ),
        pytest.param(
            NL_B2B, date(2024, 3, 16), date(2025, 12, 31), False, None, "2048.55", id="I2-simple"
        ),
        pytest.param(
            NL_B2C,
            date(2024, 3, 16),
            date(2025, 12, 31),
            True,
            ["558.08", "121.64", "510.87"],
            "1190.59",
            id="I3-nl-wettelijke-rente",
        ),
        pytest.param(
            NL_B2C, date(2024, 3, 16), date(2025, 12, 31), False, None, "1158.08", id="I3-simple"
        ),
        pytest.param(
            DE_B2B,
            date(2025, 6, 2),
            date(2025, 9, 30),
            False,
            ["8.95", "25.89"],
            "34.84",
            id="I4-de-b2b",
        ),
        pytest.param(
            DE_B2C,
            date(2025, 6, 2),
            date(2025, 9, 30),
            False,
            ["5.78", "15.80"],
            "21.58",
            id="I5-de-consumer",
        ),
    ],
)
def test_compute_interest(
    table: RateTable, start: date, end: date, compound: bool, lines: list[str] | None, total: str
) -> None:
    result = compute_interest(
        D("10000.00") if table in (NL_B2B, NL_B2C) else D("1000.00"),
        start,
        end,
        table,
        compound_yearly=compound,
    )
    if lines is not None:
        assert [str(line.interest) for line in result.lines] == lines
    assert result.total == D(total)
    assert sum(line.days for line in result.lines) == (end - start).days + 1


def test_i1_capitalisation_and_lines() -> None:
    r = compute_interest(
        D("10000.00"), date(2024, 3, 16), date(2025, 12, 31), NL_B2B, compound_yearly=True
    )
    assert [(c.on, c.new_base) for c in r.capitalisations] == [(date(2025, 3, 16), D("11210.02"))]
    assert [line.days for line in r.lines] == [107, 184, 74, 107, 184]
    assert r.lines[3].base == D("11210.02")
    assert (
        r.lines[0].describe() == "2024-03-16 – 2024-06-30: 107 days × 12.50 % on 10000.00 = 366.44"
    )
    assert "act/365" in r.convention


def test_interest_empty_period() -> None:
    assert (
        compute_interest(
            D("100"), date(2025, 1, 2), date(2025, 1, 1), NL_B2B, compound_yearly=True
        ).total
        == 0
    )


def test_two_anniversaries_capitalise_twice() -> None:
    r = compute_interest(
        D("1000.00"), date(2016, 7, 1), date(2019, 6, 30), NL_B2B, compound_yearly=True
    )
    assert [c.on for c in r.capitalisations] == [date(2017, 7, 1), date(2018, 7, 1)]
    # 8 % on a growing base; each year uses 365 days except 2016-17 (365) and leap 2020 not included.
    assert r.capitalisations[0].new_base == D("1080.00")


@pytest.mark.parametrize(
    ("table", "day", "rate"),
    [
        pytest.param(NL_B2B, date(2024, 6, 30), "12.50", id="I7-nl-2024-06-30"),
        pytest.param(NL_B2B, date(2024, 7, 1), "12.25", id="I7-nl-2024-07-01"),
        pytest.param(NL_B2B, date(2025, 7, 1), "10.15", id="I7-nl-2025-07-01"),
        pytest.param(BE_B2B, date(2024, 7, 15), "12.5", id="I8-be-2024-07-15"),
        pytest.param(DE_B2B, date(2024, 1, 1), "12.62", id="de-b2b-2024"),
        pytest.param(DE_B2C, date(2022, 12, 31), "4.12", id="de-b2c-negative-basis"),
    ],
)
def test_rate_on(table: RateTable, day: date, rate: str) -> None:
    assert rate_on(table, day) == D(rate)


def test_rate_before_table_raises() -> None:
    with pytest.raises(ValueError, match="2014-12-31"):
        rate_on(NL_B2B, date(2014, 12, 31))


@pytest.mark.parametrize(
    ("ecb", "rate"),
    [("4.25", "12.5"), ("3.15", "11.5"), ("2.15", "10.5"), ("4.50", "12.5"), ("4.00", "12")],
)
def test_be_rate_from_ecb_rounds_up_to_half_point(ecb: str, rate: str) -> None:
    assert be_b2b_rate_from_ecb(D(ecb)) == D(rate)


def test_be_table_matches_formula_for_derived_rows() -> None:
    ecb = {
        date(2023, 7, 1): "4.00",
        date(2024, 1, 1): "4.50",
        date(2024, 7, 1): "4.25",
        date(2025, 1, 1): "3.15",
        date(2025, 7, 1): "2.15",
        date(2026, 1, 1): "2.15",
    }
    for day, e in ecb.items():
        assert rate_on(BE_B2B, day) == be_b2b_rate_from_ecb(D(e))
