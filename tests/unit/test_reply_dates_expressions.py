"""Natural date expressions of debtor replies in nl/en/de/fr, resolved against a fixed mail
day, and the dates that must NOT become payment dates (#12)."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.classify import Intent, Reading, _payment_days, classify, read
from parsers.autoreply import detect_auto_reply
from parsers.mail import parse
from parsers.replies.dates import find_dates
from parsers.replies.quotes import split_reply

TZ = ZoneInfo("Europe/Amsterdam")
WED = date(2026, 11, 11)  # a Wednesday
DATE_HDR = "Wed, 11 Nov 2026 10:00:00 +0100"


def _only(text: str, base: date = WED, language: str | None = None) -> date:
    found = find_dates(text, base, language=language)
    assert len(found) == 1, found
    return found[0].day


@pytest.mark.parametrize(
    ("text", "language", "expected"),
    [
        # the next such day of the month
        pytest.param(
            "we pay after the 25th when salaries are in",
            "en",
            date(2026, 11, 25),
            id="en-after-25th",
        ),
        pytest.param("ik betaal na de 25e", "nl", date(2026, 11, 25), id="nl-na-de-25e"),
        pytest.param("avant le 5", "fr", date(2026, 12, 5), id="fr-avant-le-5-next-month"),
        # weeks by number: their Friday
        pytest.param("payment in week 48", "en", date(2026, 11, 27), id="en-week-48"),
        pytest.param("Zahlung in KW 3", "de", date(2027, 1, 22), id="de-kw-3-next-year"),
        pytest.param("betaling in week 2", "nl", date(2027, 1, 15), id="nl-week-2"),
        pytest.param("dans la semaine 48", "fr", date(2026, 11, 27), id="fr-semaine-48"),
        # feasts and month parts
        pytest.param("before the holidays", "en", date(2026, 12, 24), id="en-before-holidays"),
        pytest.param("voor de kerst", "nl", date(2026, 12, 24), id="nl-voor-de-kerst"),
        pytest.param("avant noel", "fr", date(2026, 12, 24), id="fr-avant-noel-no-accent"),
        # its first working day: 1 January 2027 is a Friday and New Year's Day (replies-train)
        pytest.param("Anfang Januar", "de", date(2027, 1, 4), id="de-anfang-januar"),
        pytest.param("Anfang Jänner", "de", date(2027, 1, 4), id="de-at-anfang-jaenner"),
        pytest.param("Mitte Feber", "de", date(2027, 2, 15), id="de-at-mitte-feber"),
        pytest.param(
            "Mitte nächsten Monats", "de", date(2026, 12, 15), id="de-mitte-naechsten-monats"
        ),
        pytest.param("Mitte naechsten Monats", "de", date(2026, 12, 15), id="de-ae-spelling"),
        pytest.param("début janvier", "fr", date(2027, 1, 8), id="fr-debut-janvier"),
        pytest.param(
            "begin volgende maand", "nl", date(2026, 12, 11), id="nl-begin-volgende-maand"
        ),
        pytest.param(
            "op de eerste van volgende maand",
            "nl",
            date(2026, 12, 1),
            id="nl-eerste-volgende-maand",
        ),
        pytest.param(
            "on the 1st of next month", "en", date(2026, 12, 1), id="en-first-of-next-month"
        ),
        pytest.param(
            "am Ersten des nächsten Monats",
            "de",
            date(2026, 12, 1),
            id="de-ersten-naechsten-monats",
        ),
        pytest.param(
            "le premier du mois prochain", "fr", date(2026, 12, 1), id="fr-premier-mois-prochain"
        ),
        pytest.param("eind februari", "nl", date(2027, 2, 28), id="nl-eind-februari"),
        pytest.param("fin février", "fr", date(2027, 2, 28), id="fr-fin-fevrier"),
        pytest.param("bis Ende Jänner", "de", date(2027, 1, 31), id="de-ende-jaenner"),
        pytest.param("by the end of the quarter", "en", date(2026, 12, 31), id="en-end-of-quarter"),
        pytest.param(
            "voor het einde van het kwartaal", "nl", date(2026, 12, 31), id="nl-einde-kwartaal"
        ),
        pytest.param("fin du trimestre", "fr", date(2026, 12, 31), id="fr-fin-trimestre"),
        # periods
        pytest.param("sous 10 jours ouvrés", "fr", date(2026, 11, 25), id="fr-10-jours-ouvres"),
        pytest.param("sous 10 jours ouvres", "fr", date(2026, 11, 25), id="fr-ouvres-no-accent"),
        pytest.param(
            "endéans les huit jours", "fr", date(2026, 11, 19), id="fr-be-endeans-huit-jours"
        ),
        pytest.param("sous huitaine", "fr", date(2026, 11, 19), id="fr-sous-huitaine"),
        pytest.param("over twee weken", "nl", date(2026, 11, 25), id="nl-over-twee-weken"),
        pytest.param("in 3 days", "en", date(2026, 11, 14), id="en-in-3-days"),
        pytest.param("in zwei Wochen", "de", date(2026, 11, 25), id="de-in-zwei-wochen"),
        pytest.param(
            "innerhalb von 10 Werktagen ab heute",
            "de",
            date(2026, 11, 25),
            id="de-werktage-ab-heute",
        ),
        pytest.param(
            "within ten working days of today's date",
            "en",
            date(2026, 11, 25),
            id="en-of-todays-date",
        ),
        pytest.param(
            "binnen tien werkdagen vanaf vandaag", "nl", date(2026, 11, 25), id="nl-vanaf-vandaag"
        ),
        # weeks and days
        pytest.param(
            "d'ici la fin de la semaine", "fr", date(2026, 11, 13), id="fr-fin-de-la-semaine"
        ),
        pytest.param(
            "fin de la semaine prochaine", "fr", date(2026, 11, 20), id="fr-fin-semaine-prochaine"
        ),
        pytest.param("Ende nächster Woche", "de", date(2026, 11, 20), id="de-ende-naechster-woche"),
        pytest.param("übernächste Woche", "de", date(2026, 11, 27), id="de-uebernaechste-woche"),
        pytest.param("uebernaechste Woche", "de", date(2026, 11, 27), id="de-ue-spelling"),
        pytest.param("the week after next", "en", date(2026, 11, 27), id="en-week-after-next"),
        pytest.param("übermorgen", "de", date(2026, 11, 13), id="de-uebermorgen"),
        pytest.param("overmorgen", "nl", date(2026, 11, 13), id="nl-overmorgen"),
        pytest.param("après-demain", "fr", date(2026, 11, 13), id="fr-apres-demain"),
        pytest.param(
            "the day after tomorrow", "en", date(2026, 11, 13), id="en-day-after-tomorrow"
        ),
        pytest.param("next Friday", "en", date(2026, 11, 20), id="en-next-friday-is-next-weeks"),
        pytest.param("vanmiddag", "nl", WED, id="nl-vanmiddag"),
        pytest.param("heute Nachmittag", "de", WED, id="de-heute-nachmittag"),
        pytest.param("cet après-midi", "fr", WED, id="fr-cet-apres-midi"),
        pytest.param("end of next month", "en", date(2026, 12, 31), id="en-end-of-next-month"),
        pytest.param("eind volgende maand", "nl", date(2026, 12, 31), id="nl-eind-volgende-maand"),
        pytest.param(
            "Ende nächsten Monats", "de", date(2026, 12, 31), id="de-ende-naechsten-monats"
        ),
        pytest.param("fin du mois prochain", "fr", date(2026, 12, 31), id="fr-fin-mois-prochain"),
        pytest.param("fin du mois", "fr", date(2026, 11, 30), id="fr-fin-du-mois"),
        pytest.param("before the end of the year", "en", date(2026, 12, 31), id="en-end-of-year"),
        pytest.param("bis Jahresende", "de", date(2026, 12, 31), id="de-jahresende"),
        pytest.param("le 20 courant", "fr", date(2026, 11, 20), id="fr-be-20-courant"),
        pytest.param("within a week", "en", date(2026, 11, 18), id="en-within-a-week"),
        pytest.param("innerhalb einer Woche", "de", date(2026, 11, 18), id="de-einer-woche"),
        pytest.param("sous une semaine", "fr", date(2026, 11, 18), id="fr-sous-une-semaine"),
        pytest.param("over drie dagen", "nl", date(2026, 11, 14), id="nl-over-drie-dagen"),
        pytest.param("binnen 48 uur", "nl", date(2026, 11, 13), id="nl-48-uur"),
        pytest.param("dans les 24 heures", "fr", date(2026, 11, 12), id="fr-24-heures"),
        pytest.param("noch diese Woche", "de", date(2026, 11, 13), id="de-diese-woche"),
        pytest.param("deze week nog", "nl", date(2026, 11, 13), id="nl-deze-week"),
        pytest.param(
            "the last Friday of the month", "en", date(2026, 11, 27), id="en-last-friday-of-month"
        ),
        pytest.param(
            "de laatste vrijdag van de maand", "nl", date(2026, 11, 27), id="nl-laatste-vrijdag"
        ),
        pytest.param(
            "le dernier vendredi du mois", "fr", date(2026, 11, 27), id="fr-dernier-vendredi"
        ),
        pytest.param(
            "am letzten Freitag überwiesen",
            "de",
            date(2026, 11, 6),
            id="de-letzten-freitag-is-past",
        ),
        pytest.param("last Friday", "en", date(2026, 11, 6), id="en-last-friday-is-past"),
        # looking back
        pytest.param("drie dagen geleden", "nl", date(2026, 11, 8), id="nl-dagen-geleden"),
        pytest.param("three days ago", "en", date(2026, 11, 8), id="en-days-ago"),
        pytest.param("vor drei Tagen", "de", date(2026, 11, 8), id="de-vor-tagen"),
        pytest.param("il y a trois jours", "fr", date(2026, 11, 8), id="fr-il-y-a"),
        pytest.param("eergisteren", "nl", date(2026, 11, 9), id="nl-eergisteren"),
        pytest.param("gisteravond overgemaakt", "nl", date(2026, 11, 10), id="nl-gisteravond"),
        pytest.param("paid it last night", "en", date(2026, 11, 10), id="en-last-night"),
        pytest.param("a week on Friday", "en", date(2026, 11, 20), id="en-a-week-on-friday"),
        pytest.param("le 15 de ce mois", "fr", date(2026, 11, 15), id="fr-15-de-ce-mois"),
        pytest.param("vorgestern", "de", date(2026, 11, 9), id="de-vorgestern"),
        pytest.param("avant-hier", "fr", date(2026, 11, 9), id="fr-avant-hier"),
        pytest.param("heb het gister overgemaakt", "nl", date(2026, 11, 10), id="nl-gister"),
        pytest.param("vorige week woensdag", "nl", date(2026, 11, 4), id="nl-vorige-week-woensdag"),
        pytest.param("last week Monday", "en", date(2026, 11, 2), id="en-last-week-monday"),
        pytest.param(
            "mercredi de la semaine dernière", "fr", date(2026, 11, 4), id="fr-semaine-derniere"
        ),
        # coming days
        pytest.param(
            "uiterlijk de 15e van volgende maand",
            "nl",
            date(2026, 12, 15),
            id="nl-15e-volgende-maand",
        ),
        pytest.param("the 15th of next month", "en", date(2026, 12, 15), id="en-15th-next-month"),
        pytest.param("le 15 du mois prochain", "fr", date(2026, 12, 15), id="fr-15-mois-prochain"),
        pytest.param(
            "de eerstvolgende werkdag", "nl", date(2026, 11, 12), id="nl-eerstvolgende-werkdag"
        ),
        pytest.param("am nächsten Werktag", "de", date(2026, 11, 12), id="de-naechsten-werktag"),
        pytest.param("binnen de week", "nl", date(2026, 11, 18), id="nl-be-binnen-de-week"),
        pytest.param("binnen de 5 werkdagen", "nl", date(2026, 11, 18), id="nl-be-binnen-de-5"),
        pytest.param("dans les trente jours", "fr", date(2026, 12, 11), id="fr-trente-jours"),
        pytest.param("Comptez 4 jours ouvrables", "fr", date(2026, 11, 17), id="fr-comptez"),
        pytest.param("avant la fin du moi", "fr", date(2026, 11, 30), id="fr-typo-moi"),
        pytest.param(
            "within the next 5 working days", "en", date(2026, 11, 18), id="en-next-5-working-days"
        ),
        pytest.param(
            "innerhalb der nächsten drei Werktage",
            "de",
            date(2026, 11, 16),
            id="de-naechsten-drei-werktage",
        ),
        pytest.param("the coming week", "en", date(2026, 11, 20), id="en-the-coming-week"),
        pytest.param(
            "Dienstag nächster Woche", "de", date(2026, 11, 17), id="de-dienstag-naechster-woche"
        ),
        pytest.param("after the weekend", "en", date(2026, 11, 16), id="en-after-the-weekend"),
        pytest.param("na het weekend", "nl", date(2026, 11, 16), id="nl-na-het-weekend"),
        pytest.param("bis Mitte Monat", "de", date(2026, 11, 15), id="de-ch-mitte-monat"),
        pytest.param("ok will pay tmrw", "en", date(2026, 11, 12), id="en-tmrw"),
        pytest.param("überweis ich heut Abend", "de", WED, id="de-at-heut-abend"),
        pytest.param(
            "endéans de vijf werkdagen", "nl", date(2026, 11, 18), id="nl-be-endeans-werkdagen"
        ),
        pytest.param(
            "I will be back on Monday 16th.", "en", date(2026, 11, 16), id="en-monday-16th"
        ),
        pytest.param(
            "paid in the week of 23 November", "en", date(2026, 11, 27), id="en-week-of-a-date"
        ),
        pytest.param("la semaine du 23 novembre", "fr", date(2026, 11, 27), id="fr-semaine-du"),
        pytest.param("virement instantané il y a 5 minutes", "fr", WED, id="fr-il-y-a-5-minutes"),
        # numeric: US month/day only in English, and only where it is the nearer reading
        pytest.param("we wired it on 11/3", "en", date(2026, 11, 3), id="en-us-11-3"),
        pytest.param("we paid it on 3/11", "en", date(2026, 11, 3), id="en-uk-3-11"),
        pytest.param("paid 11/03/2026", "en", date(2026, 11, 3), id="en-us-with-year"),
        pytest.param("betaald op 11/3", "nl", date(2027, 3, 11), id="nl-always-day-month"),
        # Swiss and Austrian German, German without umlauts, a day before a comma
        pytest.param(
            "wir begleichen die Rechnung innert 10 Arbeitstagen",
            "de",
            date(2026, 11, 25),
            id="ch-innert-arbeitstagen",
        ),
        pytest.param("zahlbar innert 30 Tagen", "de", date(2026, 12, 11), id="ch-innert-tagen"),
        pytest.param("innert zwei Wochen", "de", date(2026, 11, 25), id="ch-innert-wochen"),
        pytest.param("zahl i am monatsersten", "de", date(2026, 12, 1), id="at-monatsersten"),
        pytest.param("zahl ma bis End vom Monat", "de", date(2026, 11, 30), id="at-end-vom-monat"),
        pytest.param(
            "ich zahle bis ende naechsten monat", "de", date(2026, 12, 31), id="de-naechsten-monat"
        ),
        pytest.param(
            "Ich zahle am 16.11., da ist Gehalt.", "de", date(2026, 11, 16), id="de-16-11-komma"
        ),
        # a weekday with its day of the month: the nearest such day, before or after
        pytest.param("da is maandag 9 overgeschreven", "nl", date(2026, 11, 9), id="be-maandag-9"),
        pytest.param("wir zahlen am Freitag, 13.", "de", date(2026, 11, 13), id="de-freitag-13"),
        pytest.param("den 15de", "nl", date(2026, 11, 15), id="be-den-15de"),
    ],
)
def test_expression(text: str, language: str, expected: date) -> None:
    assert _only(text, language=language) == expected


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("we will pay soon", id="en-soon"),
        pytest.param("in the next few days", id="en-next-few-days"),
        pytest.param("zo snel mogelijk", id="nl-zsm"),
        pytest.param("demnächst", id="de-demnaechst"),
        pytest.param("dès que possible", id="fr-des-que-possible"),
        pytest.param("la facture du 14h30", id="fr-time-is-no-period"),
        pytest.param("désolé de répondre un dimanche soir", id="fr-un-dimanche"),
        pytest.param("we never pay on a Friday", id="en-on-a-friday"),
    ],
)
def test_vague_or_no_date(text: str) -> None:
    assert find_dates(text, WED) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "De veiling betaalt op 30 november, en de volgende dag betaal ik u.",
            [date(2026, 11, 30), date(2026, 12, 1)],
            id="nl-de-volgende-dag",
        ),
        pytest.param(
            "Er zahlt bis 20.11. Wir zahlen Sie dann sofort am Tag darauf.",
            [date(2026, 11, 20), date(2026, 11, 21)],
            id="de-am-tag-darauf",
        ),
        pytest.param("maandag 9 uur", [date(2026, 11, 16)], id="nl-weekday-and-an-hour"),
    ],
)
def test_days_relative_to_a_named_day(text: str, expected: list[date]) -> None:
    assert [m.day for m in find_dates(text, WED)] == expected


def test_next_friday_is_english_only() -> None:
    # Dutch "volgende vrijdag" is not matched as next week's: a plain weekday (the next one)
    assert [m.day for m in find_dates("vrijdag", WED, language="nl")] == [date(2026, 11, 13)]


def test_holidays_only_through_the_passed_in_calendar() -> None:
    kings_day = date(2027, 4, 27)
    base = date(2027, 4, 14)
    plain = find_dates("sous 10 jours ouvrés", base)
    dutch = find_dates(
        "sous 10 jours ouvrés", base, is_business_day=lambda d: d.weekday() < 5 and d != kings_day
    )
    assert plain[0].day == date(2027, 4, 28)
    assert dutch[0].day == date(2027, 4, 29)


def _mail(body: str, subject: str = "Re: Herinnering: factuur F2026-0412") -> bytes:
    return (
        f"From: Jan <jan@example.com>\nTo: d@v.nl\nSubject: {subject}\nDate: {DATE_HDR}\n"
        f"Content-Type: text/plain; charset=utf-8\n\n{body}\n"
    ).encode()


def _read(body: str) -> Reading:
    return read(parse(_mail(body)), tz=TZ)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Heb de overboeking zojuist ingepland, die wordt op de 12e uitgevoerd.",
            date(2026, 11, 12),
            id="nl-scheduled-just-now-is-the-12th",
        ),
        pytest.param(
            "The transfer is scheduled and will be executed on 20 November.",
            date(2026, 11, 20),
            id="en-scheduled-transfer",
        ),
        pytest.param(
            "Die Überweisung ist terminiert und wird am 20.11. ausgeführt.",
            date(2026, 11, 20),
            id="de-terminiert",
        ),
        pytest.param(
            "Le virement est programmé, il sera exécuté le 20 novembre.",
            date(2026, 11, 20),
            id="fr-programme",
        ),
    ],
)
def test_a_scheduled_transfer_is_a_promise(body: str, expected: date) -> None:
    reading = _read(body)
    assert (reading.promise_date, reading.paid_date) == (expected, None)


def test_a_payment_in_parts_is_paid_when_the_last_part_went_out() -> None:
    reading = _read(
        "Het bedrag is in twee delen overgemaakt omdat mijn daglimiet niet hoger ging: "
        "2.000 op 3 november en 1.600 op 10 november."
    )
    assert reading.loose_past == date(2026, 11, 10)


def test_an_invoice_date_is_not_the_payment_date() -> None:
    reading = _read("Ihre Rechnung vom 08.09.2026 haben wir am 03.11. überwiesen.")
    assert reading.paid_date == date(2026, 11, 3)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("We will pay as soon as possible.", id="en-asap"),
        pytest.param("We betalen binnenkort.", id="nl-binnenkort"),
        pytest.param(
            "Wir zahlen, sobald unser Kunde uns bezahlt hat.", id="de-when-our-client-pays"
        ),
        pytest.param("Nous réglerons dès que possible.", id="fr-des-que-possible"),
        pytest.param(
            "The missing parts are due for delivery on 20 November; we pay once everything is "
            "delivered.",
            id="en-delivery-date",
        ),
        pytest.param(
            "De monteur komt op 20 november terug. Daarna betalen we.",
            id="nl-visit-date",
        ),
        pytest.param(
            "We will pay soon.\n\nOn 4 Nov 2026, at 07:30, Debiteuren <d@v.nl> wrote:\n"
            "> Please pay within 14 days, before 18 November 2026.\n> Due date: 22 October 2026",
            id="en-quoted-reminder-dates",
        ),
    ],
)
def test_no_payment_date(body: str) -> None:
    result = classify(parse(_mail(body)), tz=TZ)
    assert (result.promise_date, result.paid_date) == (None, None)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Der Monteur kommt am 20.11. wieder. Danach zahlen wir.", id="de-monteur"),
        pytest.param(
            "Le technicien revient le 20 novembre. Nous paierons ensuite.", id="fr-technicien"
        ),
        pytest.param("The delivery on 20 November was short. We will pay soon.", id="en-delivery"),
        pytest.param(
            "Ihre Rechnung vom 28.10. ist korrekt, wir zahlen bald.", id="de-rechnung-vom"
        ),
    ],
)
def test_an_event_date_is_no_loose_payment_date(body: str) -> None:
    reading = _read(body)
    assert (reading.promise_date, reading.loose_future, reading.loose_past) == (None, None, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Nous payerons la facture le 20 novembre au plus tard.",
            date(2026, 11, 20),
            id="fr-payerons-la-facture-le",
        ),
        pytest.param(
            "We will pay the invoice on 20 November.", date(2026, 11, 20), id="en-invoice-on"
        ),
        pytest.param(
            "Wij betalen de factuur op 20 november.", date(2026, 11, 20), id="nl-factuur-op"
        ),
    ],
)
def test_a_future_day_after_a_document_word_is_the_payment(body: str, expected: date) -> None:
    # An invoice, a letter or a reminder is dated in the past: a future day after one is
    # when it is paid ("your letter of the 19th" is still the letter's: a bare day).
    reading = _read(body)
    assert (reading.promise_date or reading.loose_future) == expected


def test_a_bare_day_after_a_document_word_stays_the_documents() -> None:
    reading = _read("I have your letter of the 19th in front of me. I will pay soon.")
    assert (reading.promise_date, reading.loose_future) == (None, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("payé hier", date(2026, 11, 10), id="fr-short-paye-hier"),
        pytest.param(
            "je vous paie le 25 quand le salaire arrive", date(2026, 11, 25), id="fr-le-25"
        ),
        pytest.param("betaald den 12de november", date(2026, 11, 12), id="nl-be-12de"),
    ],
)
def test_short_and_regional_day_names(body: str, expected: date) -> None:
    reading = _read(body)
    found = {reading.promise_date, reading.paid_date, reading.loose_future, reading.loose_past}
    assert expected in found


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Hier is het bewijs van betaling.", id="nl-hier-is-here"),
        pytest.param("le 3 rue de la Paix, 15 % de remise", id="fr-address-and-percent"),
    ],
)
def test_no_day_where_none_is_named(body: str) -> None:
    reading = _read(body)
    assert (reading.promise_date, reading.paid_date, reading.loose_future) == (None, None, None)


@pytest.mark.parametrize(
    ("body", "paid"),
    [
        pytest.param(
            "Paid Tuesday through the bank app, should be with you by now.",
            date(2026, 11, 10),
            id="en-paid-should-be-with-you",
        ),
        pytest.param(
            "Het is gisteren overgemaakt, morgen zou het bij u binnen moeten zijn.",
            date(2026, 11, 10),
            id="nl-morgen-bij-u",
        ),
        pytest.param(
            "Zahlung ist heute erfolgt, Referenz gemäss QR-Rechnung.",
            WED,
            id="de-ist-heute-erfolgt",
        ),
        pytest.param(
            "I paid it on saturday by internet banking. I hope it arrives soon.",
            date(2026, 11, 7),
            id="en-by-internet-banking",
        ),
    ],
)
def test_a_payment_told_with_its_arrival_is_no_promise(body: str, paid: date) -> None:
    # "should be with you", "morgen bij u", "by internet banking": the arrival and the
    # way it was paid, not a commitment to pay later.
    reading = _read(body)
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence
    assert (reading.promise_date, reading.paid_date) == (None, paid)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Just sent it through Revolut now, sorry!!", id="en-just-sent"),
        pytest.param("Ik heb het net overgemaakt.", id="nl-net-overgemaakt"),
        pytest.param("Habe es eben überwiesen.", id="de-eben-ueberwiesen"),
        pytest.param("Je viens de régler la facture.", id="fr-viens-de-regler"),
        pytest.param("Nous venons de payer la facture F2026-0412.", id="fr-venons-de-payer"),
        pytest.param("Hoi, net gedaan via Tikkie.", id="nl-net-gedaan"),
        pytest.param("Hab's eben per Online-Banking bezahlt.", id="de-eben-per-online-banking"),
    ],
)
def test_a_payment_made_just_now_was_paid_today(body: str) -> None:
    # "just", "net", "eben", "venir de": done at the moment of writing, the mail's day
    reading = _read(body)
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert (reading.promise_date, reading.paid_date) == (None, WED)


def test_venir_de_about_something_else_is_no_payment() -> None:
    reading = _read("Je viens de recevoir votre rappel, je paierai vendredi.")
    assert "r:paid_claim" not in reading.features
    assert reading.promise_date == date(2026, 11, 13)


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("L'argent est sorti de notre compte hier.", id="fr-sorti-du-compte"),
        pytest.param("Virement fait ce matin, bonne journée !", id="fr-virement-fait"),
        pytest.param("J'ai envoyé le chèque vendredi.", id="fr-cheque-envoye"),
        pytest.param("500 Euro sind am Donnerstag rausgegangen.", id="de-rausgegangen"),
        pytest.param(
            "Die Zahlung wurde am 5. November am Postschalter gemacht.", id="de-zahlung-gemacht"
        ),
        pytest.param("Ich hab das schon am Montag per Online-Banking erledigt!", id="de-erledigt"),
        pytest.param("Al gedaan, vorige week dinsdag.", id="nl-al-gedaan"),
        pytest.param(
            "Is vrijdag overgeschreven van de rekening van mijn vrouw.", id="be-overgeschreven"
        ),
        pytest.param("Our records show check #10482 was mailed on 10/30.", id="us-check-mailed"),
        pytest.param("Settled by set-off with your credit note CN-2026-014.", id="en-set-off"),
        pytest.param("Sent it this morning.", id="en-sent-it-this-morning"),
        pytest.param("This was included in yesterday's ACH batch.", id="en-ach-batch"),
        pytest.param("Hey, staat al op jullie rekening sinds maandag.", id="nl-staat-op-rekening"),
        pytest.param("Geld staat er sinds vanmorgen op.", id="nl-geld-staat-er"),
        pytest.param("Is in de betaalbatch van dinsdag meegegaan.", id="nl-batch-meegegaan"),
        pytest.param("Die Rechnung haben wir am Postschalter eingezahlt.", id="at-eingezahlt"),
        pytest.param("Wir haben sie gestern angewiesen.", id="de-gestern-angewiesen"),
        pytest.param(
            "Le virement est passé, il a quitté le compte hier.", id="fr-quitte-le-compte"
        ),
        pytest.param("Le virement de 540 EUR a ete fait ce matin.", id="fr-virement-a-ete-fait"),
        pytest.param("Fait ce matin. Désolé pour le retard.", id="fr-fait-ce-matin"),
        pytest.param("Heute Morgen erledigt, sorry!", id="de-heute-morgen-erledigt"),
    ],
)
def test_a_payment_in_other_words_is_a_paid_claim(body: str) -> None:
    reading = _read(body)
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert reading.promise_date is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Het staat nog open op uw rekening?", id="nl-staat-nog-open"),
        pytest.param("De factuur gaat mee in de betaalbatch van vrijdag.", id="nl-batch-vrijdag"),
        pytest.param("Le virement sera fait vendredi.", id="fr-virement-sera-fait"),
    ],
)
def test_money_still_to_go_is_no_paid_claim(body: str) -> None:
    assert "r:paid_claim" not in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("We hebben tot de 20e nodig, dan is het voldaan.", id="nl-tot-de-20e-nodig"),
        pytest.param("Il nous faut simplement jusqu'au 20 pour la régler.", id="fr-jusqu-au-20"),
        pytest.param("We need until the 20th to pay this, sorry.", id="en-need-until"),
    ],
)
def test_time_needed_until_a_day_is_a_promise_for_that_day(body: str) -> None:
    # "we need until the 20th": the debtor names the day it will have paid by
    reading = _read(body)
    assert (reading.promise_date, reading.paid_date) == (date(2026, 11, 20), None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Il nous faut jusqu'au 20 pour la régler, le loyer n'étant versé qu'à cette date.",
            date(2026, 11, 20),
            id="fr-n-etant-verse-qu-a",
        ),
        pytest.param("Je ne peux payer qu'à la fin du mois.", date(2026, 11, 30), id="fr-ne-que"),
    ],
)
def test_french_ne_que_is_only_not_a_negation(body: str, expected: date) -> None:
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Kann ich auch per PayPal zahlen? Falls nicht, überweise ich übermorgen.",
            date(2026, 11, 13),
            id="de-falls-nicht",
        ),
        pytest.param("If not, we will pay on Friday.", date(2026, 11, 13), id="en-if-not"),
        pytest.param("Zo niet, dan maak ik het vrijdag over.", date(2026, 11, 13), id="nl-zo-niet"),
        pytest.param(
            "We will pay by Friday if not sooner.", date(2026, 11, 13), id="en-if-not-sooner"
        ),
    ],
)
def test_if_not_opens_the_alternative_it_negates_nothing(body: str, expected: date) -> None:
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected
    assert not any(f.startswith("!") for f in reading.features if not f.startswith("r:"))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Est-ce que je peux régler par carte ? Si ce n'est pas possible je ferai le "
            "virement jeudi.",
            date(2026, 11, 12),
            id="fr-si-ce-n-est-pas-possible",
        ),
        pytest.param(
            "Puis-je payer par Payconiq ? Sinon je fais le virement vendredi.",
            date(2026, 11, 13),
            id="fr-sinon",
        ),
        pytest.param(
            "Can I pay by card? If that's not possible, I'll transfer it on Friday.",
            date(2026, 11, 13),
            id="en-if-that-is-not-possible",
        ),
        pytest.param(
            "Geht auch PayPal? Falls das nicht geht, überweise ich am Freitag.",
            date(2026, 11, 13),
            id="de-falls-das-nicht-geht",
        ),
        pytest.param(
            "Kan ik met een creditcard betalen? Als dat niet kan, maak ik het vrijdag over.",
            date(2026, 11, 13),
            id="nl-als-dat-niet-kan",
        ),
    ],
)
def test_the_alternative_in_other_words_is_a_commitment_too(body: str, expected: date) -> None:
    """ "Sinon", "if that's not possible", "falls das nicht geht": the writer commits to the
    alternative; neither the "si" nor the "pas" makes it a condition or a refusal."""
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Beide facturen zijn meegenomen in de batch van vanochtend en inmiddels "
            "geautoriseerd. U zou het bedrag morgen op uw rekening moeten zien.",
            id="nl-meegenomen-in-de-batch",
        ),
        pytest.param(
            "Die Rechnung ist im Zahllauf von heute Morgen mitgegangen. Das Geld sollte "
            "morgen bei Ihnen sein.",
            id="de-im-zahllauf-mitgegangen",
        ),
    ],
)
def test_a_payment_run_that_took_the_invoice_is_a_payment_made(body: str) -> None:
    reading = _read(body)
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert reading.paid_date == date(2026, 11, 11)


def test_a_plain_not_still_negates_the_payment() -> None:
    reading = _read("We will not pay on Friday.")
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence


def test_ne_pas_que_is_still_a_negation() -> None:
    reading = _read("Nous ne pouvons pas payer que la moitié le 20.")
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence


def test_a_flemish_day_in_a_paid_claim_is_the_last_such_day() -> None:
    reading = _read("Ge moet dat nog eens checken, den 5de is da betaald via Isabel.")
    assert (reading.promise_date, reading.paid_date) == (None, date(2026, 11, 5))


def test_so_far_is_no_deadline() -> None:
    reading = _read("Jusqu'à présent nous n'avons rien reçu, nous avons payé le 3.")
    assert (reading.promise_date, reading.paid_date) == (None, date(2026, 11, 3))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "La facture sera acquittée le 20 novembre.", date(2026, 11, 20), id="fr-sera-acquittee"
        ),
        pytest.param(
            "Woensdag wordt het bedrag overgemaakt.", date(2026, 11, 18), id="nl-wordt-overgemaakt"
        ),
        pytest.param(
            "Betaling volgt op de eerstvolgende betaaldag, de 15e.",
            date(2026, 11, 15),
            id="nl-betaling-volgt",
        ),
        pytest.param("Je fais le virement lundi.", date(2026, 11, 16), id="fr-present-lundi"),
        pytest.param(
            "This is approved and set to pay on 11/20.", date(2026, 11, 20), id="us-set-to-pay"
        ),
        pytest.param("Ich ueberweise naechsten Freitag.", date(2026, 11, 13), id="de-ohne-umlaute"),
    ],
)
def test_a_promise_told_in_the_present_or_passive(body: str, expected: date) -> None:
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "You will have the money by Friday.", date(2026, 11, 13), id="en-you-will-have"
        ),
        pytest.param("So you get the money on Friday.", date(2026, 11, 13), id="en-you-get"),
        pytest.param("Sie bekommen Ihr Geld am Freitag.", date(2026, 11, 13), id="de-sie-bekommen"),
        pytest.param("Das Geld kommt am Freitag.", date(2026, 11, 13), id="de-das-geld-kommt"),
        pytest.param("Vous l'aurez lundi.", date(2026, 11, 16), id="fr-vous-l-aurez"),
        pytest.param("U ontvangt het geld vrijdag.", date(2026, 11, 13), id="nl-u-ontvangt"),
        pytest.param("Ge krijgt uw geld maandag.", date(2026, 11, 16), id="nl-ge-krijgt"),
        pytest.param("Het geld gaat vrijdag de deur uit.", date(2026, 11, 13), id="nl-de-deur-uit"),
    ],
)
def test_the_creditor_receiving_the_money_on_a_day_is_a_promise(body: str, expected: date) -> None:
    """Told from the creditor's side ("you will have the money by Friday"): the same
    commitment as "we pay on Friday"."""
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("You should have received the money, I did it online.", id="en-received"),
        pytest.param("Het geld is al van onze rekening af.", id="nl-al-af"),
    ],
)
def test_the_money_already_gone_is_no_promise_cue(body: str) -> None:
    assert "r:promise_to_pay" not in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Kann ich am Freitag auch bar zahlen?", id="de-question"),
        pytest.param("Si je paie lundi, les frais sont-ils annulés", id="fr-condition"),
    ],
)
def test_a_question_or_condition_about_a_day_is_no_promise_cue(body: str) -> None:
    assert "r:promise_to_pay" not in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Wir haben die Rechnung geprüft und den Fehler gemacht.", id="de-fehler"),
        pytest.param("Das wird morgen erledigt.", id="de-wird-erledigt"),
        pytest.param("Tout à fait d'accord, nous paierons vendredi.", id="fr-tout-a-fait"),
    ],
)
def test_done_words_about_something_else_are_no_payment(body: str) -> None:
    assert "r:paid_claim" not in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("We will pay by Friday.", id="en-by-friday"),
        pytest.param("Die Zahlung erfolgt am Freitag.", id="de-erfolgt-am-freitag"),
    ],
)
def test_a_payment_still_to_come_stays_a_promise(body: str) -> None:
    assert _read(body).promise_date == date(2026, 11, 13)


def test_a_plain_future_date_is_a_loose_promise_date() -> None:
    assert _read("Am 20.11. ist das Geld da.").loose_future == date(2026, 11, 20)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Het geld is vrijdag al van onze rekening af.", date(2026, 11, 6), id="nl-vrijdag-al"
        ),
        pytest.param(
            "C'est réglé depuis mercredi.", date(2026, 11, 4), id="fr-same-weekday-a-week-ago"
        ),
    ],
)
def test_a_weekday_told_as_past_is_strictly_before_the_mail(body: str, expected: date) -> None:
    reading = _read(body)
    assert (reading.paid_date or reading.loose_past) == expected


def test_on_leave_this_week_is_no_promise_date() -> None:
    reading = _read("Ik ben deze week in het ziekenhuis geweest, maandag regel ik het.")
    assert reading.loose_future == date(2026, 11, 16)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Gisteren hebben we F2026-0761 betaald. F2026-0762 betalen we volgende week.",
            date(2026, 11, 20),
            id="nl-other-invoice-next-week",
        ),
        pytest.param(
            "F2026-0401 is fine and will be paid on Friday. F2026-0402 is not: no pump arrived.",
            date(2026, 11, 13),
            id="en-undisputed-invoice-friday",
        ),
        pytest.param(
            "Nous avons viré 1 500 € ce jour. Le solde suivra à la fin du mois, quand notre "
            "client aura payé.",
            None,
            id="fr-rest-on-a-condition",
        ),
        pytest.param(
            "We paid this on the 9th but the reference was F2026-1023.", None, id="en-told-as-past"
        ),
        pytest.param(
            "Transfer made on Friday, it should land tomorrow.", None, id="en-arrival-is-no-promise"
        ),
    ],
)
def test_a_promise_for_another_part(body: str, expected: date | None) -> None:
    reading = _read(body)
    assert reading.promise_other_part == expected
    dispute = _payment_days(reading, Intent.DISPUTE, [])
    assert dispute == (expected, None)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("Will do it tonight.", WED, id="en-tonight"),
        pytest.param("Überweis ich heut Abend noch.", WED, id="de-heut-abend"),
        pytest.param("I received your reminder today.", None, id="en-today-is-the-reminder"),
    ],
)
def test_today_said_of_the_future(body: str, expected: date | None) -> None:
    assert _read(body).loose_future == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Das Geld ist gestern abgegangen, müsste also heute bei Ihnen sein.",
            date(2026, 11, 10),
            id="de-today-is-the-arrival",
        ),
        pytest.param(
            "BETALINGSADVIES\nBetaaldatum : 11-11-2026\nF2026-0502 17-10-2026 1.210,00",
            WED,
            id="nl-remittance-advice-labelled-day",
        ),
        pytest.param(
            "ZAHLUNGSAVIS\nAusführungsdatum: 06.11.2026\nF2026-0584 29.07.2026 1.760,00",
            date(2026, 11, 6),
            id="de-remittance-advice-ausfuehrungsdatum",
        ),
    ],
)
def test_the_past_day_of_a_paid_claim(body: str, expected: date) -> None:
    reading = _read(body)
    assert (reading.paid_date or reading.loose_past) == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Hij betaalt begin volgende week, ten laatste woensdag.",
            date(2026, 11, 18),
            id="nl-ten-laatste",
        ),
        pytest.param(
            "Ich zahle Anfang nächster Woche, spätestens Mittwoch.",
            date(2026, 11, 18),
            id="de-spaetestens",
        ),
        pytest.param(
            "It will be paid this week, but latest next week Wednesday.",
            date(2026, 11, 18),
            id="en-latest",
        ),
        pytest.param("We pay next week.", None, id="en-no-deadline"),
    ],
)
def test_the_latest_day_named(body: str, expected: date | None) -> None:
    reading = _read(body)
    assert reading.deadline == expected
    if expected is not None:
        assert _payment_days(reading, Intent.PROMISE_TO_PAY, [])[0] == expected


def test_a_phone_call_is_no_payment_day() -> None:
    reading = _read("Zoals ik maandag aan de telefoon al zei: wordt betaald, eind deze maand.")
    assert reading.loose_future == date(2026, 11, 30)


def test_an_instalment_proposal_carries_no_promise_date() -> None:
    reading = _read(
        "Kunnen we in drie termijnen betalen? De eerste termijn betalen we op 1 december."
    )
    assert reading.promise_date == date(2026, 12, 1)  # the rules see the date …
    assert _payment_days(reading, Intent.PAYMENT_PLAN, []) == (None, None)  # … a plan drops it
    assert _payment_days(reading, Intent.PROMISE_TO_PAY, [])[0] == date(2026, 12, 1)


@pytest.mark.parametrize(
    ("body", "base", "expected"),
    [
        pytest.param(
            "I am on annual leave until Friday 15 January. I will be back on Monday.",
            date(2027, 1, 11),
            date(2027, 1, 18),
            id="en-until-then-back-on-monday",
        ),
        pytest.param(
            "Ik werk op maandag, dinsdag en donderdag. Je mail wordt donderdag beantwoord.",
            WED,
            date(2026, 11, 12),
            id="nl-part-timer-answered-thursday",
        ),
        pytest.param(
            "Ich bin bis einschließlich 20. November abwesend.",
            WED,
            date(2026, 11, 23),
            id="de-inclusive-until-friday",
        ),
        pytest.param(
            "Je suis absente pour raisons médicales. Reprise prévue le vendredi 27 novembre.",
            WED,
            date(2026, 11, 27),
            id="fr-reprise-prevue",
        ),
        pytest.param(
            "Je suis en vacances jusqu'au 18 novembre, date à laquelle je reprendrai mes mails.",
            WED,
            date(2026, 11, 18),
            id="fr-date-a-laquelle-je-reprendrai",
        ),
        pytest.param(
            "Ik ben met vakantie en ben maandag 23 november weer op kantoor.",
            WED,
            date(2026, 11, 23),
            id="nl-weer-op-kantoor",
        ),
        pytest.param(
            "I am out of the office until Monday 16 November.",
            WED,
            date(2026, 11, 16),
            id="en-until-monday-is-the-day-back",
        ),
        pytest.param(
            "I am out of the office until Friday 13 November.",
            WED,
            date(2026, 11, 16),
            id="en-until-friday-is-through-friday",
        ),
        pytest.param(
            "Ik ben afwezig t/m maandag 16 november.",
            WED,
            date(2026, 11, 17),
            id="nl-t-m-is-inclusive",
        ),
        pytest.param(
            "Ik ben vandaag en morgen afwezig.",
            date(2026, 11, 20),
            date(2026, 11, 23),
            id="nl-today-and-tomorrow-away-back-monday",
        ),
        pytest.param(
            "Je suis absente, je serai de retour le lundi 16 novembre.",
            WED,
            date(2026, 11, 16),
            id="fr-de-retour",
        ),
    ],
)
def test_return_date_is_the_first_day_back(body: str, base: date, expected: date) -> None:
    mail = parse(_mail(body, subject="Out of office"))
    info = detect_auto_reply(mail, mail.text, base=base)
    assert info.return_date == expected


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Ik ben momenteel afwezig en heb beperkt toegang tot mijn e-mail. Ik ben terug op "
            "dinsdag 17 november.",
            date(2026, 11, 17),
            id="nl-ben-terug-op",
        ),
        pytest.param(
            "Ich bin bis 23. November im Mutterschutz bzw. Urlaub. Vertretung: Herr Bauer.",
            date(2026, 11, 23),
            id="de-bis-without-a-cue-word",
        ),
    ],
)
def test_a_hand_typed_away_notice_has_its_day_back(body: str, expected: date) -> None:
    # The cues may miss a notice the model recognises: its day back is read all the same,
    # and used only when the reply is read as an auto-reply.
    reading = _read(body)
    ruled = reading.ruled  # a short notice the rules settle on their own
    assert (ruled.return_date if ruled else reading.return_date) == expected


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Hi, I'm on holiday in Spain till the 20th, I'll have a look when I'm back. Dave\n\n"
            "Sent from my Galaxy",
            id="en-sent-from-my-galaxy",
        ),
        pytest.param(
            "Ik ben op vakantie tot 20 november, kijk er daarna naar.\n\nVerstuurd vanaf mijn "
            "iPhone",
            id="nl-verstuurd-vanaf-mijn-iphone",
        ),
    ],
)
def test_a_holiday_note_typed_on_a_phone_is_left_to_the_model(body: str) -> None:
    # A person's note about being away (the corpora label it `other`); a server's away
    # notice carries no mobile footer, so the short-notice rule does not settle it.
    reading = _read(body)
    assert reading.ruled is None
    assert "r:phone" in reading.features
    assert "r:auto_body" not in reading.features and "r:return_date" not in reading.features


def test_the_day_a_new_contact_takes_over_is_no_day_back() -> None:
    reading = _read(
        "Je quitte l'entreprise à la fin du mois. À partir du 2 décembre, merci d'adresser vos "
        "courriels à Mme Petit (s.petit@transports.example), qui reprend mon poste."
    )
    assert "r:c=new_contact" in reading.features
    assert "r:return_date" not in reading.features and reading.return_date is None


def test_a_senders_apple_header_is_not_trusted_on_a_mail_the_cues_did_not_mark() -> None:
    # The header is read for a notice the cues recognised; on a plain reply a sender could
    # set it to anything.
    raw = _mail("Wij betalen vrijdag.").replace(
        b"Content-Type", b"X-Apple-Criteria: endDate=2026-12-24\nContent-Type", 1
    )
    assert read(parse(raw), tz=TZ).return_date is None


def test_an_answer_written_inside_the_quote_is_the_senders() -> None:
    text = (
        "Dag,\n\nOp 07-07-2026 om 07:30 schreef Debiteuren:\n> Heeft u inmiddels betaald?\n"
        "> Dan kunt u deze herinnering als niet verzonden beschouwen.\n\n"
        "Ja, op 7 juli.\n\n> Met vriendelijke groet,\n> Debiteuren\n"
    )
    split = split_reply(text)
    assert "Ja, op 7 juli." in split.new
    assert "Heeft u inmiddels betaald" not in split.new


def test_a_wrapped_quote_line_stays_quoted() -> None:
    text = (
        "Dag,\n\nOp 07-07-2026 om 07:30 schreef Debiteuren:\n> Wij verzoeken u het bedrag\n"
        "binnen 14 dagen te betalen.\n> Met vriendelijke groet\n"
    )
    assert "14 dagen" not in split_reply(text).new


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "La facture n'est pas contestée et sera payée le 20 novembre.",
            date(2026, 11, 20),
            id="fr-pas-contestee",
        ),
        pytest.param(
            "Wij hebben geen enkel bezwaar tegen de factuur, betaling volgt op de 20e.",
            date(2026, 11, 20),
            id="nl-geen-bezwaar",
        ),
        pytest.param(
            "We do not dispute the invoice and will pay it on Friday.",
            date(2026, 11, 13),
            id="en-do-not-dispute",
        ),
        pytest.param("Vous serez payés vendredi.", date(2026, 11, 13), id="fr-vous-serez-payes"),
    ],
)
def test_a_denied_dispute_leaves_the_promise_standing(body: str, expected: date) -> None:
    # The "not" belongs to the dispute word, not to the payment: the promise and its day stay.
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert "r:dispute" not in reading.features, reading.rule_evidence
    assert "r:c=undisputed" in reading.features or "serez" in body
    assert reading.promise_date == expected
    assert reading.paid_date is None


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Wij hebben geen enkel bezwaar tegen uw factuur.", id="nl-geen-enkel"),
        pytest.param("Gegen die Rechnung gibt es keine Einwände.", id="de-keine-einwaende"),
        pytest.param("We betwisten niets, het is voor onze administratie.", id="nl-niets"),
        pytest.param("Die Stornogebühr ist berechtigt.", id="de-berechtigt"),
        pytest.param("Can you split it in two? No problem with the total.", id="en-no-problem"),
    ],
)
def test_an_owned_charge_is_no_dispute_cue(body: str) -> None:
    reading = _read(body)
    assert "r:dispute" not in reading.features, reading.rule_evidence
    assert "r:c=undisputed" in reading.features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Die Rechnung ist nicht berechtigt, die Arbeiten waren nicht fertig."),
        pytest.param("De factuur klopt niet."),
    ],
)
def test_a_denied_owning_is_no_undisputed_cue(body: str) -> None:
    assert "r:c=undisputed" not in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Uw herinnering en mijn betaling hebben elkaar gekruist.", id="nl-gekruist"),
        pytest.param("I think our payments crossed in the post.", id="en-crossed"),
        pytest.param("Ihre Mahnung und unsere Zahlung haben sich überschnitten.", id="de"),
        pytest.param("Nos courriers se sont croisés, le virement est parti.", id="fr-croises"),
        pytest.param("Die drei Monate habe ich am Mittwoch nachgezahlt.", id="de-nachgezahlt"),
        pytest.param("ja is al weg", id="nl-al-weg"),
        pytest.param("Ik heb uw monteur direct gepind toen hij klaar was.", id="nl-gepind"),
    ],
)
def test_a_reminder_crossed_by_the_payment_is_a_paid_claim(body: str) -> None:
    assert "r:paid_claim" in _read(body).features, _read(body).rule_evidence


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Voor wij betalen hebben wij de getekende werkbon nodig.", id="nl-voor-wij"),
        pytest.param("Before we can pay we need the signed work order.", id="en-before-we"),
        pytest.param("Bevor wir zahlen, brauchen wir den Lieferschein.", id="de-bevor-wir"),
        pytest.param("Avant de payer, il nous faut le bon signé.", id="fr-avant-de-payer"),
    ],
)
def test_paying_as_a_condition_is_no_promise(body: str) -> None:
    reading = _read(body)
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence
    assert "r:c=conditional_pay" in reading.features


def test_the_arrival_of_a_payment_made_is_no_coming_payment() -> None:
    reading = _read(
        "Beide facturen zitten in de batch van vanochtend. U zou het bedrag morgen op uw "
        "rekening moeten zien."
    )
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Dit bedrag is donderdag verrekend met uw creditnota CN-44.", id="nl-verrekend"
        ),
        pytest.param(
            "Nous avons compensé cette facture avec la note de crédit d'août.", id="fr-compense"
        ),
        pytest.param("Settled by offset against your credit note CN-2026-014.", id="en-offset"),
    ],
)
def test_a_credit_note_used_to_settle_is_a_payment_not_a_dispute(body: str) -> None:
    reading = _read(body)
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert "r:dispute" not in reading.features, reading.rule_evidence


def test_a_set_off_leaves_a_dispute_about_another_invoice_standing() -> None:
    reading = _read("F-101 hebben we verrekend met de creditnota, F-102 is dubbel gefactureerd.")
    assert "r:dispute" in reading.features, reading.rule_evidence


def test_a_credit_note_still_awaited_stays_a_dispute() -> None:
    assert (
        "r:dispute" in _read("We are still waiting for the credit note for the radiator.").features
    )


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Ik stel voor: de helft nu en de andere helft over een maand.", id="nl-helft"),
        pytest.param("Am 1. April gehen 50 % und am 15. April der Rest an Sie.", id="de-prozent"),
        pytest.param("Pourrions-nous le payer en trois trimestres ?", id="fr-trimestres"),
        pytest.param("Ik maak 400 over, daarna elke maand 200 tot het betaald is.", id="nl-elke"),
    ],
)
def test_a_debt_told_in_parts_is_a_plan_cue(body: str) -> None:
    assert "r:payment_plan" in _read(body).features


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "Ça va être payé jeudi, j'ai parlé à ma banque.", date(2026, 11, 12), id="fr-va"
        ),
    ],
)
def test_a_near_future_passive_is_a_promise(body: str, expected: date) -> None:
    reading = _read(body)
    assert reading.promise_date == expected
    assert reading.paid_date is None


def test_a_payment_the_writer_only_believed_made_is_no_paid_claim() -> None:
    reading = _read("Ik dacht dat het al betaald was, maar de overschrijving is nooit vertrokken.")
    assert "r:paid_claim" not in reading.features, reading.rule_evidence


def test_paying_so_that_is_a_condition() -> None:
    reading = _read("Damit ich die Rechnung bezahlen kann, brauche ich das Übergabeprotokoll.")
    assert "r:c=conditional_pay" in reading.features
    assert "r:promise_to_pay" not in reading.features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Nous vous rappelons que nos factures fournisseurs sont réglées à 45 jours fin de mois.",
            id="fr-reglees-a-45-jours",
        ),
        pytest.param("Invoices are paid within 30 days of receipt.", id="en-paid-within"),
    ],
)
def test_a_payment_term_is_neither_paid_nor_promised(body: str) -> None:
    reading = _read(body)
    assert "r:paid_claim" not in reading.features, reading.rule_evidence
    assert "r:promise_to_pay" not in reading.features, reading.rule_evidence


def test_a_payment_gone_with_its_usual_arrival_is_paid() -> None:
    reading = _read(
        "Goeiemiddag, de betaling is vanmorgen vertrokken via onze bank, normaal staat het "
        "morgen op uw rekening."
    )
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert reading.paid_date == WED


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Die Zusatzarbeiten wurden von uns nie beauftragt.", id="de-nie-beauftragt"),
        pytest.param("Das wurde nie in Auftrag gegeben.", id="de-nie-in-auftrag"),
        pytest.param("Deze extra uren hebben wij nooit goedgekeurd.", id="nl-nooit-goedgekeurd"),
        pytest.param("Dat is zonder onze opdracht gedaan.", id="nl-zonder-opdracht"),
        pytest.param("We never authorised these extra hours.", id="en-never-authorised"),
        pytest.param("Nobody asked you to do that extra work.", id="en-nobody-asked"),
        pytest.param("Ces heures n'ont jamais été validées par nous.", id="fr-jamais-validees"),
        pytest.param("Nous n'avons rien demandé.", id="fr-rien-demande"),
        pytest.param("Ces travaux ont été réalisés sans notre accord.", id="fr-sans-accord"),
    ],
)
def test_work_nobody_asked_for_is_a_dispute_cue(body: str) -> None:
    assert "r:dispute" in _read(body).features


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(
            "Die Überweisung ist noch nicht beauftragt, kommt aber diese Woche.",
            id="de-noch-nicht-beauftragt",
        ),
        pytest.param(
            "De factuur is nog niet goedgekeurd door de projectleider.",
            id="nl-nog-niet-goedgekeurd",
        ),
    ],
)
def test_a_payment_or_approval_still_to_come_is_no_dispute_cue(body: str) -> None:
    assert "r:dispute" not in _read(body).features


def test_a_separable_dutch_verb_spans_a_long_deadline() -> None:
    reading = _read("Wij maken het uiterlijk eind volgende week over.")
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == date(2026, 11, 20)


def test_an_administrator_s_authorisation_is_no_dispute_but_the_procedure_is_named() -> None:
    reading = _read(
        "En ma qualité d'administrateur provisoire, désigné dans le cadre d'une procédure de "
        "gestion contrôlée, je vous informe qu'aucun paiement ne peut être effectué sans mon "
        "autorisation."
    )
    assert "r:insolvency" in reading.features and "r:dispute" not in reading.features


def test_a_sum_to_be_remitted_within_working_days_is_a_promise() -> None:
    reading = _read("I can confirm that the sum will be remitted to you within ten working days.")
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == date(2026, 11, 25)


def test_a_payment_released_from_our_end_is_a_payment_made() -> None:
    reading = _read("Kindly note that the payment has been released today from our end.")
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert reading.paid_date == date(2026, 11, 11)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("Uiterlijk maandag staat het erop.", date(2026, 11, 16), id="nl-staat-erop"),
        pytest.param(
            "Morgen staat het geld op jullie rekening.", date(2026, 11, 12), id="nl-staat-geld-op"
        ),
    ],
)
def test_money_that_will_be_on_the_account_on_a_day_is_a_promise(body: str, expected: date) -> None:
    reading = _read(body)
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    ("text", "base", "expected"),
    [
        # 1 October 2026 is a Thursday: 1, 2, then Monday 5
        pytest.param(
            "Der Ausgleich erfolgt spätestens am dritten Werktag des Folgemonats.",
            date(2026, 9, 23),
            date(2026, 10, 5),
            id="de-dritten-werktag-des-folgemonats",
        ),
        pytest.param(
            "am 3. Werktag des Folgemonats", date(2026, 9, 23), date(2026, 10, 5), id="de-3."
        ),
        pytest.param(
            "paid on the 5th business day of next month",
            date(2026, 9, 23),
            date(2026, 10, 7),
            id="en-5th-business-day",
        ),
        pytest.param(
            "op de 3e werkdag van de volgende maand",
            date(2026, 9, 23),
            date(2026, 10, 5),
            id="nl-3e-werkdag",
        ),
        pytest.param(
            "le deuxième jour ouvré du mois suivant",
            date(2026, 9, 23),
            date(2026, 10, 2),
            id="fr-deuxieme-jour-ouvre",
        ),
        # New Year's Day is no working day: the first of January 2027 is a Friday
        pytest.param(
            "the first working day of next month",
            date(2026, 12, 16),
            date(2027, 1, 4),
            id="en-first-working-day-skips-new-year",
        ),
    ],
)
def test_the_nth_working_day_of_next_month(text: str, base: date, expected: date) -> None:
    assert _only(text, base) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "Tot en met 21 augustus is iedereen weg. De week daarna gaat het de deur uit.",
            date(2026, 8, 28),
            id="nl-de-week-daarna",
        ),
        pytest.param(
            "We are closed until Sunday 23 August, we pay the week after.",
            date(2026, 8, 28),
            id="en-week-after-a-sunday",
        ),
        pytest.param(
            "Bis 21. August sind alle im Urlaub, die Woche danach wird überwiesen.",
            date(2026, 8, 28),
            id="de-woche-danach",
        ),
    ],
)
def test_the_week_after_a_named_day_is_its_next_week_s_friday(text: str, expected: date) -> None:
    found = find_dates(text, date(2026, 7, 30))
    assert found[-1].day == expected, found


def test_the_week_after_with_no_day_before_it_is_no_day() -> None:
    assert find_dates("we pay the week after", WED) == []
    assert [m.day for m in find_dates("we pay the week after next", WED)] == [date(2026, 11, 27)]


def test_new_year_and_christmas_are_no_working_days_where_the_country_is_unknown() -> None:
    reading = _read("Die Rechnungen werden Anfang Januar überwiesen.")
    assert reading.promise_date == date(2027, 1, 4)
    # 24 December is a Thursday: five working days on are 28, 29, 30, 31 December, 4 January
    raw = _mail("Betaling volgt binnen vijf werkdagen.").replace(
        DATE_HDR.encode(), b"Thu, 24 Dec 2026 10:00:00 +0100"
    )
    assert read(parse(raw), tz=TZ).promise_date == date(2027, 1, 4)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "die Rechnung wurde am 09.11. per Lastschrift von Ihnen selbst eingezogen.",
            date(2026, 11, 9),
            id="de-rechnung-wurde-am",
        ),
        pytest.param(
            "Ihr Monteur hat den Betrag am 9.11. nach der Reparatur bar kassiert.",
            date(2026, 11, 9),
            id="de-monteur-hat-den-betrag-am",
        ),
        pytest.param(
            "The invoice was paid on 9 November by bank transfer.",
            date(2026, 11, 9),
            id="en-invoice-was-paid-on",
        ),
        pytest.param(
            "De factuur is betaald op 9 november.", date(2026, 11, 9), id="nl-is-betaald-op"
        ),
    ],
)
def test_a_verb_between_the_invoice_and_the_day_makes_it_the_payment_s_day(
    body: str, expected: date
) -> None:
    reading = _read(body)
    assert reading.loose_past == expected, reading.date_evidence


@pytest.mark.parametrize(
    "body",
    [
        pytest.param("Uw factuur van 9 november hebben wij ontvangen.", id="nl-factuur-van"),
        pytest.param("Ihre Rechnung vom 09.11. liegt uns vor.", id="de-rechnung-vom"),
        pytest.param("The visit was on 9 November.", id="en-visit-was-on"),
    ],
)
def test_the_day_of_an_invoice_or_a_visit_is_no_payment_s(body: str) -> None:
    assert _read(body).loose_past is None


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param("Je paye lundi. Désolé pour le retard", date(2026, 11, 16), id="je-paye"),
        pytest.param("On regle vendredi, promis.", date(2026, 11, 13), id="on-regle"),
        pytest.param(
            "Pardon pour l'oubli, je vire le montant demain.", date(2026, 11, 12), id="vire"
        ),
    ],
)
def test_the_french_present_without_an_accent_is_no_payment_made(body: str, expected: date) -> None:
    """ "paye", "regle", "vire" after a subject are the present tense (a promise with its
    day), not "payé", "réglé", "viré" written without the accent."""
    reading = _read(body)
    assert "r:paid_claim" not in reading.features, reading.rule_evidence
    assert "r:promise_to_pay" in reading.features, reading.rule_evidence
    assert reading.promise_date == expected


@pytest.mark.parametrize(
    "body",
    ["J'ai paye hier.", "C'est regle depuis lundi.", "La facture a ete reglee le 9."],
)
def test_the_participle_without_its_accent_is_still_a_payment_made(body: str) -> None:
    assert "r:paid_claim" in _read(body).features


def test_a_transfer_done_yesterday_in_french_without_accents_has_its_day() -> None:
    """ "hier" is "here" in Dutch and German; after a French participle not in -é ("fait",
    "parti", "remis") it is yesterday."""
    assert [m.day for m in find_dates("virement fait hier. bonne journee", WED)] == [
        date(2026, 11, 10)
    ]
    assert find_dates("Das Geld ist schon hier.", WED) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        pytest.param(
            "I handed your engineer a cheque for the full amount on 9 November.",
            date(2026, 11, 9),
            id="en-handed-engineer-a-cheque",
        ),
        pytest.param(
            "ich hab den Betrag Ihrem Monteur am 9. November nach der Reparatur bar in die "
            "Hand gedrückt, er hat mir eine Quittung ausgestellt.",
            date(2026, 11, 9),
            id="at-bar-in-die-hand-gedrueckt",
        ),
        pytest.param(
            "Ik heb op 9 november contant aan de monteur gegeven.",
            date(2026, 11, 9),
            id="nl-contant-aan-de-monteur",
        ),
        pytest.param(
            "J'ai remis un chèque de 245 euros à votre technicien le jour de l'intervention, "
            "le 9 novembre, il l'a mis dans sa sacoche devant moi.",
            date(2026, 11, 9),
            id="fr-cheque-remis-le-jour-de-l-intervention",
        ),
    ],
)
def test_money_handed_to_the_fitter_is_a_payment_made_that_day(body: str, expected: date) -> None:
    reading = _read(body)
    assert "r:paid_claim" in reading.features, reading.rule_evidence
    assert "r:c=paid_on_site" in reading.features
    assert reading.paid_date == expected


def test_a_promise_to_hand_the_fitter_a_cheque_is_no_payment_made() -> None:
    assert (
        "r:paid_claim" not in _read("I will hand the cheque to your engineer next visit.").features
    )


@pytest.mark.parametrize(
    "body",
    [
        "Just to let you know that Mr Okafor, who deals with our payables, is on sick leave "
        "until 15 December. I'm only covering reception. I'll put your letter on his desk "
        "for when he's back.",
        "Frau Kramer ist bis zum 4. Dezember in Elternzeit. Ich habe Ihre Mahnung an ihre "
        "Vertretung weitergegeben.",
        "Mevrouw Jansen is tot 4 december met verlof. Ik heb uw herinnering op haar bureau gelegd.",
        "M. Lambert est absent jusqu'au 4 décembre. J'ai transmis votre rappel à sa collègue.",
    ],
    ids=["en-reception", "de-mahnung-weitergegeben", "nl-herinnering-op-bureau", "fr-rappel"],
)
def test_an_absence_told_by_somebody_who_read_the_reminder_is_a_person_s_note(body: str) -> None:
    """A server's away notice cannot know the mail was a reminder; replies-train labels the
    receptionist's note `other`, with no day back."""
    result = classify(parse(_mail(body)), tz=TZ)
    assert result.intent is not Intent.AUTO_REPLY, result.evidence
    assert result.return_date is None


def test_the_week_after_a_named_event_is_no_day() -> None:
    """ "The week after Easter" names its own anchor, which this rule does not read."""
    found = find_dates("On 3 December I said we would pay the week after Easter.", WED)
    assert [m.text for m in found] == ["3 December"]
