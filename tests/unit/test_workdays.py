from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.workdays import (
    SendingWindow,
    add_business_days,
    deadline_from,
    is_business_day,
    is_public_holiday,
    next_business_day,
)

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("day", "country", "expected"),
    [
        pytest.param(date(2026, 3, 4), "NL", True, id="plain-wednesday"),
        pytest.param(date(2026, 3, 7), "NL", False, id="saturday"),
        pytest.param(date(2026, 4, 27), "NL", False, id="nl-koningsdag"),
        pytest.param(date(2026, 4, 27), "BE", True, id="be-no-koningsdag"),
        pytest.param(date(2026, 7, 21), "BE", False, id="be-national-day"),
        pytest.param(date(2026, 10, 3), "DE", False, id="de-unity-day-saturday"),
        pytest.param(date(2026, 12, 25), "DE", False, id="christmas"),
        pytest.param(date(2026, 4, 6), "NL", False, id="easter-monday"),
    ],
)
def test_is_business_day(day: date, country: str, expected: bool) -> None:
    assert is_business_day(day, country) is expected


def test_unknown_country_raises() -> None:
    with pytest.raises(ValueError, match="unsupported country"):
        is_public_holiday(date(2026, 1, 1), "FR")


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        pytest.param(date(2026, 3, 6), 1, date(2026, 3, 9), id="friday-plus-one"),
        pytest.param(
            date(2026, 4, 2), 2, date(2026, 4, 8), id="over-good-friday-and-easter-monday"
        ),
        pytest.param(date(2026, 12, 24), 1, date(2026, 12, 28), id="over-christmas"),
        pytest.param(date(2026, 3, 9), -1, date(2026, 3, 6), id="backwards"),
        pytest.param(date(2026, 3, 7), 0, date(2026, 3, 7), id="zero"),
    ],
)
def test_add_business_days(start: date, n: int, expected: date) -> None:
    assert add_business_days(start, n, "NL") == expected


def test_next_business_day() -> None:
    assert next_business_day(date(2026, 12, 31), "NL") == date(2027, 1, 4)


# Issue #15: the term counts from the day the mail really leaves and a last day that falls
# on a weekend or a public holiday of any given jurisdiction moves to the next business day.
@pytest.mark.parametrize(
    ("send_day", "days", "countries", "expected"),
    [
        pytest.param(date(2026, 3, 4), 7, ("NL",), date(2026, 3, 11), id="plain-weekday"),
        # Planned Sat 11 Apr, sent Mon 13 Apr: 7 days from Monday, not from Saturday.
        pytest.param(date(2026, 4, 13), 7, ("NL",), date(2026, 4, 20), id="planned-saturday"),
        pytest.param(date(2026, 3, 6), 8, ("NL",), date(2026, 3, 16), id="ends-saturday"),
        pytest.param(date(2026, 3, 7), 8, ("NL",), date(2026, 3, 16), id="ends-sunday"),
        pytest.param(date(2026, 3, 30), 7, ("NL",), date(2026, 4, 7), id="easter-monday"),
        pytest.param(date(2026, 3, 27), 7, ("NL",), date(2026, 4, 7), id="good-friday-weekend"),
        pytest.param(date(2026, 12, 18), 7, ("NL",), date(2026, 12, 28), id="christmas"),
        pytest.param(date(2026, 12, 24), 8, ("NL",), date(2027, 1, 4), id="new-year"),
        pytest.param(date(2026, 4, 20), 7, ("NL",), date(2026, 4, 28), id="koningsdag"),
        pytest.param(date(2026, 4, 20), 7, ("BE",), date(2026, 4, 27), id="be-debtor-nl-only"),
        pytest.param(
            date(2026, 4, 20), 7, ("BE", "NL"), date(2026, 4, 28), id="be-debtor-nl-office"
        ),
        pytest.param(date(2026, 7, 14), 7, ("BE", "NL"), date(2026, 7, 22), id="be-national-day"),
        pytest.param(date(2026, 9, 26), 7, ("DE", "NL"), date(2026, 10, 5), id="de-unity-day"),
        # 14-dagenbrief: receipt on the send day, last day receipt + 14, extended (ATW).
        pytest.param(date(2026, 3, 2), 14, ("NL",), date(2026, 3, 16), id="notice-14-days"),
        pytest.param(
            date(2026, 4, 13), 14, ("NL",), date(2026, 4, 28), id="notice-14-days-koningsdag"
        ),
        pytest.param(date(2026, 3, 4), 0, ("NL",), date(2026, 3, 4), id="zero-days"),
    ],
)
def test_deadline_from(send_day: date, days: int, countries: tuple[str, ...], expected: date):
    got = deadline_from(send_day, days, *countries)
    assert got == expected
    assert got >= send_day + timedelta(days=days)
    assert all(is_business_day(got, c) for c in countries)


