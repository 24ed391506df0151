"""Split a reply body into the sender's own text, the quoted part and the signature.

The quoted part is kept: invoice numbers are sometimes only in the quoted reminder.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_SEPARATOR = re.compile(
    r"^\s*[-_=*]{2,}\s*(original message|oorspronkelijk bericht|origineel bericht|"
    r"ursprüngliche nachricht|originalnachricht|message d'origine|message d’origine|"
    r"forwarded message|doorgestuurd bericht|weitergeleitete nachricht|message transféré)"
    r"\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)
_FROM_LINE = re.compile(r"^\s*[*>]*\s*(from|van|von|de|da|od)\s*:\s*\S", re.IGNORECASE)
_HEADER_FIELD = re.compile(
    r"^\s*[*>]*\s*(sent|date|to|cc|subject|verzonden|datum|aan|onderwerp|gesendet|an|betreff|"
    r"envoyé|date|à|objet|cc)\s*:\s*",
    re.IGNORECASE,
)
_WROTE = re.compile(
    r"\b(wrote|schreef|schrieb|a écrit|a ecrit|escribió|ha scritto|napisał|"
    r"het volgende geschreven|geschreven|написал)\b[^:\n]{0,100}:",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^\s*(on|op|am|le|el|il|w dniu)\b", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*[_-]{8,}\s*$")
_SIGN_OFF = re.compile(
    r"^\s*(met vriendelijke groet(en)?|vriendelijke groet(en)?|met hartelijke groet(en)?|"
    r"hartelijke groet(en)?|groet(en|jes)?|mvg|kind regards|best regards|warm regards|"
    r"kindest regards|regards|best wishes|many thanks|thanks and regards|best|cheers|thanks|"
    r"thank you|yours faithfully|yours sincerely|sincerely|"
    r"mit freundlichen grüßen|mit freundlichen grüssen|freundliche grüße|viele grüße|"
    r"beste grüße|liebe grüße|herzliche grüße|mfg|gruß|cordialement|bien cordialement|"
    r"salutations|sincères salutations|bien à vous|meilleures salutations|"
    r"veuillez agréer.*|bonne journée)\s*[,.!]?\s*(/.*)?$",
    re.IGNORECASE,
)
_MOBILE = re.compile(
    r"^\s*(sent from my|sent from outlook|get outlook for|verzonden (vanaf|met|vanuit) mijn|"
    r"verstuurd vanaf mijn|von meinem .* gesendet|gesendet von meinem|envoyé de mon|"
    r"envoyé depuis mon|sent via|sent using)\b",
    re.IGNORECASE,
)
_DASHDASH = re.compile(r"^--\s*$")
_DISCLAIMER = re.compile(
    r"^\s*(disclaimer\b|this (e-?mail|message)( and any attachments?)? (is|are|may contain|contains)|"
    r"the information (contained )?in this (e-?mail|message)|"
    r"dit (e-?mail)?bericht is (uitsluitend|vertrouwelijk|alleen)|de informatie (verzonden )?in dit|"
    r"deze e-?mail is (uitsluitend|vertrouwelijk|alleen bestemd)|"
    r"aan dit (e-?mail)?bericht kunnen|"
    r"diese (e-?mail|nachricht) (enthält|ist)|"
    r"ce (message|courriel|mail)( et (ses|toutes les) pièces jointes)? (est|sont|peut))",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class SplitReply:
    new: str
    quoted: str
    signature: str


def typed_on_a_phone(split: SplitReply) -> bool:
    """A mobile mail client's footer ("Sent from my iPhone", "Verstuurd vanaf mijn Samsung",
    "Envoyé de mon iPhone"): a person typed the reply; a server's away notice carries none."""
    return any(
        _MOBILE.match(line) for line in (*split.signature.splitlines(), *split.new.splitlines())
    )


def _is_quote_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _SEPARATOR.match(line) or (
        _UNDERSCORES.match(line) and any(_FROM_LINE.match(x) for x in lines[i + 1 : i + 4])
    ):
        return True
    if _FROM_LINE.match(line):
        following = [x for x in lines[i + 1 : i + 6] if x.strip()]
        return sum(1 for x in following[:4] if _HEADER_FIELD.match(x)) >= 2
    if len(line) > 200 or not line.strip():
        return False
    starts = bool(_WROTE_START.match(line))
    window = lines[i : i + 4] if starts else lines[i : i + 3]
    joined = " ".join(x.strip() for x in window)
    m = _WROTE.search(joined)
    if m is None:
        return False
    # "… wrote:" must end a line, and the header must mention a date or an address
    ends_line = any(
        x.rstrip().endswith(":")
        and len(" ".join(y.strip() for y in window[: k + 1])) >= m.end() - 1
        for k, x in enumerate(window)
    )
    if not starts:
        # the header starts on this line: it carries a date or an address, and "wrote"
        # is on this line or the next (wrapped)
        two = len(" ".join(x.strip() for x in window[:2]))
        if m.start() > two or not re.search(r"\d|@", line):
            return False
        if re.search(r"[.!?]\s+[A-Z]", joined[: m.start()]):  # prose, not a header
            return False
    return ends_line and bool(re.search(r"\d|@", joined[: m.start()]))


