from datetime import date
from decimal import Decimal

import pytest

from daemon.domain.fees import (
    be_consumer_waiting_period,
    collection_costs,
    compute_be_consumer_cap,
    compute_wik,
    de_verzug_start,
    fee_owed_after_letter,
    fourteen_day_term,
    presumed_letter_delivery,
    wik_for_letter,
)
from daemon.domain.workdays import is_business_day

D = Decimal

# §8.1 W1–W20: (id, principal, fee, fee + 21 % VAT)
WIK = [
    ("W1-minimum", "0.01", "40.00", "48.40"),
    ("W2-minimum-15-raw", "100.00", "40.00", "48.40"),
    ("W3", "123.45", "40.00", "48.40"),
    ("W4-39.999-raw", "266.66", "40.00", "48.40"),
    ("W5-40.0005-raw", "266.67", "40.00", "48.40"),
    ("W6-first-above-minimum", "267.00", "40.05", "48.46"),
    ("W7", "1000.00", "150.00", "181.50"),
    ("W8-half-up-not-half-even", "1234.30", "185.15", "224.03"),
    ("W9", "1234.56", "185.18", "224.07"),
    ("W10-end-15pct-slice", "2500.00", "375.00", "453.75"),
    ("W11", "2501.00", "375.10", "453.87"),
    ("W12", "5000.00", "625.00", "756.25"),
    ("W13", "6000.00", "675.00", "816.75"),
    ("W14", "10000.00", "875.00", "1058.75"),
    ("W15", "15000.00", "925.00", "1119.25"),
    ("W16-end-1pct-slice", "200000.00", "2775.00", "3357.75"),
    ("W17", "250000.00", "3025.00", "3660.25"),
    ("W18-exactly-cap", "1000000.00", "6775.00", "8197.75"),
    ("W19-capped", "1000000.01", "6775.00", "8197.75"),
    ("W20-raw-11775-capped", "2000000.00", "6775.00", "8197.75"),
]


@pytest.mark.parametrize(
    ("principal", "fee", "with_vat"), [w[1:] for w in WIK], ids=[w[0] for w in WIK]
)
def test_wik_staffel(principal: str, fee: str, with_vat: str) -> None:
    assert compute_wik(D(principal)) == D(fee)
    nl = collection_costs("NL", "b2c", D(principal), vat_deductible=True)
    assert nl.amount == D(fee) and nl.vat == 0
    no_deduct = collection_costs("NL", "b2c", D(principal), vat_deductible=False)
    assert no_deduct.amount == D(with_vat)
    assert no_deduct.vat == D(with_vat) - D(fee)


@pytest.mark.parametrize(
    ("principals", "paid", "expected"),
    [
        pytest.param(["200.00", "150.00"], "0", "52.50", id="W21-two-invoices-one-letter"),
        pytest.param(["1000.00"], "400.00", "90.00", id="W22-part-paid-within-term"),
        pytest.param(["11210.02"], "0", "887.10", id="W23-capitalised-principal"),
    ],
)
def test_wik_scenarios(principals: list[str], paid: str, expected: str) -> None:
    assert wik_for_letter([D(p) for p in principals], paid_within_term=D(paid)) == D(expected)


def test_wik_rejects_non_positive_principal() -> None:
    with pytest.raises(ValueError, match="positive"):
        compute_wik(D("0"))


def test_nl_computation_lines_show_the_working() -> None:
    c = collection_costs("NL", "b2c", D("1234.30"), vat_deductible=False)
    text = "\n".join(map(str, c.lines))
    assert "15 % of 1234.30 = 185.1450" in text
    assert "185.15" in text and "VAT 38.88" in text
    assert str(c.lines[-1]) == "collection costs 224.03"


# §3.2 / B4
BE_CAP = [
    ("100", "20.00"),
    ("150", "20.00"),
    ("150.01", "30.00"),
    ("300", "45.00"),
    ("500", "65.00"),
    ("500.01", "65.00"),
    ("1000", "90.00"),
    ("1234.50", "101.73"),
    ("10000", "540.00"),
    ("39200", "2000.00"),
    ("50000", "2000.00"),
]


@pytest.mark.parametrize(("balance", "cap"), BE_CAP, ids=[f"B4-{b}" for b, _ in BE_CAP])
def test_be_consumer_cap(balance: str, cap: str) -> None:
    assert compute_be_consumer_cap(D(balance)) == D(cap)
    assert collection_costs("BE", "b2c", D(balance)).amount == D(cap)


@pytest.mark.parametrize(
    ("jurisdiction", "debtor_type", "expected"),
    [
        pytest.param("BE", "b2b", "40.00", id="be-b2b-flat-40"),
        pytest.param("DE", "b2b", "40.00", id="de-b2b-pauschale"),
        pytest.param("DE", "b2c", "0.00", id="de-consumer-none"),
        pytest.param("NL", "b2b", "40.00", id="nl-b2b-minimum"),
    ],
)
def test_flat_fees(jurisdiction: str, debtor_type: str, expected: str) -> None:
    assert collection_costs(jurisdiction, debtor_type, D("100.00")).amount == D(expected)


