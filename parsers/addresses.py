"""Sender addresses read strictly, and domains that only look like someone else's.

The sender's address decides which debtor a mail may act for, so it is read the way an
attacker's header would be read by the strictest mail client, not the most forgiving one:
exactly one From header holding exactly one address, no second address hidden in the display
name or in an RFC 2047 encoded word, no control characters, a valid addr-spec, and no
mixed-script or punycode domain that renders like a domain we know. Anything else gives a
*problem* (a sentence for the review queue); a sender with problems is an unknown sender.

Parsing uses the standard library's ``email.headerregistry`` (the RFC 5322 parser of the
default policy) and ``email-validator`` for the addr-spec; this Python's ``getaddresses`` and
``parseaddr`` have no ``strict`` mode yet (3.11.7), and nothing here splits on commas by hand.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from email import errors as email_errors
from email import policy as email_policy
from email.header import decode_header

from email_validator import EmailNotValidError, validate_email

# Characters that never belong in a header value once it is unfolded (TAB is folding space).
_CONTROL = re.compile(r"[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_ENCODED_WORD = re.compile(r"=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=")
_ADDRESS_LIKE = re.compile(r"[^\s<>()\[\]\"',;:@]+@[^\s<>()\[\]\"',;:@]+\.[^\s<>()\[\]\"',;:@]+")
# What an encoded word may not turn into: the delimiters of an address or a group. A plain
# comma or period stays allowed ("Müller, Hans" is often encoded), as the header registry
# keeps a decoded display name one phrase; an '@' is judged by the address test instead.
_ENCODED_SPECIALS = frozenset('<>";:\\')
_HARMLESS_DEFECTS = (email_errors.ObsoleteHeaderDefect, email_errors.NonASCIILocalPartDefect)


# Domains shared by many unrelated people: a match on them says nothing about the debtor.
PUBLIC_MAIL_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "outlook.com",
        "hotmail.com",
        "hotmail.nl",
        "live.com",
        "live.nl",
        "msn.com",
        "yahoo.com",
        "yahoo.de",
        "yahoo.fr",
        "ymail.com",
        "icloud.com",
        "me.com",
        "mac.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.de",
        "gmx.net",
        "gmx.com",
        "web.de",
        "t-online.de",
        "freenet.de",
        "ziggo.nl",
        "kpnmail.nl",
        "planet.nl",
        "hetnet.nl",
        "home.nl",
        "xs4all.nl",
        "telfort.nl",
        "casema.nl",
        "upcmail.nl",
        "chello.nl",
        "zeelandnet.nl",
        "skynet.be",
        "telenet.be",
        "proximus.be",
        "orange.fr",
        "wanadoo.fr",
        "free.fr",
        "sfr.fr",
        "laposte.net",
        "mail.com",
        "zoho.com",
        "fastmail.com",
        "posteo.de",
        "mailbox.org",
    }
)


@dataclass(frozen=True, slots=True)
class SenderAddress:
    """The From header read strictly. ``address`` is the one address found (lower-cased;
    the first when there are several); it names the sender only when ``problems`` is empty."""

    address: str
    name: str
    problems: tuple[str, ...] = ()


def read_sender(values: Sequence[str]) -> SenderAddress:
    """Every From header value of one message (raw: encoded words not yet decoded)."""
    problems: list[str] = []
    if not values:
        return SenderAddress("", "", ("no From header",))
    if len(values) > 1:
        problems.append(f"{len(values)} From headers")
    found: list[tuple[str, str]] = []
    for raw in values:
        value = re.sub(r"\r?\n(?=[ \t])", "", raw)
        if _CONTROL.search(value):
            problems.append("control character in the From header")
        try:
            header = email_policy.default.header_factory("from", value)
        except Exception as exc:  # the registry's parser gave up on this value
            problems.append(f"unreadable From header: {exc}")
            continue
        for defect in header.defects:
            # Obsolete syntax ("Dr. Jan <…>" with an unquoted period) is common and harmless;
            # a non-ASCII local part is RFC 6532 mail, judged by address_problems below.
            if not isinstance(defect, _HARMLESS_DEFECTS):
                problems.append(f"From header: {defect}")
        try:
            found.extend((a.display_name, a.addr_spec) for a in header.addresses)
        except Exception as exc:  # a header the registry could not shape into addresses
            problems.append(f"From header: {exc}")
        problems.extend(_encoded_word_problems(value))
    if not found:
        problems.append("no address in the From header")
        return SenderAddress("", "", _unique(problems))
    if len(found) > 1:
        shown = ", ".join(a for _, a in found[:4])
        problems.append(f"{len(found)} addresses in the From header ({shown})")
    name, address = found[0]
    address = address.strip().lower()
    if address in ("<>", '""'):
        address = ""
    problems.extend(_name_problems(name, address))
    problems.extend(address_problems(address))
    return SenderAddress(address, name, _unique(problems))


def read_addresses(values: Sequence[str]) -> tuple[str, ...]:
    """The valid addresses of address-list headers (Reply-To), lower-cased; invalid entries
    are left out rather than guessed at."""
    out: list[str] = []
    for raw in values:
        value = re.sub(r"\r?\n(?=[ \t])", "", raw)
        if _CONTROL.search(value):
            continue
        try:
            addresses = email_policy.default.header_factory("reply-to", value).addresses
        except Exception:
            continue
        for a in addresses:
            spec = a.addr_spec.strip().lower()
            if spec and not address_problems(spec) and spec not in out:
                out.append(spec)
    return tuple(out)


def address_problems(address: str) -> tuple[str, ...]:
    """Why ``address`` is not a plain, valid addr-spec we may trust (empty when it is)."""
    if not address:
        return ("empty address",)
    if _CONTROL.search(address) or any(unicodedata.category(ch) == "Cf" for ch in address):
        return (f"control or invisible character in the address {address!r}",)
    try:
        # Syntax only: no DNS. test_environment lets the reserved ".test" names through and
        # globally_deliverable=False single-label or private names: they are still addresses.
        validate_email(
            address,
            check_deliverability=False,
            allow_smtputf8=True,
            test_environment=True,
            globally_deliverable=False,
        )
    except EmailNotValidError as exc:
        return (f"invalid address {address!r}: {exc}",)
    except Exception as exc:  # a hostile value must give a reason, never an exception
        return (f"unreadable address {address!r}: {exc}",)
    local, _, domain = address.rpartition("@")
    problems: list[str] = []
    if not local.isascii() and _mixed_script(local):
        problems.append(f"the address {address!r} mixes scripts in its local part")
    unicode_domain = to_unicode(domain)
    if unicode_domain is None:
        problems.append(f"the domain {domain!r} is not a valid internationalised name")
    else:
        labels = unicode_domain.split(".")
        mixed = [label for label in labels if not label.isascii() and _mixed_script(label)]
        if mixed:
            problems.append(
                f"the domain {domain!r} mixes scripts ({unicode_domain}): a look-alike domain"
            )
    return tuple(problems)


def check_domain(text: str) -> tuple[str | None, str | None]:
    """A debtor's own mail domain as configured (``beta.example`` or ``@beta.example``):
    (normalised, None) or (None, the reason it cannot be one). A public mail provider is
    refused: its users are strangers to each other."""
    domain = text.strip().lower().removeprefix("@")
    problems = address_problems("postmaster@" + domain) if domain else ("empty domain",)
    if problems:
        return None, f"invalid domain {text!r}: {problems[0]}"
    if domain in PUBLIC_MAIL_DOMAINS:
        return None, f"{domain} is a public mail provider; list the debtor's addresses instead"
    return domain, None


def is_international(domain: str) -> bool:
    """A domain written with non-ASCII characters or punycode (``xn--``) labels."""
    return not domain.isascii() or any(
        label.startswith("xn--") for label in domain.lower().split(".")
    )


def to_unicode(domain: str) -> str | None:
    """The Unicode form of a domain (punycode labels decoded), None when it is invalid."""
    import idna  # email-validator's own dependency

    labels = []
    for label in domain.lower().split("."):
        if label.startswith("xn--"):
            try:
                labels.append(idna.decode(label))
            except (idna.IDNAError, UnicodeError):
                return None
        else:
            labels.append(label)
    return ".".join(labels)


def skeleton(text: str) -> str:
    """What ``text`` looks like: NFKC-folded, each non-ASCII character replaced by the ASCII
    character it is confusable with (Unicode confusables, UTS #39), lower-cased. Two domains
    with the same skeleton render alike."""
    from confusable_homoglyphs import confusables  # loaded only for international domains

    folded = unicodedata.normalize("NFKC", text).lower()
    out = []
    for ch in folded:
        if ch.isascii():
            out.append(ch)
            continue
        glyphs = confusables.confusables_data.get(ch, ())
        ascii_glyph = next((g["c"] for g in glyphs if g["c"].isascii()), None)
        out.append(ascii_glyph.lower() if ascii_glyph else ch)
    return "".join(out)


def lookalike(domain: str, known: Iterable[str]) -> str | None:
    """The known domain that ``domain`` imitates (same skeleton, different name), if any.
    Only international domains are compared: an ASCII domain that differs is simply another
    domain, and exact matching already keeps it from linking."""
    domain = domain.lower()
    if not is_international(domain):
        return None
    shape = skeleton(to_unicode(domain) or domain)
    for other in known:
        other = other.lower()
        if other != domain and skeleton(to_unicode(other) or other) == shape:
            return other
    return None


def _mixed_script(text: str) -> bool:
    from confusable_homoglyphs import confusables

    return bool(confusables.is_mixed_script(text, allowed_aliases=["COMMON", "INHERITED"]))


def _name_problems(name: str, address: str) -> list[str]:
    problems = []
    if _CONTROL.search(name) or any(unicodedata.category(ch) == "Cf" for ch in name):
        problems.append("control or invisible character in the display name")
    others = {m.lower() for m in _ADDRESS_LIKE.findall(name)} - {address}
    if others:
        problems.append(
            f"the display name {name!r} contains an address ({', '.join(sorted(others))}) "
            f"that is not the sender's ({address or 'none'})"
        )
    return problems


def _encoded_word_problems(value: str) -> list[str]:
    problems = []
    for word in _ENCODED_WORD.findall(value):
        try:
            decoded = "".join(
                part.decode(charset or "ascii", "replace") if isinstance(part, bytes) else part
                for part, charset in decode_header(word)
            )
        except (LookupError, ValueError, email_errors.HeaderParseError):
            problems.append(f"undecodable encoded word {word[:60]!r} in the From header")
            continue
        if _CONTROL.search(decoded):
            problems.append(f"an encoded word in From decodes to control characters ({word[:60]})")
        elif _ENCODED_SPECIALS & set(decoded) or "@" in decoded:
            problems.append(f"an encoded word in From decodes to address syntax: {decoded[:80]!r}")
    return problems


def _unique(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
