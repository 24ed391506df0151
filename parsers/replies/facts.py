"""All facts of one reply in one pass: own text vs quote, language, invoice numbers,
dates, amounts. Pure; the message day comes from the Date header in the office timezone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, tzinfo

from parsers.mail import ParsedMail
from parsers.replies.amounts import Amount, find_amounts
from parsers.replies.dates import BusinessDay, DateMention, common_working_day, find_dates
from parsers.replies.invoice_numbers import find_invoice_numbers
from parsers.replies.language import detect_language
from parsers.replies.quotes import SplitReply, split_reply

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=\S)|\n\s*\n|\n(?=\s*[-*•])")

_ABBREVIATION = re.compile(
    r"\b(jl|nr|no|ca|bzw|mr|dr|st|evt|resp|incl|excl|etc|vgl|ggf|o\.\s?g|z\.\s?b|i\.\s?a|u\.\s?a|"
    r"t\.a\.v|m\.b\.t|d\.w\.z|i\.v\.m|z\.\s?hd|réf|"
    # an amount's cents ("€ 1.066,00.") end a sentence like any word
    r"(?<![\d.,€$£])(?<![€$£] )(\d{1,2}\.\d{1,2}|\d{1,2}))\.$",  # "am 28.09. überwiesen", "vom 3. November"
    re.IGNORECASE,
)


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
    is_business_day: BusinessDay

    @property
    def dates(self) -> tuple[DateMention, ...]:
        """Date mentions in the sender's own text (computed on demand: bounces and
        auto-replies never need them, and they are the costly part)."""
        if self.base_date is None:
            return ()
        return tuple(
            find_dates(
                self.split.new,
                self.base_date,
                is_business_day=self.is_business_day,
                language=self.language,
            )
        )

    @property
    def amounts(self) -> tuple[Amount, ...]:
        return find_amounts(self.split.new)

    @property
    def sentences(self) -> tuple[Sentence, ...]:
        return sentences(self.split.new)


def message_day(mail: ParsedMail, tz: tzinfo) -> date | None:
    return mail.date.astimezone(tz).date() if mail.date is not None else None


def sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences with their offsets. A paragraph wrapped at a line width is one text;
    otherwise every line counts on its own (lists, table rows, short informal lines)."""
    out: list[Sentence] = []
    pos = 0
    pieces: list[tuple[int, str]] = []
    for m in _SENTENCE_END.finditer(text):
        pieces.append((pos, text[pos : m.start()]))
        pos = m.end()
    pieces.append((pos, text[pos:]))
    merged: list[tuple[int, str]] = []
    for start, piece in pieces:
        if merged and _ABBREVIATION.search(merged[-1][1]):
            prev_start, _ = merged[-1]
            merged[-1] = (prev_start, text[prev_start : start + len(piece)])
        else:
            merged.append((start, piece))
    for start, piece in merged:
        lines = piece.split("\n")
        if len(lines) > 1 and any(len(line) >= 50 for line in lines[:-1]):
            out.append(Sentence(start, piece.replace("\n", " ")))
            continue
        offset = 0
        for line in lines:
            out.append(Sentence(start + offset, line))
            offset += len(line) + 1
    return tuple(s for s in out if s.text.strip())


def extract_facts(
    mail: ParsedMail,
    *,
    tz: tzinfo,
    invoice_pattern: str | re.Pattern[str] | None = None,
    is_business_day: BusinessDay = common_working_day,
) -> ReplyFacts:
    split = split_reply(mail.text)
    language = detect_language(split.new or mail.text)
    base = message_day(mail, tz)
    numbers = find_invoice_numbers(
        [mail.subject, mail.text, *mail.other_text, *mail.embedded, *mail.delivery_status],
        invoice_pattern,
    )
    return ReplyFacts(
        split=split,
        language=language,
        base_date=base,
        invoice_numbers=numbers,
        is_business_day=is_business_day,
    )
