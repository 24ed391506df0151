"""The dunning planner: what to do today for each debtor, and why. PURE.

``plan_debtor(snapshot, today, settings)`` returns the day's actions for one debtor: an
``email`` (one statement-of-account mail whose step is the highest step due among its
invoices), a ``task`` for a person (phone call, hand-over, key account, no address), a
``hold`` (something stops the ladder) or a ``skip`` (nothing due). Preview and the daemon
call the same function; only the daemon writes the result.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from enum import StrEnum

from daemon.domain.charge_lines import ChargeLine, charge_line
from daemon.domain.claims import (
    COSTS,
    INTEREST,
    Ledger,
    StatementClaim,
    claim_for_statement,
    interest_runs_from,
)
from daemon.domain.invoice_states import DUNNABLE_STATES, OPEN_STATES
from daemon.domain.letter import DEFAULT_RECEIPT_BUSINESS_DAYS, letter_deadline
from daemon.domain.nothing_open import reminder_refusal
from daemon.domain.policy import (
    LadderLike,
    NextStep,
    Progress,
    ladder_name_for,
    next_step,
    spacing_ok,
)
from daemon.domain.statement_of_account import Charges, InvoiceItem, compute_charges, notice_costs
from daemon.domain.workdays import deadline_from

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


def _base(s: DebtorSnapshot, action: ActionKind, reason: str, **kw: object) -> Action:
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


def _thank_you(s: DebtorSnapshot, settings: PlanSettings) -> Action | None:
    last = s.last_reminder
    if not settings.thank_you or last is None or s.thank_you_sent or not last.all_paid:
        return None
    if s.hold is not None or not s.emails:
        return None
    return _base(
        s,
        ActionKind.EMAIL,
        f"everything is paid after reminder {last.message_id}",
        kind="thank_you",
        template="thank_you",
        message_key=last.message_id,
    )


def _excluded(inv: InvoiceState, today: date) -> str | None:
    if inv.status not in DUNNABLE_STATES:
        return inv.status.replace("_", " ")  # disputed, on hold: owed, shown, not dunned
    if inv.held:
        return f"on hold ({inv.held})"
    if inv.in_plan:
        return "in a payment plan"
    if inv.promised:
        return f"promised ({inv.promised})"
    return None


def review_wait_overdue(wait: ReviewWait, today: date, max_days: int) -> bool:
    """True once the item has waited longer than ``max_days``: it escalates to a person."""
    return (today - wait.since).days > max_days


def review_wait_reason(wait: ReviewWait, today: date, settings: PlanSettings) -> str:
    reason = (
        f"waiting for review #{wait.item_id} ({wait.item_type}) since {wait.since.isoformat()}:"
        " the debtor's reply needs a person before the ladder goes on"
    )
    if review_wait_overdue(wait, today, settings.review_wait_max_days):
        reason += (
            f"; overdue (more than {settings.review_wait_max_days} days,"
            " inbound.review_wait_max_days): escalated, the ladder stays paused"
        )
    return reason


def plan_debtor(s: DebtorSnapshot, today: date, settings: PlanSettings) -> list[Action]:
    """The debtor's actions for ``today``; a reminder with nothing open becomes a skip."""
    return [guard_reminder(a) for a in _plan_debtor(s, today, settings)]


def guard_reminder(action: Action) -> Action:
    """The root guard (#15): no reminder leaves without an open amount and an invoice list."""
    if action.action is not ActionKind.EMAIL or action.kind != "reminder":
        return action
    opens = {i.number: i.open for i in action.invoices}
    refusal = reminder_refusal(opens, action.amount_due)
    if refusal is None:
        return action
    return Action(
        debtor_id=action.debtor_id,
        action=ActionKind.SKIP,
        reason=f"{action.reason}: {refusal}",
        language=action.language,
        jurisdiction=action.jurisdiction,
        debtor_type=action.debtor_type,
        case_id=action.case_id,
        to=action.to,
    )


