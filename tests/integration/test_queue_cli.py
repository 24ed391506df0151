"""Every review-queue type, from creation to resolution, through `dunmail queue` on a real
database file."""

from __future__ import annotations

import json
from collections.abc import Callable
from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from daemon.adapters.store.plans import add_proposed_plan
from tests.integration.human_world import NOW, World, eml


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test")
    world.invoice("F2026-0001", "ACME", 100000)
    world.invoice("F2026-0002", "ACME", 50000, due="2026-11-01")
    world.case("ACME")
    return world


def _dispute(w: World) -> int:
    w.store.execute("UPDATE invoices SET status = 'disputed' WHERE number = 'F2026-0001'")
    w.store.execute("UPDATE cases SET status = 'disputed' WHERE debtor_id = 'ACME'")
    return w.item(
        "dispute",
        "the debtor disputes F2026-0001",
        priority=0,
        debtor_id="ACME",
        invoice_numbers=["F2026-0001"],
        evidence={"excerpt": "wrong hours billed"},
        proposed_actions=["resume", "credit", "write off"],
    )


def _check_resume(w: World, _: int) -> None:
    assert w.invoice_status("F2026-0001") == "open"
    assert w.case_status("ACME") == "active"


def _check_credit(w: World, _: int) -> None:
    row = w.store.one("SELECT * FROM invoices WHERE number = 'F2026-0001'")
    assert row is not None and (row["credited_cents"], row["status"]) == (25000, "open")
    assert w.store.scalar("SELECT number FROM credit_notes") == "CN-F2026-0001-1"
    assert w.case_status("ACME") == "active"


def _check_write_off(w: World, _: int) -> None:
    row = w.store.one("SELECT * FROM invoices WHERE number = 'F2026-0001'")
    assert row is not None and (row["written_off_cents"], row["status"]) == (100000, "written_off")


def _insolvency(w: World) -> int:
    w.store.execute("UPDATE cases SET status = 'insolvent' WHERE debtor_id = 'ACME'")
    return w.item("insolvency", "the debtor reports bankruptcy", priority=0, debtor_id="ACME")


def _check_handover(w: World, _: int) -> None:
    assert {w.invoice_status("F2026-0001"), w.invoice_status("F2026-0002")} == {"handed_over"}
    assert w.case_status("ACME") == "handed_over"
    assert list((w.tmp / "dossiers").glob("dossier-ACME-*.zip"))


def _payment(kind: str, cents: int) -> Callable[[World], int]:
    def make(w: World) -> int:
        tx = w.payment(cents, iban="NL02RABO0123456789", remittance="thanks")
        return w.item(
            kind, "a payment nobody recognises", transaction_id=tx, evidence={"transaction_id": tx}
        )

    return make


def _check_allocated(w: World, _: int) -> None:
    assert w.invoice_status("F2026-0002") == "paid"
    assert (
        w.store.scalar(
            "SELECT source FROM debtor_ibans WHERE debtor_id = 'ACME'"
            " AND iban = 'NL02RABO0123456789'"
        )
        == "learned"
    )
    assert w.store.scalar("SELECT actor FROM allocations") == "cli:ann"


def _check_partial(w: World, _: int) -> None:
    assert w.invoice_status("F2026-0001") == "partially_paid"
    assert w.store.scalar("SELECT paid_cents FROM invoices WHERE number = 'F2026-0001'") == 30000


def _check_ignored(w: World, _: int) -> None:
    assert w.store.scalar("SELECT status FROM bank_transactions") == "ignored"


def _unknown_sender(w: World) -> int:
    inbox = w.mail_in(
        None, eml("Question", "Who are you?", sender="x@nowhere.test"), status="review"
    )
    return w.item("unknown_sender", "mail from an unknown sender", inbox_id=inbox)


def _bounce(w: World) -> int:
    w.store.execute("UPDATE debtor_emails SET status = 'undeliverable' WHERE debtor_id = 'ACME'")
    return w.item("bounce", "mail to ap@acme.test could not be delivered", debtor_id="ACME")


def _check_address_ok(w: World, _: int) -> None:
    assert w.store.scalar("SELECT status FROM debtor_emails WHERE debtor_id = 'ACME'") == "ok"


def _outbox_item(kind: str, status: str) -> Callable[[World], int]:
    def make(w: World) -> int:
        out = w.mail_out("ACME", eml("Reminder", "please pay"), status=status)
        return w.item(kind, f"mail {out} is {status}", debtor_id="ACME", outbox_id=out)

    return make


def _check_outbox(status: str) -> Callable[[World, int], None]:
    def check(w: World, _: int) -> None:
        assert w.store.scalar("SELECT status FROM outbox") == status

    return check


def _simple(kind: str, **kw: Any) -> Callable[[World], int]:
    def make(w: World) -> int:
        return w.item(kind, f"a {kind} item", debtor_id="ACME", **kw)

    return make


