"""Making a paper letter: from a planned action and the debtor's address to the PDF.

One read (the planned action, the debtor's address) → a pure Letter (daemon.domain.letter)
→ the PDF (daemon.adapters.letter_pdf). Writing it is the caller's: the ladder step
(daemon.app.letter_steps) or the print queue and ``dunmail letter`` (daemon.app.print_queue).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.invoice_pdfs import PdfRefused, read_pdf
from daemon.adapters.letter_pdf import LetterAssets, LetterError, read_asset, render_letter_pages
from daemon.adapters.store import letters as letter_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.queue import add_review_item
from daemon.adapters.templates import render
from daemon.app.mailout import Attachment
from daemon.app.reminder_mail import _payment_reference, context_for, language_of
from daemon.config import MAX_PDF_MAX_BYTES, Config, LadderStep
from daemon.domain.dunning_planner import Action
from daemon.domain.epc_qr import epc_payload
from daemon.domain.letter import (
    Letter,
    LetterRow,
    PostalAddress,
    labels,
    paragraphs_of,
    split_closing,
)

_REGISTRATION = {"NL": "KvK", "BE": "KBO/BCE", "DE": "HR"}
_VAT = {"nl": "Btw", "en": "VAT", "de": "USt-IdNr.", "fr": "TVA"}


class LetterRefused(ValueError):
    """No letter can be made or recorded; the message says why and what to do."""


def step_of(config: Config, action: Action) -> LadderStep | None:
    """The ladder step an action comes from (its letter and attachment settings)."""
    ladder = config.ladders.get(action.ladder or "")
    if ladder is None or not action.step or action.step > len(ladder.steps):
        return None
    return ladder.steps[action.step - 1]


def address_of(row: dict[str, Any] | None) -> PostalAddress | None:
    if row is None or row.get("erased_at"):
        return None
    return PostalAddress(
        name=row["name"] or "",
        street=row["street"] or "",
        postcode=row["postcode"] or "",
        city=row["city"] or "",
        country=(row["country"] or "").upper(),
    )


def our_reference(debtor_id: str, case_id: int | None, fallback: str) -> str:
    """ "Ons kenmerk": the debtor and the case number (``D1042/7``), what staff find the file
    by (``dunmail cases show D1042`` lists case 7). The case's token is the Reply-To tag, not
    a reference to print; the lowest invoice number stands in when there is no case."""
    return f"{debtor_id}/{case_id}" if case_id is not None else fallback


def compose_letter(
    action: Action,
    config: Config,
    address: PostalAddress,
    *,
    case_id: int | None,
    letter_date: date,
    enclosures: tuple[str, ...] = (),
    mailed: bool = False,
) -> Letter:
    """The Letter for a planned reminder: the mail's own prose (rendered with ``letter`` set,
    so the statement and the foot become the letter's table, payment block and letterhead)."""
    office = config.office
    lang = language_of(action, config)
    lab = labels(lang)
    context = context_for(action, config, address.name, letter_date)
    context["letter"] = True
    context["letter_attached"] = mailed  # its term then runs from the mail that carries it
    rendered = render(action.template or "reminder1", lang, context)
    body, closing = split_closing(paragraphs_of(rendered.text))
    structured, text, shown = _payment_reference(action)
    qr: str | None = None
    if action.total > 0 and action.invoices and all(i.currency == "EUR" for i in action.invoices):
        try:
            qr = epc_payload(
                office.name[:70],
                office.iban,
                action.total,
                bic=office.bic or None,
                reference=structured,
                text=text,
            )
        except ValueError:
            qr = None  # a letter without a QR code beats no letter
    contact = [*office.address, *(x for x in (office.phone, office.email) if x)]
    foot = [office.name]
    registration = office.registration or office.enterprise_number
    if registration:  # labelled as the mail's foot does (Handelsregisterwet art. 20, WER)
        label = _REGISTRATION.get(office.jurisdiction, "") if registration[:1].isdigit() else ""
        foot.append(f"{label} {registration}".strip())
    if office.vat_number:
        foot.append(f"{_VAT.get(lang, 'VAT')} {office.vat_number}")
    foot.append(f"IBAN {office.iban}")
    refs = [
        (lab["our_reference"], our_reference(action.debtor_id, case_id, action.message_key)),
        (lab["customer"], action.debtor_id),
    ]
    return Letter(
        language=lang,
        letterhead=(office.name, *contact),
        return_line=", ".join([office.name, *office.address[:2]]),
        address=address.block(office.jurisdiction),
        place=config.letters.place,
        letter_date=letter_date,
        subject=rendered.subject,
        references=tuple(refs),
        paragraphs=body,
        rows=tuple(
            LetterRow(i.number, i.issue_date, i.due_date, i.open, i.currency)
            for i in action.invoices
        ),
        amount_due=action.amount_due,
        costs=action.charges.costs,
        cost_lines=tuple(context["cost_lines"]),
        interest=action.charges.interest,
        interest_lines=tuple(context["interest_lines"]),
        currency=context["currency"],
        deadline=action.deadline,
        iban=office.iban,
        bic=office.bic,
        payee=office.name,
        payment_reference=context["payment_reference"] or shown,
        qr_payload=qr,
        closing=closing,
        signature_name=config.letters.signature_name,
        foot=tuple(foot),
        enclosures=enclosures,
    )


