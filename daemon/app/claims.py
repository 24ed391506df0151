"""The claims ledger at work (#15): booking what a sent mail claimed, splitting a payment over
costs, interest and principal in the jurisdiction's order, the remainder policy, and a
person's waiver. Each function runs inside its caller's transaction (one read → the pure
decision in daemon/domain/claims.py and allocation.py → one write)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from daemon.adapters.store import claims as ledger_store
from daemon.adapters.store.bank import write_off
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import refresh_invoice
from daemon.adapters.store.queue import add_review_item
from daemon.config import Config
from daemon.domain.allocation import Split, allocate_payment
from daemon.domain.claims import COSTS, INTEREST, spread, to_book
from daemon.domain.matching import Allocation, InvoiceBook, MatchResult, TxStatus
from daemon.domain.money import from_cents, to_cents
from parsers.bank import Payment

# -- booking at send time ----------------------------------------------------------------------


def book_sent_claims(store: Store, row: dict[str, Any], at: str) -> list[int]:
    """Book the costs and interest the mail in outbox ``row`` stated, now that it really left
    (called by outbox.mark_sent, the one owner of the sent state). Idempotent per mail."""
    decision = loads(row["decision"], {})
    claims = decision.get("claims") or []
    if not claims or row["case_id"] is None or row["kind"] != "reminder":
        return []
    ledger = ledger_store.ledger(store, int(row["case_id"]))
    booked: list[int] = []
    for claim in claims:
        kind = claim["kind"]
        amount = to_book(ledger, kind, claim["currency"], Decimal(claim["total"]))
        if amount <= 0:
            continue
        lines = decision.get("cost_lines" if kind == COSTS else "interest_lines") or []
        computed_to = decision.get("interest_to") if kind == INTEREST else None
        line_id = ledger_store.book_line(
            store,
            case_id=int(row["case_id"]),
            debtor_id=row["debtor_id"],
            kind=kind,
            cents=to_cents(amount),
            currency=claim["currency"],
            # None for a paper letter (#16), booked when it is posted
            outbox_id=None if row["id"] is None else int(row["id"]),
            message_id=row["message_id"],
            basis=claim.get("basis") or "",
            computation=list(lines),
            computed_to=computed_to,
            invoice_numbers=loads(row["invoice_numbers"], []),
            now=at,
        )
        if line_id is None:
            continue
        booked.append(line_id)
        record_event(
            store,
            "claim_booked",
            debtor_id=row["debtor_id"],
            case_id=row["case_id"],
            outbox_id=row["id"],
            at=at,
            detail={
                "kind": kind,
                "amount": format(amount, "f"),
                "currency": claim["currency"],
                "basis": claim.get("basis") or "",
                "computed_to": computed_to,
                "message_id": row["message_id"],
            },
        )
    return booked


# -- a payment meets booked costs and interest ---------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimSplit:
    """A payment re-split over the case's claims: the new match result and the claim part."""

    result: MatchResult
    split: Split
    case_id: int
    debtor_id: str
    currency: str


