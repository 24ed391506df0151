"""Statement mails: attachments from the bank are booked only when the mail proves its sender.

A mail whose single From address is a configured bank sender (``bank.trusted_senders``:
addresses or ``@domains``) counts as the bank only when it proves its From domain: an aligned
DKIM signature that verifies, or a pass in the top-most ``Authentication-Results`` header of
the office's own server (``bank.authserv_id``). The rules, and why exactly those, are in
:mod:`daemon.domain.authentication`; this module does the I/O (DNS through dkimpy, the Public
Suffix List) and the booking.

Anything else is quarantined with the reason (``statement_files.status = 'quarantined'`` and a
review item); it never touches an invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses
from typing import Any

from daemon.adapters.publicsuffix import organisational_domain
from daemon.adapters.store.db import Store
from daemon.adapters.store.queue import add_review_item
from daemon.app.statements import FileOutcome, import_statement_bytes, quarantine
from daemon.config import Config
from daemon.domain.authentication import dkim_candidate, single_sender, verdict_from_results

# Attachments that are never statements (a PDF copy of the statement, a logo).
_SKIP_TYPES = ("image/", "application/pdf")


@dataclass
class MailImportResult:
    status: str  # not_bank | imported | quarantined | no_attachments
    reason: str = ""
    authenticated_by: str | None = None
    files: list[FileOutcome] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "reason": self.reason,
            "authenticated_by": self.authenticated_by,
            "files": [f.as_dict() for f in self.files],
        }


def import_statement_mail(
    store: Store,
    config: Config,
    raw_message: bytes,
    *,
    inbox_id: int | None,
    now: str,
    dnsfunc: Callable[..., bytes | None] | None = None,
) -> MailImportResult:
    """Import the statement attachments of a bank mail, or quarantine them with the reason.

    Returns ``not_bank`` for mail whose From is not a configured bank sender (the caller
    handles it as ordinary mail). ``dnsfunc`` replaces DNS for the DKIM key lookup (tests)."""
    message = message_from_bytes(raw_message, policy=policy.compat32)
    trusted = config.bank.trusted_senders
    sender = from_address(message)
    method: str | None
    if sender is None:
        # Several From fields or addresses prove nothing. When one of them names the bank the
        # mail is still kept, in quarantine, for a person: never booked, never lost.
        claimed = claimed_senders(message)
        if not any(is_trusted_sender(a, trusted) for a in claimed):
            return MailImportResult("not_bank", "the mail has no single From address")
        sender = ", ".join(claimed)
        method, why_not = None, "the mail has no single, unambiguous From address"
    elif not is_trusted_sender(sender, trusted):
        return MailImportResult("not_bank", f"sender {sender} is not a bank sender")
    else:
        domain = sender.rsplit("@", 1)[1]
        method, why_not = authenticate(raw_message, domain, config.bank.authserv_id, dnsfunc)
    attachments = statement_attachments(message)
    if method is None:
        reason = f"statement mail from {sender} failed authentication: {why_not}"
        kept = [
            quarantine(
                store, data, filename=name, source="mail", inbox_id=inbox_id, reason=reason, now=now
            )
            for name, data in attachments
        ]
        if not kept:
            add_review_item(
                store,
                "statement_quarantined",
                reason,
                priority=1,
                evidence={"sender": sender, "reason": reason},
                inbox_id=inbox_id,
                dedupe_key=f"statement_mail:{inbox_id}:{sender}",
                now=now,
            )
        return MailImportResult("quarantined", reason, None, kept)
    if not attachments:
        return MailImportResult(
            "no_attachments",
            f"authenticated mail from {sender} without a statement attachment",
            method,
        )
    files: list[FileOutcome] = []
    limit = config.bank.max_attachment_bytes
    for name, data in attachments:
        if len(data) > limit:
            files.append(
                quarantine(
                    store,
                    data,
                    filename=name,
                    source="mail",
                    inbox_id=inbox_id,
                    reason=f"attachment of {len(data)} bytes exceeds "
                    f"bank.max_attachment_bytes ({limit})",
                    now=now,
                )
            )
            continue
        files += import_statement_bytes(
            store, config, data, filename=name, source="mail", inbox_id=inbox_id, now=now
        )
    bad = [f for f in files if f.status in ("failed", "quarantined")]
    status = "quarantined" if bad and len(bad) == len(files) else "imported"
    return MailImportResult(
        status, "; ".join(f"{f.filename}: {f.reason}" for f in bad), method, files
    )


def from_address(message: Message) -> str | None:
    """The single From address, lower-cased; None when absent, repeated or ambiguous."""
    return single_sender([str(v) for v in message.get_all("From") or []])


def claimed_senders(message: Message) -> list[str]:
    """Every address any From field names (for the record when there is more than one)."""
    values = [str(v) for v in message.get_all("From") or []]
    return [a.strip().lower() for _, a in getaddresses(values) if "@" in a]


def sender_of(raw: bytes) -> str | None:
    """:func:`from_address` of the raw bytes, read without decoding anything."""
    return from_address(message_from_bytes(raw, policy=policy.compat32))


def is_trusted_sender(address: str, trusted: tuple[str, ...] | list[str]) -> bool:
    address = address.strip().lower()
    domain = address.rpartition("@")[2]
    for entry in trusted:
        entry = entry.strip().lower()
        if entry.startswith("@") and domain == entry[1:]:
            return True
        if entry == address:
            return True
    return False


def authenticate(
    raw: bytes,
    from_domain: str,
    authserv_id: str,
    dnsfunc: Callable[..., bytes | None] | None,
) -> tuple[str | None, str]:
    """Return (method, "") when the mail proves it comes from ``from_domain``, else (None, why).

    The headers are read from ``raw`` as they are (compat32): a parse that decodes
    encoded-words would turn ``=?utf-8?q?=3B?=`` into a ``;``. The rules are in
    :mod:`daemon.domain.authentication`."""
    headers = message_from_bytes(raw, policy=policy.compat32)
    sender = from_address(headers)
    if sender is None:
        return None, "the mail has no single, unambiguous From address"
    if sender.rsplit("@", 1)[1] != from_domain.lower():
        return None, f"the From domain is not {from_domain}"
    reasons: list[str] = []
    method = _dkim(raw, from_domain, dnsfunc, reasons)
    if method:
        return method, ""
    verdict = verdict_from_results(
        [(name, str(value)) for name, value in headers.items()],
        authserv_id,
        from_domain,
        organisational_domain,
    )
    if verdict.method:
        return verdict.method, ""
    return None, "; ".join([*reasons, *verdict.reasons])


def _dkim(
    raw: bytes, from_domain: str, dnsfunc: Callable[..., bytes | None] | None, reasons: list[str]
) -> str | None:
    import dkim  # lazy: ~12 MB resident, and only bank mail needs it (idle daemon < 80 MB)
    from dkim.util import parse_tag_value

    try:
        signer = dkim.DKIM(raw)
        signatures = [v for name, v in signer.headers if name.lower() == b"dkim-signature"]
    except Exception as exc:  # dkimpy raises many types on malformed mail
        reasons.append(f"DKIM unreadable ({exc})")
        return None
    if not signatures:
        reasons.append("no DKIM signature")
    kwargs: dict[str, Any] = {} if dnsfunc is None else {"dnsfunc": dnsfunc}
    for idx, value in enumerate(signatures):
        try:
            tags = {
                k.decode("ascii").lower(): v.decode("ascii", "replace")
                for k, v in parse_tag_value(value).items()
            }
        except Exception as exc:
            reasons.append(f"DKIM signature {idx + 1} unreadable ({exc})")
            continue
        domain, why_not = dkim_candidate(tags, from_domain, organisational_domain)
        if why_not:  # not worth a DNS query: it could not prove the From domain anyway
            reasons.append(why_not)
            continue
        try:
            valid = signer.verify(idx=idx, **kwargs)
        except Exception as exc:  # a bad signature must never crash intake
            reasons.append(f"DKIM signature {idx + 1} invalid ({exc})")
            continue
        if valid:
            return f"dkim:{domain}"
        reasons.append(f"DKIM signature by {domain} does not verify")
    return None


def statement_attachments(message: Message) -> list[tuple[str, bytes]]:
    """(file name, bytes) of every attachment that could be a statement."""
    found: list[tuple[str, bytes]] = []
    for part in message.walk():
        if part.is_multipart():
            continue
        filename = part.get_filename()
        disposition = (part.get("Content-Disposition") or "").lower()
        if not filename and "attachment" not in disposition:
            continue
        if part.get_content_type().startswith(_SKIP_TYPES):
            continue
        payload = part.get_payload(decode=True)
        if isinstance(payload, bytes) and payload:
            found.append((filename or f"attachment-{len(found) + 1}", payload))
    return found
