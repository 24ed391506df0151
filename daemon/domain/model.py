"""How an invoice's status follows from its amounts (the states: daemon.domain.invoice_states)."""

from __future__ import annotations

from daemon.domain.invoice_states import MANUAL_STATES, SETTLED_STATES, InvoiceStatus

__all__ = ["CLOSED_STATES", "MANUAL_STATES", "InvoiceStatus", "derive_status", "open_cents"]

# The settled states under their older name (daemon.domain.invoice_states defines them).
CLOSED_STATES = frozenset(SETTLED_STATES)


def open_cents(amount: int, paid: int, credited: int, written_off: int) -> int:
    return amount - paid - credited - written_off


def derive_status(
    amount: int, paid: int, credited: int, written_off: int, current: str
) -> InvoiceStatus:
    """The status an invoice has after its amounts changed (all in cents).

    A settled invoice is named after what carried it: ``credited`` when credit notes cover it
    or are its larger part, ``written_off`` when the write-off is larger than the payments,
    else ``paid`` (a small rest written off as bank charges within the tolerance stays
    ``paid``). While money is open, only a payment makes an invoice ``partially_paid``: a
    credit note lowers what is owed but the invoice is still simply ``open`` for the rest."""
    remaining = open_cents(amount, paid, credited, written_off)
    if remaining <= 0:
        if credited >= amount or (credited > 0 and credited >= max(paid, written_off)):
            return InvoiceStatus.CREDITED
        if written_off > 0 and written_off >= paid:
            return InvoiceStatus.WRITTEN_OFF
        return InvoiceStatus.PAID
    if current in MANUAL_STATES:
        return InvoiceStatus(current)
    return InvoiceStatus.PARTIALLY_PAID if paid > 0 else InvoiceStatus.OPEN
