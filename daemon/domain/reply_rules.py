"""The hand-written rules of reply understanding: cue phrases per intent with negation, the
"paid" / "promise" reading of each sentence, and which dates belong to a payment. Pure.

They decide nothing on their own any more: their findings are features of the learned model
(``daemon.domain.classify``) and their dates fill the promise and paid fields.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from parsers.replies import lexicon as lx
from parsers.replies.dates import DateMention
from parsers.replies.facts import ReplyFacts, Sentence
from parsers.replies.features import IF_NOT


def _negated(text: str, start: int, end: int) -> bool:
    if lx.NEGATION.search(text[start:end]):
        return False  # a refusal carries its own "not" ("ik betaal niet voor iets dat niet …")
    before = text[max(0, start - 30) : start]
    return bool(
        lx.DISPUTE_NEGATED.search(before)
        or lx.DISPUTE_NEGATED_AFTER.search(text[end : end + 40])
        or (lx.DISPUTE_DENIED.search(before) and lx.OBJECTION.search(text[start:end]))
        or bool(
            lx.CREDIT_NOTE.search(text[start:end])
            and lx.SET_OFF.search(text[max(0, start - 60) : start])
        )
    )


def debtor_cues(
    facts: ReplyFacts,
    sentences: tuple[Sentence, ...],
    subject: str,
    mentions: tuple[DateMention, ...] = (),
) -> tuple[set[str], list[str]]:
    fired: set[str] = set()
    evidence: list[str] = []
    own = facts.split.new
    subject_text = re.sub(r"^\s*((re|aw|antw|réf|ref|fw|fwd|wg)\s*:\s*)+", "", subject, flags=re.I)
    for intent, regex, check_negation in (
        ("insolvency", lx.INSOLVENCY, False),
        ("dispute", lx.DISPUTE, True),
        ("payment_plan", lx.PAYMENT_PLAN, False),
        ("invoice_request", lx.INVOICE_REQUEST, False),
    ):
        for source, text in (("body", own), ("subject", subject_text)):
            for m in regex.finditer(text):
                if check_negation and _negated(text, m.start(), m.end()):
                    evidence.append(f"negated:{m.group(0).lower()}")
                    continue
                if intent == "invoice_request" and _about_future_invoices(
                    text if source == "subject" else _sentence_at(sentences, m.start())
                ):
                    evidence.append(f"future invoices:{m.group(0).lower()}")
                    continue
                fired.add(intent)
                evidence.append(f"{intent}:{source}:{m.group(0).strip().lower()}")
                break
    ahead = [
        m for m in mentions if facts.base_date and m.day > facts.base_date and m.kind != "week"
    ]
    for sentence in sentences:
        kind = _payment_kind(sentence.text)
        if kind is None and ahead and _pays_on_a_coming_day(sentence, ahead):
            kind = "promise"
        if kind == "paid":
            fired.add("paid_claim")
            evidence.append(f"paid_claim:{_short(sentence.text)}")
        elif kind == "promise":
            fired.add("promise_to_pay")
            evidence.append(f"promise_to_pay:{_short(sentence.text)}")
    if lx.PAID.search(subject_text) and not lx.NEGATION.search(subject_text):
        fired.add("paid_claim")
        evidence.append(f"paid_claim:subject:{_short(subject_text)}")
    return fired, evidence


def _about_future_invoices(sentence: str) -> bool:
    """ "Wilt u toekomstige facturen als pdf sturen, onder vermelding van het bestelnummer",
    "künftig bitte mit Bestellnummer": the cue is an instruction for invoices still to come
    (the sentence it stands in says so), not a request about the one reminded of."""
    return bool(lx.FUTURE_INVOICES.search(sentence))


def _sentence_at(sentences: tuple[Sentence, ...], pos: int) -> str:
    return next((s.text for s in sentences if s.start <= pos < s.start + len(s.text)), "")


def _pays_on_a_coming_day(sentence: Sentence, ahead: list[DateMention]) -> bool:
    """ "Je fais le virement lundi", "Zahlung am kommenden Freitag", "F2026-0262 gaat vrijdag
    mee in de betaling": a payment word and a coming day in one sentence, told in the present
    tense, is a commitment; a question or a condition about it is not."""
    text = sentence.text
    end = sentence.start + len(text)
    inside = [m for m in ahead if sentence.start <= m.start < end]
    if not inside:
        return False
    # "U zou het bedrag morgen op uw rekening moeten zien": the coming day is the arrival of
    # a payment made, not a payment to make
    arrival = [
        (sentence.start + a.start(), sentence.start + a.end()) for a in _ARRIVAL_TALK.finditer(text)
    ]
    if all(any(s <= m.start < e for s, e in arrival) for m in inside):
        return False
    told = _ARRIVAL_TALK.sub(" ", text)
    if (
        not lx.PAY_WORD.search(told)
        or _negative(text)
        or _CONDITION.search(_OTHERWISE.sub(" ", text))
    ):
        return False
    if _TERMS.search(text) and not lx.FUTURE.search(text):
        return False
    return "?" not in text


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 80 else text[:77] + "..."


# Clause joints: "but"-like words, ";", and a comma before a new subject ("the money left
# on Tuesday, it will be with you tomorrow").
_CLAUSE = re.compile(
    r",?\s+\b(?:maar|but|mais|aber|doch|however|toch)\b|;|"
    r",\s+(?=(?:it|we|i|you|het|dat|wij|we|ik|u|es|das|wir|ich|sie|il|elle|nous|je|vous|on)\b)",
    re.IGNORECASE,
)


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


# What a payment already made does next (arrive, show on the account) is no promise to pay:
# "Paid Tuesday, should be with you by now", "c'est fait, vous devriez le voir demain",
# "Zahlung ist heute erfolgt" (a perfect tense, not the "Zahlung erfolgt am Freitag" future).
_ARRIVAL_TALK = re.compile(
    r"(?:\b(?:should|will|ought to|must|may|might|hope|expect)\b[^.!?;]{0,25}?\b(?:be with you|"
    r"arrives?|land|lands|reach|show|clear|see it|appear|be on your|be in your|be there)\w*|"
    r"\byou(?:'ll| will| should)? (?:see|have|receive) it\b|"
    r"\b(?:zou|zal|moet|moeten|zullen|hoop|verwacht)\b[^.!?;]{0,30}?\b(?:binnen (?:zijn|komen)|"
    r"bij u|bij jullie|zichtbaar|zien|ontvangen|op uw rekening|op jullie rekening|aankomen)\b|"
    r"\b(?:sollte|sollten|müsste|müssten|muesste|dürfte|dürften|wird|werden|hoffe)\b[^.!?;]{0,30}?"
    r"\b(?:bei ihnen|ankommen|eingehen|eingang|sehen|gutgeschrieben|auf ihrem konto|da sein)\b|"
    r"\b(?:devriez|devrait|devraient|verrez|sera|seront|arrivera|esp[eè]re)\b[^.!?;]{0,30}?"
    r"\b(?:voir|arriver|arrive|chez vous|sur votre compte|recevoir|cr[ée]dit[ée]?)\b|"
    r"\bvous (?:le |la |les )?(?:verrez|recevrez)\b)[^.!?;]*",  # to the end of the clause
    re.IGNORECASE,
)
_PERFECT = re.compile(r"\b(?:ist|sind|wurde|wurden)\b(?:\s+\S+){0,3}\s+erfolgt\b", re.IGNORECASE)


def _future(text: str) -> bool:
    """A future marker about the payment itself (not about its arrival)."""
    return bool(lx.FUTURE.search(_PERFECT.sub(" ", _ARRIVAL_TALK.sub(" ", text))))


# "will be paid", "wordt vrijdag overgemaakt", "wird am Montag überwiesen", "sera acquittée":
# a payment word in the past participle, but in a future passive
_FUTURE_PASSIVE = re.compile(
    r"\b(?:will|shall|to) be (?:paid|settled|transferred|cleared|wired|released|remitted)\b|"
    r"\b(?:wordt|worden|zal|zullen)\b(?:\s+\S+){0,4}\s+(?:betaald|overgemaakt|overgeboekt|"
    r"voldaan|overgeschreven)\b|"
    r"\b(?:wird|werden)\b(?:\s+\S+){0,4}\s+(?:bezahlt|überwiesen|ueberwiesen|beglichen|"
    r"ausgeglichen|angewiesen)\b|"
    r"\b(?:sera|seront|serez|serons|va [êe]tre|vont [êe]tre)\b(?:\s+\S+){0,3}\s+(?:pay[ée]e?s?|r[ée]gl[ée]e?s?|vir[ée]e?s?|"
    r"acquitt[ée]e?s?|effectu[ée]e?s?|vers[ée]e?s?)\b",
    re.IGNORECASE,
)


def _negative(text: str) -> bool:
    """A negation in a payment sentence, other than one that denies a dispute, the French
    "ne … que" (only: "le loyer n'étant versé qu'à cette date", "je ne peux payer qu'à la
    fin du mois") or an "if not" that opens the alternative ("falls nicht, überweise ich")."""
    # Most sentences have no negation at all: look for one before taking denials out.
    if not lx.NEGATION.search(text):
        return False
    kept = _OTHERWISE.sub(" ", _ONLY.sub(" ", lx.UNDISPUTED.sub(" ", text)))
    return bool(lx.NEGATION.search(kept))


# "Falls nicht, überweise ich übermorgen", "if not, we pay on Friday", "zo niet, dan …",
# "by Friday if not sooner": the alternative the writer commits to, neither negated nor
# conditional
_OTHERWISE = re.compile(
    r"\b(?:(?:" + "|".join(sorted(IF_NOT)) + r")\s+(?:not|nicht|niet)\b"
    # the same alternative in other words: "si ce n'est pas possible, je ferai le virement
    # jeudi", "sinon", "otherwise", "if that's not possible", "falls das nicht geht",
    # "ansonsten", "als dat niet kan"
    r"|si\s+(?:ce\s+n['’]est|c['’]est)\s+pas\s+(?:possible|le\s+cas)|si\s+(?:non|pas)\b|sinon\b"
    r"|otherwise\b|if\s+(?:that|this|it)(?:['’]s|\s+is)\s+not\s+(?:possible|ok|okay)\b"
    r"|(?:falls|wenn)\s+(?:das|es)\s+nicht\s+(?:geht|klappt|m[öo]glich\s+ist)\b"
    r"|ansonsten\b|andernfalls\b|als\s+dat\s+niet\s+(?:kan|lukt|gaat)\b)",
    re.IGNORECASE,
)


_ONLY = re.compile(
    r"\b(?:ne\s+|n')(?:(?!pas\b|plus\b|jamais\b|rien\b|aucun|point\b)[\w\u00C0-\u017F]+['\s]+){1,3}?"
    r"qu(?:e\b|')",
    re.IGNORECASE,
)


# "Voordat wij betalen hebben wij de werkbon nodig", "before we can pay": the payment is
# the condition's, not a commitment
_BEFORE_PAYING = re.compile(
    r"\bvoor(?:dat)? (?:wij|we|ik) (?:kunnen |kan )?(?:betalen|betaal|overmaken|voldoen)\b|"
    r"\bbefore (?:we|i) (?:can |could )?(?:pay|settle|transfer)\b|"
    r"\bbevor (?:wir|ich) (?:\w+ ){0,3}(?:zahlen|bezahlen|überweisen|ueberweisen)\b|"
    r"\bavant (?:de (?:payer|r[ée]gler|proc[ée]der)|que nous (?:puissions |ne )?(?:payions|r[ée]glions))\b|"
    # "damit ich die Rechnung bezahlen kann, brauche ich …", "om te kunnen betalen"
    r"\bdamit (?:ich|wir) (?:\w+ ){0,4}(?:be)?zahlen (?:kann|können|koennen)\b|"
    r"\bom (?:\w+ ){0,3}te kunnen (?:betalen|overmaken|voldoen)\b|"
    r"\b(?:in order|to be able) to (?:pay|settle)\b|\bpour (?:pouvoir )?(?:payer|r[ée]gler)\b",
    re.IGNORECASE,
)


# "Ik dacht dat het al betaald was", "I thought it had gone out": a belief the writer
# takes back, not a payment made
_BELIEF = re.compile(
    r"\b(?:ik dacht|wij dachten|we dachten|i thought|we thought|ich dachte|wir dachten|"
    r"je pensais|nous pensions|je croyais|nous croyions)\b",
    re.IGNORECASE,
)


# "Nos factures sont réglées à 45 jours fin de mois", "invoices are paid within 30 days":
# a payment term the writer states, not a payment made
_TERMS = re.compile(
    r"\b(?:à|a|sous|within|in|binnen|na|innerhalb(?: von)?|nach)\s+\d{1,3}\s+(?:jours|days|dagen|"
    r"tagen|werkdagen|working days|business days|werktagen|jours ouvr[ée]s)\b",
    re.IGNORECASE,
)


def _clause_kind(text: str) -> str | None:
    paid = lx.PAID.search(text)
    pay_word = lx.PAY_WORD.search(text)
    passive = _FUTURE_PASSIVE.search(text)
    # Most clauses name no payment at all: they are done after these three searches.
    if not (paid or pay_word or passive):
        return None
    if _BEFORE_PAYING.search(text) or _BELIEF.search(text):
        return None
    negated = _negative(text)
    if not negated and passive:
        return "promise"
    future = _future(text)
    if paid and not future and not negated and not _TERMS.search(text):
        return "paid"
    if pay_word and (future or lx.VAGUE_PROMISE.search(text)) and not negated:
        return "promise"
    return None


def payment_dates(
    facts: ReplyFacts,
    sentences: tuple[Sentence, ...],
    mentions: tuple[DateMention, ...] | None = None,
) -> tuple[date | None, date | None, list[str]]:
    """(promise_date, paid_date, evidence) from dates in payment sentences."""
    base = facts.base_date
    if base is None:
        return None, None, []
    promise: list[tuple[tuple[int, int, int], DateMention]] = []
    paid: list[tuple[tuple[int, int, int], DateMention]] = []
    for mention in facts.dates if mentions is None else mentions:
        sentence = _sentence_of(sentences, mention.start)
        if sentence is None:
            continue
        rel = mention.start - sentence.start
        clause_start, text = next(
            (start, clause) for start, clause in reversed(_clauses(sentence.text)) if start <= rel
        )
        rel -= clause_start
        pay_spans = _pay_spans(text)
        if not pay_spans and not _CONTRAST.search(sentence.text):
            # "Le virement est programmé, il sera exécuté le 20 novembre": without a "but",
            # the clause after a comma goes on about the sentence's payment
            text, rel = sentence.text, mention.start - sentence.start
            pay_spans = _pay_spans(text)
        if not pay_spans or _negative(text):
            continue
        after = [rel - e for _, e in pay_spans if e <= rel]
        before = [s - (rel + len(mention.text)) for s, _ in pay_spans if s >= rel]
        score = (
            (0, min(after), mention.start) if after else (1, min(before or [999]), mention.start)
        )
        day = mention.day
        past_sentence = bool(lx.PAID.search(text)) and not _future(text)
        if past_sentence and mention.day > base and _arrival_at(text, rel):
            continue  # "overgemaakt, morgen zou het bij u moeten zijn": the arrival day
        if mention.kind == "weekday" and past_sentence:
            # "paid on Friday": the one before, not the next — strictly before the mail's day
            day = day - timedelta(days=7 if day - timedelta(days=7) < base else 14)
        elif mention.kind == "day" and past_sentence:
            day = _previous_day_of_month(base, day.day)  # "we paid on the 9th"
        if day < base or (day == base and past_sentence):
            paid.append(
                (score, DateMention(mention.start, mention.end, day, mention.text, mention.kind))
            )
        elif mention.kind != "now":  # "zojuist ingepland": scheduled now, paid later
            promise.append((score, mention))
    promise.sort(key=lambda x: x[0])
    paid.sort(key=lambda x: x[0])
    # "gestern abgegangen, müsste heute bei Ihnen sein": today is the arrival, not the payment
    text = facts.split.new
    paid = [
        p
        for p in paid
        if p[1].day < base
        or not _ARRIVAL.search(text[max(0, p[1].start - 40) : p[1].end + 40])
        or all(q[1].day >= base for q in paid)
    ]
    paid = _last_instalment(paid, sentences)
    evidence = [f"promise_date:{m.text!r}->{m.day.isoformat()}" for _, m in promise[:1]]
    evidence += [f"paid_date:{m.text!r}->{m.day.isoformat()}" for _, m in paid[:1]]
    return (
        promise[0][1].day if promise else None,
        paid[0][1].day if paid else None,
        evidence,
    )


def _arrival_at(text: str, rel: int) -> bool:
    """Whether offset ``rel`` of ``text`` lies in talk of a payment's arrival."""
    return any(m.start() - 12 <= rel <= m.end() for m in _ARRIVAL_TALK.finditer(text))


_CONTRAST = re.compile(r"\b(?:maar|but|mais|aber|doch|however|toch)\b|;", re.IGNORECASE)


def _pay_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in lx.PAY_WORD.finditer(text)] + [
        m.span() for m in lx.PAID.finditer(text)
    ]