def split_payment(
    store: Store,
    config: Config,
    payment: Payment,
    result: MatchResult,
    book: InvoiceBook,
    tolerance_cents: int,
) -> ClaimSplit | None:
    """When the invoices a payment pays belong to a case with open costs or interest, split
    the whole payment in the jurisdiction's order (costs → interest → principal) instead of
    over the principal only. None when there is nothing to split (no claims open)."""
    if not result.allocations:
        return None
    facts = [ledger_store.case_for_invoice(store, a.invoice) for a in result.allocations]
    if any(f is None or f["case_id"] is None for f in facts):
        return None
    if len({(f["case_id"], f["debtor_id"]) for f in facts if f}) != 1:
        return None  # one payment over two debtors' invoices: leave it as matched
    first = facts[0]
    assert first is not None
    case_id, debtor_id = int(first["case_id"]), str(first["debtor_id"])
    currency = payment.currency or "EUR"
    costs = sum(c for _, c in ledger_store.open_lines(store, case_id, COSTS, currency))
    interest = sum(c for _, c in ledger_store.open_lines(store, case_id, INTEREST, currency))
    if costs + interest == 0:
        return None
    country = (first["country"] or "").upper() or config.office.jurisdiction
    cents = sum(a.cents for a in result.allocations) + result.unallocated_cents
    invoices = [(a.invoice, book.open[a.invoice]) for a in result.allocations]
    split = allocate_payment(
        cents,
        jurisdiction=country,
        costs_open_cents=costs,
        interest_open_cents=interest,
        invoices=invoices,
    )
    by_number = {a.invoice: a for a in result.allocations}
    allocations: list[Allocation] = []
    claims_paid = split.costs_cents == costs and split.interest_cents == interest
    for number, take in split.principal:
        a = by_number[number]
        left = book.open[number] - take
        # A shortfall within the bank-charges tolerance settles the invoice, as before, but
        # only once the costs and interest are paid in full.
        charges = left if claims_paid and 0 < left <= tolerance_cents else 0
        allocations.append(Allocation(number, take, a.rule, a.score, a.evidence, charges))
    evidence = (
        *result.evidence,
        f"{split.basis}: costs {from_cents(split.costs_cents)}, interest "
        f"{from_cents(split.interest_cents)}, principal {from_cents(split.principal_cents)}",
    )
    if split.unallocated_cents:
        new = replace(
            result,
            status=TxStatus.PARTIALLY_MATCHED,
            allocations=tuple(allocations),
            unallocated_cents=split.unallocated_cents,
            review="overpayment",
            reason=f"payment exceeds principal, costs and interest by "
            f"{from_cents(split.unallocated_cents)}",
            evidence=evidence,
        )
    else:
        new = replace(
            result,
            status=TxStatus.MATCHED,
            allocations=tuple(allocations),
            unallocated_cents=0,
            review=None,
            reason="",
            evidence=evidence,
        )
    return ClaimSplit(new, split, case_id, debtor_id, currency)


def write_split(store: Store, tx_id: int, plan: ClaimSplit, now: str) -> None:
    """Book what the payment settled of the claim lines, oldest line first."""
    for kind, cents in ((COSTS, plan.split.costs_cents), (INTEREST, plan.split.interest_cents)):
        if cents <= 0:
            continue
        lines = ledger_store.open_lines(store, plan.case_id, kind, plan.currency)
        for line_id, part in spread(Decimal(cents), [(i, Decimal(c)) for i, c in lines]):
            ledger_store.allocate(store, line_id, tx_id, int(part), basis=plan.split.basis, now=now)
        record_event(
            store,
            "claim_paid",
            debtor_id=plan.debtor_id,
            case_id=plan.case_id,
            transaction_id=tx_id,
            at=now,
            detail={
                "kind": kind,
                "amount": format(from_cents(cents), "f"),
                "currency": plan.currency,
                "rule": plan.split.basis,
            },
        )


def apply_remainder_policy(
    store: Store, config: Config, tx_id: int, plan: ClaimSplit, now: str
) -> dict[str, Any] | None:
    """Principal left open because the payment went to costs and interest first
    (``dunning.remainder_policy``): keep claiming it, waive it below an amount, or ask a
    person. Returns what was decided (also recorded as an event)."""
    numbers = [n for n, _ in plan.split.principal] or [a.invoice for a in plan.result.allocations]
    left = ledger_store.open_cents_of(store, numbers)
    if not left or plan.split.costs_cents + plan.split.interest_cents == 0:
        return None
    total = sum(c for _, c in left)
    policy = config.dunning.remainder_policy
    limit = to_cents(config.dunning.remainder_waive_below_amount)
    detail: dict[str, Any] = {
        "remainder": format(from_cents(total), "f"),
        "currency": plan.currency,
        "invoices": [n for n, _ in left],
        "rule": plan.split.basis,
        "policy": policy,
        "reason": f"the payment settled costs and interest first ({plan.split.basis}); "
        f"{from_cents(total)} {plan.currency} of the principal stays open",
    }
    if policy == "waive_below" and total < limit:
        for number, cents in left:
            write_off(store, number, cents, now)
            refresh_invoice(store, number, now=now)
        detail["decision"] = "waived"
        detail["limit"] = config.dunning.remainder_waive_below
        record_event(
            store,
            "remainder_waived",
            debtor_id=plan.debtor_id,
            case_id=plan.case_id,
            transaction_id=tx_id,
            at=now,
            detail=detail,
        )
        return detail
    if policy == "review":
        detail["decision"] = "review"
        add_review_item(
            store,
            "remainder_open",
            f"{detail['reason']}: keep claiming it or write it off?",
            priority=2,
            evidence={"transaction_id": tx_id, **detail},
            proposed_actions=["keep claiming", "write off"],
            debtor_id=plan.debtor_id,
            case_id=plan.case_id,
            invoice_numbers=[n for n, _ in left],
            transaction_id=tx_id,
            dedupe_key=f"remainder:{tx_id}",
            now=now,
        )
    else:
        detail["decision"] = "claim"
    record_event(
        store,
        "remainder_open",
        debtor_id=plan.debtor_id,
        case_id=plan.case_id,
        transaction_id=tx_id,
        at=now,
        detail=detail,
    )
    return detail


