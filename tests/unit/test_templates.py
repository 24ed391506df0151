"""Every ladder step × language has a text and an HTML template that render."""

from __future__ import annotations

import dataclasses
import email
from datetime import UTC, date, datetime
from decimal import Decimal
from email import policy

import pytest

from daemon.adapters.templates import LANGUAGES, template_exists, templates_dir
from daemon.app.mailout import compose
from daemon.app.reminder_mail import build_mail
from daemon.config import Config, ConfigError, OfficeSettings, parse_config
from daemon.domain.charge_lines import charge_line
from daemon.domain.dunning_planner import Action, ActionKind
from daemon.domain.statement_of_account import Charges, InvoiceItem

CONFIG = Config()
MAIL_TEMPLATES = sorted(
    {s.template for ladder in CONFIG.ladders.values() for s in ladder.steps if s.channel == "email"}
    | {"thank_you"}
)
ITEM = InvoiceItem(
    "F2026-0412",
    "EUR",
    Decimal("1234.50"),
    Decimal("1234.50"),
    date(2026, 4, 1),
    date(2026, 4, 15),
    "RF18539007547034",
    "rf",
)


def action(template: str, lang: str, name: str = "Jansen & Zn <b>") -> Action:
    return Action(
        debtor_id="D1",
        action=ActionKind.EMAIL,
        reason="test",
        kind="reminder" if template != "thank_you" else "thank_you",
        step=3,
        step_name=template,
        template=template,
        to=("jansen@example.nl",),
        invoices=(ITEM,) if template != "thank_you" else (),
        amount_due=Decimal("1234.50"),
        charges=Charges(
            Decimal("185.18"),
            (
                charge_line(
                    "wik_slice", rate=Decimal(15), part=Decimal("1234.50"), value=Decimal("185.175")
                ),
            ),
            "NL",
            Decimal("12.34"),
            (
                charge_line(
                    "interest_period",
                    number="F2026-0412",
                    start=date(2026, 4, 16),
                    end=date(2026, 4, 25),
                    days=10,
                    rate=Decimal("10.15"),
                    base=Decimal("1234.50"),
                    interest=Decimal("12.34"),
                ),
            ),
            "act/365",
        ),
        notice_costs=Decimal("185.18"),
        notice_cost_lines=(charge_line("collection_costs", amount=Decimal("185.18")),),
        notice_invoices=("F2026-0412",),
        deadline=date(2026, 5, 1),
        language=lang,
        message_key="F2026-0412",
    )


