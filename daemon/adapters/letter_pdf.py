"""Lay out a Letter (daemon.domain.letter) as an A4 PDF with fpdf2; append the terms PDF.

Why fpdf2: pure Python with no system packages (WeasyPrint needs pango/cairo from the
distribution, a burden for a daemon installed with pip), about 10 ms and a few MB per letter
(bench/bench_letters.py), and exact millimetre placement, which a window envelope needs.
ReportLab would do too but brings a C extension and a larger API for nothing we use. Neither
writes PDF/A without an embedded font and an output intent; dunmail's archive is the stored
bytes and their sha256, not PDF/A.

Placement follows DIN 5008 form B (A4, letterhead 45 mm): the address field is 85 × 45 mm
at 20 mm from the left and 45 mm from the top; its first 5 mm hold the small return line,
the next 12.7 mm the postal endorsements ("Aangetekend"), the address begins 62.7 mm from the
top. A NEN 1026 / C5/6 window envelope (window 20–22 mm from the left, 45–55 mm from the top,
at least 90 × 40 mm) shows the same field, so one placement serves NL, BE and DE envelopes.
Fold marks at 105 and 210 mm and the hole mark at 148.5 mm are printed in the left margin.

Text: the PDF core font Helvetica in Windows-1252 (€, ë, ç, ß, „“ …) unless ``[letters]
font`` names a TrueType font, which is then embedded (any script). A character the core font
cannot say is decomposed (ł → l) rather than failing the letter.
"""

from __future__ import annotations

import io
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import Any

from daemon.adapters.templates import format_day, format_money
from daemon.domain.letter import Letter, labels

# DIN 5008 form B, in millimetres from the top-left corner of the page.
ADDRESS_X = 20.0
ADDRESS_TOP = 45.0
ADDRESS_WIDTH = 85.0
ADDRESS_HEIGHT = 45.0
RETURN_LINE_Y = ADDRESS_TOP + 2.0
ADDRESS_LINES_Y = ADDRESS_TOP + 17.7
INFO_X = 125.0
INFO_Y = 50.0
BODY_Y = 98.4  # the subject line: DIN 5008 B puts it after the address field
LEFT = 25.0
RIGHT = 20.0
FOOT_H = 22.0


_Say = Callable[[str], str]


class LetterError(ValueError):
    """The letter cannot be made (a logo or terms PDF unreadable); the message names it."""


@dataclass(frozen=True, slots=True)
class LetterAssets:
    logo: bytes | None = None  # PNG or JPEG
    font: str = ""  # a TrueType file; "" = Helvetica in Windows-1252
    font_bold: str = ""
    terms_pdf: bytes | None = None  # appended after the letter's own pages


@cache
def _pdf_class() -> type[Any]:
    """fpdf2 is imported on the first letter, not by the daemon at start (about 40 MB and
    half a second, bench/bench_letters.py). numpy is hidden while it loads, as for
    sqlite-utils (daemon/adapters/store/_sqlite_utils.py): fpdf2 uses it only to speed up
    PNG transparency checks, and it would cost another ~19 MB."""
    import sys

    hidden = "numpy" not in sys.modules
    if hidden:
        sys.modules["numpy"] = None  # type: ignore[assignment]
    try:
        from fpdf import FPDF
    finally:
        if hidden:
            del sys.modules["numpy"]

    class Pdf(FPDF):
        def __init__(self, letter: Letter, font: str) -> None:
            super().__init__(orientation="P", unit="mm", format="A4")
            self.letter = letter
            self.family = font
            self.alias_nb_pages("{nb}")
            self.set_margins(LEFT, 20, RIGHT)
            self.set_auto_page_break(True, margin=FOOT_H + 6)

        def footer(self) -> None:
            lab = labels(self.letter.language)
            self.set_y(-FOOT_H)
            self.set_font(self.family, size=7.5)
            self.set_text_color(90, 90, 90)
            say = text if self.family == "helvetica" else str
            self.multi_cell(
                self.epw - 30, 3.6, say(" · ".join(self.letter.foot)), new_x="RIGHT", new_y="TOP"
            )
            self.set_xy(self.w - RIGHT - 30, -FOOT_H)
            self.cell(30, 3.6, say(f"{lab['page']} {self.page_no()}/{{nb}}"), align="R")
            self.set_text_color(0, 0, 0)
            # fold marks (105 / 210 mm) and the hole mark (148.5 mm) in the left margin
            self.set_draw_color(150, 150, 150)
            self.set_line_width(0.2)
            for y, length in ((105.0, 5.0), (148.5, 7.0), (210.0, 5.0)):
                self.line(3, y, 3 + length, y)

    return Pdf


