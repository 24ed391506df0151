"""Was a promise to pay kept? Decided when the payment arrives, not only when its grace ends.

A promise is kept when every invoice it covers (all the debtor's open invoices when it named
none) is settled and the payment that settled them was booked by the bank on or before the
end of its grace period. The bank's booking date counts, not the day the statement was
imported: a debtor who paid on the promised Friday kept the promise even when the statement
arrives on Monday. Whether it was paid by the promised date itself is kept apart (``on_time``)
so the case file can say "paid on the promised day" or "paid within the grace period".
A promise whose invoices are still open is decided later, when its grace period ends
(daemon.app.promises.review_promises): broken, or lapsed when it had no date.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class KeptPromise:
    paid_on: date  # booking date of the payment that settled the last promised invoice
    on_time: bool  # paid on or before the promised date itself (not only within the grace)

    def reason(self, promised: date | None) -> str:
        if promised is None:
            return f"paid on {self.paid_on.isoformat()}, within the pause it bought"
        when = "by" if self.on_time else "within the grace period after"
        return (
            f"paid on {self.paid_on.isoformat()}, {when} the promised date {promised.isoformat()}"
        )


def kept_promise(
    *,
    promised: date | None,
    grace_until: date | None,
    still_open: bool,
    paid_on: date | None,
) -> KeptPromise | None:
    """The promise as kept, or None when it is not (yet) kept by a payment."""
    if still_open or paid_on is None:
        return None
    if grace_until is not None and paid_on > grace_until:
        return None  # paid, but late: review_promises already judged (or will judge) it
    return KeptPromise(paid_on=paid_on, on_time=promised is None or paid_on <= promised)
