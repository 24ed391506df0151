"""``load_reply_snapshot``: everything a reply's decision reads, in one go, before any
decision (daemon.domain.reply_snapshot says what it holds and why every candidate debtor is
in it). Read only: a case still to be opened is only named (``case_to_open``).

Also checks each invoice's PDF on disk (the file may have changed since its import): that
is a read too, and belongs here rather than in the decision.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from daemon.adapters.invoice_pdfs import pdf_problem
from daemon.adapters.store.cases import case_row, find_case
from daemon.adapters.store.db import Store
from daemon.adapters.store.invoices import (
    debtor_row,
    debtors_by_domain,
    debtors_by_email,
    debtors_of_domain,
    invoice_rows,
    known_mail_domains,
    registered_debtors,
)
from daemon.adapters.store.reply_lookups import (
    answered_recently,
    case_by_token,
    invoice_debtors,
    outbox_by_message_id,
    unallocated_credits,
)
from daemon.domain import reply_effects as fx
from daemon.domain.classify import Classification, Intent
from daemon.domain.identity import Claim, SenderFacts, bind, bind_bounce, choose_recipients
from daemon.domain.invoice_pdfs import PdfPolicy
from daemon.domain.linking import domain_of, is_public_domain, parse_reminder_id, thread_ids
from daemon.domain.reply_snapshot import DebtorSnapshot, ReplySnapshot, asked_addresses
from parsers.addresses import is_international, lookalike
from parsers.mail import ParsedMail


def load_reply_snapshot(
    store: Store,
    mail: ParsedMail,
    c: Classification,
    *,
    own_domains: set[str],
    pdfs: PdfPolicy,
    answered_since: str,
) -> ReplySnapshot:
    """What the store knows for this reply: claims, the sender, the debtor binding picks with
    its invoices and case, recent answers to its answer address, unallocated credits."""
    if c.intent is Intent.BOUNCE:
        ids = thread_ids(mail.in_reply_to, mail.references, mail.embedded)
        if c.original_message_id:
            ids = (c.original_message_id, *ids)
        owners = tuple((a, d) for a in c.bounce_recipients for d in debtors_by_email(store, a))
        claims = tuple(thread_claims(store, own_domains, ids))
        sender = SenderFacts("")
    else:
        owners = ()
        ids = thread_ids(mail.in_reply_to, mail.references)
        claims = (
            *thread_claims(store, own_domains, ids),
            *invoice_claims(store, c.invoice_numbers),
        )
        sender = sender_facts(store, own_domains, mail)
    # Binding reads only the sender and the claims (domain.identity), so only the debtor it
    # picks is loaded: a colleague lookup may name dozens of debtors of one domain, and
    # loading each one's invoices and case for every mail made a busy inbox 35 % slower.
    link = (
        bind_bounce(list(claims), list(owners))
        if c.intent is Intent.BOUNCE
        else bind(sender, claims)
    )
    bound = _debtor(store, link.debtor_id, pdfs) if link.debtor_id is not None else None
    debtors = {link.debtor_id: bound} if link.debtor_id is not None and bound is not None else {}
    answer_to = {_answer_to(d, mail) for d in debtors.values()} - {None}
    credits: tuple[fx.BankCredit, ...] = ()
    if c.intent is Intent.PAID_CLAIM:
        credits = tuple(_credit(r) for r in unallocated_credits(store))
    return ReplySnapshot(
        claims=claims,
        sender=sender,
        bounce_owners=owners,
        debtors=debtors,
        cases={
            cid: row
            for cid in {cl.case_id for cl in claims if cl.case_id}
            if cid is not None and (row := case_row(store, cid)) is not None
        },
        answered_recently=frozenset(
            a for a in answer_to if a and answered_recently(store, a, answered_since)
        ),
        credits=credits,
    )


def _answer_to(debtor: DebtorSnapshot, mail: ParsedMail) -> str | None:
    recipients = choose_recipients(debtor.row["emails"], asked_addresses(mail))
    return recipients.to[0] if recipients.to else None


def _debtor(store: Store, debtor_id: str, pdfs: PdfPolicy) -> DebtorSnapshot | None:
    row = debtor_row(store, debtor_id)
    if row is None:
        return None
    invoices = tuple(invoice_facts(r, pdfs) for r in invoice_rows(store, debtor_id=debtor_id))
    case, to_open = find_case(store, debtor_id)
    return DebtorSnapshot(row, invoices, case, to_open)


def thread_claims(store: Store, own_domains: set[str], ids: tuple[str, ...]) -> list[Claim]:
    """Our own messages (outbox) and reminder Message-IDs among ``ids``, with their debtor."""
    claims: list[Claim] = []
    for mid in ids:
        sent = outbox_by_message_id(store, mid)
        if sent is not None and sent["debtor_id"]:
            numbers = tuple(sent["invoice_numbers"])
            claims.append(Claim("thread", mid, sent["debtor_id"], numbers, sent["case_id"]))
            continue
        ref = parse_reminder_id(mid, own_domains)
        if ref is None:
            continue
        owner = invoice_debtors(store, [ref.key]).get(ref.key)
        if owner:
            claims.append(Claim("reminder", mid, owner, (ref.key,)))
            continue
        case = case_by_token(store, ref.key)
        if case is not None:
            claims.append(Claim("reminder", mid, case["debtor_id"], (), case["id"]))
    return claims


def invoice_claims(store: Store, numbers: tuple[str, ...]) -> list[Claim]:
    owners = invoice_debtors(store, list(numbers))
    return [Claim("invoice", n, owners[n], (n,)) for n in numbers if n in owners]


def sender_facts(store: Store, own_domains: set[str], mail: ParsedMail) -> SenderFacts:
    """What the store knows of the sender. A From header the strict parser refused, or a
    domain imitating one we know, leaves the sender unknown."""
    address = mail.sender
    if not address:
        return SenderFacts("", mail.sender_problems)
    domain = domain_of(address)
    if is_international(domain):
        imitated = lookalike(domain, {*own_domains, *known_mail_domains(store)})
        if imitated:
            return SenderFacts(address, (f"the domain {domain} is a look-alike of {imitated}",))
    registered = tuple(registered_debtors(store, address))
    if registered or is_public_domain(domain):
        return SenderFacts(address, registered_for=registered)
    declared = tuple(debtors_of_domain(store, domain))
    if declared:
        return SenderFacts(address, domain_of=declared)
    # The colleague lookup scans the addresses (LIKE '%@domain'): only for the unregistered.
    return SenderFacts(address, colleague_of=tuple(debtors_by_domain(store, domain)))


def invoice_facts(row: dict[str, Any], pdfs: PdfPolicy) -> fx.InvoiceFacts:
    open_cents = (
        row["amount_cents"] - row["paid_cents"] - row["credited_cents"] - row["written_off_cents"]
    )
    pdf = row.get("pdf_path")
    # Checked again here, not only at import: the database may predate the rule, and the
    # file may have changed since (issue #11).
    problem = pdf_problem(pdf, pdfs) if pdf else None
    return fx.InvoiceFacts(
        row["number"],
        row["currency"],
        row["amount_cents"],
        open_cents,
        row["status"],
        date.fromisoformat(row["due_date"]),
        pdf if pdf and problem is None else None,
        pdf_problem=problem,
    )


def _credit(r: dict[str, Any]) -> fx.BankCredit:
    return fx.BankCredit(
        r["id"], r["amount_cents"], r["booking_date"], r["counterparty_name"], r["remittance"] or ""
    )
