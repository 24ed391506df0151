from decimal import Decimal

import pytest

from daemon.domain.money import format_plain, from_cents, parse_amount, quantize_cents, to_cents


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("1234.50", "1234.50", id="dot-decimal"),
        pytest.param("1234,50", "1234.50", id="comma-decimal"),
        pytest.param("1.234,50", "1234.50", id="dutch-grouped"),
        pytest.param("1,234.50", "1234.50", id="english-grouped"),
        pytest.param("1.234.567,8", "1234567.8", id="dutch-millions"),
        pytest.param("1.234.567", "1234567", id="repeated-separator-is-grouping"),
        pytest.param(" 42 ", "42", id="integer-with-spaces"),
        pytest.param("-12,5", "-12.5", id="negative"),
        pytest.param("0.125", "0.125", id="leading-zero-three-decimals"),
        pytest.param("1234.567", "1234.567", id="ungrouped-three-decimals"),
    ],
)
def test_parse_amount(text: str, expected: str) -> None:
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("1.234", id="ambiguous-dot-three-digits"),
        pytest.param("12,345", id="ambiguous-comma-three-digits"),
        pytest.param("1,234,50", id="grouping-then-two-digits"),
        pytest.param("12.34.56", id="bad-grouping"),
        pytest.param("1.23,45", id="bad-group-width"),
        pytest.param("12a", id="letters"),
        pytest.param("", id="empty"),
        pytest.param("1234.", id="trailing-separator"),
        pytest.param(".50", id="leading-separator"),
        pytest.param("1,234.567,8", id="mixed-garbage"),
        pytest.param("€ 12", id="currency-sign"),
    ],
)
def test_parse_amount_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="amount"):
        parse_amount(text)


def test_parse_amount_error_names_the_text() -> None:
    with pytest.raises(ValueError, match=r"'1\.234'"):
        parse_amount("1.234")


@pytest.mark.parametrize(
    ("amount", "cents"),
    [("1234.50", 123450), ("0.01", 1), ("-3.1", -310), ("7", 700), ("1.000", 100)],
)
def test_to_cents_exact(amount: str, cents: int) -> None:
    assert to_cents(Decimal(amount)) == cents
    assert from_cents(cents) == Decimal(amount).quantize(Decimal("0.01"))


def test_to_cents_refuses_fractional_cents_unless_rounding() -> None:
    with pytest.raises(ValueError, match="more than two decimals"):
        to_cents(Decimal("185.145"))
    assert to_cents(Decimal("185.145"), rounding=True) == 18515
    assert to_cents(Decimal("-0.005"), rounding=True) == -1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("185.145", "185.15"), ("185.144", "185.14"), ("40.0005", "40.00"), ("2.5", "2.50")],
)
def test_quantize_cents_half_up(raw: str, expected: str) -> None:
    assert str(quantize_cents(Decimal(raw))) == expected


def test_format_plain() -> None:
    assert format_plain(Decimal("1234.5")) == "1234.50"
    assert format_plain(Decimal("1E+3")) == "1000.00"
    assert str(from_cents(123450)) == "1234.50"