def _plan_debtor(s: DebtorSnapshot, today: date, settings: PlanSettings) -> list[Action]:
    """The actions for one debtor on ``today`` (an empty list never: at least a reason)."""
    if not settings.enabled:
        return [_base(s, ActionKind.SKIP, "dunning is switched off (dunning.enabled = false)")]
    if settings.global_pause is not None:
        return [_base(s, ActionKind.HOLD, f"global pause: {settings.global_pause}")]
    if s.case_status in STOPPED_CASES:
        return [_base(s, ActionKind.SKIP, f"case is {s.case_status}")]
    if s.review_wait is not None:
        # Fail safe: what the debtor wrote is not understood (or needs a decision) — nothing
        # automated goes to this debtor until a person has read it.
        return [_base(s, ActionKind.HOLD, review_wait_reason(s.review_wait, today, settings))]
    open_invoices = [i for i in s.invoices if i.status in OPEN_STATES]
    open_invoices = [i for i in open_invoices if i.item.open > 0]
    if not open_invoices:
        thanks = _thank_you(s, settings)
        return [thanks] if thanks else [_base(s, ActionKind.SKIP, "nothing open")]
    if s.hold is not None:
        return [_base(s, ActionKind.HOLD, f"debtor on hold: {s.hold}")]
    if s.case_status == "paused" and s.paused_until is not None and s.paused_until > today:
        return [_base(s, ActionKind.HOLD, f"case paused until {s.paused_until.isoformat()}")]
    eligible: list[InvoiceState] = []
    excluded: list[str] = []
    for inv in open_invoices:
        why = _excluded(inv, today)
        if why is None:
            eligible.append(inv)
        else:
            excluded.append(f"{inv.item.number} {why}")
    if not eligible:
        return [_base(s, ActionKind.HOLD, "; ".join(excluded))]
    by_currency = _by_currency([i.item for i in eligible])
    total_open = max(by_currency.values())
    if total_open < settings.min_open:
        return [
            _base(
                s,
                ActionKind.SKIP,
                f"open amount {total_open} is below dunning.min_open_amount {settings.min_open}",
            )
        ]
    name, why = ladder_name_for(
        override=s.ladder_override,
        tags=s.tags,
        debtor_type=s.debtor_type,
        tag_ladders=dict(settings.tag_ladders),
        ladder_names=list(settings.ladders),
        ladder_b2b=settings.ladder_b2b,
        ladder_b2c=settings.ladder_b2c,
    )
    ladder = settings.ladders.get(name)
    if ladder is None:
        return [_base(s, ActionKind.SKIP, f"no ladder named {name!r} ({why})")]
    return _plan_ladder(s, today, settings, ladder, name, why, eligible, excluded)


def _plan_ladder(
    s: DebtorSnapshot,
    today: date,
    settings: PlanSettings,
    ladder: LadderLike,
    name: str,
    why: str,
    eligible: Sequence[InvoiceState],
    excluded: Sequence[str],
) -> list[Action]:
    steps = ladder.steps
    if s.letter_unposted is not None:
        # The letter's posting date is the step's dispatch date: nothing follows before it.
        return [
            _base(
                s,
                ActionKind.HOLD,
                f"letter #{s.letter_unposted} waits to be posted"
                f" (dunmail letters mark-posted {s.letter_unposted})",
            )
        ]
    nexts: list[tuple[InvoiceState, NextStep]] = []
    waiting: list[NextStep] = []
    for inv in eligible:
        nxt = next_step(
            steps,
            inv.progress,
            today,
            country=settings.country,
            jurisdiction=s.jurisdiction,
            atw_extension=settings.atw_extension,
        )
        if nxt is None:
            continue
        if nxt.is_due(today):
            nexts.append((inv, nxt))
        else:
            waiting.append(nxt)
    note = f" (ladder {name!r}: {why})" + (
        f"; not reminded: {', '.join(excluded)}" if excluded else ""
    )
    if not nexts:
        if not waiting:
            return [_base(s, ActionKind.SKIP, "ladder finished for every open invoice" + note)]
        dated = [w for w in waiting if w.due_on is not None]
        first = min(dated, key=lambda w: w.due_on or today) if dated else waiting[0]
        return [_base(s, ActionKind.SKIP, f"nothing due today; next: {first.reason}" + note)]
    if settings.bank_block is not None:
        return [_base(s, ActionKind.HOLD, settings.bank_block)]
    to_person = ladder.route_to_person
    tasks = [(i, n) for i, n in nexts if n.step.channel == "task" or to_person]
    mails = [(i, n) for i, n in nexts if not (n.step.channel == "task" or to_person)]
    actions: list[Action] = []
    if tasks:
        actions.append(_task(s, tasks, name, note, to_person))
    if mails:
        actions.append(_mail(s, today, settings, ladder, name, note, eligible, mails))
    return actions


