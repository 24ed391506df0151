"""Does a mail prove that it comes from the domain in its From? (DMARC-style, pure.)

A statement mail (bank) or a staff command is acted on only when its single From address is
configured AND one of these holds:

* **DKIM**: a DKIM-Signature that signs the From header, has no ``l=`` body-length limit
  (which would let anyone append an attachment under a genuine signature) and whose ``d=``
  is aligned with the From domain verifies (the shell does the DNS and the crypto; it asks
  only for signatures :func:`dkim_candidate` accepts, so a forger cannot make us look up
  names of his choosing).
* **Our own server's verdict**: the top-most ``Authentication-Results`` header carries
  ``bank.authserv_id`` and says ``dkim=pass`` with an aligned ``header.d`` (or ``header.i``),
  ``spf=pass`` with an aligned ``smtp.mailfrom`` domain, or ``dmarc=pass`` with
  ``header.from`` equal to the From domain.

Which Authentication-Results header counts: our MTA *prepends* its header, so the newest is
on top and everything the sender brought lies below it. Exactly one header is read: the
top-most Authentication-Results field of the mail, and only when its authserv-id is ours.
When a server after ours adds its own header on top, set ``bank.authserv_id`` to that
server's id. We never read further down: our MTA may insert its header directly above the
sender's first header, so a second header with our id just below ours looks exactly like our
own. A top-most header that cannot be parsed proves nothing. The MTA must also remove
incoming headers bearing our authserv-id (RFC 8601 §5); the README says so.

Alignment is relaxed DMARC alignment: equal domains, or the same organisational domain as
the Public Suffix List defines it (``mail.bank.example`` ~ ``bank.example``). A public
suffix aligns with nothing but itself, so ``d=co.uk`` never vouches for ``bank.co.uk`` and
``d=evil.eu.org`` never for ``bank.eu.org``. The list is looked up by the shell and passed in
as ``org_domain`` (reading the bundled list is I/O).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from email import policy
from email.errors import ObsoleteHeaderDefect
from email.utils import getaddresses

from daemon.domain.linking import is_public_domain
from parsers.authentication_results import AuthResults, AuthResultsSyntaxError, MethodResult, parse

# domain → its organisational (registrable) domain, None when it is itself a public suffix.
OrgDomain = Callable[[str], str | None]

_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
_AR = "authentication-results"


@dataclass(frozen=True, slots=True)
class Verdict:
    """``method`` names what proved the sender (``dkim:bank.example``,
    ``authentication-results:spf:bank.example``), or is None with the reasons why not."""

    method: str | None
    reasons: tuple[str, ...] = ()


def single_sender(from_values: Sequence[str]) -> str | None:
    """The one From address, lower-cased; None unless there is exactly one From field with
    exactly one address, and two independent parsers (``email.utils`` and the stricter
    ``email.headerregistry``) agree on it without finding a defect. A parser differential
    between us and the DKIM signer or the MTA's DMARC check is a forgery vector."""
    if len(from_values) != 1:
        return None
    value = from_values[0]
    simple = [address for _, address in getaddresses([value]) if address]
    try:
        header = policy.default.header_factory("From", value)
        strict = [a.addr_spec for a in getattr(header, "addresses", ())]
        # An obsolete-but-valid form ("Bank N.V. <a@bank.example>": a period in the display
        # name) is fine; an invalid one means the parsers may disagree about the address.
        defects = [
            d for d in getattr(header, "defects", ()) if not isinstance(d, ObsoleteHeaderDefect)
        ]
    except Exception:  # headerregistry raises assorted errors on hostile input
        return None
    if defects or len(simple) != 1 or strict != simple:
        return None
    address = simple[0].strip().lower()
    local, at, domain = address.rpartition("@")
    if not at or not local or not is_domain(domain):
        return None
    return address


def is_domain(text: str) -> bool:
    """An ASCII host name of at least two LDH labels (no trailing dot here)."""
    labels = text.split(".")
    return len(labels) >= 2 and all(
        label and set(label) <= _LDH and label[0] != "-" and label[-1] != "-" for label in labels
    )


def normalise_domain(text: str) -> str:
    text = text.strip().lower()
    return text[:-1] if text.endswith(".") else text


def aligned(identity: str, from_domain: str, org_domain: OrgDomain) -> bool:
    """Relaxed DMARC alignment of an authenticated domain with the From domain."""
    identity, from_domain = normalise_domain(identity), normalise_domain(from_domain)
    if not (is_domain(identity) and is_domain(from_domain)):
        return False
    if identity == from_domain:
        return True
    org = org_domain(identity)
    return org is not None and org == org_domain(from_domain)


# --- DKIM --------------------------------------------------------------------------------------


