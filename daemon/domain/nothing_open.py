"""No reminder and no answer without an open amount (#15), checked at the root.

The planner and the reply decisions each filter on open invoices already; this guard is the
last word before a mail is decided, so a future path cannot send "Uw betaling van : op welke
datum?" with an empty invoice list, or a reminder for nothing. A refused mail becomes a skip
(planner) or a note (replies) that says why.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal

# Answers that state open amounts or ask about a payment: every invoice they name must still
# be open. An invoice copy may be of a paid invoice, but it still needs an invoice to send.
AMOUNT_ANSWERS = frozenset({"promise_confirmation", "promise_date_request", "paid_proof_request"})


def reminder_refusal(opens: Mapping[str, Decimal], amount_due: Decimal) -> str | None:
    """Why a reminder listing ``opens`` (invoice number → open amount) must not go out."""
    if not opens:
        return "nothing open: the reminder would list no invoice"
    closed = sorted(n for n, amount in opens.items() if amount <= 0)
    if closed:
        return f"nothing open on {', '.join(closed)}: a reminder lists only open invoices"
    if amount_due <= 0:
        return f"nothing open: the amount due is {amount_due}"
    return None


def answer_refusal(
    template: str, numbers: Sequence[str], open_cents: Mapping[str, int]
) -> str | None:
    """Why an automatic answer naming ``numbers`` must not go out; ``open_cents`` holds what
    is open on each invoice the decision knows (a missing one counts as nothing open)."""
    if not numbers:
        return "no invoice to name in the answer"
    if template not in AMOUNT_ANSWERS:
        return None
    closed = sorted(n for n in numbers if open_cents.get(n, 0) <= 0)
    if closed:
        return f"nothing open on {', '.join(closed)}: no answer about its payment"
    return None
