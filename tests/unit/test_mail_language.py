"""Every mail fully in the debtor's language (#15).

Each debtor-facing template is rendered in nl/en/de/fr with a realistic context — several
invoices, collection costs and interest with their working, a payment plan, a Belgian OGM
reference — and the text must hold no marker word of another language, no amount or date in
another locale's form (1234.50, 2026-12-04) and no bare OGM. The marker lists are small on
purpose: words a mail in that language uses and the others never do.
"""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest

from daemon.adapters.templates import LANGUAGES, render, templates_dir
from daemon.app.mail_composer import mail_context
from daemon.app.reminder_mail import build_mail
from daemon.config import Config, OfficeSettings
from daemon.domain.dunning_planner import Action, ActionKind
from daemon.domain.references import display_reference
from daemon.domain.statement_of_account import InvoiceItem, compute_charges, notice_costs

# Words only a mail in that language contains. English words that are also good French
# ("total", "due" as in "somme due") are not French markers of English.
MARKERS: dict[str, tuple[str, ...]] = {
    "en": (
        "the",
        "and",
        "your",
        "invoice",
        "invoices",
        "principal",
        "total",
        "due",
        "payment",
        "amount",
        "please",
        "days",
        "interest",
        "costs",
        "balance",
        "dear",
        "regards",
        "paid",
        "outstanding",
        "statement",
        "reminder",
    ),
    "nl": (
        "het",
        "een",
        "uw",
        "wij",
        "niet",
        "factuur",
        "facturen",
        "betaling",
        "bedrag",
        "graag",
        "openstaande",
        "hoofdsom",
        "incassokosten",
        "totaal",
        "vervaldatum",
        "geachte",
        "groet",
        "dagen",
        "rente",
        "termijn",
    ),
    "de": (
        "und",
        "der",
        "das",
        "sie",
        "ihre",
        "rechnung",
        "rechnungen",
        "zahlung",
        "betrag",
        "bitte",
        "nicht",
        "tage",
        "zinsen",
        "hauptforderung",
        "summe",
        "grüßen",
        "offen",
    ),
    "fr": (
        "le",
        "la",
        "les",
        "votre",
        "vos",
        "facture",
        "factures",
        "paiement",
        "montant",
        "nous",
        "vous",
        "veuillez",
        "jours",
        "intérêts",
        "frais",
        "madame",
        "monsieur",
        "échéance",
        "du",
        "au",
    ),
}
ALSO_NATIVE = {"fr": {"total", "due"}}

TODAY = date(2026, 6, 1)
BE_OFFICE = OfficeSettings(
    name="Vos Techniek BV",
    email="debiteuren@example.invalid",
    iban="BE68539007547034",
    jurisdiction="BE",
    registration="0123.456.749",
    address=("Kerkstraat 1", "2000 Antwerpen"),
    phone="+32 3 123 45 67",
)
CONFIG = dataclasses.replace(Config(), office=BE_OFFICE)
OGM = "090933755493"
OGM_SHOWN = "+++090/9337/55493+++"


def _items(jurisdiction: str = "BE") -> tuple[InvoiceItem, ...]:
    def item(number: str, amount: str, due: date) -> InvoiceItem:
        value = Decimal(amount)
        return InvoiceItem(
            number,
            "EUR",
            value,
            value,
            date(2026, 1, 2),
            due,
            OGM if jurisdiction == "BE" else "",
            "ogm" if jurisdiction == "BE" else "free",
            formal_notice_date=date(2026, 3, 1),
        )

    return (
        item("F2026-0101", "1234.50", date(2026, 2, 1)),
        item("F2026-0102", "880.25", date(2026, 2, 15)),
        item("F2026-0103", "15020.00", date(2026, 3, 1)),
    )


