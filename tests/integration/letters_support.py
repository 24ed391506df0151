"""Helpers for the letter tests: a config with a letter ladder, a debtor with an address,
text and positions read back from a generated PDF."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from pypdf import PdfReader

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store
from daemon.adapters.store.letters import set_postal_address
from daemon.config import Config, LadderSettings, LetterSettings
from daemon.ladders import B2B, B2C

MM = 72 / 25.4  # PDF points per millimetre
A4_HEIGHT_MM = 297.0


def letter_ladders(config: Config, **step: Any) -> Config:
    """The default ladders with their formal steps (formal, notice, demand) as letters."""

    def swap(ladder: LadderSettings) -> LadderSettings:
        steps = tuple(
            replace(s, channel="letter", **step) if s.name in ("formal", "notice", "demand") else s
            for s in ladder.steps
        )
        return replace(ladder, steps=steps)

    ladders = {**config.ladders, "b2b": swap(B2B), "b2c": swap(B2C)}
    return replace(config, ladders=ladders)


def with_letters(config: Config, **settings: Any) -> Config:
    base = LetterSettings(place="Utrecht", signature_name="J. de Vries")
    return replace(config, letters=replace(base, **settings))


def add_address(
    store: Store,
    debtor_id: str,
    street: str = "Oudegracht 12",
    postcode: str = "3511 AB",
    city: str = "Utrecht",
    country: str | None = None,
) -> None:
    with store.transaction():
        set_postal_address(
            store,
            debtor_id,
            street=street,
            postcode=postcode,
            city=city,
            country=country,
            now=iso_utc(datetime(2026, 1, 1, tzinfo=UTC)),
        )


def pdf_text(pdf: bytes) -> list[str]:
    return [page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages]


def text_positions(pdf: bytes, page: int = 0) -> list[tuple[str, float, float]]:
    """(text, x mm from the left, y mm from the top) of every text run on the page."""
    found: list[tuple[str, float, float]] = []

    def visit(text: str, cm: Any, tm: Any, font: Any, size: Any) -> None:
        if text.strip():
            x, y = tm[4] * cm[0] + cm[4], tm[5] * cm[3] + cm[5]
            found.append((text.strip(), x / MM, A4_HEIGHT_MM - y / MM))

    PdfReader(io.BytesIO(pdf)).pages[page].extract_text(visitor_text=visit)
    return found


def page_png(pdf: bytes, page: int = 0, scale: float = 1.0) -> bytes:
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(pdf)
    image = document[page].render(scale=scale).to_pil()
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    document.close()
    return out.getvalue()