def _check_promise(date: str) -> Callable[[World, int], None]:
    def check(w: World, _: int) -> None:
        rows = w.store.query("SELECT * FROM promises WHERE status = 'open'")
        assert [(r["promised_date"], r["grace_until"], r["source"]) for r in rows] == [
            (date, "2026-12-18", "queue")
        ]

    return check


def _proposed_plan(w: World) -> int:
    plan = add_proposed_plan(
        w.store,
        debtor_id="ACME",
        case_id=None,
        invoice_numbers=["F2026-0001", "F2026-0002"],
        instalments=[("2026-12-31", 75000), ("2027-01-30", 75000)],
        total_cents=150000,
        status="proposed",
        now="2026-11-30T09:00:00Z",
    )
    return w.item(
        "payment_plan",
        "the debtor asks for a payment plan",
        debtor_id="ACME",
        invoice_numbers=["F2026-0001", "F2026-0002"],
        evidence={"plan_id": plan},
    )


def _check_plan(status: str, instalments: int) -> Callable[[World, int], None]:
    def check(w: World, _: int) -> None:
        assert w.store.scalar("SELECT status FROM payment_plans") == status
        assert w.store.scalar("SELECT COUNT(*) FROM plan_instalments") == instalments
        mailed = w.store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'plan'")
        assert mailed == (1 if status == "active" else 0)
        assert w.case_status("ACME") == ("plan" if status == "active" else "active")

    return check


def _shunted(w: World) -> int:
    raw = eml(
        "Re: F2026-0001",
        "We will pay invoice F2026-0001 on 15 December 2026.",
        sender="ap@acme.test",
    )
    inbox = w.mail_in(None, raw, status="shunted")
    return w.item("shunted_mail", "processing failed: TemporaryGlitch", inbox_id=inbox)


def _check_retried(w: World, item: int) -> None:
    status = w.store.scalar("SELECT status FROM inbox")
    assert status in ("processed", "review")
    assert w.store.scalar("SELECT debtor_id FROM inbox") == "ACME"
    assert w.events("mail_retry")


def _nothing(w: World, item: int) -> None:
    pass


CASES = [
    ("dispute-resume", _dispute, ["--action", "resume"], _check_resume),
    ("dispute-credit", _dispute, ["--action", "credit", "--amount", "250.00"], _check_credit),
    ("dispute-write-off", _dispute, ["--action", "write_off"], _check_write_off),
    (
        "insolvency-handover",
        _insolvency,
        ["--action", "handover", "--agency", "Incasso Noord", "--out", "{tmp}/dossiers"],
        _check_handover,
    ),
    (
        "unmatched-allocate",
        _payment("payment_unmatched", 50000),
        ["--action", "allocate", "--invoice", "F2026-0002"],
        _check_allocated,
    ),
    (
        "uncertain-allocate-part",
        _payment("payment_uncertain", 30000),
        ["--action", "allocate", "--invoice", "F2026-0001:300.00"],
        _check_partial,
    ),
    ("overpayment-ignore", _payment("overpayment", 999900), ["--action", "ignore"], _check_ignored),
    (
        "unknown-sender-dismiss",
        _unknown_sender,
        ["--action", "dismiss", "--text", "spam"],
        _nothing,
    ),
    ("shunted-retry", _shunted, ["--action", "retry"], _check_retried),
    ("bounce-fixed", _bounce, ["--action", "fix_address"], _check_address_ok),
    (
        "send-failed-resend",
        _outbox_item("send_failed", "failed"),
        ["--action", "resend"],
        _check_outbox("queued"),
    ),
    (
        "delivery-uncertain-sent",
        _outbox_item("delivery_uncertain", "uncertain"),
        ["--action", "mark_sent"],
        _check_outbox("sent"),
    ),
    ("quarantined-dismiss", _simple("statement_quarantined"), ["--action", "dismiss"], _nothing),
    (
        "promise-accept",
        _simple("promise", evidence={"promise_date": "2026-12-15"}),
        ["--action", "promise"],
        _check_promise("2026-12-15"),
    ),
    (
        "promise-broken-new-date",
        _simple("promise_broken"),
        ["--action", "promise", "--date", "2026-12-15"],
        _check_promise("2026-12-15"),
    ),
    ("paid-claim-resume", _simple("paid_claim"), ["--action", "resume"], _nothing),
    ("plan-approve", _proposed_plan, ["--action", "approve"], _check_plan("active", 2)),
    (
        "plan-change",
        _proposed_plan,
        ["--action", "change", "--instalments", "3", "--date", "2026-12-20", "--every-days", "14"],
        _check_plan("active", 3),
    ),
    (
        "plan-reject",
        _proposed_plan,
        ["--action", "reject", "--text", "too long"],
        _check_plan("rejected", 2),
    ),
    (
        "handover-proposal",
        _simple("handover"),
        ["--action", "handover", "--agency", "Incasso Noord", "--out", "{tmp}/dossiers"],
        _check_handover,
    ),
    ("call-task-done", _simple("call_task"), ["--action", "done", "--text", "no answer"], _nothing),
    (
        "other-reply-promise",
        _simple("other_reply"),
        ["--action", "promise", "--date", "2026-12-15"],
        _check_promise("2026-12-15"),
    ),
    ("invoice-request-done", _simple("invoice_request"), ["--action", "done"], _nothing),
    (
        "refused-staff-reply-dismiss",
        _simple("staff_reply_refused"),
        ["--action", "dismiss"],
        _nothing,
    ),
]


