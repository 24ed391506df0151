"""What the dunning planner reads and writes (PURE): a debtor's snapshot and the planner's
settings in, the day's actions out, and the small helpers every part of the planner shares
(an action for a snapshot, sums per currency). daemon.domain.dunning_planner is the entry
point; it re-exports these.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from enum import StrEnum

from daemon.domain.charge_lines import ChargeLine
from daemon.domain.claims import Ledger, StatementClaim
from daemon.domain.letter import DEFAULT_RECEIPT_BUSINESS_DAYS
from daemon.domain.policy import LadderLike, Progress
from daemon.domain.statement_of_account import Charges, InvoiceItem

STOPPED_CASES = frozenset({"insolvent", "handed_over", "closed"})
ZERO = Decimal("0.00")
# The statutory term of the 14-dagenbrief (art. 6:96 lid 6 BW) and the BE Boek XIX wait: a
# formal notice never states fewer days, whatever the ladder says.
NOTICE_TERM_DAYS = 14


class ActionKind(StrEnum):
    EMAIL = "email"
    TASK = "task"
    HOLD = "hold"
    SKIP = "skip"


@dataclass(frozen=True, slots=True)
class InvoiceState:
    item: InvoiceItem
    status: str
    progress: Progress
    last_step_name: str | None = None
    held: str | None = None  # reason of an invoice hold in force
    promised: str | None = None  # an open promise covers it (reason)
    in_plan: bool = False


@dataclass(frozen=True, slots=True)
class LastReminder:
    message_id: str
    invoice_numbers: tuple[str, ...]
    all_paid: bool  # every invoice of that reminder is now paid


@dataclass(frozen=True, slots=True)
class ReviewWait:
    """The oldest unresolved review item opened from the debtor's own words (a reply)."""

    item_id: int
    item_type: str
    since: date


@dataclass(frozen=True, slots=True)
class DebtorSnapshot:
    debtor_id: str
    name: str
    language: str
    debtor_type: str
    jurisdiction: str
    emails: tuple[str, ...]
    invoices: tuple[InvoiceState, ...]
    tags: tuple[str, ...] = ()
    ladder_override: str | None = None
    case_id: int | None = None
    case_token: str | None = None
    case_status: str = "active"
    paused_until: date | None = None
    hold: str | None = None  # debtor hold in force (reason)
    last_mail_date: date | None = None  # last reminder queued or sent
    mail_pending: bool = False  # a reminder is queued and not yet sent
    last_reminder: LastReminder | None = None
    thank_you_sent: bool = False
    review_wait: ReviewWait | None = None
    postal_address: bool = False  # street, postcode and city known (a letter can be posted)
    letter_unposted: int | None = None  # id of a letter made but not yet posted
    ledger: Ledger = field(default_factory=Ledger)  # the open case's booked costs/interest


@dataclass(frozen=True, slots=True)
class PlanSettings:
    ladders: Mapping[str, LadderLike]
    ladder_b2b: str = "b2b"
    ladder_b2c: str = "b2c"
    tag_ladders: Mapping[str, str] = field(default_factory=dict)
    min_open: Decimal = Decimal("5.00")
    min_spacing_days: int = 7
    country: str = "NL"  # business days of the office
    atw_extension: bool = True
    vat_deductible: bool = True
    thank_you: bool = True
    enabled: bool = True
    global_pause: str | None = None  # reason when paused
    bank_block: str | None = None  # reason when the bank-freshness gate is closed
    review_wait_max_days: int = 5  # then the waiting review item escalates (never resumes)
    # The day a mail planned now really leaves (the sending window's next opening): deadlines
    # count from it, not from the planning day. None: the planning day itself.
    send_day: date | None = None
    # A letter is presumed received this many business days after posting (domain/letter.py).
    letter_receipt_days: int = DEFAULT_RECEIPT_BUSINESS_DAYS


@dataclass(frozen=True, slots=True)
class Advance:
    number: str
    from_step: int
    to_step: int
    step_name: str
    formal_notice: bool = False


@dataclass(frozen=True, slots=True)
class Action:
    debtor_id: str
    action: ActionKind
    reason: str
    kind: str = ""  # reminder | thank_you | call_task | handover | bounce
    step: int | None = None
    step_name: str | None = None
    template: str | None = None
    ladder: str | None = None
    to: tuple[str, ...] = ()
    invoices: tuple[InvoiceItem, ...] = ()
    advances: tuple[Advance, ...] = ()
    amount_due: Decimal = ZERO
    charges: Charges = field(default_factory=Charges)
    notice_costs: Decimal | None = None
    notice_cost_lines: tuple[ChargeLine, ...] = ()
    notice_invoices: tuple[str, ...] = ()
    deadline: date | None = None
    language: str = "nl"
    jurisdiction: str = "NL"
    debtor_type: str = "b2b"
    message_key: str = ""  # lowest invoice number taking this step: the Message-ID key
    case_id: int | None = None
    final: bool = False
    channel: str = "email"  # "letter": a PDF for the print queue (mailed too if the step says)
    # #15: never one sum over two currencies. amount_due is the open principal in
    # ``currency``; other currencies of the listed invoices are stated apart.
    currency: str = "EUR"
    other_amounts: tuple[tuple[str, Decimal], ...] = ()
    # What this mail claims of costs and interest (booked when it really leaves), and the
    # day its interest is computed to (the send day).
    claims: tuple[StatementClaim, ...] = ()
    interest_to: date | None = None

    @property
    def total(self) -> Decimal:
        return self.amount_due + self.charges.costs + self.charges.interest


def base_action(s: DebtorSnapshot, action: ActionKind, reason: str, **kw: object) -> Action:
    return Action(
        debtor_id=s.debtor_id,
        action=action,
        reason=reason,
        language=s.language,
        jurisdiction=s.jurisdiction,
        debtor_type=s.debtor_type,
        case_id=s.case_id,
        to=s.emails,
        **kw,  # type: ignore[arg-type]
    )


def primary_currency(items: Sequence[InvoiceItem]) -> str:
    """The currency a statement's totals, costs and interest are in: EUR when any listed
    invoice is in euro (the statutory charges are euro-only), else the first one's."""
    currencies = [i.currency for i in items]
    return "EUR" if "EUR" in currencies or not currencies else currencies[0]


def by_currency(items: Sequence[InvoiceItem]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in items:
        out[item.currency] = out.get(item.currency, ZERO) + item.open
    return out
