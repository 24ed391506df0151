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
    r"het volgende geschreven|geschreven)\s*(\S{0,20})?\s*:",
    re.IGNORECASE,
)
_WROTE_START = re.compile(r"^\s*(on|op|am|le|el|il|w dniu)\b", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{8,}\s*$")
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


def _is_quote_header(lines: list[str], i: int) -> bool:
    line = lines[i]
    if _SEPARATOR.match(line) or (
        _UNDERSCORES.match(line) and any(_FROM_LINE.match(x) for x in lines[i + 1 : i + 3])
    ):
        return True
    if _FROM_LINE.match(line):
        following = [x for x in lines[i + 1 : i + 6] if x.strip()]
        return sum(1 for x in following[:4] if _HEADER_FIELD.match(x)) >= 2
    if _WROTE_START.match(line) or _WROTE.search(line):
        starts = bool(_WROTE_START.match(line))
        joined = " ".join(x.strip() for x in lines[i : i + 4]) if starts else line
        m = _WROTE.search(joined)
        if m and (starts or line.rstrip().endswith(":")):
            # the header must mention a date or an address before "wrote"
            return bool(re.search(r"\d|@", joined[: m.start()]))
    return False


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
    # ">" lines above the cut are quoted too (interleaved or bottom-posted answers keep
    # the unquoted lines as the sender's text)
    own: list[str] = []
    extra_quote: list[str] = []
    for line in head:
        (extra_quote if line.lstrip().startswith(">") else own).append(line)
    sig_at = len(own)
    for i, line in enumerate(own):
        before = "\n".join(own[:i]).strip()
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