def _advance(inv: InvoiceState, nxt: NextStep) -> Advance:
    return Advance(
        inv.item.number, inv.progress.done, nxt.number, nxt.step.name, nxt.step.formal_notice
    )


def _task(
    s: DebtorSnapshot,
    group: Sequence[tuple[InvoiceState, NextStep]],
    name: str,
    note: str,
    to_person: bool,
) -> Action:
    top = max(n.number for _, n in group)
    step = next(n.step for _, n in group if n.number == top)
    chosen = [(i, n) for i, n in group if n.number == top or not n.step.final]
    numbers = sorted(i.item.number for i, _ in chosen)
    items = [i.item for i, _ in chosen]
    if step.final:
        kind, what = "handover", "hand the claim over (final step; the ladder stops here)"
    elif step.channel == "task":
        kind, what = "call_task", f"step '{step.name}': call the debtor"
    else:
        kind, what = (
            "call_task",
            f"key account: send step '{step.name}' ({step.template}) personally",
        )
    return _base(
        s,
        ActionKind.TASK,
        f"{what} about {', '.join(numbers)}" + note,
        kind=kind,
        step=top,
        step_name=step.name,
        template=step.template,
        ladder=name,
        invoices=tuple(i.item for i, _ in chosen),
        advances=tuple(_advance(i, n) for i, n in chosen),
        amount_due=_by_currency(items).get(primary_currency(items), ZERO),
        currency=primary_currency(items),
        other_amounts=tuple(
            (c, a) for c, a in sorted(_by_currency(items).items()) if c != primary_currency(items)
        ),
        message_key=numbers[0],
        final=step.final,
    )


