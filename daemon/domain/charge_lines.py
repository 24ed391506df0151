"""The working of computed costs and interest as structured lines, said in the debtor's
language (issue #15: Dutch and French mails showed "principal 1000.00", "staffel total").

fees.py, interest.py and statement_of_account.py return ``ChargeLine`` values: a phrase key
and its values. ``render_line`` says one in nl/en/de/fr with that language's numbers and
dates, amounts to the cent; ``str(line)`` is the English form staff views and decision logs show. The phrases
are data: a new line kind needs a row with all four languages (a unit test checks that).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from daemon.domain.money import quantize_cents

Value = Decimal | date | int | str

LANGUAGES = ("nl", "en", "de", "fr")

PHRASES: dict[str, dict[str, str]] = {
    "wik_slice": {
        "en": "{rate} % of {part} = {value}",
        "nl": "{rate} % van {part} = {value}",
        "de": "{rate} % von {part} = {value}",
        "fr": "{rate} % de {part} = {value}",
    },
    # The debtor reads the slices to the cent and the total once rounded; the exact sum
    # (185.1450) is the staff form's (STAFF_PHRASES).
    "wik_staffel_total": {
        "en": "staffel total, rounded to the cent: {fee}",
        "nl": "totaal volgens de staffel, afgerond op centen: {fee}",
        "de": "Summe nach Staffel, auf den Cent gerundet: {fee}",
        "fr": "total selon le barème, arrondi au centime : {fee}",
    },
    "wik_minimum": {
        "en": "raised to the statutory minimum {amount}",
        "nl": "verhoogd tot het wettelijk minimum {amount}",
        "de": "angehoben auf den gesetzlichen Mindestbetrag {amount}",
        "fr": "porté au minimum légal de {amount}",
    },
    "wik_maximum": {
        "en": "capped at the statutory maximum {amount}",
        "nl": "begrensd op het wettelijk maximum {amount}",
        "de": "begrenzt auf den gesetzlichen Höchstbetrag {amount}",
        "fr": "plafonné au maximum légal de {amount}",
    },
    "principal": {
        "en": "principal {amount}",
        "nl": "hoofdsom {amount}",
        "de": "Hauptforderung {amount}",
        "fr": "capital dû {amount}",  # "principal" would read as an English leftover
    },
    "vat": {
        "en": "+ {rate} % VAT {amount} (creditor cannot deduct VAT)",
        "nl": "+ {rate} % btw {amount} (schuldeiser kan de btw niet verrekenen)",
        "de": "+ {rate} % USt. {amount} (Gläubiger kann die Vorsteuer nicht abziehen)",
        "fr": "+ {rate} % TVA {amount} (le créancier ne peut pas déduire la TVA)",
    },
    "collection_costs": {
        "en": "collection costs {amount}",
        "nl": "incassokosten {amount}",
        "de": "Inkassokosten {amount}",
        "fr": "frais de recouvrement {amount}",
    },
    "balance": {
        "en": "balance {amount}",
        "nl": "saldo {amount}",
        "de": "Saldo {amount}",
        "fr": "solde {amount}",
    },
    "be_b2c_maximum": {
        "en": "Book XIX CEL maximum {amount}",
        "nl": "maximum volgens Boek XIX WER {amount}",
        "de": "Höchstbetrag nach Buch XIX WGB {amount}",
        "fr": "maximum selon le livre XIX CDE {amount}",
    },
    "flat_compensation": {
        "en": "flat compensation {amount}",
        "nl": "forfaitaire vergoeding {amount}",
        "de": "Pauschale {amount}",
        "fr": "indemnité forfaitaire {amount}",
    },
    "no_consumer_flat_fee": {
        "en": "no statutory flat fee for consumers",
        "nl": "geen wettelijke forfaitaire vergoeding voor consumenten",
        "de": "keine gesetzliche Pauschale für Verbraucher",
        "fr": "pas d'indemnité forfaitaire légale pour les consommateurs",
    },
    "notice_group": {
        "en": "formal notice received {day} for {numbers}:",
        "nl": "aanmaning ontvangen op {day} voor {numbers}:",
        "de": "Mahnung erhalten am {day} für {numbers}:",
        "fr": "mise en demeure reçue le {day} pour {numbers} :",
    },
    "notice_limit": {
        "en": "limited to the {amount} stated in the notice",
        "nl": "beperkt tot de {amount} genoemd in de aanmaning",
        "de": "begrenzt auf die in der Mahnung genannten {amount}",
        "fr": "limité aux {amount} indiqués dans la mise en demeure",
    },
    "interest_period": {
        "en": "{number}: {start} – {end}: {days} days × {rate} % on {base} = {interest}",
        "nl": "{number}: {start} – {end}: {days} dagen × {rate} % over {base} = {interest}",
        "de": "{number}: {start} – {end}: {days} Tage × {rate} % auf {base} = {interest}",
        "fr": "{number} : {start} – {end} : {days} jours × {rate} % sur {base} = {interest}",
    },
    "claim_settled": {
        "en": "already paid or waived {amount}, still due {due}",
        "nl": "al betaald of kwijtgescholden {amount}, nog verschuldigd {due}",
        "de": "bereits bezahlt oder erlassen {amount}, noch offen {due}",
        "fr": "déjà payé ou remis {amount}, reste dû {due}",
    },
    "claim_kept": {
        "en": "as claimed before, computed to {day}: {amount}",
        "nl": "zoals eerder gevorderd, berekend tot {day}: {amount}",
        "de": "wie zuvor gefordert, berechnet bis {day}: {amount}",
        "fr": "comme réclamé précédemment, calculé jusqu'au {day} : {amount}",
    },
}

# Staff views and decision logs keep the exact working where the debtor's form rounds it.
STAFF_PHRASES: dict[str, str] = {"wik_staffel_total": "staffel total {raw} → {fee}"}

# Values that are rates, not amounts: said as computed (0.5 %, 10.15 %), never to the cent.
RATE_ARGS = frozenset({"rate"})

# The interest convention as InterestComputation states it, per language.
CONVENTIONS: dict[str, dict[str, str]] = {
    "act/365, rounded per period": {
        "en": "act/365, rounded per period",
        "nl": "werkelijke dagen/365, afgerond per periode",
        "de": "taggenau/365, je Zeitraum gerundet",
        "fr": "jours réels/365, arrondi par période",
    },
    "act/365, rounded per period, yearly compounding": {
        "en": "act/365, rounded per period, yearly compounding",
        "nl": "werkelijke dagen/365, afgerond per periode, jaarlijks bij de hoofdsom opgeteld",
        "de": "taggenau/365, je Zeitraum gerundet, jährlich kapitalisiert",
        "fr": "jours réels/365, arrondi par période, capitalisation annuelle",
    },
}

# The locale's short date (babel's en_GB/nl_NL/fr_FR short form, de_DE medium).
_DATE_FORMATS = {"en": "%d/%m/%Y", "nl": "%d-%m-%Y", "de": "%d.%m.%Y", "fr": "%d/%m/%Y"}
# Staff views and decision logs: plain numbers and ISO dates, as they have always read.
STAFF = "staff"


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One step of a computation: a phrase key and its values."""

    key: str
    args: tuple[tuple[str, Value], ...]

    def __str__(self) -> str:
        return render_line(self, STAFF)