_ARRIVAL = re.compile(
    r"\b(?:bei ihnen|bij u|bij jullie|with you|on your (?:side|account)|chez vous|sur votre compte|"
    r"ankommen|eingang|arrive[sd]?|land(?:s|ed)?|binnen zijn|binnenkomen|r[ée]ception)\b",
    re.IGNORECASE,
)


def _last_instalment(
    paid: list[tuple[tuple[int, int, int], DateMention]], sentences: tuple[Sentence, ...]
) -> list[tuple[tuple[int, int, int], DateMention]]:
    """ "2.000 op 3 november en 1.600 op 10 november overgemaakt": a payment made in parts is
    paid when its last part went out — of the paid dates that follow the payment word in
    the best one's sentence, the latest comes first."""
    if len(paid) < 2 or paid[0][0][0] != 0:
        return paid
    home = _sentence_of(sentences, paid[0][1].start)
    same = [p for p in paid if p[0][0] == 0 and _sentence_of(sentences, p[1].start) is home]
    latest = max(same, key=lambda p: p[1].day)
    return [latest, *(p for p in paid if p is not latest)]


# "the other one", "the rest", an invoice number: the sentence is about another part
_OTHER_PART = re.compile(
    r"\b(?:andere|other|remaining|rest|restant|restbedrag|remainder|balance|solde|reste|"
    r"l'autre|la seconde|le second|die andere|den rest|restbetrag|zweite|tweede|second|"
    # the undisputed part of a disputed bill: "la partie non contestée", "het materiaal"
    r"part(?:ie)?|deel|teil|undisputed|unstrittig\w*|unbestritten\w*|niet betwist\w*|"
    r"non contest[ée]e?s?|mat[ée]riel|materiaal|material|first|eerste|premi[eè]res?|erste)\b|"
    r"F\d{4}-?\d{3,}",
    re.IGNORECASE,
)
# "when our client has paid", "quand notre client aura payé": no commitment
_CONDITION = re.compile(
    r"\b(?:when|once|if|as soon as|als|zodra|wanneer|indien|sobald|wenn|falls|quand|"
    r"d[èe]s que|lorsque|si)\b",
    re.IGNORECASE,
)


