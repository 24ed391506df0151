"""Where each invoice stands on the debtor's ladder and what its next step is (PURE): the
steps due today become one statement-of-account mail (or letter) at the highest step due,
a task for a person (a call, a hand-over, a key account), or a skip with the reason it
waits (spacing, a queued mail, a letter not yet posted). A letter on demand is the same
mail without the ladder's gates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date

from daemon.domain.dunning_actions import (
    NOTICE_TERM_DAYS,
    ZERO,
    Action,
    ActionKind,
    Advance,
    DebtorSnapshot,
    InvoiceState,
    PlanSettings,
    base_action,
    by_currency,
    primary_currency,
)
from daemon.domain.dunning_guards import excluded_reason, guard_reminder
from daemon.domain.invoice_states import OPEN_STATES
from daemon.domain.letter import letter_deadline
from daemon.domain.policy import LadderLike, NextStep, ladder_name_for, next_step, spacing_ok
from daemon.domain.reminder_charges import reminder_charges, with_ledger
from daemon.domain.workdays import deadline_from


def plan_ladder(
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
            base_action(
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
            return [
                base_action(s, ActionKind.SKIP, "ladder finished for every open invoice" + note)
            ]
        dated = [w for w in waiting if w.due_on is not None]
        first = min(dated, key=lambda w: w.due_on or today) if dated else waiting[0]
        return [base_action(s, ActionKind.SKIP, f"nothing due today; next: {first.reason}" + note)]
    if settings.bank_block is not None:
        return [base_action(s, ActionKind.HOLD, settings.bank_block)]
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
    return base_action(
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
        amount_due=by_currency(items).get(primary_currency(items), ZERO),
        currency=primary_currency(items),
        other_amounts=tuple(
            (c, a) for c, a in sorted(by_currency(items).items()) if c != primary_currency(items)
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
        return base_action(
            s, ActionKind.SKIP, f"{label} waits: a reminder is already queued" + note
        )
    later = spacing_ok(s.last_mail_date, today, settings.min_spacing_days)
    if later is not None:
        return base_action(
            s,
            ActionKind.SKIP,
            f"{label} waits for the minimum spacing of {settings.min_spacing_days} days: "
            f"not before {later.isoformat()}" + note,
        )
    letter = as_letter or step.channel == "letter"
    if letter and not s.postal_address:
        return base_action(
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
        return base_action(
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
    # Interest runs to the day the mail really leaves (#15), like its deadline.
    charge_day = settings.send_day or today
    currency = primary_currency(listed)
    charges, stated, stated_lines, notice_numbers = reminder_charges(
        s,
        settings,
        ladder,
        step,
        listed,
        [i.item for i, n in taking if n.number == top],
        charge_day,
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
    amounts = by_currency(listed)
    charges, claims = with_ledger(charges, s.ledger, currency)
    return base_action(
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


def ladder_of(s: DebtorSnapshot, settings: PlanSettings) -> tuple[str, str, LadderLike | None]:
    """The debtor's ladder: its name, why it was chosen, and the ladder (None if no ladder
    of that name is configured). One choice for the planner and letters on demand."""
    name, why = ladder_name_for(
        override=s.ladder_override,
        tags=s.tags,
        debtor_type=s.debtor_type,
        tag_ladders=dict(settings.tag_ladders),
        ladder_names=list(settings.ladders),
        ladder_b2b=settings.ladder_b2b,
        ladder_b2c=settings.ladder_b2c,
    )
    return name, why, settings.ladders.get(name)


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
        if i.status in OPEN_STATES and i.item.open > 0 and excluded_reason(i, today) is None
    ]
    if not eligible:
        return base_action(s, ActionKind.SKIP, "no open invoice to write about")
    name, why, ladder = ladder_of(s, settings)
    if ladder is None:
        return base_action(s, ActionKind.SKIP, f"no ladder named {name!r} ({why})")
    names = [st.name for st in ladder.steps]
    if step_name is None:
        done = max((i.progress.done for i in eligible), default=0)
        number = max(done, 1)
    elif step_name in names:
        number = names.index(step_name) + 1
    else:
        return base_action(
            s, ActionKind.SKIP, f"ladder {name!r} has no step {step_name!r} ({', '.join(names)})"
        )
    step = ladder.steps[number - 1]
    group = [(i, NextStep(number, step, today, "on demand")) for i in eligible]
    free = replace(s, mail_pending=False, last_mail_date=None, letter_unposted=None)
    note = f" (ladder {name!r}: {why}; on demand)"
    return guard_reminder(
        _mail(free, today, settings, ladder, name, note, eligible, group, as_letter=True)
    )
