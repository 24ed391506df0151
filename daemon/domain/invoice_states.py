"""The one definition of what an invoice's status means: dunned, open, live or settled.

Every module that asks "is this invoice open?" uses the sets below; none spells out its own
list (tests/unit/test_invoice_states.py fails on a status that is not classified here and on a
status set written anywhere else). The store turns these tuples into SQL placeholders.

The four sets nest — DUNNABLE ⊂ OPEN ⊂ LIVE — and LIVE and SETTLED split all statuses:

- ``DUNNABLE_STATES``: the ladder may remind the debtor of it (open, partially_paid).
- ``OPEN_STATES``: the debtor owes it and is told so — the statement of account, automatic
  answers, promises, "close the case?" checks. Adds ``disputed`` and ``on_hold``: a disputed
  invoice is still on the debtor's statement (marked as disputed) but is not dunned until a
  person resumes it; an invoice on hold by status is treated the same way. Holds are normally
  rows in the ``holds`` table (the invoice keeps status ``open``); the ``on_hold`` status is
  listed by the schema since version 1 and may come from an older database, so it is
  classified rather than ignored.
- ``LIVE_STATES``: the claim is alive somewhere — bank matching, GDPR retention, hand-over
  and the case list. Adds ``handed_over``: the collection agency pursues it, so dunmail no
  longer tells the debtor about it, but a payment may still arrive and the data must be kept.
- ``SETTLED_STATES``: nothing is owed any more (paid, credited, written_off).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"
    CREDITED = "credited"
    DISPUTED = "disputed"
    WRITTEN_OFF = "written_off"
    HANDED_OVER = "handed_over"
    ON_HOLD = "on_hold"


@dataclass(frozen=True, slots=True)
class StatusClass:
    """What one status means for each question the daemon asks about an invoice."""

    dunned: bool  # the ladder sends reminders for it
    open: bool  # owed and shown to the debtor as open
    live: bool  # the claim is alive (matching, retention, hand-over)
    why: str


_S = InvoiceStatus
# One row per status: a status added to InvoiceStatus without a row here fails the unit test
# (and `classification()` raises), so a new state can never silently fall in no set.
CLASSIFICATION: dict[InvoiceStatus, StatusClass] = {
    _S.OPEN: StatusClass(True, True, True, "owed, nothing paid yet"),
    _S.PARTIALLY_PAID: StatusClass(True, True, True, "owed, part paid"),
    _S.DISPUTED: StatusClass(
        False, True, True, "on the statement as disputed; not dunned until a person resumes it"
    ),
    _S.ON_HOLD: StatusClass(False, True, True, "owed but held: on the statement, not dunned"),
    _S.HANDED_OVER: StatusClass(
        False, False, True, "the agency collects it; dunmail no longer writes about it"
    ),
    _S.PAID: StatusClass(False, False, False, "settled by payments"),
    _S.CREDITED: StatusClass(False, False, False, "settled by credit notes"),
    _S.WRITTEN_OFF: StatusClass(False, False, False, "settled by a write-off"),
}


def classification(status: str) -> StatusClass:
    """The class of ``status``; a ValueError names a status that is not classified."""
    try:
        return CLASSIFICATION[InvoiceStatus(status)]
    except (ValueError, KeyError):
        raise ValueError(
            f"invoice status {status!r} is not classified in daemon.domain.invoice_states"
        ) from None


def _where(test: str) -> tuple[InvoiceStatus, ...]:
    return tuple(s for s in InvoiceStatus if getattr(CLASSIFICATION[s], test))


# Ordered tuples (enum order) so SQL built from them is stable.
DUNNABLE_STATES: tuple[InvoiceStatus, ...] = _where("dunned")
OPEN_STATES: tuple[InvoiceStatus, ...] = _where("open")
LIVE_STATES: tuple[InvoiceStatus, ...] = _where("live")
SETTLED_STATES: tuple[InvoiceStatus, ...] = tuple(s for s in InvoiceStatus if s not in LIVE_STATES)
# Open for the debtor but not dunned: what `resume` sets back to open.
WITHHELD_STATES: tuple[InvoiceStatus, ...] = tuple(
    s for s in OPEN_STATES if s not in DUNNABLE_STATES
)
# States a person sets; amounts alone never leave them while money is still open.
MANUAL_STATES: frozenset[InvoiceStatus] = frozenset({_S.DISPUTED, _S.HANDED_OVER, _S.ON_HOLD})


def is_dunnable(status: str) -> bool:
    return classification(status).dunned


def is_open(status: str) -> bool:
    return classification(status).open


def is_live(status: str) -> bool:
    return classification(status).live


def is_settled(status: str) -> bool:
    return not classification(status).live
