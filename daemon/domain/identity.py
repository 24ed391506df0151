"""Which debtor an inbound mail may act for, and who may receive what we send back.

The trust boundary of inbound mail (issue #11). A mail acts only for the debtor whose
registered address sent it, or whose explicitly configured domain (``debtor_domains``) it
comes from. What the mail *points at* — an invoice number in its text, an In-Reply-To or
References naming one of our messages or a reminder — only says which of that debtor's
invoices it is about; it never makes the mail speak for another debtor. A pointer at another
debtor's invoice or thread stops the mail from acting at all and opens a review item naming
the sender, the pointer and its owner.

Trust, from most to least:

- ``registered``: the sender is a registered address of exactly one debtor (or of several,
  and the mail points at exactly one of them). Acts; automatic answers allowed.
- ``domain``: the sender's domain is configured for exactly one debtor. Acts; answers and
  documents go to the debtor's registered addresses, never to the sender.
- ``colleague``: the sender is not registered, but its (non-public) domain is that of
  exactly one debtor's registered address. Linked to that debtor for a person to review;
  never acts, never answered.
- ``unknown``: anything else, including every sender whose From header the strict parser
  did not accept. Reviewed with the mail's text, never linked, never answered.

Bounces are bound separately (``bind_bounce``): through our own Message-ID in the returned
message, then the failed recipient; they only change the delivery status of an address.

Pure: the shell (daemon.app.replies) looks up the facts and applies the result.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

REGISTERED = "registered"
DOMAIN = "domain"
COLLEAGUE = "colleague"
UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Claim:
    """Something in a mail that points at a debtor, and the debtor it belongs to."""

    via: str  # thread (our outbox Message-ID) | reminder (a reminder Message-ID) | invoice
    value: str  # the Message-ID or the invoice number
    owner: str  # the debtor it belongs to
    invoice_numbers: tuple[str, ...] = ()
    case_id: int | None = None

    def describe(self) -> str:
        if self.via == "invoice":
            return f"invoice {self.value} of debtor {self.owner}"
        return f"{self.via} reference {self.value} (debtor {self.owner})"

    def as_evidence(self) -> dict[str, object]:
        return {"via": self.via, "value": self.value, "owner": self.owner}


@dataclass(frozen=True, slots=True)
class SenderFacts:
    """What the store knows about the sender's address, looked up by the shell."""

    address: str  # the strictly parsed address; "" when the From header was not accepted
    problems: tuple[str, ...] = ()  # from the strict parser and the look-alike check
    registered_for: tuple[str, ...] = ()  # debtors with this exact registered address
    domain_of: tuple[str, ...] = ()  # debtors that configured the sender's domain
    colleague_of: tuple[str, ...] = ()  # debtors with a registered address at that domain


@dataclass(frozen=True, slots=True)
class Binding:
    """The debtor a mail is linked to and whether it may act for it."""

    debtor_id: str | None
    trust: str  # registered | domain | colleague | unknown
    via: str | None = None  # thread | reminder | invoice | address | domain | recipient
    invoice_numbers: tuple[str, ...] = ()  # the linked debtor's invoices the mail points at
    case_id: int | None = None
    evidence: str = ""
    problems: tuple[str, ...] = ()  # why it may not act (empty: it may)
    claims: tuple[Claim, ...] = ()  # every pointer found, with its owner

    @property
    def acts(self) -> bool:
        return self.debtor_id is not None and not self.problems

    @property
    def review_type(self) -> str:
        """The review item for a mail that may not act."""
        if self.debtor_id is None:
            return "unknown_sender"
        return "sender_mismatch" if self.trust in (REGISTERED, DOMAIN) else "unverified_sender"


