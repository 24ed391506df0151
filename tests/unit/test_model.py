"""Invoice status follows from amounts; manual states hold while money is open."""

from __future__ import annotations

import pytest

from daemon.domain.model import InvoiceStatus, derive_status


@pytest.mark.parametrize(
    ("amount", "paid", "credited", "written_off", "current", "expected"),
    [
        pytest.param(10000, 0, 0, 0, "open", InvoiceStatus.OPEN, id="untouched"),
        pytest.param(10000, 4000, 0, 0, "open", InvoiceStatus.PARTIALLY_PAID, id="partial"),
        pytest.param(10000, 10000, 0, 0, "open", InvoiceStatus.PAID, id="paid"),
        pytest.param(10000, 9750, 0, 250, "paid", InvoiceStatus.PAID, id="bank-charges-stay-paid"),
        pytest.param(
            10000, 2000, 0, 8000, "open", InvoiceStatus.WRITTEN_OFF, id="mostly-written-off"
        ),
        pytest.param(10000, 0, 10000, 0, "open", InvoiceStatus.CREDITED, id="credited"),
        pytest.param(10000, 0, 4000, 0, "open", InvoiceStatus.OPEN, id="part-credited-is-open"),
        pytest.param(
            10000, 0, 4000, 0, "partially_paid", InvoiceStatus.OPEN, id="credit-only-not-paid"
        ),
        pytest.param(
            10000, 3000, 4000, 0, "open", InvoiceStatus.PARTIALLY_PAID, id="paid-and-credit"
        ),
        pytest.param(10000, 3000, 7000, 0, "open", InvoiceStatus.CREDITED, id="rest-credited"),
        pytest.param(
            10000, 7000, 3000, 0, "open", InvoiceStatus.PAID, id="mostly-paid-rest-credit"
        ),
        pytest.param(10000, 0, 4000, 0, "disputed", InvoiceStatus.DISPUTED, id="credit-in-dispute"),
        pytest.param(10000, 0, 0, 0, "disputed", InvoiceStatus.DISPUTED, id="dispute-holds"),
        pytest.param(10000, 10000, 0, 0, "disputed", InvoiceStatus.PAID, id="paid-ends-dispute"),
        pytest.param(10000, 500, 0, 0, "handed_over", InvoiceStatus.HANDED_OVER, id="handed-over"),
    ],
)
def test_derive_status(
    amount: int, paid: int, credited: int, written_off: int, current: str, expected: InvoiceStatus
) -> None:
    assert derive_status(amount, paid, credited, written_off, current) is expected
