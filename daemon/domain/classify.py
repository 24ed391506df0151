"""Intent of an inbound mail, from its parsed facts. Pure and explainable: every result
carries the rules and phrases that fired, and a confidence; low confidence goes to a person.

Order: bounce (before auto-reply: bounces often carry Auto-Submitted), then auto-reply /
machine mail, then the debtor intents by priority
insolvency > dispute > paid_claim > payment_plan > promise_to_pay > invoice_request > other.
Machine mail that is not an answer to us (lists, bulk, Auto-Submitted: auto-generated)
becomes ``other`` with ``machine="auto_generated"`` and no review: it never drives a case.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta, tzinfo
from decimal import Decimal
from enum import StrEnum

from parsers.autoreply import MachineKind, detect_auto_reply
from parsers.bounces import detect_bounce
from parsers.mail import ParsedMail
from parsers.replies import lexicon as lx
from parsers.replies.dates import DateMention, weekdays_only
from parsers.replies.facts import ReplyFacts, Sentence, extract_facts

REVIEW_BELOW = 0.7


class Intent(StrEnum):
    PROMISE_TO_PAY = "promise_to_pay"
    PAID_CLAIM = "paid_claim"
    DISPUTE = "dispute"
    PAYMENT_PLAN = "payment_plan"
    INVOICE_REQUEST = "invoice_request"
    INSOLVENCY = "insolvency"
    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OTHER = "other"


PRIORITY = (
    Intent.INSOLVENCY,
    Intent.DISPUTE,
    Intent.PAID_CLAIM,
    Intent.PAYMENT_PLAN,
    Intent.PROMISE_TO_PAY,
    Intent.INVOICE_REQUEST,
)


@dataclass(frozen=True, slots=True)
class Classification:
    intent: Intent
    language: str
    promise_date: date | None
    paid_date: date | None
    return_date: date | None
    invoice_numbers: tuple[str, ...]
    bounce_recipients: tuple[str, ...]
    bounce_permanent: bool | None
    amounts: tuple[Decimal, ...]
    confidence: float
    evidence: tuple[str, ...]
    needs_review: bool
    machine: str | None = None  # "bounce", "auto_reply", "auto_generated" or None
    original_message_id: str | None = None


def classify(
    mail: ParsedMail,
    *,
    tz: tzinfo,
    invoice_pattern: str | re.Pattern[str] | None = None,
    is_business_day: Callable[[date], bool] | None = None,
    own_addresses: tuple[str, ...] = (),
) -> Classification:
    """Classify one parsed mail; ``tz`` is the office timezone for relative dates."""
    business = is_business_day or weekdays_only
    facts = extract_facts(mail, tz=tz, invoice_pattern=invoice_pattern, is_business_day=business)
    base = _Result(facts)

    bounce = detect_bounce(mail, own_addresses)
    if bounce is not None:
        confidence = 0.95 if bounce.recipients else 0.8
        return base.build(
            Intent.BOUNCE,
            confidence,
            ("kind:bounce", *bounce.evidence),
            machine="bounce",
            bounce_recipients=bounce.recipients,
            bounce_permanent=bounce.permanent,
            original_message_id=bounce.original_message_id,
        )

    auto = detect_auto_reply(
        mail,
        facts.split.new,
        base=facts.base_date,
        language=facts.language,
        is_business_day=business,
    )
    if auto.kind is MachineKind.AUTO_GENERATED:
        return base.build(
            Intent.OTHER, 0.8, ("kind:auto_generated", *auto.evidence), machine="auto_generated"
        )
    if auto.kind is MachineKind.AUTO_REPLY and auto.strong:
        return base.build(
            Intent.AUTO_REPLY,
            0.95,
            ("kind:auto_reply", *auto.evidence),
            machine="auto_reply",
            return_date=auto.return_date,
        )

    sentences = facts.sentences
    fired, evidence = _debtor_cues(facts, sentences, mail.subject)
    if auto.kind is MachineKind.AUTO_REPLY and not fired:
        # body wording alone ("I am out of the office") and nothing a debtor would say
        return base.build(
            Intent.AUTO_REPLY,
            0.8,
            ("kind:auto_reply(body)", *auto.evidence),
            machine="auto_reply",
            return_date=auto.return_date,
        )
    promise, paid, date_evidence = _payment_dates(facts, sentences)
    if promise is not None and Intent.PROMISE_TO_PAY not in fired:
        fired.add(Intent.PROMISE_TO_PAY)
        evidence.append("promise:dated payment sentence")
    if paid is not None and Intent.PAID_CLAIM not in fired:
        fired.add(Intent.PAID_CLAIM)
        evidence.append("paid:dated past payment")
    intent = next((i for i in PRIORITY if i in fired), Intent.OTHER)
    if intent is Intent.PAYMENT_PLAN:
        promise = None  # an instalment proposal is a request, not a commitment
    if intent is Intent.OTHER:
        confidence = 0.5
    elif len(fired) == 1:
        confidence = 0.95
    else:
        confidence = 0.8
    if auto.kind is MachineKind.AUTO_REPLY:
        evidence.append("note:auto-reply wording overruled by debtor cues")
        confidence = min(confidence, 0.5)
    return base.build(
        intent,
        confidence,
        (f"intent:{intent.value}", *evidence, *date_evidence),
        promise_date=promise,
        paid_date=paid,
    )


@dataclass(slots=True)
class _Result:
    facts: ReplyFacts

    def build(
        self,
        intent: Intent,
        confidence: float,
        evidence: tuple[str, ...],
        *,
        machine: str | None = None,
        promise_date: date | None = None,
        paid_date: date | None = None,
        return_date: date | None = None,
        bounce_recipients: tuple[str, ...] = (),
        bounce_permanent: bool | None = None,
        original_message_id: str | None = None,
    ) -> Classification:
        return Classification(
            intent=intent,
            language=self.facts.language,
            promise_date=promise_date,
            paid_date=paid_date,
            return_date=return_date,
            invoice_numbers=self.facts.invoice_numbers,
            bounce_recipients=bounce_recipients,
            bounce_permanent=bounce_permanent,
            amounts=tuple(a.value for a in self.facts.amounts),
            confidence=confidence,
            evidence=evidence,
            needs_review=confidence < REVIEW_BELOW,
            machine=machine,
            original_message_id=original_message_id,
        )


def _negated(text: str, start: int, end: int) -> bool:
    return bool(
        lx.DISPUTE_NEGATED.search(text[max(0, start - 30) : start])
        or lx.DISPUTE_NEGATED_AFTER.search(text[end : end + 40])
    )


def _debtor_cues(
    facts: ReplyFacts, sentences: tuple[Sentence, ...], subject: str
) -> tuple[set[Intent], list[str]]:
    fired: set[Intent] = set()
    evidence: list[str] = []
    own = facts.split.new
    subject_text = re.sub(r"^\s*((re|aw|antw|réf|ref|fw|fwd|wg)\s*:\s*)+", "", subject, flags=re.I)
    for intent, regex, check_negation in (
        (Intent.INSOLVENCY, lx.INSOLVENCY, False),
        (Intent.DISPUTE, lx.DISPUTE, True),
        (Intent.PAYMENT_PLAN, lx.PAYMENT_PLAN, False),
        (Intent.INVOICE_REQUEST, lx.INVOICE_REQUEST, False),
    ):
        for source, text in (("body", own), ("subject", subject_text)):
            for m in regex.finditer(text):
                if check_negation and _negated(text, m.start(), m.end()):
                    evidence.append(f"negated:{m.group(0).lower()}")
                    continue
                fired.add(intent)
                evidence.append(f"{intent.value}:{source}:{m.group(0).strip().lower()}")
                break
    for sentence in sentences:
        kind = _payment_kind(sentence.text)
        if kind == "paid":
            fired.add(Intent.PAID_CLAIM)
            evidence.append(f"paid_claim:{_short(sentence.text)}")
        elif kind == "promise":
            fired.add(Intent.PROMISE_TO_PAY)
            evidence.append(f"promise_to_pay:{_short(sentence.text)}")
    if lx.PAID.search(subject_text) and not lx.NEGATION.search(subject_text):
        fired.add(Intent.PAID_CLAIM)
        evidence.append(f"paid_claim:subject:{_short(subject_text)}")
    return fired, evidence


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


_CLAUSE = re.compile(r",?\s+\b(?:maar|but|mais|aber|doch|however|toch)\b|;", re.IGNORECASE)


def _clauses(text: str) -> list[tuple[int, str]]:
    """A sentence cut at "but"-like joints: a negation before "maar" stays on its side."""
    out: list[tuple[int, str]] = []
    pos = 0
    for m in _CLAUSE.finditer(text):
        out.append((pos, text[pos : m.start()]))
        pos = m.end()
    out.append((pos, text[pos:]))
    return out


def _payment_kind(text: str) -> str | None:
    """'paid' (past payment), 'promise' (commitment to pay) or None for one sentence."""
    kinds = {_clause_kind(clause) for _, clause in _clauses(text)}
    return "paid" if "paid" in kinds else "promise" if "promise" in kinds else None


def _clause_kind(text: str) -> str | None:
    negated = bool(lx.NEGATION.search(text))
    future = bool(lx.FUTURE.search(text))
    if lx.PAID.search(text) and not future and not negated:
        return "paid"
    if lx.PAY_WORD.search(text) and (future or lx.VAGUE_PROMISE.search(text)) and not negated:
        return "promise"
    return None


def _payment_dates(
    facts: ReplyFacts, sentences: tuple[Sentence, ...]
) -> tuple[date | None, date | None, list[str]]:
    """(promise_date, paid_date, evidence) from dates in payment sentences."""
    base = facts.base_date
    if base is None:
        return None, None, []
    promise: list[tuple[tuple[int, int, int], DateMention]] = []
    paid: list[tuple[tuple[int, int, int], DateMention]] = []
    for mention in facts.dates:
        sentence = _sentence_of(sentences, mention.start)
        if sentence is None:
            continue
        rel = mention.start - sentence.start
        clause_start, text = next(
            (start, clause) for start, clause in reversed(_clauses(sentence.text)) if start <= rel
        )
        rel -= clause_start
        pay_spans = [m.span() for m in lx.PAY_WORD.finditer(text)] + [
            m.span() for m in lx.PAID.finditer(text)
        ]
        if not pay_spans or lx.NEGATION.search(text):
            continue
        after = [rel - e for _, e in pay_spans if e <= rel]
        before = [s - (rel + len(mention.text)) for s, _ in pay_spans if s >= rel]
        score = (
            (0, min(after), mention.start) if after else (1, min(before or [999]), mention.start)
        )
        day = mention.day
        past_sentence = bool(lx.PAID.search(text)) and not lx.FUTURE.search(text)
        if mention.kind == "weekday" and past_sentence:
            day = day - timedelta(days=7)  # "paid on Friday": the one before, not the next
        if day < base or (day == base and past_sentence):
            paid.append(
                (score, DateMention(mention.start, mention.end, day, mention.text, mention.kind))
            )
        else:
            promise.append((score, mention))
    promise.sort(key=lambda x: x[0])
    paid.sort(key=lambda x: x[0])
    evidence = [f"promise_date:{m.text!r}->{m.day.isoformat()}" for _, m in promise[:1]]
    evidence += [f"paid_date:{m.text!r}->{m.day.isoformat()}" for _, m in paid[:1]]
    return (
        promise[0][1].day if promise else None,
        paid[0][1].day if paid else None,
        evidence,
    )


def _sentence_of(sentences: tuple[Sentence, ...], pos: int) -> Sentence | None:
    for s in sentences:
        if s.start <= pos < s.start + len(s.text):
            return s
    return None
