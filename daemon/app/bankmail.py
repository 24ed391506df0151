"""Statement mails: attachments from the bank are booked only when the mail proves its sender.

A mail from a configured bank sender (``bank.trusted_senders``: addresses or ``@domains``)
counts as the bank only when

* a DKIM signature verifies for the From domain (or a parent of it), or
* the top-most ``Authentication-Results`` header carrying the office's own ``bank.authserv_id``
  says ``dkim=pass`` for that domain (``header.d`` / ``header.i``) or ``spf=pass`` with an
  aligned ``smtp.mailfrom``. Headers from other servers are ignored: anyone can write one.

Anything else is quarantined with the reason (``statement_files.status = 'quarantined'`` and a
review item); it never touches an invoice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses
from typing import Any

from daemon.adapters.store.db import Store
from daemon.adapters.store.queue import add_review_item
from daemon.app.statements import FileOutcome, import_statement_bytes, quarantine
from daemon.config import Config

# Attachments that are never statements (a PDF copy of the statement, a logo).
_SKIP_TYPES = ("image/", "application/pdf")
_COMMENT = re.compile(r"\([^()]*\)")


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
    sender = from_address(message)
    if sender is None or not is_trusted_sender(sender, config.bank.trusted_senders):
        return MailImportResult("not_bank", f"sender {sender or '?'} is not a bank sender")
    domain = sender.rsplit("@", 1)[1]
    method, why_not = authenticate(raw_message, message, domain, config.bank.authserv_id, dnsfunc)
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
    """The single From address, lower-cased; None when absent or ambiguous."""
    values = message.get_all("From") or []
    addresses = [a for _, a in getaddresses([str(v) for v in values]) if a]
    if len(values) != 1 or len(addresses) != 1 or "@" not in addresses[0]:
        return None
    return addresses[0].strip().lower()


def is_trusted_sender(address: str, trusted: tuple[str, ...] | list[str]) -> bool:
    domain = address.rsplit("@", 1)[1]
    for entry in trusted:
        entry = entry.strip().lower()
        if entry.startswith("@") and domain == entry[1:]:
            return True
        if entry == address:
            return True
    return False


def aligned(claimed: str, from_domain: str) -> bool:
    """Relaxed alignment: the same domain, or one is a subdomain of the other (with a dot)."""
    claimed = claimed.strip().strip(".").lower()
    if not claimed or "." not in claimed:
        return False
    return (
        claimed == from_domain
        or from_domain.endswith("." + claimed)
        or claimed.endswith("." + from_domain)
    )


def authenticate(
    raw: bytes,
    message: Message,
    from_domain: str,
    authserv_id: str,
    dnsfunc: Callable[..., bytes | None] | None,
) -> tuple[str | None, str]:
    """Return (method, "") when the mail proves it comes from ``from_domain``, else (None, why)."""
    reasons: list[str] = []
    method = _dkim(raw, from_domain, dnsfunc, reasons)
    if method:
        return method, ""
    method = _authentication_results(message, from_domain, authserv_id, reasons)
    if method:
        return method, ""
    return None, "; ".join(reasons)


def _dkim(
    raw: bytes, from_domain: str, dnsfunc: Callable[..., bytes | None] | None, reasons: list[str]
) -> str | None:
    import dkim  # lazy: ~12 MB resident, and only bank mail needs it (idle daemon < 80 MB)

    try:
        signer = dkim.DKIM(raw)
        count = sum(1 for name, _ in signer.headers if name.lower() == b"dkim-signature")
    except Exception as exc:  # dkimpy raises many types on malformed mail
        reasons.append(f"DKIM unreadable ({exc})")
        return None
    if count == 0:
        reasons.append("no DKIM signature")
    kwargs: dict[str, Any] = {} if dnsfunc is None else {"dnsfunc": dnsfunc}
    for idx in range(count):
        try:
            valid = signer.verify(idx=idx, **kwargs)
        except Exception as exc:  # a bad signature must never crash intake
            reasons.append(f"DKIM signature {idx + 1} invalid ({exc})")
            continue
        domain = (signer.domain or b"").decode("ascii", "replace").lower()
        if not valid:
            reasons.append(f"DKIM signature by {domain} does not verify")
        elif not aligned(domain, from_domain):
            reasons.append(f"DKIM signature by {domain}, not by {from_domain}")
        else:
            return f"dkim:{domain}"
    return None


def _authentication_results(
    message: Message, from_domain: str, authserv_id: str, reasons: list[str]
) -> str | None:
    if not authserv_id:
        reasons.append("bank.authserv_id not configured: Authentication-Results not trusted")
        return None
    for header in message.get_all("Authentication-Results") or []:
        server, results = parse_authentication_results(str(header))
        if server != authserv_id.lower():
            continue
        # Only the top-most header of our own server counts: lower ones may be forged.
        for method, result, props in results:
            if result != "pass":
                continue
            if method == "dkim":
                identity = props.get("header.d") or props.get("header.i", "").rsplit("@", 1)[-1]
                if aligned(identity, from_domain):
                    return f"authentication-results:dkim:{identity}"
            if method == "spf":
                mailfrom = props.get("smtp.mailfrom", "").rsplit("@", 1)[-1]
                if aligned(mailfrom, from_domain):
                    return f"authentication-results:spf:{mailfrom}"
        reasons.append(
            f"Authentication-Results of {authserv_id} show no dkim/spf pass for {from_domain}"
        )
        return None
    reasons.append(f"no Authentication-Results header from {authserv_id}")
    return None


def parse_authentication_results(
    text: str,
) -> tuple[str, list[tuple[str, str, dict[str, str]]]]:
    """``authserv-id; dkim=pass header.d=x; spf=fail …`` → (id, [(method, result, props)])."""
    unfolded = _COMMENT.sub(" ", " ".join(text.split()))
    parts = [p.strip() for p in unfolded.split(";")]
    server = parts[0].split()[0].lower() if parts and parts[0] else ""
    results: list[tuple[str, str, dict[str, str]]] = []
    for part in parts[1:]:
        words = part.split()
        if not words or "=" not in words[0]:
            continue
        method, _, result = words[0].partition("=")
        props: dict[str, str] = {}
        for word in words[1:]:
            key, sep, value = word.partition("=")
            if sep:
                props[key.lower()] = value.strip('"').lower()
        results.append((method.lower(), result.lower(), props))
    return server, results


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
