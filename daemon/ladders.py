"""The default dunning ladders, following established credit-control practice.

B2B (domain-rules.md §1.6): receipt check, friendly reminder, phone call, formal reminder with
a final deadline (the EUR 40 minimum and handelsrente run without a reminder), formal demand,
hand-over. B2C (§1.5): the formal step is the veertiendagenbrief; collection costs only on the
demand that follows its 14 days (counted from the day after receipt).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

# The shape of a ladder lives here, beside the defaults, so that daemon.config can import
# both without daemon.ladders importing daemon.config back (#14: no import cycles).


@dataclass(frozen=True, slots=True)
class LadderStep:
    name: str
    template: str
    offset_days: int = 0
    relative_to: Literal["issue", "due", "previous"] = "due"
    business_days: bool = False
    channel: Literal["email", "task", "letter"] = "email"
    costs: bool = False
    interest: bool = False
    final: bool = False
    optional: bool = False
    formal_notice: bool = False  # the B2C veertiendagenbrief / BE first free reminder
    deadline_days: int = 0  # a final deadline stated in the mail (days after sending)
    # channel = "letter": also mail the PDF (to the debtor's addresses) besides the print queue
    attach_to_mail: bool = False
    # the general terms PDF ([letters] terms_pdf): appended to the letter, attached to the mail
    terms: Literal["none", "append", "attach"] = "none"
    attach_invoices: bool = False  # the invoice PDFs we hold go with the mail of this step


@dataclass(frozen=True, slots=True)
class LadderSettings:
    steps: tuple[LadderStep, ...] = ()
    route_to_person: bool = False  # key accounts: every email step becomes a task

    def __post_init__(self) -> None:
        names = [s.name for s in self.steps]
        if len(set(names)) != len(names):
            raise ValueError("step names must be unique within a ladder")
        for step in self.steps[:1]:
            if step.relative_to == "previous":
                raise ValueError(
                    f"step {step.name!r}: the first step cannot be relative to 'previous'"
                )


# Both ladders open the same way: a receipt check, a friendly reminder, a phone call.
_OPENING = (
    LadderStep("courtesy", "courtesy", offset_days=3, relative_to="issue", optional=True),
    LadderStep("reminder", "reminder1", offset_days=1, relative_to="due"),
    LadderStep(
        "call", "call", offset_days=7, relative_to="previous", business_days=True, channel="task"
    ),
)
_HANDOVER = LadderStep(
    "handover",
    "handover",
    offset_days=7,
    relative_to="previous",
    channel="task",
    final=True,
    costs=True,
    interest=True,
)

B2B = LadderSettings(
    steps=(
        *_OPENING,
        LadderStep(
            "formal",
            "reminder2",
            offset_days=7,
            relative_to="previous",
            business_days=True,
            costs=True,
            interest=True,
            deadline_days=7,
        ),
        LadderStep(
            "demand",
            "demand",
            offset_days=10,
            relative_to="previous",
            costs=True,
            interest=True,
            deadline_days=7,
        ),
        _HANDOVER,
    )
)

B2C = LadderSettings(
    steps=(
        *_OPENING,
        LadderStep(
            "notice",
            "notice14",
            offset_days=7,
            relative_to="previous",
            business_days=True,
            formal_notice=True,
            deadline_days=14,
        ),
        # 14 days from the day after receipt, plus margin for the ATW: costs become due.
        LadderStep(
            "demand",
            "demand",
            offset_days=17,
            relative_to="previous",
            costs=True,
            interest=True,
            deadline_days=7,
        ),
        _HANDOVER,
    )
)

KEY_ACCOUNT = LadderSettings(steps=B2B.steps, route_to_person=True)

DEFAULT_LADDERS: Mapping[str, LadderSettings] = MappingProxyType(
    {"b2b": B2B, "b2c": B2C, "key-account": KEY_ACCOUNT}
)