_PLAIN = {"→": "->", "≥": ">=", "≤": "<=", "−": "-", "\u2009": " "}


def text(value: str) -> str:
    """Text the Windows-1252 core font can print: babel's narrow spaces become no-break
    spaces, other characters are decomposed or replaced, never an exception."""
    value = value.replace("\u202f", "\u00a0")
    for wide, narrow in _PLAIN.items():
        value = value.replace(wide, narrow)
    try:
        value.encode("cp1252")
        return value
    except UnicodeEncodeError:
        out = []
        for ch in value:
            try:
                ch.encode("cp1252")
                out.append(ch)
            except UnicodeEncodeError:
                plain = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
                out.append(plain or "?")
        return "".join(out)


def render_letter(letter: Letter, assets: LetterAssets = LetterAssets()) -> bytes:
    """The letter as PDF bytes, the terms PDF (if any) appended."""
    return render_letter_pages(letter, assets)[0]


def render_letter_pages(letter: Letter, assets: LetterAssets = LetterAssets()) -> tuple[bytes, int]:
    """(PDF bytes, number of pages), the terms PDF (if any) appended."""
    family = "helvetica"
    pdf = _pdf_class()(letter, family)
    pdf.core_fonts_encoding = "windows-1252"
    if assets.font:
        try:
            pdf.add_font("letter", "", assets.font)
            pdf.add_font("letter", "B", assets.font_bold or assets.font)
        except (OSError, RuntimeError) as exc:
            raise LetterError(f"letters.font: cannot load {assets.font}: {exc}") from exc
        pdf.family = family = "letter"
    say: _Say = (lambda s: s) if assets.font else text
    pdf.set_title(say(letter.subject))
    pdf.set_author(say(letter.letterhead[0] if letter.letterhead else ""))
    pdf.set_creator("dunmail")
    pdf.add_page()
    _letterhead(pdf, letter, assets, say)
    _address(pdf, letter, say)
    _info(pdf, letter, say)
    _body(pdf, letter, say)
    _amounts(pdf, letter, say)
    _payment(pdf, letter, say)
    _signature(pdf, letter, say)
    body = bytes(pdf.output())
    if assets.terms_pdf is None:
        return body, pdf.pages_count
    return append_pdf(body, assets.terms_pdf, "letters.terms_pdf")