@dataclass(frozen=True, slots=True)
class MadeLetter:
    letter: Letter
    pdf: bytes
    pages: int
    terms: bytes | None  # the terms PDF when it goes with the mail instead


def terms_for(config: Config, language: str) -> bytes | None:
    terms = config.letters.terms_pdf
    path = terms.get(language) or terms.get(config.office.language)
    if not path:
        return None
    key = f"letters.terms_pdf.{language if language in terms else config.office.language}"
    return read_asset(path, key)


def make_letter(
    action: Action,
    config: Config,
    address: PostalAddress,
    *,
    case_id: int | None,
    letter_date: date,
    terms_mode: str = "none",
    mailed: bool = False,
) -> MadeLetter:
    """Compose and render; LetterError names the config key of an unreadable asset."""
    lang = language_of(action, config)
    settings = config.letters
    terms = terms_for(config, lang) if terms_mode in ("append", "attach") else None
    enclosures = (labels(lang)["terms"],) if terms is not None else ()
    letter = compose_letter(
        action,
        config,
        address,
        case_id=case_id,
        letter_date=letter_date,
        enclosures=enclosures,
        mailed=mailed,
    )
    assets = LetterAssets(
        logo=read_asset(settings.logo, "letters.logo") if settings.logo else None,
        font=settings.font,
        font_bold=settings.font_bold,
        terms_pdf=terms if terms_mode == "append" else None,
    )
    pdf, pages = render_letter_pages(letter, assets)
    return MadeLetter(letter, pdf, pages, terms if terms_mode == "attach" else None)


def letter_filename(action: Action, letter_date: date) -> str:
    return f"{action.step_name or 'letter'}-{action.message_key}-{letter_date.isoformat()}.pdf"


def mail_attachments(
    store: Store, config: Config, action: Action, step: LadderStep | None, lang: str
) -> tuple[list[Attachment], list[str]]:
    """What the step puts beside a reminder mail: the terms PDF (terms = "attach") and the
    invoice PDFs we hold (attach_invoices), each read under invoices.pdf_dir's rules. An
    invoice PDF refused now is left out and named (the reminder still goes)."""
    files: list[Attachment] = []
    problems: list[str] = []
    if step is None:
        return files, problems
    if step.terms == "attach" and action.channel != "letter":
        terms = terms_for(config, lang)
        if terms is not None:
            files.append(Attachment(f"{labels(lang)['terms']}.pdf", terms))
    if step.attach_invoices:
        paths = letter_store.invoice_pdf_paths(store, [i.number for i in action.invoices])
        total = sum(len(f.content) for f in files)
        for number, path in sorted(paths.items()):
            try:
                content = read_pdf(path, config.invoices.pdf_policy)
            except PdfRefused as exc:
                problems.append(f"{number}: {exc}")
                continue
            if total + len(content) > MAX_PDF_MAX_BYTES:  # the mail would not arrive
                problems.append(
                    f"{number}: left out, the attachments would exceed {MAX_PDF_MAX_BYTES} bytes"
                )
                continue
            total += len(content)
            files.append(Attachment(Path(path).name, content))
    return files, problems