def _mail(
    s: DebtorSnapshot,
    today: date,
    settings: PlanSettings,
    ladder: LadderLike,
    name: str,
    note: str,
    eligible: Sequence[InvoiceState],
    group: Sequence[tuple[InvoiceState, NextStep]],
    as_letter: bool = False,
) -> Action:
    top = max(n.number for _, n in group)
    step = ladder.steps[top - 1]
    # A formal notice carries its own statutory wording: an invoice whose own step is a
    # notice only takes it in a mail that IS that notice.
    taking = [(i, n) for i, n in group if not (n.step.formal_notice and n.number != top)]
    numbers = sorted(i.item.number for i, n in taking if n.number == top)
    label = f"step {top} '{step.name}' for {', '.join(numbers)}"
    if s.mail_pending:
        return _base(s, ActionKind.SKIP, f"{label} waits: a reminder is already queued" + note)
    later = spacing_ok(s.last_mail_date, today, settings.min_spacing_days)
    if later is not None:
        return _base(
            s,
            ActionKind.SKIP,
            f"{label} waits for the minimum spacing of {settings.min_spacing_days} days: "
            f"not before {later.isoformat()}" + note,
        )
    letter = as_letter or step.channel == "letter"
    if letter and not s.postal_address:
        return _base(
            s,
            ActionKind.TASK,
            f"{label}: a letter step, and the debtor has no postal address (street, postcode,"
            " city); add it to the invoice file and import again" + note,
            kind="no_postal_address",
            invoices=tuple(i.item for i, n in taking if n.number == top),
            step=top,
            step_name=step.name,
            template=step.template,
            ladder=name,
            message_key=numbers[0],
        )
    needs_mail = not as_letter and (not letter or bool(getattr(step, "attach_to_mail", False)))
    if needs_mail and not s.emails:
        return _base(
            s,
            ActionKind.TASK,
            f"{label}: the debtor has no deliverable e-mail address" + note,
            kind="bounce",
            step=top,
            step_name=step.name,
            template=step.template,
            ladder=name,
            message_key=numbers[0],
        )
    taken = {i.item.number for i, _ in taking}
    listed = sorted(
        (i.item for i in eligible if i.item.due_date < today or i.item.number in taken),
        key=lambda it: (it.due_date, it.number),
    )
    after_notice = any(st.formal_notice for st in ladder.steps)
    # Interest runs to the day the mail really leaves (#15), like its deadline.
    charge_day = settings.send_day or today
    currency = primary_currency(listed)
    charges = compute_charges(
        listed,
        charge_day,
        jurisdiction=s.jurisdiction,
        debtor_type=s.debtor_type,
        costs=step.costs,
        interest=step.interest,
        after_notice=after_notice,
        atw_extension=settings.atw_extension,
        vat_deductible=settings.vat_deductible,
        interest_from=interest_runs_from(s.ledger, currency),
    )
    stated: Decimal | None = None
    stated_lines: tuple[ChargeLine, ...] = ()
    notice_numbers: tuple[str, ...] = ()
    if step.formal_notice:
        notice_items = [i.item for i, n in taking if n.number == top]
        notice_numbers = tuple(it.number for it in notice_items)
        stated, stated_lines = notice_costs(
            notice_items,
            jurisdiction=s.jurisdiction,
            debtor_type=s.debtor_type,
            vat_deductible=settings.vat_deductible,
        )
    deadline = None
    if step.deadline_days:
        days = step.deadline_days
        if step.formal_notice:
            days = max(days, NOTICE_TERM_DAYS)
        sent = settings.send_day or today
        # One deadline for the letter and the mail that carries it: a letter that is
        # mailed too reaches the debtor with that mail, so both count from the day after
        # the send day; a letter only posted counts from its presumed receipt.
        if letter and not needs_mail:
            receipt_days = settings.letter_receipt_days
            deadline = letter_deadline(sent, days, receipt_days, s.jurisdiction, settings.country)
        else:
            deadline = deadline_from(sent, days, s.jurisdiction, settings.country)
    amounts = _by_currency(listed)
    charges, claims = _with_ledger(charges, s.ledger, currency)
    return _base(
        s,
        ActionKind.EMAIL,
        f"{label}" + note,
        kind="reminder",
        step=top,
        step_name=step.name,
        template=step.template,
        ladder=name,
        invoices=tuple(listed),
        advances=tuple(_advance(i, n) for i, n in taking),
        amount_due=amounts.get(currency, ZERO),
        currency=currency,
        other_amounts=tuple((c, a) for c, a in sorted(amounts.items()) if c != currency),
        charges=charges,
        claims=claims,
        interest_to=charge_day,
        notice_costs=stated,
        notice_cost_lines=stated_lines,
        notice_invoices=notice_numbers,
        deadline=deadline,
        message_key=numbers[0],
        channel="letter" if letter else "email",
    )