@pytest.mark.parametrize(
    ("make", "args", "check"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_each_type_from_creation_to_resolution(
    w: World,
    make: Callable[[World], int],
    args: list[str],
    check: Callable[[World, int], None],
) -> None:
    item = make(w)
    listed = w.cli_json("queue", "list")
    assert item in [i["id"] for i in listed]
    args = [a.replace("{tmp}", str(w.tmp)) for a in args]
    out = w.cli("queue", "resolve", str(item), *args, "--now", NOW, "--json")
    assert '"resolved": true' in out.output
    check(w, item)
    shown = w.cli_json("queue", "show", str(item))
    assert shown["state"] == "resolved"
    assert shown["resolved_by"] == "cli:ann"
    assert item not in [i["id"] for i in w.cli_json("queue", "list")]
    # Everything done to the item is the person's; only its opening was the daemon's.
    actors = {
        e["actor"]
        for e in w.store.query(
            "SELECT actor FROM case_events WHERE detail LIKE ? AND event != 'review_item_opened'",
            (f'%"review_item": {item}%',),
        )
    }
    assert actors == {"cli:ann"}


def test_an_action_that_does_not_fit_is_refused_with_the_allowed_ones(w: World) -> None:
    item = _bounce(w)
    result = w.cli("queue", "resolve", str(item), "--action", "credit", "--amount", "5", ok=False)
    assert result.exit_code == 1
    assert "does not fit a bounce item" in result.output
    assert "fix_address" in result.output and "snooze" in result.output
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (item,)) == "open"


def test_snooze_assign_comment_keep_the_item_and_mine_filters(w: World) -> None:
    item = _dispute(w)
    other = _simple("call_task")(w)
    w.cli("queue", "resolve", str(item), "--action", "assign", "--to", "ann", "--now", NOW)
    w.cli("queue", "resolve", str(item), "--action", "comment", "--text", "called", "--now", NOW)
    mine = w.cli_json("queue", "list", "--mine")
    assert [i["id"] for i in mine] == [item]
    assert [i["id"] for i in w.cli_json("queue", "list", "--type", "call_task")] == [other]
    w.cli(
        "queue", "resolve", str(item), "--action", "snooze", "--until", "2099-01-01", "--now", NOW
    )
    assert item not in [i["id"] for i in w.cli_json("queue", "list")]
    shown = w.cli_json("queue", "show", str(item))
    assert (shown["state"], shown["assignee"]) == ("snoozed", "ann")
    comments = w.events("review_comment")
    assert comments[0]["actor"] == "cli:ann" and "called" in comments[0]["detail"]


def test_unknown_item_and_missing_option_are_one_line_errors(w: World) -> None:
    assert "no review item #999" in w.cli("queue", "show", "999", ok=False).output
    item = _dispute(w)
    result = w.cli("queue", "resolve", str(item), "--action", "credit", "--now", NOW, ok=False)
    assert result.exit_code == 1 and "credit needs --amount" in result.output


@pytest.mark.parametrize("item_type", ["promise_broken", "call_task", "other_reply"])
def test_promise_from_the_queue_is_confirmed_to_the_debtor(w: World, item_type: str) -> None:
    item = w.item(item_type, "needs a person", debtor_id="ACME", invoice_numbers=["F2026-0001"])
    out = w.cli(
        "queue", "resolve", str(item), "--action", "promise", "--date", "2026-12-15", "--now", NOW
    ).output
    assert "confirmation mailed" in out
    (row,) = w.store.query("SELECT * FROM outbox WHERE kind = 'confirmation'")
    assert json.loads(row["recipients"]) == ["ap@acme.test"]
    mail = message_from_bytes(bytes(row["raw"]), policy=policy.default)
    assert "payment promise F2026-0001" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "15 December 2026" in body and "automatic answer" not in body


def test_promise_from_the_queue_without_address_is_still_registered(w: World) -> None:
    w.store.execute("UPDATE debtor_emails SET status = 'undeliverable'")
    item = w.item("promise_broken", "broken", debtor_id="ACME")
    out = w.cli(
        "queue", "resolve", str(item), "--action", "promise", "--date", "2026-12-15", "--now", NOW
    ).output
    assert "no deliverable address" in out
    assert w.store.scalar("SELECT COUNT(*) FROM promises WHERE status = 'open'") == 1
    assert w.store.scalar("SELECT COUNT(*) FROM outbox") == 0