def dkim_candidate(
    tags: dict[str, str], from_domain: str, org_domain: OrgDomain
) -> tuple[str, str | None]:
    """(d=, why not) for one DKIM-Signature's tags: only a signature that would prove the From
    domain is worth a DNS query. ``tags`` maps tag names to values (text)."""
    domain = normalise_domain(tags.get("d", ""))
    signed = {h.strip().lower() for h in tags.get("h", "").split(":")}
    if not domain:
        return domain, "DKIM signature without d="
    if not aligned(domain, from_domain, org_domain):
        return domain, f"DKIM signature by {domain}, not by {from_domain}"
    if "from" not in signed:
        return domain, f"DKIM signature by {domain} does not sign the From header"
    if "l" in tags:
        return domain, f"DKIM signature by {domain} covers only part of the body (l=)"
    return domain, None


# --- Authentication-Results --------------------------------------------------------------------


def our_authentication_results(
    headers: Sequence[tuple[str, str]], authserv_id: str
) -> tuple[AuthResults | None, str]:
    """The top-most Authentication-Results header, when it is our server's (see the module
    docstring), or (None, why). ``headers`` are (name, raw value) in message order, top first."""
    ours = authserv_id.strip().lower()
    if not ours:
        return None, "bank.authserv_id not configured: Authentication-Results not trusted"
    fields = [value for name, value in headers if name.strip().lower() == _AR]
    if not fields:
        return None, f"no Authentication-Results header from {ours}"
    try:
        top = parse(fields[0])
    except AuthResultsSyntaxError as exc:
        return None, f"the top-most Authentication-Results header is unreadable ({exc})"
    if top.authserv_id == ours:
        return top, ""
    for value in fields[1:]:
        try:
            if parse(value).authserv_id == ours:
                return None, (
                    f"the top-most Authentication-Results header is from {top.authserv_id};"
                    f" one from {ours} below it is not our server's (it may be forged)"
                )
        except AuthResultsSyntaxError:
            continue
    return None, f"no Authentication-Results header from {ours} on top"


def _single(result: MethodResult, ptype: str, name: str) -> str | None:
    values = result.values(ptype, name)
    return values[0] if len(values) == 1 else None  # a repeated property is ambiguous


def _domain_of(value: str | None) -> str:
    """The domain of ``local@domain``, ``@domain`` or ``domain``; the parser guarantees the
    part after the last "@" is a domain name even when the local-part is quoted."""
    return normalise_domain((value or "").rpartition("@")[2])


def results_verdict(
    results: AuthResults, from_domain: str, org_domain: OrgDomain
) -> tuple[str | None, str]:
    """(method, "") for the first pass that proves ``from_domain``, else (None, why)."""
    for result in results.results:
        if result.result != "pass":
            continue
        if result.method == "dkim":
            d = _single(result, "header", "d")
            identity = (
                _domain_of(d) if d is not None else _domain_of(_single(result, "header", "i"))
            )
            if aligned(identity, from_domain, org_domain):
                return f"authentication-results:dkim:{identity}", ""
        elif result.method == "spf":
            mailfrom = _domain_of(_single(result, "smtp", "mailfrom"))
            if aligned(mailfrom, from_domain, org_domain):
                return f"authentication-results:spf:{mailfrom}", ""
        elif result.method == "dmarc" and _domain_of(
            _single(result, "header", "from")
        ) == normalise_domain(from_domain):
            # DMARC evaluated the From domain itself: it must be ours exactly.
            return f"authentication-results:dmarc:{normalise_domain(from_domain)}", ""
    return None, (
        f"Authentication-Results of {results.authserv_id} show no dkim/spf/dmarc pass"
        f" aligned with {from_domain}"
    )


def verdict_from_results(
    headers: Sequence[tuple[str, str]], authserv_id: str, from_domain: str, org_domain: OrgDomain
) -> Verdict:
    """The Authentication-Results half of the decision."""
    results, why = our_authentication_results(headers, authserv_id)
    if results is None:
        return Verdict(None, (why,))
    method, why = results_verdict(results, from_domain, org_domain)
    return Verdict(method, () if method else (why,))


# --- configuration -----------------------------------------------------------------------------

SHARED_PROVIDER_NOTE = (
    "this proves the sending domain, not the person; a shared provider's domain is never"
    " a trusted sender"
)


def shared_provider_domain_entries(trusted_senders: Sequence[str]) -> list[str]:
    """``@gmail.com``-style entries of bank.trusted_senders: every account holder of the
    provider could send a statement that passes. Refused by the configuration."""
    return [
        entry
        for entry in trusted_senders
        if entry.strip().startswith("@") and is_public_domain(entry.strip()[1:])
    ]


def shared_provider_warnings(
    trusted_senders: Sequence[str], staff_addresses: Sequence[str]
) -> list[str]:
    """A warning per trusted address at a public mail provider (gmail.com-like)."""
    found: list[str] = []
    for key, entries in (
        ("bank.trusted_senders", trusted_senders),
        ("staff.addresses", staff_addresses),
    ):
        for entry in entries:
            local, at, domain = entry.strip().rpartition("@")
            if at and local and is_public_domain(domain):
                found.append(
                    f"{key}: {entry} is at the shared provider {domain.lower()}: "
                    f"{SHARED_PROVIDER_NOTE}"
                )
    return found
