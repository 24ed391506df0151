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


def common_working_day(day: date) -> bool:
    """Monday to Friday, except 1 January and 25 December: the working days where the
    office's country is not known. Those two are public holidays in every country whose
    language dunmail reads (NL, BE, LU, DE, AT, CH, FR, GB, IE), and the labelled replies
    count them so ("Anfang Januar" = Monday 4 January 2027, not New Year's Day); other
    holidays differ between those countries, so only ``is_business_day`` of the office's
    jurisdiction knows them."""
    return day.weekday() < 5 and (day.month, day.day) not in _EVERYWHERE_CLOSED


_EVERYWHERE_CLOSED = frozenset({(1, 1), (12, 25)})


MONTHS: dict[str, int] = {}
for _index, _names in enumerate(
    [
        "januari january januar janvier jan janv jänner",
        "februari february februar feber février fevrier feb febr fév fevr",
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
    "a": 1, "une": 1, "eine": 1, "einer": 1, "zehn": 10, "dix": 10, "zes": 6, "six": 6, "sechs": 6, "zeven": 7, "seven": 7,
    "sieben": 7, "sept": 7, "acht": 8, "eight": 8, "huit": 8, "negen": 9, "nine": 9,
    "neun": 9, "neuf": 9, "veertien": 14, "fourteen": 14, "vierzehn": 14, "quatorze": 14,
    "vijftien": 15, "fifteen": 15, "quinze": 15, "twaalf": 12, "twelve": 12, "zwölf": 12,
    "douze": 12, "twintig": 20, "twenty": 20, "zwanzig": 20, "vingt": 20, "dertig": 30,
    "thirty": 30, "dreißig": 30, "dreissig": 30, "trente": 30, "zestig": 60, "sixty": 60,
    "sechzig": 60, "soixante": 60,
}  # fmt: skip
_N = r"(\d{1,2}|" + "|".join(_NUM_WORDS) + r")"


@dataclass(frozen=True, slots=True)
class DateMention:
    start: int
    end: int
    day: date
    text: str
    # "absolute", "relative", "weekday", "day" (of the month), "period", "now" (the moment
    # of writing: "zojuist", "just now" — a paid day, never a promised one)
    kind: str


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


def _nearer(base: date, european: date | None, american: date | None) -> date | None:
    """Of the day-month and the month-day reading of an English slash date, the one nearer
    to the mail's day: a reply speaks of recent or coming days, and US writers put the
    month first. A tie keeps the European reading."""
    if european is None or american is None:
        return european or american
    return american if abs((american - base).days) < abs((european - base).days) else european


def _next_weekday(base: date, weekday: int) -> date:
    return base + timedelta(days=(weekday - base.weekday() - 1) % 7 + 1)


def _friday_next_week(base: date) -> date:
    return base + timedelta(days=7 - base.weekday() + 4)


def _next_date(base: date, month: int, day: int) -> date:
    """The first such calendar day on or after ``base``."""
    this = date(base.year, month, day)
    return this if this >= base else date(base.year + 1, month, day)


def _next_day_of_month(base: date, day: int) -> date | None:
    """The next such day of a month strictly after ``base`` ("de 24e", "on the 9th")."""
    cand = base + timedelta(days=1)
    while cand.day != day and (cand - base).days < 62:
        cand += timedelta(days=1)
    return cand if cand.day == day else None


def _first_week_friday(base: date, month: int) -> date:
    """Friday of the first full working week (Monday to Friday) of ``month``."""
    first = _next_date(base, month, 1)
    monday = first + timedelta(days=(7 - first.weekday()) % 7)
    return monday + timedelta(days=4)


def _first_business_day(base: date, month: int, is_business_day: BusinessDay) -> date:
    day = _next_date(base, month, 1)
    while not is_business_day(day):
        day += timedelta(days=1)
    return day


def _iso_week_friday(base: date, week: int) -> date | None:
    """Friday of ISO week ``week``: this year's, or next year's once it has passed."""
    if not 1 <= week <= 53:
        return None
    for year in (base.isocalendar()[0], base.isocalendar()[0] + 1):
        try:
            friday = date.fromisocalendar(year, week, 5)
        except ValueError:
            continue
        if friday >= base - timedelta(days=4):
            return friday
    return None


def _last_weekday_of_month(base: date, weekday: int) -> date:
    """This month's last such weekday, or next month's once it has passed."""
    end = _end_of_month(base)
    day = end - timedelta(days=(end.weekday() - weekday) % 7)
    if day < base:
        end = _end_of_month(end + timedelta(days=1))
        day = end - timedelta(days=(end.weekday() - weekday) % 7)
    return day


def _end_of_month(base: date) -> date:
    return date(base.year, base.month, calendar.monthrange(base.year, base.month)[1])


_I = re.IGNORECASE
_NUMERIC = re.compile(r"(?<![\d/.\-])(\d{1,2})([./-])(\d{1,2})\2(\d{4}|\d{2})(?![\d/\-]|[.,]\d)")
_ISO = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{2})-(\d{2})(?![\d])")
_DAY_MONTH_SHORT = re.compile(
    r"\b(?:op|on|am|le|per|vom|du|since|sinds|seit)\s+(\d{1,2})[-/.](\d{1,2})(?![\d/.\-])(?!\.\d)",
    _I,
)
# "executed on 14/09", "am 28.09. beglichen", "at 12-10": day and month without a year,
# anywhere (not inside amounts, times or longer numbers).
_BARE_DM = re.compile(
    r"(?<![\d/.,\-:€$£])(\d{1,2})([./-])(\d{1,2})(?:\.(?=[\s,;!?)]|$))?(?![\d/\-:]|[.,]\d)"
)
_DAY_OF_MONTH = re.compile(
    # Flemish "den 15de" too (not "de 2de", a second reminder)
    r"\b(?:(?:de|the|le|den|am|on the|on)\s+(\d{1,2})(?:e|th|st|nd|rd|er|ste|\.)|den\s+(\d{1,2})de)"
    r"(?=\s|[,.!?]|$)"
    r"(?!\s*(?:" + _MONTH_RE + r"))(?:\s+of this month|\s+dieses monats|\s+van deze maand)?",
    _I,
)
_TEXT_DM = re.compile(
    rf"(?<!\d)(\d{{1,2}})(?:st|nd|rd|th|er|ste|de|e|\.)?\s+(?:of\s+)?({_MONTH_RE})\.?(?:\s+(\d{{4}}))?(?!\w)",
    _I,
)
# French "le 25" / "au 15" is the plain way to name a day of the month ("je vous paie le 25
# quand le salaire arrive", "le virement du 16"): not an amount, a time, an address or a count
_FR_DAY = re.compile(
    r"\b(?:le|au)\s+(1er|\d{1,2})(?![\d/:\-h'’]|[.,]\d|\s*(?:%|€|eur\b|euros?\b|h\b|heures?\b|rue\b|"
    r"av\b|avenue\b|bd\b|boulevard\b|chemin\b|all[ée]e\b|place\b|quai\b|ans?\b|jours?\b|mois\b|"
    r"semaines?\b|fois\b|ex\b|exemplaires?\b|pi[eè]ces?\b|unit|x\b|m\b|km\b|kg\b|pages?\b))",
    _I,
)
_TEXT_MD = re.compile(
    rf"\b({_MONTH_RE})\.?\s+(\d{{1,2}})(?:st|nd|rd|th)?(?:,?\s+(\d{{4}}))?(?![\d\w])", _I
)
# "… of today's date", "… ab heute", "… à compter d'aujourd'hui": the period's own start, the
# mail's day — part of the period, not a second ("today") date.
_FROM_TODAY = (
    r"(?:\s+(?:of|from) (?:today(?:['’]s date)?|the date of this (?:e-?mail|letter))|"
    r"\s+(?:ab|von) heute|\s+vanaf (?:vandaag|heden)|\s+(?:à compter d'|à partir d')aujourd'hui)?"
)
# "the next", "der nächsten", "den nächsten", "les prochains", "de komende"
_NEXT_FEW = r"(?:(?:the |der |den |die |les |de )?(?:next|n(?:ä|ae|a)chsten|prochains|komende|volgende)\s+)?"
_WITHIN_BD = re.compile(
    rf"\b(?:binnen(?:\s+de)?|within|in|innerhalb(?:\s+von)?|innert|sous|dans(?:\s+les)?|d'ici|"
    rf"comptez|allow|reken(?:\s+op)?|rechnen sie mit|end[ée]ans(?:\s+les|\s+de)?)\s+{_NEXT_FEW}{_N}\s+"
    r"(?:werkdag(?:en)?|working days?|business days?|werktag(?:en|e)?|arbeitstag(?:en|e)?|"
    r"jours? ouvr[ée]s?|jours? ouvrables?)" + _FROM_TODAY,
    _I,
)
# "spätestens am dritten Werktag des Folgemonats", "the 5th business day of next month",
# "le deuxième jour ouvré du mois suivant": a payment run's day, counted in working days.
_ORDINALS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
    "eighth": 8, "ninth": 9, "tenth": 10, "eerste": 1, "tweede": 2, "derde": 3, "vierde": 4,
    "vijfde": 5, "zesde": 6, "zevende": 7, "achtste": 8, "negende": 9, "tiende": 10,
    "ersten": 1, "zweiten": 2, "dritten": 3, "vierten": 4, "fünften": 5, "fuenften": 5,
    "sechsten": 6, "siebten": 7, "achten": 8, "neunten": 9, "zehnten": 10, "erste": 1,
    "zweite": 2, "dritte": 3, "vierte": 4, "fünfte": 5, "premier": 1, "deuxième": 2,
    "deuxieme": 2, "troisième": 3, "troisieme": 3, "quatrième": 4,
    "quatrieme": 4, "cinquième": 5, "cinquieme": 5, "sixième": 6, "sixieme": 6,
}  # fmt: skip
_NTH_WORKDAY_NEXT_MONTH = re.compile(
    r"\b(?:(\d{1,2})(?:\.|st|nd|rd|th|e|de|ste|ème|eme|er)?|"
    + "|".join(sorted(_ORDINALS, key=len, reverse=True))
    + r")\s+(?:werkdag|working day|business day|banking day|werktag|arbeitstag|bankarbeitstag|"
    r"jour ouvr[ée]|jour ouvrable)\s+(?:des folgemonats|des n(?:ä|ae|a)chsten monats|"
    r"des kommenden monats|of (?:the )?(?:next|following) month|van de volgende maand|"
    r"van volgende maand|du mois (?:suivant|prochain))\b",
    _I,
)
_WITHIN_D = re.compile(
    rf"\b(?:binnen(?:\s+de)?|within|in|over|innerhalb(?:\s+von)?|innert|sous|dans(?:\s+les)?|d'ici|"
    rf"end[ée]ans(?:\s+les|\s+de)?)\s+{_NEXT_FEW}{_N}\s+(?:dagen|days|tagen|tage|jours)\b"
    + _FROM_TODAY,
    _I,
)
_WITHIN_W = re.compile(
    rf"\b(?:binnen|within|in|over|innerhalb(?:\s+von)?|innert|in(?:nerhalb)?|dans|sous|d'ici)\s+{_N}\s+"
    r"(?:weken|weeks|wochen|semaines|week|woche|semaine)\b",
    _I,
)
_GREETING = re.compile(r"^\s*morgen\s*[,!]", _I | re.MULTILINE)  # Dutch/German "good morning"
_HUITAINE = re.compile(r"\bsous (huitaine|quinzaine)\b", _I)
_ISO_WEEK = re.compile(
    r"\b(?:in |during |vor |bis |en |op |tegen )?(?:week|kw|kalenderwoche|semaine|wk)\.?\s*(\d{1,2})\b",
    _I,
)
_FIRST_WEEK = re.compile(
    rf"\b(?:(?:the )?first week of|(?:de )?eerste week van|(?:la )?premi[eè]re semaine de|"
    rf"d[ée]but|begin|early|anfang|in der ersten woche im|erste woche im)\s+({_MONTH_RE})\b",
    _I,
)
_NEXT_MONTH_START = re.compile(
    r"\b(anfang (?:des )?n(?:ä|ae|a)chsten monats|begin volgende maand|begin van volgende maand|"
    r"early next month|start of next month|d[ée]but du mois prochain|d[ée]but de mois prochain)\b",
    _I,
)
_ERSTE_WOCHE = re.compile(rf"\berste[n]?\s+({_MONTH_RE})woche\b", _I)
_MID_MONTH = re.compile(
    rf"\b(?:mid|mid-|midden|half|medio|mitte|mi-|mi )\s*({_MONTH_RE})\b|"
    r"\b(mid next month|midden volgende maand|half volgende maand|mitte (?:des )?n(?:ä|ae|a)chsten monats|"
    r"mi-mois prochain|au milieu du mois prochain|medio volgende maand)\b",
    _I,
)
# "bis Mitte Monat" (Swiss), "mid-month", "midden deze maand", "mi-mois": this month's 15th
_MID_THIS_MONTH = re.compile(
    r"\b(mitte (?:des |dieses )?monat(?:s)?|mid[- ]month|mid this month|the middle of (?:the|this) month|"
    r"midden (?:van )?deze maand|half deze maand|medio deze maand|mi-mois|(?:au )?milieu du mois)\b"
    r"(?!\s+(?:prochain|suivant))",
    _I,
)
# "after the weekend", "na het weekend", "nach dem Wochenende", "après le week-end": Monday
_AFTER_WEEKEND = re.compile(
    r"\b(after the weekend|na het weekend|na het weekeinde|nach dem wochenende|"
    r"apr[eè]s le week-?end)\b",
    _I,
)
_CHRISTMAS = re.compile(
    r"\b(?:before|voor|vóór|vor|avant)\s+(?:the\s+|de\s+|den\s+|les\s+|la\s+)?"
    r"(christmas|xmas|kerst\w*|weihnachten|no[eë]l|holidays|feestdagen|feiertagen|f[eê]tes)\b",
    _I,
)
_END_WEEK = re.compile(
    r"\b(end of (?:the|this) week|eind van de(?:ze)? week|einde van de week|ende (?:der|dieser) woche|"
    r"fin de (?:la |cette )?semaine|before the weekend|voor het weekend|vor dem wochenende|"
    r"avant le week-?end)\b(?!\s+prochaine)",  # "fin de la semaine prochaine": next week's
    _I,
)
_AVANT_LE = re.compile(
    r"\b(?:avant le|before the|vóór de|voor de|bis zum|after the|na de|nach dem|apr[eè]s le|"
    r"on the|op de|jusqu'au|until the|tot de|by the|ab dem|vanaf de|zum)\s+(\d{1,2})(?:th|e|\.|er)?(?![\d./\-]|\s*(?:"
    + _MONTH_RE
    + r"))",
    _I,
)
_NEXT_WEEK_DAY = re.compile(
    rf"\b(?:volgende week|next week|n(?:ä|ae|a)chste[nr]? woche|la semaine prochaine|semaine prochaine)\s+({_WD_RE})\b|"
    rf"\b({_WD_RE})\s+(?:volgende week|next week|n(?:ä|ae|a)chste[nr]? woche|de la semaine prochaine|prochain)\b",
    _I,
)
_NEXT_WEEK = re.compile(
    r"\b(volgende week|komende week|next week|the coming week|n(?:ä|ae|a)chste[nr]? woche|kommende[nr]? woche|"
    r"la semaine prochaine|semaine prochaine)\b",
    _I,
)
_END_MONTH = re.compile(
    r"\b(eind van de maand|einde van de maand|eind deze maand|einde maand|eind van deze maand|"
    r"end of the month|end of this month|month end|month-end|ende des monats|monatsende|ende dieses monats|"
    r"fin du mois|fin du moi|fin de ce mois|fin de mois|ende monat|end of month|eind (van de )?maand|"
    r"ende? vom monat)\b"
    r"(?!\s+(?:prochain|suivant))",  # "fin du mois prochain": next month's end (below)
    _I,
)
_END_NEXT_MONTH = re.compile(
    r"\b(end of next month|end of the following month|eind(?:e)? (?:van )?volgende maand|"
    r"ende (?:des )?n(?:ä|ae|a)chsten monats?|fin du mois (?:prochain|suivant))\b",
    _I,
)
_END_YEAR = re.compile(
    r"\b(end of (?:the|this) year|year[- ]end|eind(?:e)? van (?:het|dit) jaar|jaareinde|"
    r"ende (?:des|dieses) jahres|jahresende|fin (?:de l'ann[ée]e|d'ann[ée]e|de cette ann[ée]e))\b",
    _I,
)
# "le 20 courant", "am 20. dieses Monats": this month's day (or next month's once past)
_DAY_CURRENT = re.compile(
    r"\b(\d{1,2})(?:e|er|\.)?\s+(?:courant|ct\b|dieses monats|van deze maand|of this month|"
    r"de ce mois(?:-ci)?|du mois en cours)",
    _I,
)
# "within 48 hours", "binnen 48 uur", "innerhalb von 24 Stunden", "dans les 48 heures"
_WITHIN_H = re.compile(
    r"\b(?:binnen|within|in|innerhalb(?:\s+von)?|innert|sous|dans(?:\s+les)?)\s+(\d{1,3})\s*"
    r"(?:uur|hours|hrs|stunden|heures)\b",
    _I,
)
# "this week", "deze week (nog)", "noch diese Woche", "cette semaine": its Friday
# (kind "week": a promise "this week" when tied to a payment; "on leave this week" is no date)
_THIS_WEEK = re.compile(r"\b(this week|deze week|diese woche|dieser woche|cette semaine)\b", _I)
# "gisteravond", "last night", "yesterday evening": still the day before (the part of the
# day is said, not a date)
_YESTERDAY = re.compile(
    r"\b(yesterday|gisteren|gister|gestern|hier|(?<!the )last night|"
    r"gister(?:avond|middag|ochtend|morgen|nacht))\b",
    _I,
)
_FR_HIER = re.compile(
    r"(?<=\w[ée] )hier\b|(?<=\w[ée]s )hier\b|(?<=\w[ée]e )hier\b|hier (?:soir|matin|apr[eè]s-midi)\b|"
    # the participles not in -é: "virement fait hier", "parti hier", "remis hier"
    r"(?<=\bfait )hier\b|(?<=\bfaite )hier\b|(?<=\bparti )hier\b|(?<=\bpartie )hier\b|"
    r"(?<=\bmis )hier\b|(?<=\bremis )hier\b|(?<=\btransmis )hier\b|(?<=\bémis )hier\b",
    _I,
)
_DAY_BEFORE_YESTERDAY = re.compile(
    r"\b(the day before yesterday|eergisteren|eergister|vorgestern|avant-hier|avant hier)\b", _I
)
# "drie dagen geleden", "three days ago", "vor drei Tagen", "il y a trois jours"
_DAYS_AGO = re.compile(
    rf"\b{_N}\s+(?:dagen|days?|dag)\s+(?:geleden|ago)\b|\bvor\s+{_N}\s+tag(?:en)?\b|"
    rf"\bil y a\s+{_N}\s+jours?\b",
    _I,
)
_AGO_HINT = re.compile(r"geleden|\bago\b|\bvor\s|il y a", _I)
_PREV_WEEK_HINT = re.compile(
    r"vorige week|last week|letzte woche|vergangene woche|semaine derni|letzten woche", _I
)
_WEEKS_AGO = re.compile(
    rf"\b{_N}\s+(?:weken|weeks?|week)\s+(?:geleden|ago)\b|\bvor\s+{_N}\s+wochen?\b|"
    rf"\bil y a\s+{_N}\s+semaines?\b",
    _I,
)
# "de 15e van volgende maand", "the 15th of next month", "am 15. nächsten Monats"
_DAY_NEXT_MONTH = re.compile(
    r"\b(\d{1,2})(?:e|ste|de|th|st|nd|rd|er|\.)?\s+(?:van\s+(?:de\s+)?volgende maand|"
    r"of (?:the )?next month|of the following month|(?:des\s+)?n(?:ä|ae|a)chsten monats|"
    r"du mois (?:prochain|suivant))\b",
    _I,
)
# "vorige week woensdag", "last week Wednesday", "letzte Woche Mittwoch", "mercredi de la
# semaine dernière": that weekday of the previous calendar week
_PREV_WEEK_WD = re.compile(
    rf"\b(?:vorige week|last week|letzte woche|vergangene woche)\s+({_WD_RE})\b|"
    rf"\b({_WD_RE})\s+(?:de la semaine derni[eè]re|van vorige week|der letzten woche|"
    r"der vergangenen woche|vorige week)\b",
    _I,
)
_NEXT_BUSINESS_DAY = re.compile(
    r"\b((?:the )?next (?:working|business) day|(?:de )?(?:eerst)?volgende werkdag|"
    r"n(?:ä|ae|a)chsten werktag|prochain jour ouvr(?:é|e|able)|jour ouvr(?:é|e|able) suivant)\b",
    _I,
)
# "die volgende dag", "the day after", "am Tag darauf", "le lendemain": the day after the
# date named just before ("De veiling betaalt op 30 oktober, en de volgende dag betaal ik u")
_DAY_AFTER = re.compile(
    r"\b(de volgende dag|de dag erna|de dag daarna|the day after|the next day|the following day|"
    r"am tag darauf|am folgenden tag|tags darauf|le lendemain|le jour suivant)\b(?!\s+tomorrow)",
    _I,
)
# "tot en met 21 augustus is iedereen weg, de week daarna ...": the Friday of the week after
# the day named before it (with none named, no day: "the week after" of what?)
_WEEK_AFTER = re.compile(
    r"\b(de week daarna|de week erna|de week nadien|die woche danach|die woche darauf|"
    # ("the week after" on its own: not "the week after next", not "the week after Easter")
    r"in der woche danach|the week after(?=\s*(?:that\b|[.,;:!?)\n]|$))|la semaine d'apr[èe]s|"
    r"la semaine qui suit)\b",
    _I,
)
# "Monday 28th", "maandag de 28e", "lundi 28": that weekday's next such day of the month
_WD_DAY = re.compile(
    rf"\b({_WD_RE}),?\s+(?:the\s+|de\s+|den\s+|le\s+)?(\d{{1,2}})(?:st|nd|rd|th|e|er|\.)?(?![\d./\-:])"
    rf"(?!\s*(?:{_MONTH_RE})\b)(?!\s*(?:uur|uhr|h\b|heures|o'clock|am\b|pm\b))",
    _I,
)
# "in the week of 4 January", "in de week van 4 januari", "la semaine du 4 janvier": its Friday
_WEEK_OF = re.compile(
    r"\b(?:in\s+)?(?:the week of|de week van|der woche vom|der woche ab|la semaine du)\s+$", _I
)
_MINUTES_AGO = re.compile(
    r"\b(il y a \d{1,2} minutes|\d{1,2} minutes ago|\d{1,2} minuten geleden|vor \d{1,2} minuten)\b",
    _I,
)
_BINNEN_DE_WEEK = re.compile(r"\bbinnen de week\b", _I)  # Flemish: within a week
_TODAY = re.compile(
    r"\b(this morning|this afternoon|today|tonight|this evening|vanochtend|vanmorgen|vanmiddag|"
    r"vandaag|vanavond|heden|heut(?:e)? (?:morgen|früh|frueh|vormittag|nachmittag|abend)|heutigen|"
    r"heutige|heute|heut|ce matin|cet apr[eè]s-midi|ce soir|aujourd'hui|ce jour)\b",
    _I,
)
# "zojuist", "gerade", "just now": the moment of writing. A payment done then was made that
# day; a transfer "just scheduled" is paid on the day it is scheduled for, never "now".
_NOW = re.compile(
    r"\b(gerade|grad|soeben|just now|right now|zojuist|zonet)\b|(?<!\w)(à l'instant|a l'instant)\b|"
    # "just sent it", "net overgemaakt", "eben überwiesen", "je viens de régler": done now
    r"\bjust(?= (?:sent|paid|transferred|wired|settled|made the payment)\b)|"
    r"\bnet(?= (?:overgemaakt|overgeboekt|betaald|voldaan|gedaan)\b)|"
    r"\beben(?=(?: [\w-]+){0,3} (?:überwiesen|ueberwiesen|uberwiesen|bezahlt|beglichen)\b)|"
    r"\b(?:je viens|nous venons|on vient)(?= de (?:payer|régler|regler|virer|faire le virement)\b)",
    _I,
)
_DAY_AFTER_TOMORROW = re.compile(
    r"\b(the day after tomorrow|overmorgen|übermorgen|uebermorgen|après-demain|apres-demain|"
    r"après demain|apres demain)\b",
    _I,
)
# "op de eerste van volgende maand", "on the 1st of next month", "am Ersten des nächsten Monats"
_FIRST_NEXT_MONTH = re.compile(
    r"\b(?:(?:de|the)\s+)?(?:eerste|1e|1ste|first|1st|ersten|premier|1er)\s+"
    r"(?:van\s+(?:de\s+)?volgende maand|of (?:the )?next month|of the following month|"
    r"des n(?:ä|ae|a)chsten monats|n(?:ä|ae|a)chsten monats|du mois prochain)\b|"
    r"\bam monatsersten\b",  # Austrian: on the first of the (next) month
    _I,
)
# "end of the quarter", "voor het einde van het kwartaal", "Quartalsende", "fin du trimestre"
_END_QUARTER = re.compile(
    r"\b(end of (?:the |this )?quarter|quarter[- ]end|eind(?:e)? van (?:het|dit) kwartaal|"
    r"kwartaaleinde|einde kwartaal|ende (?:des|dieses) quartals|quartalsende|"
    r"fin (?:du|de ce) trimestre)\b",
    _I,
)
# "eind februari", "end of March", "Ende Jänner", "fin janvier": that month's last day
_END_NAMED_MONTH = re.compile(
    rf"\b(?:eind(?:e)?(?:\s+van)?|end of|ende|fin(?:\s+de|\s+d')?|late)\s+({_MONTH_RE})\b(?!\s*\d)",
    _I,
)
# "übernächste Woche", "the week after next": Friday of the week after the next one
_WEEK_AFTER_NEXT = re.compile(
    r"\b(übernächste[nr]? woche|uebernaechste[nr]? woche|the week after next|"
    r"de week na volgende week|la semaine d'apr[eè]s la prochaine)\b",
    _I,
)
# English "next Friday": the Friday of next week (the corpora's reading), not the coming one
_NEXT_WD_EN = re.compile(rf"\bnext ({_WD_RE})\b", _I)
_TOMORROW = re.compile(
    r"(?<!guten )(?<!heute )\b(tomorrow|tmrw|tmw|morgen|demain)\b(?!\s*(?:ochtend|middag))", _I
)
_LAST_WD = re.compile(
    rf"\b(?:last|afgelopen|vorige|letzten|vergangenen|dernier)\s+({_WD_RE})\b|\b({_WD_RE})\s+(?:dernier|jl\.?)",
    _I,
)
# "(once a month,) on the last Friday", "de laatste vrijdag van de maand", "am letzten Freitag
# des Monats", "le dernier vendredi du mois": the month's last such weekday, not last week's
# (German "am letzten Freitag" alone is last week's Friday: there the month must be named)
_LAST_WD_OF_MONTH = re.compile(
    rf"\b(?:the last|de laatste)\s+({_WD_RE})\b(?!\s+(?:before|voor|of last|van vorige))"
    r"(?:\s+(?:of the month|of each month|of every month|van de maand|van elke maand))?|"
    rf"\b(?:den letzten|am letzten|le dernier)\s+({_WD_RE})\s+(?:des monats|im monat|du mois)\b",
    _I,
)
_WEEKDAY = re.compile(rf"\b({_WD_RE})\b", _I)
_ANY_WEEKDAY = re.compile(r"\b(?:un|on a|een|an einem|a)\s+$", _I)
# British "Monday week": the Monday after next.
_WD_WEEK = re.compile(rf"\b({_WD_RE}) week\b|\ba week on ({_WD_RE})\b", _I)
_FORTNIGHT = re.compile(r"\b(?:in|within) a fortnight\b", _I)