def _ladder_action(template: str, lang: str, jurisdiction: str) -> Action:
    # BE b2c: Boek XIX costs and an OGM; NL b2b: WIK staffel and commercial interest.
    debtor_type = "b2c" if jurisdiction == "BE" else "b2b"
    items = _items(jurisdiction) if template != "thank_you" else ()
    charges = compute_charges(
        list(items),
        TODAY,
        jurisdiction=jurisdiction,
        debtor_type=debtor_type,
        costs=True,
        interest=True,
        after_notice=True,
        vat_deductible=False,
    )
    stated, stated_lines = notice_costs(
        list(items), jurisdiction=jurisdiction, debtor_type=debtor_type, vat_deductible=False
    )
    return Action(
        debtor_id="D1",
        action=ActionKind.EMAIL,
        reason="test",
        kind="reminder" if template != "thank_you" else "thank_you",
        step=3,
        step_name=template,
        template=template,
        to=("jansen@example.be",),
        invoices=items,
        amount_due=sum((i.open for i in items), Decimal(0)),
        charges=charges,
        notice_costs=stated,
        notice_cost_lines=stated_lines,
        notice_invoices=tuple(i.number for i in items),
        deadline=date(2026, 6, 15),
        language=lang,
        jurisdiction=jurisdiction,
        debtor_type=debtor_type,
        message_key="F2026-0101",
    )


LADDER = ("courtesy", "reminder1", "reminder2", "demand", "notice14", "thank_you")


def _invoice_rows() -> list[dict[str, Any]]:
    return [
        {
            "number": i.number,
            "currency": "EUR",
            "amount": i.amount,
            "open_amount": i.open,
            "open": i.open,
            "due_date": i.due_date,
        }
        for i in _items()
    ]


def _plain_context(template: str) -> dict[str, Any]:
    """The context the app gives each non-ladder mail (replies.py, promises.py, plans.py,
    casefile.py), with values of the kinds those modules pass."""
    # The one template-context shape (daemon.app.mail_composer.mail_context, #14).
    office = mail_context(BE_OFFICE, debtor_id="D-1", debtor_name="Jansen")
    invoices = _invoice_rows()
    plan = {
        "plan_id": 7,
        "currency": "EUR",
        "total": Decimal("17134.75"),
        "reference": display_reference(OGM, "ogm"),
        "invoices": [{"number": i["number"], "open": i["open"]} for i in invoices],
        "instalments": [
            {"seq": 1, "due_date": "2026-06-15", "amount": Decimal("5711.59")},
            {"seq": 2, "due_date": "2026-07-15", "amount": Decimal("5711.58")},
            {"seq": 3, "due_date": "2026-08-17", "amount": Decimal("5711.58")},
        ],
    }
    contexts: dict[str, dict[str, Any]] = {
        "promise_confirmation": {
            "invoices": invoices,
            "promise_date": date(2026, 6, 12),
            "until": None,
            "subject": "",
            "source": "mail",
        },
        "promise_date_request": {
            "invoices": invoices,
            "promise_date": None,
            "until": None,
            "subject": "",
            "source": "mail",
        },
        "paid_proof_request": {
            "invoices": invoices,
            "promise_date": None,
            "until": date(2026, 6, 8),
            "subject": "",
            "source": "mail",
        },
        "invoice_copy": {
            "invoices": invoices,
            "promise_date": None,
            "until": None,
            "subject": "",
            "source": "mail",
        },
        "plan_schedule": plan,
        "plan_instalment_reminder": {
            **plan,
            "seq": 2,
            "count": 3,
            "due_date": "2026-07-15",
            "amount": Decimal("5711.58"),
        },
        "call_summary": {
            "text": "Telefoon: Jansen",  # the caller's own note is not checked
            "call_date": "2026-06-01",
            "promise_date": "2026-06-12",
            "currency": "EUR",
            "invoices": [
                {"number": i["number"], "due_date": i["due_date"].isoformat(), "open": i["open"]}
                for i in invoices
            ],
        },
    }
    return {**office, **contexts[template]}


PLAIN = (
    "promise_confirmation",
    "promise_date_request",
    "paid_proof_request",
    "invoice_copy",
    "plan_schedule",
    "plan_instalment_reminder",
    "call_summary",
)


def test_every_debtor_facing_template_is_covered() -> None:
    names = {p.name.split(".")[0] for p in templates_dir().glob("*.j2")}
    staff = {n for n in names if n.startswith("staff_")}
    partials = {n for n in names if n.startswith("_")}
    assert names - staff - partials == set(LADDER) | set(PLAIN)


