"""An invoice's place on its dunning ladder, and the only ways it changes (#14).

The ladder state is four columns of ``invoices``: ``dunning_step`` (steps done),
``last_step_name``, ``last_step_date`` and ``formal_notice_date`` (with the notice's
``formal_notice_cents``). One store module writes them
(``daemon/adapters/store/ladder_state.py``); tests/unit/test_structure.py fails on any other
writer. The transitions, in the order a step lives through them:

* ``ADVANCED`` — a step is queued (mail, letter or task): the invoice moves to the step,
  dated the planning day; a formal-notice step clears the receipt day until it is known.
* ``SENT`` — the mail carrying the step was accepted by SMTP: the step is dated that day,
  and a formal notice's receipt day is that day.
* ``POSTED`` — the letter carrying the step was posted: the step's date and a formal
  notice's receipt day move to the posting day and the presumed receipt (never earlier).
* ``SKIPPED`` — a person passes a letter step over (review action ``skip_step``): invoices
  that have not taken it move to it, dated that day, and the ladder goes on by mail.
* ``REVERTED`` — the step never left (cancelled, refused, a letter not posted): the invoice
  gets back the state it had before ``ADVANCED``, from the step's undo log, so the step is
  planned again, never skipped. Only when the invoice is still at that step.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

LADDER_COLUMNS = (
    "dunning_step",
    "last_step_name",
    "last_step_date",
    "formal_notice_date",
    "formal_notice_cents",
)
OWNER = "daemon/adapters/store/ladder_state.py"


class Transition(StrEnum):
    ADVANCED = "advanced"
    SENT = "sent"
    POSTED = "posted"
    SKIPPED = "skipped"
    REVERTED = "reverted"


@dataclass(frozen=True, slots=True)
class Reversal:
    """Give ``number`` its state before the step back, if it is still at ``at_step``."""

    number: str
    at_step: int
    previous: Mapping[str, Any]


def reversals(decision: Mapping[str, Any]) -> list[Reversal]:
    """The undo log of a step's decision (``previous`` beside ``advances``) as reversals."""
    previous = {p["number"]: p for p in decision.get("previous", [])}
    return [
        Reversal(adv["number"], adv["to_step"], previous[adv["number"]])
        for adv in decision.get("advances", [])
        if adv["number"] in previous
    ]