def _after_a_named_day(
    text: str, found: list[DateMention], pattern: re.Pattern[str], shift: Callable[[date], date]
) -> None:
    """ "De dag daarna", "de week daarna": ``shift`` of the last day named before the phrase
    (none named, no day), appended to ``found``."""
    for m in pattern.finditer(text):
        if any(m.start() < d.end and d.start < m.end() for d in found):
            continue
        before = [f for f in found if f.end <= m.start() and f.kind != "now"]
        if before:
            found.append(
                DateMention(m.start(), m.end(), shift(before[-1].day), m.group(0), "relative")
            )


def _weekday_and_day(base: date, weekday: int, day: int) -> date | None:
    """The day of month ``day`` that falls on ``weekday`` nearest to ``base`` (the later one
    on a tie): "vrijdag 21 overgeschreven" three days after Friday 21 August is that Friday,
    not the next Friday the 21st nine months ahead."""
    for delta in range(370):
        for cand in (base + timedelta(days=delta), base - timedelta(days=delta)):
            if cand.day == day and cand.weekday() == weekday:
                return cand
    return None


def find_dates(
    text: str,
    base: date,
    *,
    is_business_day: BusinessDay = common_working_day,
    language: str | None = None,
) -> list[DateMention]:
    """Every date mention in ``text``, resolved against ``base``; overlapping ones dropped."""
    found: list[DateMention] = []
    # the weekday patterns each scan for every weekday name: skipped when there is none
    has_weekday = _WEEKDAY.search(text) is not None
    none: tuple[re.Match[str], ...] = ()
    taken: list[tuple[int, int]] = []

    def add(m: re.Match[str], day: date | None, kind: str) -> None:
        if day is None:
            return
        s, e = m.span()
        if any(s < te and ts < e for ts, te in taken):
            return
        taken.append((s, e))
        found.append(DateMention(s, e, day, m.group(0), kind))

    # (first: its ordinal would otherwise be read as a day of the month)
    for m in _NTH_WORKDAY_NEXT_MONTH.finditer(text):
        nth = int(m[1]) if m[1] else _ORDINALS[m.group(0).split()[0].lower()]
        add(m, add_business_days(_end_of_month(base), nth, is_business_day), "relative")
    for m in _ISO.finditer(text):
        add(m, _safe(int(m[1]), int(m[2]), int(m[3])), "absolute")
    for m in _NUMERIC.finditer(text):
        y = int(m[4])
        y = y + 2000 if y < 100 else y
        when = _safe(y, int(m[3]), int(m[1]))
        if m[2] == "/" and language == "en":  # a US writer's 11/03/2026 is 3 November
            when = _nearer(base, when, _safe(y, int(m[1]), int(m[3])))
        add(m, when, "absolute")
    for m in _DAY_NEXT_MONTH.finditer(text):
        nxt = _end_of_month(base) + timedelta(days=1)
        add(m, _safe(nxt.year, nxt.month, int(m[1])), "relative")
    for m in _FIRST_NEXT_MONTH.finditer(text):
        add(m, date(base.year + base.month // 12, base.month % 12 + 1, 1), "relative")
    for m in _END_NAMED_MONTH.finditer(text):
        month = MONTHS[m[1].lower()]
        month_start = _next_date(base, month, 1) if month != base.month else base.replace(day=1)
        add(m, _end_of_month(month_start), "relative")
    for m in _END_QUARTER.finditer(text):
        last = (base.month - 1) // 3 * 3 + 3
        add(m, _end_of_month(base.replace(day=1, month=last)), "relative")
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
        when = _nearest_year(base, int(m[2]), int(m[1]))
        if "/" in m.group(0) and language == "en" and int(m[2]) <= 12:
            when = _nearer(base, when, _nearest_year(base, int(m[1]), int(m[2])))
        add(m, when, "absolute")
    for m in _BARE_DM.finditer(text):
        first, second = int(m[1]), int(m[3])
        sep, whole = m[2], m.group(0)
        if (sep == "." and not whole.endswith(".")) or (sep == "-" and len(m[3]) < 2):
            continue  # "3.5 hours", "1-2 days": numbers, not dates
        if sep == "/" and second > 12 >= first:  # "9/18": a US writer, month first
            first, second = second, first
        if 1 <= first <= 31 and 1 <= second <= 12:
            when = _nearest_year(base, second, first)
            if sep == "/" and language == "en" and first <= 12:
                when = _nearer(base, when, _nearest_year(base, first, second))
            add(m, when, "absolute")
    for m in _DAY_OF_MONTH.finditer(text):
        add(m, _next_day_of_month(base, int(m[1] or m[2])), "day")
    for m in _FR_DAY.finditer(text) if language == "fr" else none:
        add(m, _next_day_of_month(base, 1 if m[1].lower() == "1er" else int(m[1])), "day")
    for m in _WITHIN_BD.finditer(text):
        add(m, add_business_days(base, _num(m[1]), is_business_day), "period")
    for m in _WITHIN_D.finditer(text):
        add(m, base + timedelta(days=_num(m[1])), "period")
    for m in _HUITAINE.finditer(text):
        add(m, base + timedelta(days=8 if m[1].lower() == "huitaine" else 15), "period")
    for m in _CHRISTMAS.finditer(text):
        add(m, _next_date(base, 12, 24), "relative")
    for m in _FIRST_WEEK.finditer(text):
        month = MONTHS[m[1].lower()]
        if m.group(0).lower().startswith("anfang"):
            add(m, _first_business_day(base, month, is_business_day), "relative")
        else:
            add(m, _first_week_friday(base, month), "relative")
    for m in _NEXT_MONTH_START.finditer(text):
        month = base.month % 12 + 1
        if m.group(0).lower().startswith("anfang"):
            add(m, _first_business_day(base, month, is_business_day), "relative")
        else:
            add(m, _first_week_friday(base, month), "relative")
    for m in _ERSTE_WOCHE.finditer(text):
        add(m, _first_week_friday(base, MONTHS[m[1].lower()]), "relative")
    for m in _MID_THIS_MONTH.finditer(text):
        mid = base.replace(day=15)
        add(m, mid if mid >= base else _next_day_of_month(base, 15), "relative")
    for m in _AFTER_WEEKEND.finditer(text):
        add(m, _next_weekday(base, 0), "relative")
    for m in _MID_MONTH.finditer(text):
        if m[1]:
            add(m, _next_date(base, MONTHS[m[1].lower()], 15), "relative")
        else:
            nxt = date(base.year + base.month // 12, base.month % 12 + 1, 15)
            add(m, nxt, "relative")
    for m in _ISO_WEEK.finditer(text):
        add(m, _iso_week_friday(base, int(m[1])), "relative")
    for m in _END_WEEK.finditer(text):
        add(m, base + timedelta(days=(4 - base.weekday()) % 7), "relative")
    for m in _AVANT_LE.finditer(text):
        d = int(m[1])
        cand = base + timedelta(days=1)
        while cand.day != d and (cand - base).days < 62:
            cand += timedelta(days=1)
        add(m, cand if cand.day == d else None, "relative")
    for m in _WD_WEEK.finditer(text) if has_weekday else none:
        if language in (None, "en"):
            add(
                m,
                _next_weekday(base, WEEKDAYS[(m[1] or m[2]).lower()]) + timedelta(days=7),
                "relative",
            )
    for m in _FORTNIGHT.finditer(text):
        add(m, base + timedelta(days=14), "period")
    for m in _NEXT_WD_EN.finditer(text) if has_weekday else none:
        if language in (None, "en"):
            monday = base + timedelta(days=7 - base.weekday())
            add(m, monday + timedelta(days=WEEKDAYS[m[1].lower()]), "relative")
    for m in _NEXT_WEEK_DAY.finditer(text) if has_weekday else none:
        wd = WEEKDAYS[(m[1] or m[2]).lower()]
        monday = base + timedelta(days=7 - base.weekday())
        add(m, monday + timedelta(days=wd), "relative")
    for m in _PREV_WEEK_WD.finditer(text) if has_weekday and _PREV_WEEK_HINT.search(text) else none:
        monday = base - timedelta(days=base.weekday() + 7)
        add(m, monday + timedelta(days=WEEKDAYS[(m[1] or m[2]).lower()]), "relative")
    for m in _LAST_WD_OF_MONTH.finditer(text) if has_weekday else none:
        add(m, _last_weekday_of_month(base, WEEKDAYS[(m[1] or m[2]).lower()]), "relative")
    for m in _LAST_WD.finditer(text) if has_weekday else none:
        wd = WEEKDAYS[(m[1] or m[2]).lower()]
        add(m, base - timedelta(days=(base.weekday() - wd - 1) % 7 + 1), "relative")
    for m in _WEEK_AFTER_NEXT.finditer(text):
        add(m, _friday_next_week(base) + timedelta(days=7), "relative")
    for m in _NEXT_WEEK.finditer(text):
        add(m, _friday_next_week(base), "relative")
    for m in _END_NEXT_MONTH.finditer(text):
        add(m, _end_of_month(_end_of_month(base) + timedelta(days=1)), "relative")
    for m in _END_YEAR.finditer(text):
        add(m, date(base.year, 12, 31), "relative")
    for m in _DAY_CURRENT.finditer(text):
        add(m, _next_day_of_month(base - timedelta(days=1), int(m[1])), "day")
    for m in _WITHIN_H.finditer(text):
        add(m, base + timedelta(days=-(-int(m[1]) // 24)), "period")
    for m in _THIS_WEEK.finditer(text):
        add(m, base + timedelta(days=(4 - base.weekday()) % 7), "week")
    for m in _END_MONTH.finditer(text):
        add(m, _end_of_month(base), "relative")
    for m in _DAY_BEFORE_YESTERDAY.finditer(text):
        add(m, base - timedelta(days=2), "relative")
    ago = bool(_AGO_HINT.search(text))  # the number-word patterns are costly: only if needed
    for m in _DAYS_AGO.finditer(text) if ago else none:
        add(m, base - timedelta(days=_num(m[1] or m[2] or m[3])), "relative")
    for m in _WEEKS_AGO.finditer(text) if ago else none:
        add(m, base - timedelta(days=7 * _num(m[1] or m[2] or m[3])), "relative")
    for m in _MINUTES_AGO.finditer(text):
        add(m, base, "now")
    for m in _WD_DAY.finditer(text) if has_weekday else none:
        add(m, _weekday_and_day(base, WEEKDAYS[m[1].lower()], int(m[2])), "absolute")
    for m in _NEXT_BUSINESS_DAY.finditer(text):
        add(m, add_business_days(base, 1, is_business_day), "period")
    for m in _BINNEN_DE_WEEK.finditer(text):
        add(m, base + timedelta(days=7), "period")
    for m in _YESTERDAY.finditer(text):
        if m[1].lower() == "hier" and language != "fr" and not _FR_HIER.match(text, m.start()):
            continue  # "hier" = "here" in nl/de; a short "payé hier" may not read as French
        add(m, base - timedelta(days=1), "relative")
    for m in _DAY_AFTER_TOMORROW.finditer(text):
        add(m, base + timedelta(days=2), "relative")
    for m in _TODAY.finditer(text):
        add(m, base, "relative")
    for m in _NOW.finditer(text):
        add(m, base, "now")
    for m in _WITHIN_W.finditer(text):
        add(m, base + timedelta(days=7 * _num(m[1])), "period")
    greetings = [
        g.start(0) + len(g.group(0)) - len(g.group(0).lstrip()) for g in _GREETING.finditer(text)
    ]
    for m in _TOMORROW.finditer(text):
        if m.start() in greetings:
            continue
        add(m, base + timedelta(days=1), "relative")
    for m in _WEEKDAY.finditer(text) if has_weekday else none:
        # "vrijdag 6 november", "Montag, dem 23.11.2026": the explicit date decides
        if any(m.end() <= ts <= m.end() + 12 for ts, _ in taken):
            continue
        if _ANY_WEEKDAY.search(text[max(0, m.start() - 15) : m.start()]):
            continue  # "un dimanche soir", "on a Sunday": any such day, not a date
        add(m, _next_weekday(base, WEEKDAYS[m[1].lower()]), "weekday")
    found.sort(key=lambda d: d.start)
    _after_a_named_day(text, found, _DAY_AFTER, lambda day: day + timedelta(days=1))
    _after_a_named_day(text, found, _WEEK_AFTER, _friday_next_week)
    found.sort(key=lambda d: d.start)
    for i, f in enumerate(found):
        if _WEEK_OF.search(text[max(0, f.start - 25) : f.start]):
            friday = f.day + timedelta(days=4 - f.day.weekday())
            found[i] = DateMention(f.start, f.end, friday, f.text, "relative")
    found.sort(key=lambda d: d.start)
    return found