def append_pdf(first: bytes, second: bytes, what: str) -> tuple[bytes, int]:
    """``first`` followed by every page of ``second`` (the terms), and the page count."""
    from pypdf import PdfReader, PdfWriter  # lazy, as fpdf2: only letters with terms need it

    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(first)))
    try:
        writer.append(PdfReader(io.BytesIO(second)))
    except Exception as exc:  # pypdf raises many kinds for a broken file
        raise LetterError(f"{what}: not a readable PDF: {exc}") from exc
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _letterhead(pdf: Any, letter: Letter, assets: LetterAssets, say: _Say) -> None:
    if assets.logo:
        try:
            pdf.image(
                io.BytesIO(assets.logo),
                x=pdf.w - RIGHT - 50,
                y=12,
                h=18,
                keep_aspect_ratio=True,
                w=50,
            )
        except Exception as exc:  # fpdf/Pillow raise many kinds for a broken image
            raise LetterError(f"letters.logo: not a readable PNG or JPEG: {exc}") from exc
    pdf.set_xy(LEFT, 12)
    if letter.letterhead:
        pdf.set_font(pdf.family, "B", 13)
        pdf.cell(100, 6, say(letter.letterhead[0]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(pdf.family, size=8.5)
        for line in letter.letterhead[1:6]:
            pdf.cell(100, 3.9, say(line), new_x="LMARGIN", new_y="NEXT")


def _address(pdf: Any, letter: Letter, say: _Say) -> None:
    pdf.set_font(pdf.family, size=7)
    pdf.set_xy(ADDRESS_X, RETURN_LINE_Y)
    pdf.cell(ADDRESS_WIDTH, 3, say(letter.return_line))
    pdf.set_font(pdf.family, size=10)
    pdf.set_xy(ADDRESS_X, ADDRESS_LINES_Y)
    for line in letter.address[:6]:  # DIN 5008: at most 6 address lines below endorsements
        pdf.set_x(ADDRESS_X)
        pdf.cell(ADDRESS_WIDTH, 4.4, say(line[:60]), new_x="LMARGIN", new_y="NEXT")


def _info(pdf: Any, letter: Letter, say: _Say) -> None:
    lab = labels(letter.language)
    rows = [
        *letter.references,
        (
            lab["date"],
            f"{letter.place}, {format_day(letter.letter_date, letter.language)}".lstrip(", "),
        ),
    ]
    pdf.set_xy(INFO_X, INFO_Y)
    for label, value in rows:
        pdf.set_x(INFO_X)
        pdf.set_font(pdf.family, size=7.5)
        pdf.cell(0, 3.6, say(label), new_x="LMARGIN", new_y="NEXT")
        pdf.set_x(INFO_X)
        pdf.set_font(pdf.family, size=9.5)
        pdf.cell(0, 4.6, say(value), new_x="LMARGIN", new_y="NEXT")


def _body(pdf: Any, letter: Letter, say: _Say) -> None:
    pdf.set_xy(LEFT, BODY_Y)
    pdf.set_font(pdf.family, "B", 11)
    pdf.multi_cell(0, 5.5, say(letter.subject), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(4)
    pdf.set_font(pdf.family, size=10)
    for paragraph in letter.paragraphs:
        pdf.multi_cell(0, 4.8, say(paragraph), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)


def _line(pdf: Any, width: float, height: float, value: str) -> None:
    """One line of text that may need wrapping: cell() when it fits (multi_cell's line
    breaking is most of a long statement's time), multi_cell() when it does not."""
    if pdf.get_string_width(value) <= width - 2 * pdf.c_margin:
        pdf.cell(width, height, value, new_x="LMARGIN", new_y="NEXT")
    else:
        pdf.multi_cell(width, height, value, new_x="LMARGIN", new_y="NEXT")


def _money(letter: Letter, value: Decimal) -> str:
    return format_money(value, letter.currency, letter.language)


def _amounts(pdf: Any, letter: Letter, say: _Say) -> None:
    if not letter.rows:
        return
    lab = labels(letter.language)
    lang = letter.language
    widths = (52.0, 36.0, 36.0, pdf.epw - 124.0)
    pdf.ln(1)
    pdf.set_font(pdf.family, "B", 9)
    pdf.set_fill_color(235, 235, 235)
    heads = (lab["invoice"], lab["issue_date"], lab["due_date"], lab["open"])
    for head, width in zip(heads, widths, strict=True):
        pdf.cell(width, 6, say(head), fill=True, align="R" if head == lab["open"] else "L")
    pdf.ln(6)
    pdf.set_font(pdf.family, size=9)
    for row in letter.rows:
        values = (
            row.number,
            format_day(row.issue_date, lang),
            format_day(row.due_date, lang),
            format_money(row.open, row.currency, lang),
        )
        for value, width, align in zip(values, widths, "LLLR", strict=True):
            pdf.cell(width, 5, say(value), align=align)
        pdf.ln(5)
    pdf.set_draw_color(0, 0, 0)
    pdf.line(LEFT, pdf.get_y() + 0.5, pdf.w - RIGHT, pdf.get_y() + 0.5)
    pdf.ln(1.5)
    label_w = sum(widths[:3])
    sums: list[tuple[str, Decimal, tuple[str, ...]]] = [(lab["amount_due"], letter.amount_due, ())]
    if letter.costs > 0:
        sums.append((lab["costs"], letter.costs, letter.cost_lines))
    if letter.interest > 0:
        sums.append((lab["interest"], letter.interest, letter.interest_lines))
    for label, amount, working in sums:
        pdf.set_font(pdf.family, size=9)
        pdf.cell(label_w, 5, say(label))
        pdf.cell(
            widths[3], 5, say(_money(letter, amount)), align="R", new_x="LMARGIN", new_y="NEXT"
        )
        pdf.set_font(pdf.family, size=7.5)
        pdf.set_text_color(80, 80, 80)
        for line in working:
            pdf.set_x(LEFT + 4)
            _line(pdf, label_w - 4, 3.6, say(line))
        pdf.set_text_color(0, 0, 0)
    pdf.set_font(pdf.family, "B", 10)
    pdf.cell(label_w, 6, say(lab["total"]))
    pdf.cell(
        widths[3], 6, say(_money(letter, letter.total)), align="R", new_x="LMARGIN", new_y="NEXT"
    )
    if letter.deadline is not None:
        pdf.cell(label_w, 6, say(lab["deadline"]))
        pdf.cell(
            widths[3],
            6,
            say(format_day(letter.deadline, lang)),
            align="R",
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(3)


def _payment(pdf: Any, letter: Letter, say: _Say) -> None:
    if not letter.iban:
        return
    lab = labels(letter.language)
    qr = 28.0 if letter.qr_payload else 0.0  # EPC069-12 asks for at least 2 × 2 cm
    if pdf.get_y() + max(qr, 26) > pdf.page_break_trigger:
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_font(pdf.family, "B", 9.5)
    pdf.cell(0, 5, say(lab["payment"]), new_x="LMARGIN", new_y="NEXT")
    rows = [
        ("IBAN", letter.iban + (f" (BIC {letter.bic})" if letter.bic else "")),
        (lab["payee"], letter.payee),
        (lab["reference"], letter.payment_reference),
        (lab["amount"], _money(letter, letter.total)),
    ]
    for label, value in rows:
        pdf.set_font(pdf.family, size=9)
        pdf.cell(38, 4.6, say(label))
        # a long reference (many invoice numbers) wraps beside the QR code, never under it
        pdf.multi_cell(pdf.epw - 38 - qr - 4, 4.6, say(value), new_x="LMARGIN", new_y="NEXT")
    if letter.qr_payload:
        from daemon.adapters.qr import epc_qr_png

        png = epc_qr_png(letter.qr_payload, scale=6)
        pdf.image(io.BytesIO(png), x=pdf.w - RIGHT - qr, y=top, w=qr, h=qr)
        pdf.set_font(pdf.family, size=7.5)
        pdf.set_xy(LEFT, max(pdf.get_y() + 1, top + qr - 7))
        pdf.multi_cell(pdf.epw - qr - 4, 3.6, say(lab["qr"]), new_x="LMARGIN", new_y="NEXT")
        pdf.set_y(max(pdf.get_y(), top + qr + 1))
    pdf.ln(2)


def _signature(pdf: Any, letter: Letter, say: _Say) -> None:
    lab = labels(letter.language)
    # closing, room to sign, name and office, enclosures: kept together on one page
    need = 4.8 + 9 + 9.6 + (3 + 4.2 * len(letter.enclosures) if letter.enclosures else 0)
    if pdf.get_y() + need > pdf.page_break_trigger:
        pdf.add_page()
    pdf.set_font(pdf.family, size=10)
    if letter.closing:
        pdf.multi_cell(0, 4.8, say(letter.closing), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(9)  # room to sign by hand
    if letter.signature_name:
        pdf.cell(0, 4.8, say(letter.signature_name), new_x="LMARGIN", new_y="NEXT")
    if letter.letterhead:
        pdf.cell(0, 4.8, say(letter.letterhead[0]), new_x="LMARGIN", new_y="NEXT")
    if letter.enclosures:
        pdf.ln(3)
        pdf.set_font(pdf.family, size=8.5)
        for item in letter.enclosures:
            pdf.cell(0, 4.2, say(f"{lab['enclosure']}: {item}"), new_x="LMARGIN", new_y="NEXT")


def read_asset(path: str, key: str, max_bytes: int = 10 * 1024 * 1024) -> bytes:
    """A logo or terms file named in the config; LetterError names the key."""
    try:
        file = Path(path)
        if file.stat().st_size > max_bytes:
            raise LetterError(f"{key}: {path} is larger than {max_bytes} bytes")
        return file.read_bytes()
    except OSError as exc:
        raise LetterError(f"{key}: cannot read {path}: {exc.strerror or exc}") from exc