def bind(sender: SenderFacts, claims: Sequence[Claim]) -> Binding:
    """The debtor this mail speaks for, from its sender alone; ``claims`` only narrow it."""
    claims = tuple(claims)
    if sender.problems or not sender.address:
        problems = sender.problems or ("the mail has no sender address",)
        return Binding(None, UNKNOWN, problems=_with_claims(problems, claims), claims=claims)
    trust, candidates = REGISTERED, _distinct(sender.registered_for)
    if not candidates:
        trust, candidates = DOMAIN, _distinct(sender.domain_of)
    if len(candidates) > 1:
        named = _distinct(c.owner for c in claims if c.owner in candidates)
        if len(named) == 1:
            candidates = named
    if len(candidates) == 1:
        return _bound(candidates[0], trust, sender, claims)
    if len(candidates) > 1:
        problem = (
            f"{sender.address} is registered for several debtors "
            f"({', '.join(candidates)}) and the mail names none of them alone"
        )
        return Binding(None, UNKNOWN, problems=_with_claims((problem,), claims), claims=claims)
    colleagues = _distinct(sender.colleague_of)
    if len(colleagues) == 1:
        debtor = colleagues[0]
        problem = (
            f"{sender.address} is not a registered address of debtor {debtor} "
            f"(same domain): a person checks it; register the address to let such mail act"
        )
        bound = _bound(debtor, COLLEAGUE, sender, claims)
        return replace(bound, problems=(problem, *bound.problems))
    problem = f"{sender.address} is not a registered address of any debtor"
    return Binding(None, UNKNOWN, problems=_with_claims((problem,), claims), claims=claims)


def bind_bounce(thread: Sequence[Claim], recipient_owners: Sequence[tuple[str, str]]) -> Binding:
    """A delivery failure notice: our own Message-ID in the returned message first, then the
    failed recipient ((address, debtor) pairs). Only addresses' delivery status changes."""
    if thread:
        first = thread[0]
        return Binding(
            first.owner,
            REGISTERED,
            via="thread",
            invoice_numbers=first.invoice_numbers,
            case_id=first.case_id,
            evidence=f"returns our message {first.value}",
            claims=tuple(thread),
        )
    owners: dict[str, set[str]] = {}
    for address, debtor in recipient_owners:
        owners.setdefault(address, set()).add(debtor)
    for address, debtors in owners.items():
        if len(debtors) == 1:
            evidence = f"failed recipient {address}"
            return Binding(debtors.pop(), REGISTERED, via="recipient", evidence=evidence)
    return Binding(None, UNKNOWN)


@dataclass(frozen=True, slots=True)
class Recipients:
    """Where a mail about a debtor goes, and the addresses asked for that it does not go to."""

    to: tuple[str, ...]
    refused: tuple[str, ...] = ()

    @property
    def note(self) -> str:
        if not self.refused:
            return ""
        sent = f"; sent to {', '.join(self.to)}" if self.to else ""
        return f"not sent to {', '.join(self.refused)}: not a registered address{sent}"


def choose_recipients(registered: Sequence[str], asked: Sequence[str] = ()) -> Recipients:
    """The recipients of anything carrying a debtor's personal or financial data (invoice
    copies, statements, plan schedules, confirmations): only the debtor's registered,
    deliverable addresses — never an address because an inbound mail names it.

    ``asked``: the addresses an inbound mail wants the answer at (Reply-To first, then From).
    The first of them that is registered gets the answer alone; when none is, or nothing was
    asked, every registered address gets it."""
    allowed = _distinct(a.strip().lower() for a in registered if a.strip())
    wanted = _distinct(a.strip().lower() for a in asked if a.strip())
    refused = tuple(a for a in wanted if a not in allowed)
    chosen = next((a for a in wanted if a in allowed), None)
    return Recipients((chosen,) if chosen else allowed, refused)


def _bound(debtor: str, trust: str, sender: SenderFacts, claims: tuple[Claim, ...]) -> Binding:
    own = [c for c in claims if c.owner == debtor]
    foreign = [c for c in claims if c.owner != debtor]
    numbers: list[str] = []
    for c in own:
        numbers.extend(n for n in c.invoice_numbers if n not in numbers)
    case_id = next((c.case_id for c in own if c.case_id is not None), None)
    if own:
        via = own[0].via
        evidence = f"{sender.address} ({trust}); " + ", ".join(c.describe() for c in own)
    else:
        via = "address" if trust == REGISTERED else "domain" if trust == DOMAIN else "colleague"
        evidence = f"{sender.address} ({trust}) of debtor {debtor}"
    problems = tuple(
        f"{sender.address} writes for debtor {debtor} but names {c.describe()}" for c in foreign
    )
    return Binding(debtor, trust, via, tuple(numbers), case_id, evidence, problems, claims)


def _with_claims(problems: Iterable[str], claims: Sequence[Claim]) -> tuple[str, ...]:
    pointed = tuple(f"the mail names {c.describe()}" for c in claims)
    return (*problems, *pointed)


def _distinct(items: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))