def charge_line(key: str, **args: Value) -> ChargeLine:
    if key not in PHRASES:
        raise KeyError(f"no phrase {key!r} in charge_lines.PHRASES")
    return ChargeLine(key, tuple(args.items()))


def _number(value: Decimal, lang: str) -> str:
    text = f"{value:f}"
    if lang == STAFF:
        return text  # as the statements have always shown it: 1234.30, no grouping
    whole, _, frac = f"{abs(value):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    group, point = {"en": (",", "."), "fr": ("\u00a0", ",")}.get(lang, (".", ","))
    grouped = group.join([whole, *groups])
    return ("-" if value < 0 else "") + grouped + (f"{point}{frac}" if frac else "")


def _value(value: Value, lang: str, name: str = "") -> str:
    if isinstance(value, Decimal):
        if lang != STAFF and name not in RATE_ARGS:
            # The debtor reads money to the cent (15 % of 2,238.50 = 335.78, not 335.7750);
            # the amounts computed are unchanged, only what the line says is rounded.
            value = quantize_cents(value)
        return _number(value, lang)
    if isinstance(value, date):
        return value.isoformat() if lang == STAFF else value.strftime(_DATE_FORMATS[lang])
    return str(value)


def render_line(line: ChargeLine, lang: str) -> str:
    """The line in ``lang`` with that locale's numbers and dates (English for a language
    without phrases); ``STAFF`` is English with plain numbers and ISO dates."""
    phrases = PHRASES[line.key]
    template = phrases.get(lang, phrases["en"])
    if lang == STAFF:
        template = STAFF_PHRASES.get(line.key, template)
    used = lang if lang in phrases or lang == STAFF else "en"
    return template.format_map({name: _value(v, used, name) for name, v in line.args})


def render_lines(lines: tuple[ChargeLine, ...] | list[ChargeLine], lang: str) -> list[str]:
    return [render_line(line, lang) for line in lines]


def render_convention(convention: str, lang: str) -> str:
    return CONVENTIONS.get(convention, {}).get(lang, convention)
