"""Delivery failure and delay notices: RFC 3464 DSNs and the common free-form ones.

Call ``detect_bounce`` before any auto-reply check: bounces often carry Auto-Submitted too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from parsers.mail import ParsedMail
from parsers.prefilter import with_prefilter

_I = re.IGNORECASE
_M = re.MULTILINE
_ADDR = r"[A-Za-z0-9._%+'/-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z][A-Za-z0-9-]*"
_ADDR_RE = re.compile(rf"(?<![A-Za-z0-9._%+/-])({_ADDR})(?![A-Za-z0-9-])")
_MACHINE_LOCAL = re.compile(
    r"^(mailer-daemon|postmaster|poostmaster|mail\.delivery\.system|mdaemon|mailadm|"
    r"mail-daemon|bounce[s]?|noreply|no-reply|mailnull|root|admin|inetgw\d*|imss)$",
    _I,
)
_SUBJECT = with_prefilter(
    re.compile(
        r"undeliver|undelivered|delivery status notification|returned mail|failure notice|"
        r"mail delivery failed|delivery fail|delivery notification|delivery report|non-?delivery|"
        r"could not be delivered|delayed mail|message delayed|warning: message|mail not delivered|"
        r"delivery problem|mail system error|failure delivery|permanent delivery failure|"
        r"bounce notification|postmaster notify|failed mail|delivery has failed|"
        r"unzustellbar|nicht zustellbar|unzustellbare|onbestelbaar|niet afgeleverd|"
        r"échec de distribution|non remis|non distribu|utilisateur non recens|rapport de non-remise",
        _I,
    )
)
_BODY = with_prefilter(
    re.compile(
        r"could not be delivered|couldn't be delivered|was not delivered|undeliverable|"
        r"delivery to the following recipient|did not reach the following recipient|"
        r"permanent(ly)? (error|fatal|failure)|fatal errors?|unable to deliver|"
        r"delivery (has )?failed|failed to deliver|message could not be|returned to sender|"
        r"the following address(es)? failed|user unknown|unknown user|no such user|"
        r"mailbox (unavailable|is full|full|not found)|recipient address rejected|"
        r"host or domain name not found|not yet been delivered|delivery.{0,20}delayed|"
        r"will (keep|continue) (trying|to try)|still being retried|"
        r"zustellung an folgende|konnte nicht zugestellt|nicht zugestellt werden|fehlgeschlagen|"
        r"kon niet worden afgeleverd|bezorging is mislukt|niet (worden )?afgeleverd|"
        r"n'a pas pu être (distribué|remis)|n'a pas pu etre|impossible de remettre|"
        # [ \t]* not \s*: under MULTILINE "^\s*" re-scans every following blank line from each
        # line start, which made a body of blank lines quadratic (a hostile mail stalled intake).
        r"^[ \t]*final-recipient:|^[ \t]*action:[ \t]*(failed|delayed)",
        _I | _M,
    )
)
_DELAY = with_prefilter(
    re.compile(
        r"action:\s*delayed|\bdelayed\b|will (keep|continue) (trying|to try)|still being retried|"
        r"not yet been delivered|will (be )?retr(y|ied)|warning only|no action is required|"
        r"this is (only )?a warning|is (only )?a warning|verzögert|vertraagd|retardé|"
        r"wird weiterhin versucht|will try again",
        _I,
    )
)
_CHALLENGE = with_prefilter(
    re.compile(
        r"not pre-?approved|sender verification|verify (that )?you|verify your (email|e-mail|address)|"
        r"approve (your|the) (email|e-mail|message)|whitelist|white-list|challenge|"
        r"confirm (that )?you are (a )?(human|real person)|spam (protection|filter).{0,80}(confirm|verify)|"
        r"awaiting (your )?(verification|confirmation)|request (to be )?(added|authori[sz]ed)",
        _I,
    )
)
_STATUS = re.compile(r"(?<![\d.])([45])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_SMTP_CODE = re.compile(r"(?<![\d.-])([45])\d\d(?:[ -]|$)", _M)
_SMTP_CONTEXT = re.compile(r"said:|returned|smtp;|reply:|<<<|remote (server|host)", _I)
_ORIGINAL_MARKER = re.compile(
    r"^.{0,10}(original message|original-message|returned message|copy of the message|"
    r"message headers follow|headers of the original|ursprüngliche nachricht|"
    r"oorspronkelijke bericht|message d'origine|en-têtes du message|originalnachricht|"
    r"unsent message|below this line|rfc822|return-path:|received: from)|"
    r"^content-type:\s*(message|text)/rfc822",
    _I | _M,
)
_HEADER_LINE = re.compile(
    r"^\s*(to|from|subject|sent|cc|date|reporting-mta|received|message-id|return-path|"
    r"x-[\w-]+|dkim|arrival-date|an|von|betreff|aan|van|onderwerp|de|à|objet)\s*:",
    _I,
)
_LIST_INTRO = re.compile(
    r"following (recipient|address|destination)|to the following|did not reach|"
    r"could not be delivered to|folgende empfänger|volgende ontvanger|destinataire\(s\) suivant",
    _I,
)
_SECTION_END = re.compile(r"transcript of session|^\s*-{3,}|^\s*>>>|^\s*<<<", _I)
_EXPANDED = re.compile(r"expanded from:?\s*<?([^\s<>()]+@[^\s<>()]+?)>?\s*\)", _I)
_BARE_NAME = re.compile(r"^\s*([A-Za-z0-9._-]{2,64})\s*$")
_MSGID_LINE = re.compile(r"^[ \t]*message-id:\s*(<[^>\s]+>)", _I | _M)
_FAILURE_TEXT = with_prefilter(
    re.compile(
        r"user unknown|unknown user|no such (user|mailbox|recipient)|does not exist|not found|"
        r"unknown recipient|mailbox unavailable|invalid (recipient|address|mailbox)|"
        r"address rejected|not recognized|permanent|niet worden gevonden|"
        r"existiert nicht|unbekannt|inexistant|inconnu",
        _I,
    )
)


@dataclass(frozen=True, slots=True)
class BounceReport:
    recipients: tuple[str, ...]
    permanent: bool | None
    delayed: bool
    status: str | None
    original_message_id: str | None
    evidence: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DsnRecipient:
    final: str | None
    original: str | None
    action: str
    status: str


def _addr_of(value: str) -> str | None:
    m = _ADDR_RE.search(value.split(";", 1)[-1])
    return m.group(1).lower() if m else None


def parse_dsn(texts: tuple[str, ...]) -> tuple[DsnRecipient, ...]:
    """Per-recipient blocks of RFC 3464 delivery-status text (also pasted into a body)."""
    out: list[DsnRecipient] = []
    for text in texts:
        for block in re.split(r"\n\s*\n", text):
            fields: dict[str, str] = {}
            for line in re.sub(r"\n[ \t]+", " ", block).split("\n"):
                name, sep, value = line.partition(":")
                if sep:
                    fields.setdefault(name.strip().lower(), value.strip())
            if "final-recipient" in fields or "original-recipient" in fields:
                out.append(
                    DsnRecipient(
                        final=_addr_of(fields.get("final-recipient", "")),
                        original=_addr_of(fields.get("original-recipient", "")),
                        action=fields.get("action", "").lower(),
                        status=fields.get("status", ""),
                    )
                )
    return tuple(out)


def _local(addr: str) -> str:
    return addr.split("@", 1)[0]


def _notice_text(mail: ParsedMail) -> str:
    """The human-readable failure notice, without the returned message."""
    text = mail.text
    m = _ORIGINAL_MARKER.search(text, 40)
    return text[: m.start()] if m else text


def is_machine_sender(mail: ParsedMail) -> bool:
    local = _local(mail.from_addr) if mail.from_addr else ""
    return not mail.from_addr or bool(_MACHINE_LOCAL.match(local)) or "mailer-daemon" in local


def detect_bounce(mail: ParsedMail, own_addresses: tuple[str, ...] = ()) -> BounceReport | None:
    """A BounceReport when ``mail`` is a delivery failure or delay notice, else None."""
    evidence: list[str] = []
    dsn = parse_dsn(mail.delivery_status)
    notice = _notice_text(mail)
    pasted = () if dsn else parse_dsn((notice,))
    blocks = dsn or pasted
    failed_hdr = [
        a.strip().lower()
        for v in mail.header_all("x-failed-recipients")
        for a in v.split(",")
        if a.strip()
    ]
    subject_hit = _SUBJECT.search(mail.subject)
    body_hit = _BODY.search(notice)
    machine = is_machine_sender(mail)
    if dsn:
        evidence.append("dsn:message/delivery-status")
    if pasted:
        evidence.append("dsn:fields-in-text")
    if failed_hdr:
        evidence.append("header:X-Failed-Recipients")
    if subject_hit:
        evidence.append(f"subject:{subject_hit.group(0).lower()}")
    if body_hit:
        evidence.append(f"body:{body_hit.group(0).strip().lower()}")
    if machine and mail.from_addr:
        evidence.append(f"sender:{_local(mail.from_addr)}")
    actions = {b.action for b in blocks}
    is_bounce = (
        (bool(blocks) and bool(actions & {"failed", "delayed"}))
        or bool(failed_hdr)
        or (machine and bool(subject_hit or body_hit))
        or bool(subject_hit and body_hit)
        or (bool(blocks) and bool(subject_hit or body_hit))
    )
    if not is_bounce:
        return None
    challenge_text = " ".join([mail.subject, notice, *mail.delivery_status])
    if _CHALLENGE.search(challenge_text) and not failed_hdr:
        return None  # sender verification: not delivered yet, but a person can release it
    return _report(mail, blocks, failed_hdr, notice, evidence, own_addresses)


def _report(
    mail: ParsedMail,
    blocks: tuple[DsnRecipient, ...],
    failed_hdr: list[str],
    notice: str,
    evidence: list[str],
    own_addresses: tuple[str, ...],
) -> BounceReport:
    relevant = [b for b in blocks if b.action in ("failed", "delayed")] or list(blocks)
    recipients: list[str] = []
    for b in relevant:
        # both: the daemon matches them against the addresses it actually sent to
        for addr in (b.original, b.final):
            if addr and addr not in recipients:
                recipients.append(addr)
    for addr in failed_hdr:
        if addr not in recipients:
            recipients.append(addr)
    if not recipients:
        recipients = _text_recipients(mail, notice, own_addresses)
        if recipients:
            evidence.append("recipients:from-text")
    statuses = [b.status for b in relevant if b.status]
    status_m = None
    if statuses:
        status_m = _STATUS.search(statuses[0])
    if status_m is None:
        status_m = _STATUS.search(notice)
    delayed = any(b.action == "delayed" for b in relevant) or (
        not any(b.action == "failed" for b in relevant)
        and bool(_DELAY.search(mail.subject) or _DELAY.search(notice))
    )
    permanent: bool | None
    if delayed:
        permanent = False
        evidence.append("delay:still-retrying")
    elif status_m is not None:
        permanent = status_m.group(1) == "5"
    else:
        code = _SMTP_CODE.search(notice) if _SMTP_CONTEXT.search(notice) else None
        if code is not None:
            permanent = code.group(1) == "5"
        elif _FAILURE_TEXT.search(notice):
            permanent = True
        else:
            permanent = True  # a failure notice without a code: the MTA has given up
            evidence.append("permanent:no-status-code")
    msgid = None
    for text in (*mail.embedded, mail.text):
        m = _MSGID_LINE.search(text)
        if m and m.group(1) != mail.message_id:
            msgid = m.group(1)
            break
    return BounceReport(
        recipients=tuple(recipients),
        permanent=permanent,
        delayed=delayed,
        status=status_m.group(0) if status_m else None,
        original_message_id=msgid,
        evidence=tuple(evidence),
    )


def _text_recipients(mail: ParsedMail, notice: str, own: tuple[str, ...]) -> list[str]:
    exclude = {mail.from_addr, *mail.to, *(a.lower() for a in own)}
    lines = notice.split("\n")
    start = next((i for i, ln in enumerate(lines) if _LIST_INTRO.search(ln)), None)
    found: list[str] = []
    if start is not None:
        found = _collect(lines[start:], exclude, mail.from_addr, stop_at_section=True)
    return found or _collect(lines, exclude, mail.from_addr, stop_at_section=False)


def _collect(
    lines: list[str], exclude: set[str], sender: str, *, stop_at_section: bool
) -> list[str]:
    found: list[str] = []
    domain = sender.split("@", 1)[1] if "@" in sender else ""
    for n, line in enumerate(lines):
        if n > 0 and stop_at_section and _SECTION_END.search(line) and found:
            break
        if _HEADER_LINE.match(line):
            continue
        expanded = _EXPANDED.search(line)
        if expanded and found:
            found[-1] = expanded.group(1).lower()
            continue
        if n == 1 and stop_at_section and domain:
            bare = _BARE_NAME.match(line)
            if bare and "@" not in line:  # AOL lists screen names without the domain
                found.append(f"{bare.group(1).lower()}@{domain}")
                continue
        for m in _ADDR_RE.finditer(line):
            addr = m.group(1).lower().strip(".")
            if addr in exclude or _MACHINE_LOCAL.match(_local(addr)):
                continue
            if "mailer-daemon" in addr or addr in found:
                continue
            found.append(addr)
    return found