def reverse_claim_payments(store: Store, original_tx: int, by_tx: int, now: str) -> list[int]:
    """A returned payment gives back what it settled of costs and interest."""
    rows = ledger_store.reverse_allocations(store, original_tx, by_tx, now)
    return [int(r["claim_line_id"]) for r in rows]


# -- a person's waiver ----------------------------------------------------------------------------


class WaiveRefused(ValueError):
    """A waiver that cannot be done (no such case, nothing to waive)."""


def waive_claims(
    store: Store, case_id: int, kinds: Sequence[str], *, reason: str, actor: str, now: str
) -> dict[str, Any]:
    """Waive the open costs (and, asked, interest) of a case: the open lines are waived and no
    new ones are booked for the case. Logged as a ``claims_waived`` event (audit log)."""
    if not reason.strip():
        raise WaiveRefused("a waiver needs a reason (--reason)")
    with store.transaction():
        case = ledger_store.case_row(store, case_id)
        if case is None:
            raise WaiveRefused(f"case {case_id} does not exist")
        waived: dict[str, str] = {}
        for kind in kinds:
            cents = 0
            for row in ledger_store.line_rows(store, [case_id]):
                if row["kind"] != kind:
                    continue
                left = row["amount_cents"] - row["paid_cents"] - row["waived_cents"]
                if left > 0:
                    ledger_store.waive(store, int(row["id"]), int(left))
                    cents += int(left)
            ledger_store.mark_case_waived(store, case_id, kind, now)
            waived[kind] = format(from_cents(cents), "f")
        record_event(
            store,
            "claims_waived",
            actor=actor,
            debtor_id=case["debtor_id"],
            case_id=case_id,
            at=now,
            detail={"waived": waived, "reason": reason},
        )
    return {"case": case_id, "debtor": case["debtor_id"], "waived": waived, "reason": reason}


# -- what the ledger shows ----------------------------------------------------------------------


def ledger_view(store: Store, debtor_id: str) -> dict[str, Any]:
    """The open case's claims, apart: per currency the open principal, the booked costs and
    interest (with what was paid and waived, and the day interest was computed to), and the
    booked lines themselves. Shown by `cases show`, the hand-over dossier and reports."""
    case_id = ledger_store.open_case_id(store, debtor_id)
    principal = ledger_store.open_principal(store, debtor_id)
    rows = ledger_store.line_rows(store, [case_id]) if case_id is not None else []
    ledger = ledger_store.ledger(store, case_id)
    balance = []
    for currency in sorted(set(principal) | set(ledger.currencies())):
        p = from_cents(max(principal.get(currency, 0), 0))
        costs = ledger.open(COSTS, currency)
        interest = ledger.open(INTEREST, currency)
        to = ledger.computed_to(currency)
        balance.append(
            {
                "currency": currency,
                "principal": format(p, "f"),
                "costs_booked": format(ledger.booked(COSTS, currency), "f"),
                "costs_open": format(costs, "f"),
                "interest_booked": format(ledger.booked(INTEREST, currency), "f"),
                "interest_open": format(interest, "f"),
                "interest_computed_to": to.isoformat() if to else None,
                "total_open": format(p + costs + interest, "f"),
            }
        )
    lines = [
        {
            "id": r["id"],
            "kind": r["kind"],
            "amount": format(from_cents(r["amount_cents"]), "f"),
            "currency": r["currency"],
            "paid": format(from_cents(r["paid_cents"]), "f"),
            "waived": format(from_cents(r["waived_cents"]), "f"),
            "open": format(
                from_cents(r["amount_cents"] - r["paid_cents"] - r["waived_cents"]), "f"
            ),
            "basis": r["basis"],
            "computed_to": r["computed_to"],
            "claimed_by": {"outbox_id": r["outbox_id"], "message_id": r["message_id"]},
            "computation": loads(r["computation"], []),
            "invoices": loads(r["invoice_numbers"], []),
            "booked_at": r["booked_at"],
        }
        for r in rows
    ]
    return {
        "case_id": case_id,
        "costs_waived": ledger.costs_waived,
        "interest_waived": ledger.interest_waived,
        "balance": balance,
        "lines": lines,
    }