def letter_key(store: Store, action: Action) -> str | None:
    """The letter's dedupe key: one letter per debtor, step and lowest invoice; a cancelled
    one is made again as ``…-rN``. None: this letter exists (never a second one)."""
    base = f"letter:{action.debtor_id}:{action.step}:{action.message_key}"
    for attempt in range(1, 50):
        key = base if attempt == 1 else f"{base}-r{attempt}"
        status = letter_store.letter_status_by_key(store, key)
        if status is None:
            return key
        if status != "cancelled":
            return None
    return None


def store_letter(
    store: Store,
    config: Config,
    action: Action,
    made: MadeLetter,
    *,
    key: str,
    case_id: int | None,
    decision: dict[str, Any],
    now: datetime,
) -> int | None:
    """Put a made letter in the print queue under ``key`` (see letter_key)."""
    return letter_store.add_letter(
        store,
        debtor_id=action.debtor_id,
        case_id=case_id,
        ladder=action.ladder,
        step=action.step,
        step_name=action.step_name,
        language=made.letter.language,
        letter_date=made.letter.letter_date.isoformat(),
        deadline=action.deadline.isoformat() if action.deadline else None,
        invoice_numbers=[i.number for i in action.invoices],
        pdf=made.pdf,
        pages=made.pages,
        decision=decision,
        dedupe_key=key,
        now=iso_utc(now),
    )


def no_address_item(store: Store, action: Action, case_id: int | None, now: str) -> int:
    return add_review_item(
        store,
        "no_postal_address",
        action.reason,
        priority=1,
        evidence={
            "step": action.step_name,
            "step_number": action.step,
            "ladder": action.ladder,
            "template": action.template,
        },
        debtor_id=action.debtor_id,
        case_id=case_id,
        invoice_numbers=[i.number for i in action.invoices],
        dedupe_key=f"no-postal:{action.debtor_id}:{action.step}:{action.message_key}",
        now=now,
    )


def asset_checks(config: Config) -> list[dict[str, object]]:
    """``check-config``: every file named in [letters] can be read and is what it should be
    (a PNG/JPEG logo, TrueType fonts, PDF terms), so a letter step never fails on one."""
    settings = config.letters
    font = ((b"\x00\x01\x00\x00", b"true", b"OTTO"), "TrueType or OpenType font")
    wanted: list[tuple[str, str, tuple[tuple[bytes, ...], str]]] = []
    if settings.logo:
        wanted.append(
            ("letters.logo", settings.logo, ((b"\x89PNG", b"\xff\xd8\xff"), "PNG or JPEG"))
        )
    for key in ("font", "font_bold"):
        if getattr(settings, key):
            wanted.append((f"letters.{key}", getattr(settings, key), font))
    for lang, path in sorted(settings.terms_pdf.items()):
        wanted.append((f"letters.terms_pdf.{lang}", path, ((b"%PDF-",), "PDF")))
    checks: list[dict[str, object]] = []
    for name, ladder in sorted(config.ladders.items()):
        for step in ladder.steps:
            where = f"ladders.{name}.{step.name}"
            if step.terms != "none" and not settings.terms_pdf:
                checks.append(
                    {
                        "name": f"{where}.terms",
                        "ok": False,
                        "detail": f"terms = {step.terms!r} but letters.terms_pdf names no file",
                    }
                )
            if step.attach_to_mail and step.channel != "letter":
                checks.append(
                    {
                        "name": f"{where}.attach_to_mail",
                        "ok": False,
                        "detail": 'attach_to_mail is for channel = "letter" steps',
                    }
                )
    for key, path, (magic, kind) in wanted:
        try:
            head = read_asset(path, key)[:8]
        except LetterError as exc:
            checks.append({"name": key, "ok": False, "detail": str(exc)})
            continue
        ok = head.startswith(magic)
        checks.append({"name": key, "ok": ok, "detail": path if ok else f"{path} is not a {kind}"})
    return checks
