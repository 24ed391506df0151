"""What an audit log line may say: ids and facts, never bodies, names or whole addresses."""

from __future__ import annotations

from typing import Any

import pytest

from daemon.adapters.auditlog import event_fields, key_values, mask_addresses


def _row(event: str, **columns: Any) -> dict[str, Any]:
    return {"event": event, "actor": "daemon", **columns}


@pytest.mark.parametrize(
    ("row", "detail", "line"),
    [
        pytest.param(
            _row("reminder_sent", debtor_id="D1", case_id=4, outbox_id=17),
            {
                "recipients": ["ap@klant.example", "boss@klant.example"],
                "invoices": ["F1", "F2"],
                "step": "reminder",
                "message_id": "<reminder.F1.2@office.example>",
            },
            "reminder_sent debtor=D1 case=4 outbox=17 to=…@klant.example invoices=F1,F2 "
            "step=reminder message_id=<reminder.F1.2@office.example>",
            id="sent-mail-domains-only",
        ),
        pytest.param(
            _row("reply_received", debtor_id="D1", inbox_id=9, actor="mail:jan@klant.example"),
            {
                "decision": ["promise recorded"],
                "classification": {
                    "intent": "promise_to_pay",
                    "excerpt": "Wij betalen morgen, groet Jan",
                    "subject": "Re: herinnering",
                    "from": "jan@klant.example",
                },
            },
            "reply_received debtor=D1 inbox=9 intent=promise_to_pay actor=mail:…@klant.example",
            id="reply-without-excerpt-or-subject",
        ),
        pytest.param(
            _row("note", debtor_id="D1", actor="cli:ann"),
            {"kind": "call", "text": "Mevrouw de Vries belt vrijdag terug"},
            "note debtor=D1 kind=call actor=cli:ann",
            id="typed-note-text-stays-out",
        ),
        pytest.param(
            _row("send_failed", debtor_id="D1", outbox_id=3),
            {"error": "550 5.1.1 <ap@klant.example>: user unknown"},
            'send_failed debtor=D1 outbox=3 error="550 5.1.1 <…@klant.example>: user unknown"',
            id="smtp-error-masked-and-quoted",
        ),
        pytest.param(
            _row("statement_imported", inbox_id=2),
            {"file": "day 1.xml", "by_status": {"matched": 3, "unmatched": 1}, "new": 4},
            'statement_imported inbox=2 file="day 1.xml" payments_matched=3 '
            "payments_unmatched=1 new=4",
            id="statement-counts",
        ),
        pytest.param(
            _row("reminder_queued", debtor_id="D1"),
            {"step": 2, "step_name": "reminder", "advances": [{"number": "F1", "to_step": 2}]},
            "reminder_queued debtor=D1 step_no=2 step=reminder invoices=F1",
            id="step-number-and-name",
        ),
    ],
)
def test_a_line_carries_ids_and_facts_only(
    row: dict[str, Any], detail: dict[str, Any], line: str
) -> None:
    assert key_values(event_fields(row, detail)) == line


def test_long_reasons_are_cut_and_addresses_masked_everywhere() -> None:
    fields = event_fields(_row("hold"), {"reason": "x " * 200 + "mail ann@office.example"})
    assert len(fields["reason"]) == 160 and fields["reason"].endswith("…")
    assert mask_addresses("to a.b+c@sub.klant.example, ok") == "to …@sub.klant.example, ok"
    assert mask_addresses("no address @ all") == "no address @ all"
