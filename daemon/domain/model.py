"""Core value types shared by the domain: invoice states and how they follow from amounts."""

from __future__ import annotations

from enum import StrEnum


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"
    HANDED_OVER = "handed_over"


# States a person sets; amounts alone never leave them while money is still open.
MANUAL_STATES = frozenset({InvoiceStatus.DISPUTED, InvoiceStatus.HANDED_OVER})
CLOSED_STATES = frozenset({InvoiceStatus.PAID, InvoiceStatus.CREDITED, InvoiceStatus.WRITTEN_OFF})


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
