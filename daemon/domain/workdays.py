"""Business days (NL/BE/DE public holidays) and the office's sending window.

Holidays come from the ``holidays`` package (pure data, no I/O); each country/year table is
built once and cached because building it is slow. A business day is Monday–Friday and
not a public holiday of that country.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache

import holidays

SUPPORTED_COUNTRIES = frozenset({"NL", "BE", "DE"})


@lru_cache(maxsize=64)
def _holiday_dates(country: str, year: int) -> frozenset[date]:
    if country not in SUPPORTED_COUNTRIES:
        raise ValueError(f"unsupported country {country!r}; expected one of NL, BE, DE")
    return frozenset(holidays.country_holidays(country, years=year).keys())


def is_public_holiday(d: date, country: str) -> bool:
    return d in _holiday_dates(country, d.year)


def is_business_day(d: date, country: str) -> bool:
    return d.weekday() < 5 and not is_public_holiday(d, country)


def next_business_day(d: date, country: str) -> date:
    """The first business day strictly after ``d``."""
    d += timedelta(days=1)
    while not is_business_day(d, country):
        d += timedelta(days=1)
    return d


def deadline_from(send_day: date, days: int, *countries: str) -> date:
    """The last day to pay for a term of ``days`` counted from the day the mail really leaves.

    A term ending on a weekend or a public holiday of any of ``countries`` (the debtor's and
    the office's jurisdiction) moves to the next day that is a business day in all of them:
    the conservative reading of the Algemene termijnenwet for the 14-dagenbrief, applied to
    every stated deadline so a debtor never loses a day to a closed day.
    """
    if days < 0:
        raise ValueError(f"a deadline needs days >= 0, got {days}")
    if not countries:
        raise ValueError("deadline_from needs at least one jurisdiction")
    d = send_day + timedelta(days=days)
    while not all(is_business_day(d, c) for c in countries):
        d += timedelta(days=1)
    return d


MINUTES_PER_DAY = 24 * 60


def _clock(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def add_business_days(d: date, n: int, country: str) -> date:
    """Move ``n`` business days forward (or back for negative ``n``); ``n=0`` returns ``d``."""
    step = timedelta(days=1 if n >= 0 else -1)
    remaining = abs(n)
    while remaining:
        d += step
        if is_business_day(d, country):
            remaining -= 1
    return d


@dataclass(frozen=True, slots=True)
class SendingWindow:
    """When reminders may go out: weekdays (0 = Monday) and ``[start, end)`` in minutes after
    midnight in the office timezone (``end`` 1440 = midnight), optionally skipping the public
    holidays of ``country``."""

    tz: tzinfo
    weekdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    start: int = 9 * 60
    end: int = 17 * 60
    country: str | None = None

    def __post_init__(self) -> None:
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(
                f"bad sending window {_clock(self.start)}-{_clock(self.end)}: the start must"
                " come before the end, within one day"
            )
        if not self.weekdays or not self.weekdays <= frozenset(range(7)):
            raise ValueError(f"bad sending weekdays {sorted(self.weekdays)}")

    def _open_day(self, d: date) -> bool:
        if d.weekday() not in self.weekdays:
            return False
        return self.country is None or not is_public_holiday(d, self.country)

    def _local(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("SendingWindow needs a timezone-aware datetime")
        return moment.astimezone(self.tz)

    def allows(self, moment: datetime) -> bool:
        local = self._local(moment)
        minute = local.hour * 60 + local.minute
        return self._open_day(local.date()) and self.start <= minute < self.end

    def next_opening(self, moment: datetime) -> datetime:
        """``moment`` itself when the window is open, else the next window start (office tz)."""
        if self.allows(moment):
            return moment
        local = self._local(moment)
        d = local.date()
        opening = time(self.start // 60, self.start % 60)
        # A year of lookahead covers any sane combination of weekdays and holidays.
        for _ in range(366):
            start = datetime.combine(d, opening, tzinfo=self.tz)
            if self._open_day(d) and start > local:
                return start
            d += timedelta(days=1)
        raise ValueError("sending window never opens")  # pragma: no cover