def _rendered(template: str, lang: str, jurisdiction: str = "BE") -> tuple[str, str]:
    if template in LADDER:
        mail, _ = build_mail(
            _ladder_action(template, lang, jurisdiction),
            CONFIG,
            debtor_name="Jansen",
            case_token="abc",
            now=datetime(2026, 6, 1, 9, tzinfo=UTC),
            today=TODAY,
            message_id="<r.F2026-0101@x>",
        )
        rendered = mail.rendered
    else:
        rendered = render(template, lang, _plain_context(template))
    html = re.sub(r"<[^>]+>", " ", rendered.html or "")
    return rendered.subject, f"{rendered.subject}\n{rendered.text}\n{html}"


def _foreign(text: str, lang: str) -> list[str]:
    # Proper names, addresses and codes are the office's and the debtor's, not language.
    for name in (BE_OFFICE.name, *BE_OFFICE.address, "Jansen", BE_OFFICE.email):
        text = text.replace(name, " ")
    words = set(re.findall(r"[^\W\d_]+", text.lower()))
    found = []
    for other, markers in MARKERS.items():
        if other == lang:
            continue
        found += [
            f"{other}:{w}" for w in markers if w in words and w not in ALSO_NATIVE.get(lang, ())
        ]
    return sorted(found)


# Ladder mails for a Belgian consumer (OGM, Boek XIX) and a Dutch business (WIK, interest).
CASES = [*((t, "BE") for t in LADDER), *((t, "NL") for t in LADDER), *((t, "BE") for t in PLAIN)]


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("template", "jurisdiction"), CASES)
def test_mail_is_wholly_in_its_language(template: str, jurisdiction: str, lang: str) -> None:
    _, text = _rendered(template, lang, jurisdiction)
    assert not _foreign(text, lang), f"{template}.{lang}: {_foreign(text, lang)}\n{text}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize(("template", "jurisdiction"), CASES)
def test_amounts_dates_and_references_in_the_locale(
    template: str, jurisdiction: str, lang: str
) -> None:
    _, text = _rendered(template, lang, jurisdiction)
    # No raw Decimal ("1234.50") or ISO date outside English; English groups ("1,234.50").
    raw_amount = re.search(r"(?<![\d.,/])\d{4,}\.\d{2}(?!\d)", text)
    assert raw_amount is None, f"{template}.{lang}: raw amount {raw_amount.group(0)!r}"
    iso_day = re.search(r"\b20\d\d-\d\d-\d\d\b", text)
    assert iso_day is None, f"{template}.{lang}: ISO date {iso_day.group(0)!r} in\n{text}"
    if lang != "en":
        assert "1,234.50" not in text and "15,020.00" not in text
    # The Belgian structured reference is printed with its +++ form, never bare.
    bare = re.search(rf"(?<![\d/]){OGM}(?!\d)", text)
    assert bare is None, f"{template}.{lang}: bare OGM in\n{text}"


@pytest.mark.parametrize(
    ("lang", "amount", "day"),
    [
        ("nl", "€\xa01.234,50", "15 juni 2026"),
        ("en", "€1,234.50", "15 June 2026"),
        ("de", "1.234,50\xa0€", "15. Juni 2026"),
        ("fr", "1\u202f234,50\xa0€", "15 juin 2026"),
    ],
)
def test_demand_states_amount_and_deadline_per_locale(lang: str, amount: str, day: str) -> None:
    _, text = _rendered("demand", lang)
    assert amount in text and day in text, text


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_nl_demand_shows_its_interest_working(lang: str) -> None:
    # The computed blocks are really in the text the language checks read.
    _, text = _rendered("demand", lang, "NL")
    marker = {"nl": "dagen ×", "en": "days ×", "de": "Tage ×", "fr": "jours ×"}[lang]
    assert marker in text, text


def test_the_checks_can_fail() -> None:
    assert _foreign("principal 1.000,00 — totaal volgens de staffel", "nl") == [
        "en:principal",
    ]
    assert _foreign("Bitte zahlen Sie den Betrag", "fr") == [
        "de:betrag",
        "de:bitte",
        "de:sie",
    ]
    assert _foreign("le montant total est dû", "fr") == []
    assert _foreign("the total is due", "nl") == ["en:due", "en:the", "en:total"]