def other_part_promise(
    facts: ReplyFacts, sentences: tuple[Sentence, ...], mentions: tuple[DateMention, ...]
) -> date | None:
    """The first coming day named in a sentence about another invoice or the rest ("De
    andere, F2026-0340, volgt volgende week"), with no condition in the sentence and no
    negation in the day's own clause."""
    base = facts.base_date
    if base is None:
        return None
    for mention in mentions:
        if mention.day <= base or mention.kind in ("week", "now"):
            continue
        sentence = _sentence_of(sentences, mention.start)
        if sentence is None:
            continue
        if not _OTHER_PART.search(sentence.text) or _CONDITION.search(sentence.text):
            continue
        rel = mention.start - sentence.start
        clause = next(c for start, c in reversed(_clauses(sentence.text)) if start <= rel)
        told_as_past = bool(lx.PAID.search(clause)) and not lx.FUTURE.search(clause)
        if not lx.NEGATION.search(clause) and not told_as_past:  # "we paid on the 9th"
            return mention.day
    return None


def _previous_day_of_month(base: date, day: int) -> date:
    cand = base
    while cand.day != day and (base - cand).days < 62:
        cand -= timedelta(days=1)
    return cand


def _sentence_of(sentences: tuple[Sentence, ...], pos: int) -> Sentence | None:
    for s in sentences:
        if s.start <= pos < s.start + len(s.text):
            return s
    return None