def test_default_ladders_use_the_expected_mail_templates() -> None:
    assert {"courtesy", "reminder1", "reminder2", "notice14", "demand", "thank_you"} <= set(
        MAIL_TEMPLATES
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", MAIL_TEMPLATES)
def test_template_exists_and_renders(template: str, lang: str) -> None:
    base = templates_dir()
    assert template_exists(template, lang), f"{template}.{lang}.txt.j2 missing"
    assert (base / f"{template}.{lang}.html.j2").is_file()
    mail, _ = build_mail(
        action(template, lang),
        CONFIG,
        debtor_name="Jansen & Zn <b>",
        case_token="abc",
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<reminder.F2026-0412.3@x>",
    )
    assert mail.rendered.subject and mail.rendered.html
    assert mail.language == lang
    if template != "thank_you":
        assert "F2026-0412" in mail.rendered.subject
        assert "RF18 5390 0754 7034" in mail.rendered.text  # printed in groups of four (§5.1)
        assert CONFIG.office.iban in mail.rendered.text
        assert 'src="cid:epcqr"' in mail.rendered.html and mail.inline_png
        assert "&lt;b&gt;" in mail.rendered.html  # debtor data is escaped in HTML
    if template in ("reminder2", "demand"):
        assert "185" in mail.rendered.text and "12" in mail.rendered.text


@pytest.mark.parametrize(
    ("lang", "money", "day"),
    [
        ("nl", "€\xa01.234,50", "15 april 2026"),
        ("en", "€1,234.50", "15 April 2026"),
        ("de", "1.234,50\xa0€", "15. April 2026"),
        ("fr", "1\u202f234,50\xa0€", "15 avril 2026"),
    ],
)
def test_money_and_dates_per_locale(lang: str, money: str, day: str) -> None:
    mail, _ = build_mail(
        action("reminder1", lang),
        CONFIG,
        debtor_name="X",
        case_token=None,
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<m@x>",
    )
    assert money in mail.rendered.text and day in mail.rendered.text


def test_notice14_nl_has_the_statutory_wording() -> None:
    mail, _ = build_mail(
        action("notice14", "nl"),
        CONFIG,
        debtor_name="X",
        case_token=None,
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<m@x>",
    )
    text = " ".join(mail.rendered.text.split())
    assert "binnen 14 dagen vanaf de dag nadat deze e-mail door u is ontvangen" in text
    assert "geen incassokosten" in text
    assert "incassokosten verschuldigd van € 185,18" in text


def test_hostile_debtor_name_cannot_inject_headers_or_template_code() -> None:
    name = "Evil\r\nBcc: victim@example.org {{ 7*7 }} {% raw %}"
    mail, _ = build_mail(
        action("reminder1", "en", name),
        CONFIG,
        debtor_name=name,
        case_token="c0ffee",
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<reminder.F2026-0412.2@x>",
    )
    raw = compose(mail)
    msg = email.message_from_bytes(raw, policy=policy.default)
    assert msg["Bcc"] is None
    assert msg["Message-ID"] == "<reminder.F2026-0412.2@x>"
    body = msg.get_body(("plain",)).get_content()
    assert "{{ 7*7 }}" in body and "49" not in body


def test_reply_to_plus_tag_carries_the_case_token() -> None:
    from dataclasses import replace

    config = replace(CONFIG, dunning=replace(CONFIG.dunning, reply_plus_tag=True))
    mail, _ = build_mail(
        action("reminder1", "nl"),
        config,
        debtor_name="X",
        case_token="c0ffee",
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<m@x>",
    )
    assert mail.reply_to == "debiteuren+c0ffee@example.invalid"


OFFICE_NL = OfficeSettings(
    name="Voorbeeld B.V.",
    email="debiteuren@voorbeeld.nl",
    address=("Installatieweg 12", "1234 AB Voorbeeldstad"),
    phone="+31 123 45 67 89",
    registration="12345678",
    vat_number="NL123456789B01",
)
REG_LABEL_NL = {
    "nl": "KvK-nummer: 12345678",
    "en": "Chamber of Commerce (KvK) no.: 12345678",
    "de": "Handelsregister (KvK) Nr.: 12345678",
    "fr": "N° Chambre de commerce (KvK): 12345678",
}
VAT_LABEL = {"nl": "Btw-nummer", "en": "VAT number", "de": "USt-IdNr.", "fr": "N° TVA"}


def _render(template: str, lang: str, office: OfficeSettings) -> tuple[str, str]:
    mail, _ = build_mail(
        action(template, lang),
        dataclasses.replace(CONFIG, office=office),
        debtor_name="X",
        case_token=None,
        now=datetime(2026, 4, 20, 9, tzinfo=UTC),
        today=date(2026, 4, 20),
        message_id="<m@x>",
    )
    assert mail.rendered.html is not None
    return mail.rendered.text, mail.rendered.html


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", MAIL_TEMPLATES)
def test_letter_foot_names_the_office_legal_details(template: str, lang: str) -> None:
    text, html = _render(template, lang, OFFICE_NL)
    foot = text[text.rindex("Voorbeeld B.V.\n") :]
    for detail in (
        "Installatieweg 12",
        "1234 AB Voorbeeldstad",
        "+31 123 45 67 89",
        "debiteuren@voorbeeld.nl",
        REG_LABEL_NL[lang],
        f"{VAT_LABEL[lang]}: NL123456789B01",
    ):
        assert detail in foot, (detail, foot)
        assert detail in html
    assert "<br>1234 AB Voorbeeldstad" in html


@pytest.mark.parametrize(
    ("lang", "label"),
    [
        ("nl", "Ondernemingsnummer: 0123.456.749"),
        ("fr", "Numéro d'entreprise: 0123.456.749"),
        ("de", "Unternehmensnummer: 0123.456.749"),
        ("en", "Enterprise number: 0123.456.749"),
    ],
)
def test_belgian_consumer_reminder_names_the_enterprise_number(lang: str, label: str) -> None:
    office = dataclasses.replace(
        OFFICE_NL, jurisdiction="BE", registration="0123.456.749", vat_number="BE0123456749"
    )
    for template in ("reminder1", "notice14"):
        text, html = _render(template, lang, office)
        assert label in text and label.replace("'", "&#39;") in html


def test_belgian_enterprise_number_from_the_vat_number() -> None:
    office = dataclasses.replace(
        OFFICE_NL, jurisdiction="BE", registration="", vat_number="BE 0123.456.749"
    )
    assert office.enterprise_number == "0123.456.749"
    text, _ = _render("reminder1", "nl", office)
    assert "Ondernemingsnummer: 0123.456.749" in text


def test_belgian_office_without_enterprise_number_is_refused() -> None:
    with pytest.raises(ConfigError, match=r"office\.registration.*enterprise number"):
        parse_config('[office]\njurisdiction = "BE"\nvat_number = "NL123456789B01"\n')


def test_registration_with_its_own_label_is_printed_as_is() -> None:
    office = dataclasses.replace(
        OFFICE_NL, jurisdiction="DE", registration="HRB 12345, Amtsgericht Köln"
    )
    text, _ = _render("reminder1", "de", office)
    assert "\nHRB 12345, Amtsgericht Köln\n" in text
    assert "Handelsregister: HRB" not in text