def _text_after_quote(lines: list[str], cut: int) -> tuple[list[str], list[str]]:
    i = cut
    if _WROTE.search(" ".join(lines[cut : cut + 4])) and not _FROM_LINE.match(lines[cut]):
        while i < len(lines) and not lines[i].rstrip().endswith(":"):
            i += 1
        i += 1
    else:
        while i < len(lines) and lines[i].strip() == "":
            i += 1
        while i < len(lines) and lines[i].strip() != "":
            i += 1
    own: list[str] = []
    rest: list[str] = lines[cut:i]
    for j in range(i, len(lines)):
        if _is_quote_header(lines, j):
            rest.extend(lines[j:])
            break
        (rest if lines[j].lstrip().startswith(">") else own).append(lines[j])
    return own, rest


def _inline_answers(quoted: list[str], *, tail: bool) -> tuple[list[str], list[str]]:
    """(the sender's lines, the rest) of a ">" quote answered in between: "Dag," on top,
    then under the reminder's question "Ja, op 7 juli." — a paragraph of unquoted text
    after a blank line, below ">" lines and above more of them, is the sender's. A line
    run on from a wrapped ">" line (no blank line before it) stays quoted, and a nested
    quote header ends the search. With ``tail``, a paragraph after the last ">" line counts
    too (the sign-off under it is cut later, like any signature)."""
    answers: list[str] = []
    rest: list[str] = []
    seen_quote = False
    i = 0
    while i < len(quoted):
        line = quoted[i]
        if i > 0 and _is_quote_header(quoted, i):
            rest.extend(quoted[i:])
            break
        if line.lstrip().startswith(">"):
            seen_quote = True
        elif line.strip() and seen_quote and not quoted[i - 1].strip():
            end = i
            while (
                end < len(quoted)
                and quoted[end].strip()
                and not quoted[end].lstrip().startswith(">")
            ):
                end += 1
            if tail or any(x.lstrip().startswith(">") for x in quoted[end:]):
                answers.extend(["", *quoted[i:end]])
                i = end
                continue
        rest.append(line)
        i += 1
    return answers, rest


def split_reply(text: str) -> SplitReply:
    """Cut at the first quote header or ">" block; then strip a sign-off and disclaimer."""
    lines = text.replace("\r\n", "\n").split("\n")
    cut = len(lines)
    for i in range(len(lines)):
        if _is_quote_header(lines, i):
            cut = i
            break
    head = lines[:cut]
    quoted = lines[cut:]
    if not "".join(head).strip() and cut < len(lines):
        # bottom-posted answer or a forward: the sender's text follows the quote
        head, quoted = _text_after_quote(lines, cut)
    elif cut < len(lines):
        # only a salutation on top ("Hallo,"): the answer may also follow the whole quote
        answers, quoted = _inline_answers(quoted, tail=len("".join(head).split()) <= 2)
        head = head + answers
    # ">" lines above the cut are quoted too (interleaved or bottom-posted answers keep
    # the unquoted lines as the sender's text)
    own: list[str] = []
    extra_quote: list[str] = []
    for line in head:
        (extra_quote if line.lstrip().startswith(">") else own).append(line)
    sig_at = len(own)
    # "is there text above line i": tracked, not re-joined per line (that was quadratic in
    # the line count, so one long hostile body stalled intake).
    before = False
    for i, line in enumerate(own):
        before = before or (i > 0 and bool(own[i - 1].strip()))
        if not before:
            continue
        if _DASHDASH.match(line) or _MOBILE.match(line) or _SIGN_OFF.match(line):
            sig_at = i
            break
        if _DISCLAIMER.match(line):
            sig_at = i
            break
    new = "\n".join(own[:sig_at]).strip()
    signature = "\n".join(own[sig_at:]).strip()
    if not new and own:  # a message that is only a sign-off keeps its text
        new = "\n".join(own).strip()
        signature = ""
    quoted_text = "\n".join(extra_quote + quoted).strip()
    return SplitReply(new=new, quoted=quoted_text, signature=signature)
