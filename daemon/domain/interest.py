"""Statutory interest: dated rate tables and a period-split calculation (domain-rules §2–§4).

Convention (stated on every statement): actual/365, sub-periods split at rate changes and
at each anniversary of the interest start, each sub-period rounded half-up to the cent;
with ``compound_yearly`` (NL art. 6:119 lid 2 / 6:119a lid 3 BW) the interest of each
interest year is added to the base on the anniversary.

Rates are data, never computed: the NL consumer rate has no reproducible formula.
Rows marked [VERIFY] in the research must be checked against the official publication
before each release.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal

from daemon.domain.money import format_plain, quantize_cents

RateTable = tuple[tuple[date, Decimal], ...]  # (valid from, annual rate in percent), sorted


def _table(*rows: tuple[str, str]) -> RateTable:
    return tuple((date.fromisoformat(d), Decimal(r)) for d, r in rows)


# Wettelijke rente, art. 6:119 BW (consumers). 2025 H2 onwards: [VERIFY].
NL_B2C: RateTable = _table(
    ("2015-01-01", "2"),
    ("2023-01-01", "4"),
    ("2023-07-01", "6"),
    ("2024-01-01", "7"),
    ("2024-07-01", "7"),
    ("2025-01-01", "6"),
    ("2025-07-01", "6"),
    ("2026-01-01", "4"),
    ("2026-07-01", "4"),
)
# Wettelijke handelsrente, art. 6:119a BW (ECB MRO + 8). 2026 H2: [VERIFY].
NL_B2B: RateTable = _table(
    ("2015-01-01", "8.05"),
    ("2016-07-01", "8.00"),
    ("2023-01-01", "10.50"),
    ("2023-07-01", "12.00"),
    ("2024-01-01", "12.50"),
    ("2024-07-01", "12.25"),
    ("2025-01-01", "11.15"),
    ("2025-07-01", "10.15"),
    ("2026-01-01", "10.15"),
    ("2026-07-01", "10.40"),
)
# Basiszinssatz, § 247 BGB. 2026 H2: [VERIFY].
DE_BASISZINS: RateTable = _table(
    ("2016-07-01", "-0.88"),
    ("2023-01-01", "1.62"),
    ("2023-07-01", "3.12"),
    ("2024-01-01", "3.62"),
    ("2024-07-01", "3.37"),
    ("2025-01-01", "2.27"),
    ("2025-07-01", "1.27"),
    ("2026-01-01", "1.27"),
    ("2026-07-01", "1.52"),
)
DE_B2C: RateTable = tuple((d, r + 5) for d, r in DE_BASISZINS)  # § 288 Abs. 1
DE_B2B: RateTable = tuple((d, r + 9) for d, r in DE_BASISZINS)  # § 288 Abs. 2
# BE wet 2 augustus 2002 art. 5 (ECB + 8, rounded up to the half point). 2023 H2 on: derived.
BE_B2B: RateTable = _table(
    ("2016-07-01", "8.0"),
    ("2023-01-01", "10.5"),
    ("2023-07-01", "12.0"),
    ("2024-01-01", "12.5"),
    ("2024-07-01", "12.5"),
    ("2025-01-01", "11.5"),
    ("2025-07-01", "10.5"),
    ("2026-01-01", "10.5"),
)


def be_b2b_rate_from_ecb(ecb_rate: Decimal) -> Decimal:
    """ECB reference rate + 8 points, rounded up to the next half point (12.25 → 12.5)."""
    return ((ecb_rate + 8) * 2).to_integral_value(rounding=ROUND_CEILING) / 2


def rate_on(table: RateTable, day: date) -> Decimal:
    """The rate in force on ``day``; ValueError before the table's first entry."""
    current: Decimal | None = None
    for start, rate in table:
        if start > day:
            break
        current = rate
    if current is None:
        raise ValueError(f"no interest rate known for {day.isoformat()}")
    return current


@dataclass(frozen=True, slots=True)
class InterestLine:
    start: date
    end: date  # inclusive
    days: int
    base: Decimal
    rate: Decimal  # percent per year
    interest: Decimal

    def describe(self) -> str:
        return (
            f"{self.start.isoformat()} – {self.end.isoformat()}: {self.days} days × "
            f"{self.rate:f} % on {format_plain(self.base)} = {format_plain(self.interest)}"
        )


@dataclass(frozen=True, slots=True)
class Capitalisation:
    on: date
    new_base: Decimal


@dataclass(frozen=True, slots=True)
class InterestComputation:
    principal: Decimal
    lines: tuple[InterestLine, ...]
    capitalisations: tuple[Capitalisation, ...]
    total: Decimal
    convention: str


def _add_year(d: date) -> date:
    try:
        return d.replace(year=d.year + 1)
    except ValueError:  # 29 February
        return date(d.year + 1, 3, 1)


def compute_interest(
    principal: Decimal,
    start: date,
    end: date,
    table: RateTable,
    *,
    compound_yearly: bool,
    day_count: str = "act/365",
) -> InterestComputation:
    """Interest on ``principal`` for the days ``start`` … ``end``, both inclusive.

    ``start`` is the first interest day: the day after the due date (NL, BE) or the first
    day of Verzug (DE); ``end`` is the payment day or the as-of date.
    """
    if day_count != "act/365":
        raise ValueError(f"unsupported day count {day_count!r}; only act/365")
    if end < start:
        return InterestComputation(principal, (), (), Decimal("0.00"), day_count)
    # Split only where the rate really changes: a semester that repeats the previous rate
    # would otherwise add a cent of rounding noise.
    breaks = [
        d for i, (d, r) in enumerate(table) if start < d <= end and (i == 0 or table[i - 1][1] != r)
    ]
    lines: list[InterestLine] = []
    caps: list[Capitalisation] = []
    base, year_interest, total = principal, Decimal(0), Decimal(0)
    anniversary = _add_year(start)
    day = start
    while day <= end:
        nxt = min([b for b in breaks if b > day] + [end + timedelta(days=1)])
        # Interest years are always separate lines (the statement reads per year, and the
        # research vectors round per year-part even without compounding).
        if day == anniversary:
            if compound_yearly:
                base += year_interest
                caps.append(Capitalisation(day, base))
            year_interest = Decimal(0)
            anniversary = _add_year(anniversary)
        nxt = min(nxt, anniversary)
        days = (nxt - day).days
        rate = rate_on(table, day)
        interest = quantize_cents(base * rate / 100 * days / 365)
        lines.append(InterestLine(day, nxt - timedelta(days=1), days, base, rate, interest))
        year_interest += interest
        total += interest
        day = nxt
    convention = f"{day_count}, rounded per period" + (
        ", yearly compounding" if compound_yearly else ""
    )
    return InterestComputation(
        principal, tuple(lines), tuple(caps), quantize_cents(total), convention
    )
