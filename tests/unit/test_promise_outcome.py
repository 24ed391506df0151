"""When a payment keeps a promise (#15): booking date against promised date and grace."""

from __future__ import annotations

from datetime import date

import pytest

from daemon.domain.promise_outcome import KeptPromise, kept_promise

PROMISED, GRACE = date(2026, 12, 4), date(2026, 12, 7)


@pytest.mark.parametrize(
    ("paid_on", "still_open", "expected"),
    [
        (date(2026, 12, 3), False, KeptPromise(date(2026, 12, 3), on_time=True)),
        (date(2026, 12, 4), False, KeptPromise(date(2026, 12, 4), on_time=True)),
        (date(2026, 12, 7), False, KeptPromise(date(2026, 12, 7), on_time=False)),
        (date(2026, 12, 8), False, None),  # after the grace: late, not kept
        (date(2026, 12, 3), True, None),  # something promised is still open
        (None, False, None),  # settled without a payment (credit note): not kept by paying
    ],
)
def test_kept_promise(paid_on: date | None, still_open: bool, expected: KeptPromise | None) -> None:
    got = kept_promise(promised=PROMISED, grace_until=GRACE, still_open=still_open, paid_on=paid_on)
    assert got == expected


def test_undated_promise_is_kept_within_its_pause() -> None:
    got = kept_promise(promised=None, grace_until=GRACE, still_open=False, paid_on=GRACE)
    assert got == KeptPromise(GRACE, on_time=True)
    assert got.reason(None) == "paid on 2026-12-07, within the pause it bought"


def test_reason_names_booking_and_promised_dates() -> None:
    late = KeptPromise(date(2026, 12, 6), on_time=False)
    assert (
        late.reason(PROMISED)
        == "paid on 2026-12-06, within the grace period after the promised date 2026-12-04"
    )
