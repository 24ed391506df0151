"""The project's own labelled training replies (``data/replies-extra/replies.txt``).

Written for issue #12 to give the intent model more, independently written examples; see
``data/replies-extra/README.md``. Each reply is a block::

    === x001 nl promise_to_pay 2026-10-05T09:14 promise=2026-10-09 quote
    Subject: Re: ...            (optional first line)
    the body, as the debtor typed it

Header fields after the date: ``promise=``, ``paid=``, ``return=`` (the labelled dates),
``quote`` / ``quote=LANG`` (append our reminder, quoted, below the reply) and ``auto`` (an
``Auto-Submitted`` header). The blocks are turned into RFC 5322 mails so training reads them
exactly as it reads the shared corpora's .eml files.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")
LANGUAGES = ("nl", "en", "de", "fr")
INTENTS = (
    "promise_to_pay",
    "paid_claim",
    "dispute",
    "payment_plan",
    "invoice_request",
    "insolvency",
    "auto_reply",
    "other",
)
_DATE_KEYS = {"promise": "promise_date", "paid": "paid_date", "return": "return_date"}
_INVOICE = re.compile(r"F\s?2026-?\s?(\d{4})")

_SUBJECT = {
    "nl": "Re: Herinnering: factuur {inv}",
    "en": "Re: Reminder: invoice {inv}",
    "de": "AW: Zahlungserinnerung: Rechnung {inv}",
    "fr": "RE: Rappel : facture {inv}",
}
_REMINDER = {
    "nl": "Geachte heer/mevrouw,\n\nVolgens onze administratie is factuur {inv} nog niet "
    "(volledig) betaald.\nWij verzoeken u het openstaande bedrag binnen 14 dagen over te maken "
    "op\nNL91 ABNA 0417 1643 00 onder vermelding van het factuurnummer.\n\nMet vriendelijke "
    "groet,\nDebiteurenadministratie\nVoorbeeld Installatietechniek B.V.",
    "en": "Dear Sir or Madam,\n\nAccording to our records invoice {inv} has not been (fully) "
    "paid.\nPlease transfer the outstanding amount within 14 days to NL91 ABNA 0417 1643 00,\n"
    "quoting the invoice number. If you have already paid, please disregard this.\n\n"
    "Kind regards,\nAccounts Receivable\nVoorbeeld Installatietechniek B.V.",
    "de": "Sehr geehrte Damen und Herren,\n\nlaut unserer Buchhaltung ist die Rechnung {inv} "
    "noch nicht beglichen.\nBitte überweisen Sie den offenen Betrag innerhalb von 14 Tagen.\n"
    "Sollten Sie bereits gezahlt haben, betrachten Sie dieses Schreiben als gegenstandslos.\n\n"
    "Mit freundlichen Grüßen\nDebitorenbuchhaltung\nVoorbeeld Installatietechniek B.V.",
    "fr": "Madame, Monsieur,\n\nSauf erreur de notre part, la facture {inv} reste impayée.\n"
    "Nous vous prions de régler le montant dû sous 14 jours sur le compte NL91 ABNA 0417 "
    "1643 00.\nSi le paiement a déjà été effectué, veuillez ne pas tenir compte de ce "
    "rappel.\n\nCordialement,\nService comptabilité clients\nVoorbeeld Installatietechniek B.V.",
}
_QUOTE_HEAD = {
    "nl": "Op {d} schreef Debiteurenadministratie <debiteuren@voorbeeld-bv.nl>:",
    "en": "On {d}, Accounts Receivable <debiteuren@voorbeeld-bv.nl> wrote:",
    "de": "Am {d} schrieb Debitorenbuchhaltung <debiteuren@voorbeeld-bv.nl>:",
    "fr": "Le {d}, Service comptabilité <debiteuren@voorbeeld-bv.nl> a écrit :",
}


class ExtraCorpusError(ValueError):
    """A malformed block in the extra corpus (the message names file and line)."""


@dataclass(frozen=True, slots=True)
class ExtraReply:
    name: str
    label: dict[str, Any]
    mail: bytes


def parse_corpus(path: Path) -> list[ExtraReply]:
    """Every reply of the file, in order; a bad header line raises, naming file and line."""
    out: list[ExtraReply] = []
    head: tuple[int, str] | None = None
    body: list[str] = []
    for no, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if line.startswith("=== "):
            if head is not None:
                out.append(_reply(path, head, body))
            head, body = (no, line), []
        elif head is not None:
            body.append(line)
    if head is not None:
        out.append(_reply(path, head, body))
    names = [r.name for r in out]
    if len(set(names)) != len(names):
        raise ExtraCorpusError(f"{path}: duplicate ids")
    return out


def _reply(path: Path, head: tuple[int, str], lines: list[str]) -> ExtraReply:
    no, text = head
    where = f"{path}:{no}"
    parts = text[4:].split()
    if len(parts) < 4:
        raise ExtraCorpusError(f"{where}: expected '=== id lang intent date [options]'")
    ident, lang, intent, stamp, *options = parts
    if lang not in LANGUAGES or intent not in INTENTS:
        raise ExtraCorpusError(f"{where}: unknown language {lang!r} or intent {intent!r}")
    try:
        sent = datetime.fromisoformat(stamp).replace(tzinfo=TZ)
    except ValueError as exc:
        raise ExtraCorpusError(f"{where}: bad date {stamp!r}") from exc
    label: dict[str, Any] = {"intent": intent, "language": lang}
    label.update(dict.fromkeys(_DATE_KEYS.values()))
    quote: str | None = None
    auto = False
    for opt in options:
        key, _, value = opt.partition("=")
        if key in _DATE_KEYS:
            label[_DATE_KEYS[key]] = value
        elif key == "quote":
            quote = value or lang
        elif key == "auto":
            auto = True
        else:
            raise ExtraCorpusError(f"{where}: unknown option {opt!r}")
    while lines and not lines[-1].strip():
        lines.pop()
    subject = None
    if lines and lines[0].startswith("Subject: "):
        subject, lines = lines[0][9:], lines[1:]
    text_body = "\n".join(lines).strip("\n")
    found = [f"F2026-{m}" for m in _INVOICE.findall(f"{subject or ''}\n{text_body}")]
    inv = found[0] if found else f"F2026-{int(ident[1:]) % 900 + 100:04d}"
    if subject is None:
        subject = _SUBJECT[quote or lang].format(inv=inv)
    if quote:
        quoted = "\n".join(f"> {q}".rstrip() for q in _REMINDER[quote].format(inv=inv).splitlines())
        day = (sent.date() - timedelta(days=7)).isoformat()  # the reminder went a week before
        text_body += f"\n\n{_QUOTE_HEAD[quote].format(d=day)}\n{quoted}"
    label["invoice_numbers"] = list(
        dict.fromkeys(f"F2026-{m}" for m in _INVOICE.findall(f"{subject}\n{text_body}"))
    )
    msg = EmailMessage()
    msg["From"] = f"debiteur{int(ident[1:]) % 97}@klant{int(ident[1:]) % 13}.example"
    msg["To"] = "debiteuren@voorbeeld-bv.nl"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(sent)
    msg["Message-ID"] = f"<{ident}@klant.example>"
    if auto:
        msg["Auto-Submitted"] = "auto-replied"
    msg.set_content(text_body + "\n")
    return ExtraReply(f"{ident}.eml", label, msg.as_bytes())
