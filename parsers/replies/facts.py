"""All facts of one reply in one pass: own text vs quote, language, invoice numbers,
dates, amounts. Pure; the message day comes from the Date header in the office timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo

from parsers.mail import ParsedMail
from parsers.replies.amounts import Amount, find_amounts
from parsers.replies.dates import BusinessDay, DateMention, find_dates, weekdays_only
from parsers.replies.invoice_numbers import find_invoice_numbers
from parsers.replies.language import detect_language
from parsers.replies.quotes import SplitReply, split_reply

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n\s*\n|\n(?=\s*[-*•])")


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    text: str


@dataclass(frozen=True, slots=True)
class ReplyFacts:
    split: SplitReply
    language: str
    base_date: date | None
    invoice_numbers: tuple[str, ...]
    dates: tuple[DateMention, ...]
    amounts: tuple[Amount, ...]
    sentences: tuple[Sentence, ...]


def message_day(mail: ParsedMail, tz: tzinfo) -> date | None:
    return mail.date.astimezone(tz).date() if mail.date is not None else None


def sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences with their offsets; short lines count as sentences of their own."""
    out: list[Sentence] = []
    pos = 0
    pieces: list[tuple[int, str]] = []
    for m in _SENTENCE_END.finditer(text):
        pieces.append((pos, text[pos : m.start()]))
        pos = m.end()
    pieces.append((pos, text[pos:]))
    for start, piece in pieces:
        offset = 0
        for line in piece.split("\n"):
            # a line well short of the wrap width ends a sentence (lists, table rows)
            out.append(Sentence(start + offset, line)) if len(line) < 50 else None
            offset += len(line) + 1
        if all(len(line) < 50 for line in piece.split("\n")):
            continue
        out = [s for s in out if not (start <= s.start < start + len(piece))]
        out.append(Sentence(start, piece.replace("\n", " ")))
    return tuple(s for s in out if s.text.strip())


def extract_facts(
    mail: ParsedMail,
    *,
    tz: tzinfo,
    invoice_pattern: str | re.Pattern[str] | None = None,
    is_business_day: BusinessDay = weekdays_only,
) -> ReplyFacts:
    split = split_reply(mail.text)
    language = detect_language(split.new or mail.text)
    base = message_day(mail, tz)
    numbers = find_invoice_numbers(
        [mail.subject, mail.text, *mail.other_text, *mail.embedded, *mail.delivery_status],
        invoice_pattern,
    )
    dates: tuple[DateMention, ...] = ()
    if base is not None:
        dates = tuple(
            find_dates(split.new, base, is_business_day=is_business_day, language=language)
        )
    return ReplyFacts(
        split=split,
        language=language,
        base_date=base,
        invoice_numbers=numbers,
        dates=dates,
        amounts=find_amounts(split.new),
        sentences=sentences(split.new),
    )
