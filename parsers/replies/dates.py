"""Absolute and relative date mentions in nl/en/de/fr, resolved against the message day.

Conventions (see corpus/replies/README.md, "How the fields were filled"):
weekday alone → next such weekday strictly after the base day; "next week" → Friday of the
following calendar week; "end of the month" → last calendar day of the base month;
"within N working days" → N-th business day after the base day (base day = day 0);
"avant le 15" → next 15th; "yesterday" → base − 1; "last Friday" → most recent Friday before;
a date without a year → the occurrence nearest to the base day.
Hand-written regexes instead of dateparser: these conventions are not dateparser's, and
the regexes cost microseconds per message.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

BusinessDay = Callable[[date], bool]


def weekdays_only(day: date) -> bool:
    return day.weekday() < 5


MONTHS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        "januari january januar janvier jan janv jänner",
        "februari february februar février fevrier feb febr fév fevr",
        "maart march märz maerz mars mrt mar mär",
        "april avril apr avr",
        "mei may mai",
        "juni june juin jun",
        "juli july juillet jul juil",
        "augustus august août aout aug aoû",
        "september septembre sep sept",
        "oktober october octobre okt oct",
        "november novembre nov",
        "december december dezember décembre decembre dec dez déc",
    ],
    start=1,
):
    for _n in _names.split():
        MONTHS[_n] = _index

WEEKDAYS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        "maandag monday montag lundi ma mon",
        "dinsdag tuesday dienstag mardi di tue tues",
        "woensdag wednesday mittwoch mercredi wo wed",
        "donderdag thursday donnerstag jeudi do thu thur thurs",
        "vrijdag friday freitag vendredi vr fri",
        "zaterdag saturday samstag samedi za sat",
        "zondag sunday sonntag dimanche zo sun",
    ]
):
    for _n in _names.split():
        WEEKDAYS[_n] = _index

_MONTH_RE = "|".join(sorted((re.escape(m) for m in MONTHS), key=len, reverse=True))
_LONG_WD = [n for n in WEEKDAYS if len(n) > 3]
_WD_RE = "|".join(sorted(_LONG_WD, key=len, reverse=True))
_NUM_WORDS = {
    "een": 1, "één": 1, "one": 1, "ein": 1, "einem": 1, "un": 1, "twee": 2, "two": 2,
    "zwei": 2, "deux": 2, "drie": 3, "three": 3, "drei": 3, "trois": 3, "vier": 4, "four": 4,
    "quatre": 4, "vijf": 5, "five": 5, "fünf": 5, "cinq": 5, "tien": 10, "ten": 10,
    "zehn": 10, "dix": 10,
}  # fmt: skip
_N = r"(\d{1,2}|" + "|".join(_NUM_WORDS) + r")"


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    day: date
    text: str
    kind: str  # "absolute", "relative", "weekday", "period"


def _num(token: str) -> int:
    return int(token) if token.isdigit() else _NUM_WORDS[token.lower()]


def add_business_days(base: date, n: int, is_business_day: BusinessDay) -> date:
    day = base
    count = 0
    while count < n:
        day += timedelta(days=1)
        if is_business_day(day):
            count += 1
    return day


def _nearest_year(base: date, month: int, day: int) -> date | None:
    best: date | None = None
    for year in (base.year - 1, base.year, base.year + 1):
        try:
            cand = date(year, month, day)
        except ValueError:
            continue
        if best is None or abs((cand - base).days) < abs((best - base).days):
            best = cand
    return best


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _next_weekday(base: date, weekday: int) -> date:
    return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)


def _friday_next_week(base: date) -> date:
    return base + timedelta(days=7 - base.weekday() + 4)


def _end_of_month(base: date) -> date:
    return date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])


_I = re.IGNORECASE
_NUMERIC = re.compile(r"(?<![\d/.\-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/\-]|[.,]\d)")
_ISO = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_DAY_MONTH_SHORT = re.compile(
    r"\b(?:op|on|am|le|per|vom|du|since|sinds|seit)\s+(\d{1,2})[-/.](\d{1,2})(?![\d/.\-])(?!\.\d)",
    _I,
)
_TEXT_DM = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|e|\.)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:\s+(\d{{4}}))?(?!\w)",
    _I,
)
_TEXT_MD = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?![\d\w])", _I
)
_WITHIN_BD = re.compile(
    rf"\b(?:binnen|within|in|innerhalb(?:\s+von)?|sous|dans(?:\s+les)?|d'ici)\s+{_N}\s+"
    r"(?:werkdag(?:en)?|working days?|business days?|werktag(?:en|e)?|arbeitstag(?:en|e)?|"
    r"jours? ouvrés?|jours? ouvrables?)",
    _I,
)
_WITHIN_D = re.compile(
    rf"\b(?:binnen|within|in|innerhalb(?:\s+von)?|sous|dans(?:\s+les)?|d'ici)\s+{_N}\s+(?:dagen|days|tagen|jours)\b",
    _I,
)
_AVANT_LE = re.compile(
    r"\b(?:avant le|before the|vóór de|voor de|bis zum)\s+(\d{1,2})(?:th|e|\.|er)?(?![\d./\-]|\s*(?:"
    + _MONTH_RE
    + r"))",
    _I,
)
_NEXT_WEEK_DAY = re.compile(
    rf"\b(?:volgende week|next week|nächste woche|naechste woche|la semaine prochaine|semaine prochaine)\s+({_WD_RE})\b|"
    rf"\b({_WD_RE})\s+(?:volgende week|next week|nächste woche|de la semaine prochaine|prochain)\b",
    _I,
)
_NEXT_WEEK = re.compile(
    r"\b(volgende week|komende week|next week|nächste woche|naechste woche|kommende woche|la semaine prochaine|semaine prochaine)\b",
    _I,
)
_END_MONTH = re.compile(
    r"\b(eind van de maand|einde van de maand|eind deze maand|einde maand|eind van deze maand|"
    r"end of the month|end of this month|month end|month-end|ende des monats|monatsende|ende dieses monats|"
    r"fin du mois|fin de ce mois|fin de mois)\b",
    _I,
)
_YESTERDAY = re.compile(r"\b(yesterday|gisteren|gestern|hier)\b", _I)
_TODAY = re.compile(
    r"\b(this morning|today|vanochtend|vanmorgen|vandaag|heute morgen|heute|ce matin|aujourd'hui)\b",
    _I,
)
_TOMORROW = re.compile(
    r"(?<!guten )(?<!heute )\b(tomorrow|morgen|demain)\b(?!\s*(?:ochtend|middag|früh))", _I
)
_LAST_WD = re.compile(
    rf"\b(?:last|afgelopen|vorige|letzten|vergangenen|dernier)\s+({_WD_RE})\b|\b({_WD_RE})\s+(?:dernier|jl\.?)",
    _I,
)
_WEEKDAY = re.compile(rf"\b({_WD_RE})\b", _I)


def find_dates(
    text: str,
    base: date,
    *,
    is_business_day: BusinessDay = weekdays_only,
    language: str | None = None,
) -> list[DateMention]:
    """Every date mention in ``text``, resolved against ``base``; overlapping ones dropped."""
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], day: date | None, kind: str) -> None:
        if day is None:
            return
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(DateMention(s, e, day, m.group(0), kind))

    for m in _ISO.finditer(text):
        add(m, _safe(int(m[1]), int(m[2]), int(m[3])), "absolute")
    for m in _NUMERIC.finditer(text):
        y = int(m[4])
        add(m, _safe(y + 2000 if y < 100 else y, int(m[3]), int(m[1])), "absolute")
    for m in _TEXT_DM.finditer(text):
        mon = MONTHS[m[2].lower()]
        day = int(m[1])
        add(m, _safe(int(m[3]), mon, day) if m[3] else _nearest_year(base, mon, day), "absolute")
    for m in _TEXT_MD.finditer(text):
        mon = MONTHS[m[1].lower()]
        day = int(m[2])
        if len(m[1]) < 3:
            continue
        add(m, _safe(int(m[3]), mon, day) if m[3] else _nearest_year(base, mon, day), "absolute")
    for m in _DAY_MONTH_SHORT.finditer(text):
        add(m, _nearest_year(base, int(m[2]), int(m[1])), "absolute")
    for m in _WITHIN_BD.finditer(text):
        add(m, add_business_days(base, _num(m[1]), is_business_day), "period")
    for m in _WITHIN_D.finditer(text):
        add(m, base + timedelta(days=_num(m[1])), "period")
    for m in _AVANT_LE.finditer(text):
        d = int(m[1])
        cand = base + timedelta(days=1)
        while cand.day != d and (cand - base).days < 62:
            cand += timedelta(days=1)
        add(m, cand if cand.day == d else None, "relative")
    for m in _NEXT_WEEK_DAY.finditer(text):
        wd = WEEKDAYS[(m[1] or m[2]).lower()]
        monday = base + timedelta(days=7 - base.weekday())
        add(m, monday + timedelta(days=wd), "relative")
    for m in _LAST_WD.finditer(text):
        wd = WEEKDAYS[(m[1] or m[2]).lower()]
        add(m, base - timedelta(days=(base.weekday() - wd - 1) % 7 + 1), "relative")
    for m in _NEXT_WEEK.finditer(text):
        add(m, _friday_next_week(base), "relative")
    for m in _END_MONTH.finditer(text):
        add(m, _end_of_month(base), "relative")
    for m in _YESTERDAY.finditer(text):
        if m[1].lower() == "hier" and language != "fr":  # "hier" = "here" in nl/de
            continue
        add(m, base - timedelta(days=1), "relative")
    for m in _TODAY.finditer(text):
        add(m, base, "relative")
    for m in _TOMORROW.finditer(text):
        add(m, base + timedelta(days=1), "relative")
    for m in _WEEKDAY.finditer(text):
        # "vrijdag 6 november", "Montag, dem 23.11.2026": the explicit date decides
        if any(m.end() <= ts <= m.end() + 12 for ts, _ in taken):
            continue
        add(m, _next_weekday(base, WEEKDAYS[m[1].lower()]), "weekday")
    found.sort(key=lambda d: d.start)
    return found
