"""Ladder arithmetic: which step an invoice is at, and on which day its next step is due.

Rules (issue 5):
- steps run in order; the next step is always the first one not yet done, so a step that
  was not sent is never skipped — except an *optional* step (the receipt check) whose moment
  has passed because the step after it is already due;
- a step ``relative_to = "previous"`` counts from the day the previous step ACTUALLY went
  out (``last_step_date``, set to the SMTP acceptance day by the outbox), so catching up
  after downtime moves one step at a time;
- an invoice never takes two steps on one day;
- after a formal notice (the NL veertiendagenbrief) a step with costs waits for the statutory
  term: 14 days from the day after receipt (``fees.fourteen_day_term``), or the BE Boek XIX
  waiting period.

The ladder types live in daemon.config; this module only needs their shape (Protocols), so
the domain stays free of the configuration loader.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Protocol

from daemon.domain.fees import be_consumer_waiting_period, fourteen_day_term
from daemon.domain.workdays import add_business_days, is_business_day


class StepLike(Protocol):
    @property
    def name(self) -> str: ...
    @property
    def template(self) -> str: ...
    @property
    def offset_days(self) -> int: ...
    @property
    def relative_to(self) -> str: ...
    @property
    def business_days(self) -> bool: ...
    @property
    def channel(self) -> str: ...
    @property
    def costs(self) -> bool: ...
    @property
    def interest(self) -> bool: ...
    @property
    def final(self) -> bool: ...
    @property
    def optional(self) -> bool: ...
    @property
    def formal_notice(self) -> bool: ...
    @property
    def deadline_days(self) -> int: ...


class LadderLike(Protocol):
    @property
    def steps(self) -> Sequence[StepLike]: ...
    @property
    def route_to_person(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class Progress:
    """Where one invoice stands on its ladder."""

    issue_date: date
    due_date: date
    done: int  # steps done (0 = none); the next step is steps[done]
    last_step_date: date | None
    formal_notice_date: date | None  # the day the formal notice was received (SMTP accept)


@dataclass(frozen=True, slots=True)
class NextStep:
    number: int  # 1-based position in the ladder: becomes invoices.dunning_step when done
    step: StepLike
    due_on: date | None  # None: cannot be scheduled yet (see reason)
    reason: str
    skipped: tuple[str, ...] = ()  # optional steps passed over on the way

    def is_due(self, today: date) -> bool:
        return self.due_on is not None and self.due_on <= today


def statutory_costs_from(jurisdiction: str, notice_received: date, *, atw_extension: bool) -> date:
    """First day collection costs may be charged after a formal notice received that day."""
    if jurisdiction == "BE":
        return be_consumer_waiting_period(
            notice_received, paper=False, is_business_day=lambda d: is_business_day(d, "BE")
        ).costs_from
    country = jurisdiction if jurisdiction in ("NL", "DE") else "NL"
    return fourteen_day_term(
        notice_received,
        extend_for_atw=atw_extension and jurisdiction == "NL",
        is_business_day=lambda d: is_business_day(d, country),
    ).costs_from


def _shift(step: StepLike, base: date, country: str) -> date:
    if step.business_days:
        return add_business_days(base, step.offset_days, country)
    return base + timedelta(days=step.offset_days)


def _anchored(step: StepLike, progress: Progress, country: str) -> date | None:
    if step.relative_to == "issue":
        return _shift(step, progress.issue_date, country)
    if step.relative_to == "due":
        return _shift(step, progress.due_date, country)
    if progress.last_step_date is None:
        return None
    return _shift(step, progress.last_step_date, country)


def _notice_before(steps: Sequence[StepLike], index: int) -> bool:
    return any(s.formal_notice for s in steps[:index])


def next_step(
    steps: Sequence[StepLike],
    progress: Progress,
    today: date,
    *,
    country: str,
    jurisdiction: str,
    atw_extension: bool = True,
) -> NextStep | None:
    """The invoice's next step and the day it is due; None when the ladder is finished."""
    index = progress.done
    skipped: list[str] = []
    while index < len(steps):
        step = steps[index]
        later = steps[index + 1] if index + 1 < len(steps) else None
        if step.optional and later is not None and later.relative_to != "previous":
            later_on = _anchored(later, progress, country)
            if later_on is not None and later_on <= today:
                skipped.append(step.name)
                index += 1
                continue
        break
    if index >= len(steps):
        return None
    step = steps[index]
    number = index + 1
    on = _anchored(step, progress, country)
    if on is None:
        # relative to a previous step that has no date (it was skipped): count from due date
        on = _shift(step, progress.due_date, country)
    reason = f"step {number} '{step.name}' due on {on.isoformat()}"
    if progress.last_step_date is not None and on <= progress.last_step_date:
        on = progress.last_step_date + timedelta(days=1)
        reason = f"step {number} '{step.name}' due on {on.isoformat()} (one step per day)"
    if step.costs and _notice_before(steps, index):
        if progress.formal_notice_date is None:
            return NextStep(
                number,
                step,
                None,
                f"step {number} '{step.name}' waits for the formal notice to be delivered",
                tuple(skipped),
            )
        costs_from = statutory_costs_from(
            jurisdiction, progress.formal_notice_date, atw_extension=atw_extension
        )
        if costs_from > on:
            on = costs_from
            reason = (
                f"step {number} '{step.name}' due on {on.isoformat()}: the statutory term of "
                f"the formal notice received {progress.formal_notice_date.isoformat()} ends the "
                "day before"
            )
    return NextStep(number, step, on, reason, tuple(skipped))


def ladder_name_for(
    *,
    override: str | None,
    tags: Sequence[str],
    debtor_type: str,
    tag_ladders: dict[str, str],
    ladder_names: Sequence[str],
    ladder_b2b: str,
    ladder_b2c: str,
) -> tuple[str, str]:
    """(ladder name, why): per debtor override, then a tag, then the debtor type."""
    if override and override in ladder_names:
        return override, f"debtor's own ladder {override!r}"
    for tag in sorted(tags):
        if tag in tag_ladders and tag_ladders[tag] in ladder_names:
            return tag_ladders[tag], f"tag {tag!r}"
    for tag in sorted(tags):
        if tag in ladder_names and tag not in (ladder_b2b, ladder_b2c):
            return tag, f"tag {tag!r} names a ladder"
    if debtor_type == "b2c":
        return ladder_b2c, "consumer (b2c)"
    return ladder_b2b, "business (b2b)"


def spacing_ok(last_mail: date | None, today: date, min_spacing_days: int) -> date | None:
    """None when a mail may go today, else the first day one may."""
    if last_mail is None:
        return None
    earliest = last_mail + timedelta(days=max(min_spacing_days, 1))
    return None if today >= earliest else earliest