def letter_action(
    s: DebtorSnapshot, today: date, settings: PlanSettings, step_name: str | None = None
) -> Action:
    """A letter on demand (``dunmail letter DEBTOR``): the content the ladder would print for
    ``step_name`` (default: the latest step any open invoice took, else the ladder's first
    step), for every open invoice not disputed, held, promised or in a plan. Without the
    ladder's gates (due day, spacing, a queued mail): a person asked for it. Returns a SKIP
    action with the reason when there is nothing to write about."""
    eligible = [
        i
        for i in s.invoices
        if i.status in OPEN_STATES and i.item.open > 0 and _excluded(i, today) is None
    ]
    if not eligible:
        return _base(s, ActionKind.SKIP, "no open invoice to write about")
    name, why = ladder_name_for(
        override=s.ladder_override,
        tags=s.tags,
        debtor_type=s.debtor_type,
        tag_ladders=dict(settings.tag_ladders),
        ladder_names=list(settings.ladders),
        ladder_b2b=settings.ladder_b2b,
        ladder_b2c=settings.ladder_b2c,
    )
    ladder = settings.ladders.get(name)
    if ladder is None:
        return _base(s, ActionKind.SKIP, f"no ladder named {name!r} ({why})")
    names = [st.name for st in ladder.steps]
    if step_name is None:
        done = max((i.progress.done for i in eligible), default=0)
        number = max(done, 1)
    elif step_name in names:
        number = names.index(step_name) + 1
    else:
        return _base(
            s, ActionKind.SKIP, f"ladder {name!r} has no step {step_name!r} ({', '.join(names)})"
        )
    step = ladder.steps[number - 1]
    group = [(i, NextStep(number, step, today, "on demand")) for i in eligible]
    free = replace(s, mail_pending=False, last_mail_date=None, letter_unposted=None)
    note = f" (ladder {name!r}: {why}; on demand)"
    return guard_reminder(
        _mail(free, today, settings, ladder, name, note, eligible, group, as_letter=True)
    )


def primary_currency(items: Sequence[InvoiceItem]) -> str:
    """The currency a statement's totals, costs and interest are in: EUR when any listed
    invoice is in euro (the statutory charges are euro-only), else the first one's."""
    currencies = [i.currency for i in items]
    return "EUR" if "EUR" in currencies or not currencies else currencies[0]


def _by_currency(items: Sequence[InvoiceItem]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    for item in items:
        out[item.currency] = out.get(item.currency, ZERO) + item.open
    return out


def _with_ledger(
    charges: Charges, ledger: Ledger, currency: str
) -> tuple[Charges, tuple[StatementClaim, ...]]:
    """The costs and interest a statement asks for, given what the case's ledger already
    booked, was paid or waived: a second statement never claims the same euro twice."""
    costs = claim_for_statement(ledger, COSTS, currency, charges.costs)
    interest = claim_for_statement(ledger, INTEREST, currency, charges.interest)
    cost_lines = list(charges.cost_lines)
    interest_lines = list(charges.interest_lines)
    notes = [charges.off_reason] if charges.off_reason else []
    for claim, lines in ((costs, cost_lines), (interest, interest_lines)):
        if claim.waived:
            notes.append(f"{claim.kind} waived for this case by a person")
            continue
        computed = charges.costs if claim.kind == COSTS else charges.interest
        if claim.total > computed:
            day = ledger.computed_to(currency) if claim.kind == INTEREST else None
            earlier = claim.total - claim.to_book if day else claim.total
            lines.insert(
                0,
                charge_line("claim_kept", day=day, amount=earlier)
                if day
                else charge_line("collection_costs", amount=earlier),
            )
        if claim.settled > 0 and claim.total > 0:
            lines.append(charge_line("claim_settled", amount=claim.settled, due=claim.due))
    adjusted = replace(
        charges,
        costs=costs.due,
        cost_lines=tuple(cost_lines) if costs.due > 0 else (),
        interest=interest.due,
        interest_lines=tuple(interest_lines) if interest.due > 0 else (),
        off_reason="; ".join(notes),
    )
    claims = tuple(c for c in (costs, interest) if c.total > 0)
    return adjusted, claims


def plan_day(
    snapshots: Sequence[DebtorSnapshot], today: date, settings: PlanSettings
) -> list[Action]:
    """Every debtor's actions for ``today``, in debtor order."""
    actions: list[Action] = []
    for snapshot in sorted(snapshots, key=lambda s: s.debtor_id):
        actions.extend(plan_debtor(snapshot, today, settings))
    return actions