@pytest.mark.parametrize(
    ("j", "t"), [("FR", "b2b"), ("NL", "consumer")], ids=["unknown-country", "unknown-debtor-type"]
)
def test_collection_costs_rejects(j: str, t: str) -> None:
    with pytest.raises(ValueError):
        collection_costs(j, t, D("100"))


def nl(d: date) -> bool:
    return is_business_day(d, "NL")


def be(d: date) -> bool:
    return is_business_day(d, "BE")


@pytest.mark.parametrize(
    ("receipt", "atw", "start", "last", "costs_from"),
    [
        pytest.param(
            date(2026, 3, 3),
            False,
            date(2026, 3, 4),
            date(2026, 3, 17),
            date(2026, 3, 18),
            id="D1-email-received-tue",
        ),
        pytest.param(
            date(2026, 3, 7),
            False,
            date(2026, 3, 8),
            date(2026, 3, 21),
            date(2026, 3, 22),
            id="D2-letter-sat-no-atw",
        ),
        pytest.param(
            date(2026, 3, 7),
            True,
            date(2026, 3, 8),
            date(2026, 3, 23),
            date(2026, 3, 24),
            id="D2-letter-sat-atw",
        ),
        pytest.param(
            date(2026, 3, 10),
            True,
            date(2026, 3, 11),
            date(2026, 3, 24),
            date(2026, 3, 25),
            id="D3-verstek-presumption",
        ),
        pytest.param(
            date(2026, 12, 11),
            True,
            date(2026, 12, 12),
            date(2026, 12, 28),
            date(2026, 12, 29),
            id="atw-christmas-ends-on-holiday",
        ),
    ],
)
def test_fourteen_day_term(
    receipt: date, atw: bool, start: date, last: date, costs_from: date
) -> None:
    term = fourteen_day_term(receipt, extend_for_atw=atw, is_business_day=nl)
    assert (term.start, term.last_day, term.costs_from) == (start, last, costs_from)


@pytest.mark.parametrize(
    ("conservative", "expected"),
    [
        pytest.param(False, date(2026, 3, 7), id="D2-next-postal-day-saturday"),
        pytest.param(True, date(2026, 3, 10), id="D3-second-day-sun-mon-skipped"),
    ],
)
def test_presumed_letter_delivery(conservative: bool, expected: date) -> None:
    assert (
        presumed_letter_delivery(date(2026, 3, 6), conservative=conservative, is_business_day=nl)
        == expected
    )


@pytest.mark.parametrize(
    ("sent", "paper", "start", "last", "costs_from"),
    [
        pytest.param(
            date(2026, 3, 2),
            True,
            date(2026, 3, 5),
            date(2026, 3, 18),
            date(2026, 3, 19),
            id="B1-paper-monday",
        ),
        pytest.param(
            date(2026, 3, 2),
            False,
            date(2026, 3, 3),
            date(2026, 3, 16),
            date(2026, 3, 17),
            id="B2-email-monday",
        ),
        pytest.param(
            date(2026, 3, 5),
            True,
            date(2026, 3, 10),
            date(2026, 3, 23),
            date(2026, 3, 24),
            id="B3-paper-thursday-over-weekend",
        ),
        pytest.param(
            date(2026, 4, 2),
            True,
            date(2026, 4, 8),
            date(2026, 4, 21),
            date(2026, 4, 22),
            id="paper-over-easter-monday",
        ),
    ],
)
def test_be_consumer_waiting_period(
    sent: date, paper: bool, start: date, last: date, costs_from: date
) -> None:
    term = be_consumer_waiting_period(sent, paper=paper, is_business_day=be)
    assert (term.start, term.last_day, term.costs_from) == (start, last, costs_from)


def test_de_verzug_i6() -> None:
    assert de_verzug_start(date(2026, 6, 1), date(2026, 6, 1)) == date(2026, 7, 2)
    assert de_verzug_start(date(2026, 6, 15), date(2026, 6, 1)) == date(2026, 7, 16)


@pytest.mark.parametrize(
    ("stated", "expected"),
    [
        pytest.param("45.00", "0.00", id="W24-stated-above-statutory-voids-letter"),
        pytest.param("40.00", "40.00", id="stated-exactly-statutory"),
        pytest.param("35.00", "35.00", id="stated-less-caps-the-claim"),
    ],
)
def test_fee_owed_after_letter(stated: str, expected: str) -> None:
    assert fee_owed_after_letter(D(stated), compute_wik(D("100.00"))) == D(expected)