def test_deadline_from_refuses_nonsense() -> None:
    with pytest.raises(ValueError, match="days >= 0"):
        deadline_from(date(2026, 3, 4), -1, "NL")
    with pytest.raises(ValueError, match="at least one jurisdiction"):
        deadline_from(date(2026, 3, 4), 7)


WINDOW = SendingWindow(tz=AMS, start=9 * 60, end=17 * 60, country="NL")


@pytest.mark.parametrize(
    ("moment", "allowed", "opening"),
    [
        pytest.param(
            datetime(2026, 3, 4, 10, 0, tzinfo=AMS),
            True,
            datetime(2026, 3, 4, 10, 0, tzinfo=AMS),
            id="open",
        ),
        pytest.param(
            datetime(2026, 3, 4, 7, 0, tzinfo=AMS),
            False,
            datetime(2026, 3, 4, 9, 0, tzinfo=AMS),
            id="before-opening",
        ),
        pytest.param(
            datetime(2026, 3, 4, 17, 0, tzinfo=AMS),
            False,
            datetime(2026, 3, 5, 9, 0, tzinfo=AMS),
            id="at-closing",
        ),
        pytest.param(
            datetime(2026, 3, 6, 18, 0, tzinfo=AMS),
            False,
            datetime(2026, 3, 9, 9, 0, tzinfo=AMS),
            id="friday-evening",
        ),
        pytest.param(
            datetime(2026, 4, 26, 12, 0, tzinfo=AMS),
            False,
            datetime(2026, 4, 28, 9, 0, tzinfo=AMS),
            id="sunday-before-koningsdag",
        ),
        pytest.param(
            datetime(2026, 3, 4, 8, 30, tzinfo=ZoneInfo("UTC")),
            True,
            datetime(2026, 3, 4, 8, 30, tzinfo=ZoneInfo("UTC")),
            id="utc-input-converted",
        ),
        pytest.param(
            datetime(2026, 3, 28, 20, 0, tzinfo=ZoneInfo("UTC")),
            False,
            datetime(2026, 3, 30, 9, 0, tzinfo=AMS),
            id="over-dst-change",
        ),
    ],
)
def test_sending_window(moment: datetime, allowed: bool, opening: datetime) -> None:
    assert WINDOW.allows(moment) is allowed
    assert WINDOW.next_opening(moment) == opening


def test_sending_window_rejects_naive_and_bad_config() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        WINDOW.allows(datetime(2026, 3, 4, 10))
    with pytest.raises(ValueError, match="start must come before the end"):
        SendingWindow(tz=AMS, start=18 * 60, end=9 * 60)
    with pytest.raises(ValueError, match="weekdays"):
        SendingWindow(tz=AMS, weekdays=frozenset({7}))


HALF_HOURS = SendingWindow(tz=AMS, start=8 * 60 + 30, end=17 * 60 + 30, country="NL")


@pytest.mark.parametrize(
    ("moment", "allowed", "opening"),
    [
        ((8, 29), False, (8, 30)),
        ((8, 30), True, (8, 30)),
        ((17, 29), True, (17, 29)),
        ((17, 30), False, None),  # closed: the next opening is tomorrow 08:30
    ],
)
def test_a_window_to_the_minute(
    moment: tuple[int, int], allowed: bool, opening: tuple[int, int] | None
) -> None:
    at = datetime(2026, 3, 4, *moment, tzinfo=AMS)
    assert HALF_HOURS.allows(at) is allowed
    expected = (
        datetime(2026, 3, 4, *opening, tzinfo=AMS)
        if opening
        else datetime(2026, 3, 5, 8, 30, tzinfo=AMS)
    )
    assert HALF_HOURS.next_opening(at) == expected
