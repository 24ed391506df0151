"""Issue #15: the working of costs and interest in the debtor's language. Dutch and French
mails said "principal 1000.00" and "staffel total"; every computed block and every mail
template is now rendered in nl/en/de/fr and checked for words of another language."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from daemon.adapters.templates import LANGUAGES
from daemon.app.reminder_mail import build_mail
from daemon.domain.charge_lines import (
    CONVENTIONS,
    PHRASES,
    ChargeLine,
    charge_line,
    render_convention,
    render_line,
    render_lines,
)
from daemon.domain.fees import collection_costs
from daemon.domain.statement_of_account import InvoiceItem, compute_charges, notice_costs
from tests.unit.test_templates import CONFIG, MAIL_TEMPLATES, action

# Words that betray an English working line in a Dutch, German or French mail.
ENGLISH = re.compile(
    r"\b(principal|staffel total|interest|days|costs|collection|rounded|raised|capped|"
    r"balance|flat|statutory|limited|received|compounding)\b",
    re.IGNORECASE,
)
OTHER_LANGUAGES = [lang for lang in LANGUAGES if lang != "en"]
TODAY = date(2026, 12, 1)


def _item(number: str, amount: str, notice: date | None = None) -> InvoiceItem:
    value = Decimal(amount)
    return InvoiceItem(
        number,
        "EUR",
        value,
        value,
        date(2025, 9, 1),
        date(2025, 10, 1),
        "",
        "free",
        formal_notice_date=notice,
        formal_notice_costs=Decimal("40.00") if notice else None,
    )


BLOCKS: dict[str, tuple[ChargeLine, ...]] = {
    "NL b2c, VAT, staffel": collection_costs(
        "NL", "b2c", Decimal("1234.30"), vat_deductible=False
    ).lines,
    "NL minimum": collection_costs("NL", "b2b", Decimal("100")).lines,
    "NL maximum": collection_costs("NL", "b2b", Decimal("2000000")).lines,
    "BE b2c": collection_costs("BE", "b2c", Decimal("800")).lines,
    "BE b2b": collection_costs("BE", "b2b", Decimal("800")).lines,
    "DE b2c": collection_costs("DE", "b2c", Decimal("800")).lines,
    "NL notice": compute_charges(
        [_item("F1", "1000.00", date(2026, 10, 1))],
        TODAY,
        jurisdiction="NL",
        debtor_type="b2c",
        costs=True,
        interest=True,
        after_notice=True,
    ).cost_lines,
    "NL interest": compute_charges(
        [_item("F1", "1000.00")],
        TODAY,
        jurisdiction="NL",
        debtor_type="b2b",
        costs=False,
        interest=True,
        after_notice=False,
    ).interest_lines,
    # What a statement says about the claims ledger (#15): earlier booked interest, and what
    # was already paid or waived.
    "claims ledger": (
        charge_line("claim_kept", day=date(2026, 4, 8), amount=Decimal("6.40")),
        charge_line("claim_settled", amount=Decimal("150.00"), due=Decimal("0.00")),
    ),
}


def test_every_phrase_and_convention_is_said_in_every_language() -> None:
    for key, phrases in [*PHRASES.items(), *CONVENTIONS.items()]:
        assert set(phrases) == set(LANGUAGES), key


def test_the_blocks_cover_every_phrase() -> None:
    used = {line.key for block in BLOCKS.values() for line in block}
    assert used == set(PHRASES)


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
@pytest.mark.parametrize("block", list(BLOCKS))
def test_computed_block_has_no_english_words(block: str, lang: str) -> None:
    text = "\n".join(render_lines(BLOCKS[block], lang))
    assert text and not ENGLISH.search(text), text


@pytest.mark.parametrize("lang", OTHER_LANGUAGES)
def test_conventions_have_no_english_words(lang: str) -> None:
    for convention in CONVENTIONS:
        said = render_convention(convention, lang)
        assert said != convention and not ENGLISH.search(said), said


def test_english_is_the_old_text_and_the_check_can_fail() -> None:
    """Positive control: the English lines are what staff views show, and they trip the
    word check that the other languages pass."""
    lines = [str(line) for line in BLOCKS["NL b2c, VAT, staffel"]]
    assert lines[0] == "principal 1234.30"
    assert "15 % of 1234.30 = 185.1450" in lines
    assert lines[-1] == "collection costs 224.03"
    assert ENGLISH.search("\n".join(lines))
    interest = str(BLOCKS["NL interest"][0])
    assert re.fullmatch(r"F1: 2025-10-02 – \S+: \d+ days × [\d.]+ % on 1000.00 = [\d.]+", interest)


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        # #16: the debtor reads the working to the cent; staff keep the exact value
        ("nl", "15 % van 1.234,30 = 185,15"),
        ("de", "15 % von 1.234,30 = 185,15"),
        ("fr", "15 % de 1\u00a0234,30 = 185,15"),
        ("en", "15 % of 1,234.30 = 185.15"),
    ],
)
def test_numbers_follow_the_language(lang: str, expected: str) -> None:
    slice_ = charge_line(
        "wik_slice", rate=Decimal("15"), part=Decimal("1234.30"), value=Decimal("185.1450")
    )
    assert render_line(slice_, lang) == expected
    day = charge_line("notice_group", day=date(2026, 10, 1), numbers="F1")
    assert {"nl": "01-10-2026", "de": "01.10.2026", "fr": "01/10/2026", "en": "01/10/2026"}[
        lang
    ] in render_line(day, lang)
    # Staff views and decision logs keep plain numbers and ISO dates.
    assert str(slice_) == "15 % of 1234.30 = 185.1450"
    assert "2026-10-01" in str(day)


def _mail_action(template: str, lang: str) -> object:
    base = action(template, lang)
    if not base.invoices:
        return base
    item = dataclasses.replace(base.invoices[0], formal_notice_date=date(2026, 3, 1))
    charges = compute_charges(
        [item],
        date(2026, 6, 1),
        jurisdiction="NL",
        debtor_type="b2c",
        costs=True,
        interest=True,
        after_notice=True,
        vat_deductible=False,
    )
    stated, stated_lines = notice_costs(
        [item], jurisdiction="NL", debtor_type="b2c", vat_deductible=False
    )
    assert charges.cost_lines and charges.interest_lines and stated_lines
    return dataclasses.replace(
        base,
        invoices=(item,),
        charges=charges,
        notice_costs=stated,
        notice_cost_lines=stated_lines,
    )


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("template", MAIL_TEMPLATES)
def test_every_mail_says_its_working_in_its_language(template: str, lang: str) -> None:
    act = _mail_action(template, lang)
    assert isinstance(act, type(action(template, lang)))
    mail, context = build_mail(
        act,  # type: ignore[arg-type]
        CONFIG,
        debtor_name="Jansen",
        case_token="abc",
        now=datetime(2026, 6, 1, 9, tzinfo=UTC),
        today=date(2026, 6, 1),
        message_id="<reminder.F2026-0412.3@x>",
    )
    text = mail.rendered.text + "\n" + mail.rendered.html
    shown = [*context["cost_lines"], *context["interest_lines"], *context["notice_cost_lines"]]
    if template != "thank_you":
        assert shown  # the blocks the mail may show are there to be checked
    if lang == "en":
        return
    for said in shown:
        assert not ENGLISH.search(said), said
    found = ENGLISH.search(text)
    assert found is None, f"{template}.{lang}: English {found.group(0)!r} in\n{text}"


@pytest.mark.parametrize(
    ("lang", "slice_", "total"),
    [
        (
            "nl",
            "15 % van 2.238,50 = 335,78",
            "totaal volgens de staffel, afgerond op centen: 335,78",
        ),
        ("de", "15 % von 2.238,50 = 335,78", "Summe nach Staffel, auf den Cent gerundet: 335,78"),
        (
            "fr",
            "15 % de 2\u00a0238,50 = 335,78",
            "total selon le barème, arrondi au centime : 335,78",
        ),
        ("en", "15 % of 2,238.50 = 335.78", "staffel total, rounded to the cent: 335.78"),
    ],
)
def test_the_debtor_reads_the_staffel_to_the_cent(lang: str, slice_: str, total: str) -> None:
    """#16: "15 % van 2.238,50 = 335,7750" and "335,7750 -> 335,78" on a letter. The debtor's
    form says amounts with two decimals and the rounding in words; the fee is unchanged and
    the staff form keeps the exact working."""
    costs = collection_costs("NL", "b2b", Decimal("2238.50"))
    assert costs.amount == Decimal("335.78")
    said = render_lines(costs.lines, lang)
    assert said[1:3] == [slice_, total], said
    assert not any(re.search(r"\d[.,]\d{3}\b(?![.,]\d)", line) for line in said[1:3]), said
    staff = [str(line) for line in costs.lines]
    assert "15 % of 2238.50 = 335.7750" in staff
    assert "staffel total 335.7750 → 335.78" in staff
