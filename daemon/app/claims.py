"""The claims ledger at work (#15): booking what a sent mail claimed, and a person's waiver.
Each function runs inside its caller's transaction (one read → the pure decision in
daemon/domain/claims.py → one write). How a bank payment is split over costs, interest and
principal, the remainder policy and what a returned payment gives back are decided with
the payment's booking (daemon/domain/claim_split.py, payment_booking.py)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from daemon.adapters.store import claims as ledger_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.domain.claims import COSTS, INTEREST, to_book
from daemon.domain.money import from_cents, to_cents

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
