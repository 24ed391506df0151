"""`dunmail cases …` and `dunmail note`: the timeline, stored messages, hold/resume/close,
phone notes with a promise and a mailed summary."""

from __future__ import annotations

from email import message_from_bytes, policy
from pathlib import Path
from typing import Any

import pytest

from tests.integration.human_world import NOW, World, eml


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test", lang="de")
    world.invoice("F2026-0001", "ACME", 100000)
    world.invoice("F2026-0002", "ACME", 20000, status="paid")
    world.case("ACME")
    world.mail_in("ACME", eml("Re: Mahnung", "Wir zahlen nächste Woche.", sender="ap@acme.test"))
    world.mail_out("ACME", eml("Zahlungserinnerung F2026-0001", "Bitte zahlen"))
    world.item("dispute", "ACME disputes", debtor_id="ACME")
    return world


def test_show_has_the_whole_timeline(w: World) -> None:
    w.cli("note", "ACME", "--call", "--text", "Spoke to Mr Braun", "--now", NOW)
    data = w.cli_json("cases", "show", "ACME")
    assert [i["number"] for i in data["invoices"]] == ["F2026-0001", "F2026-0002"]
    kinds = {e["kind"] for e in data["timeline"]}
    assert {"mail_in", "mail_out", "note", "review"} <= kinds
    refs = {e["ref"] for e in data["timeline"] if e["kind"] in ("mail_in", "mail_out")}
    assert refs == {"in:1", "out:1"}
    # the dispute is listed once, as the review item with its state (not again as its event)
    assert [e["summary"] for e in data["timeline"] if "dispute" in e["summary"]] == [
        "dispute: ACME disputes [open]"
    ]
    note = next(e for e in data["timeline"] if e["kind"] == "note")
    assert note["summary"] == "Spoke to Mr Braun" and note["actor"] == "cli:ann"
    # by invoice number too, and as text for people
    assert w.cli_json("cases", "show", "F2026-0001")["focus_invoice"] == "F2026-0001"
    text = w.cli("cases", "show", "ACME").output
    assert "Re: Mahnung" in text and "in:1" in text


def test_message_prints_the_stored_eml(w: World) -> None:
    out = w.cli("cases", "message", "out:1").output
    assert "Subject: Zahlungserinnerung F2026-0001" in out
    assert w.cli("cases", "message", "in:7", ok=False).exit_code == 1
    assert "use in:ID or out:ID" in w.cli("cases", "message", "7", ok=False).output


def test_list_cases(w: World) -> None:
    (row,) = w.cli_json("cases", "list")
    assert (row["debtor_id"], row["open_invoices"], row["open_amount"], row["open_items"]) == (
        "ACME",
        1,
        "1000.00",
        1,
    )


def test_hold_resume_close(w: World) -> None:
    w.cli(
        "cases",
        "hold",
        "F2026-0001",
        "--reason",
        "checking the delivery note",
        "--until",
        "2026-12-31",
        "--now",
        NOW,
    )
    hold = w.store.one("SELECT * FROM holds")
    assert hold is not None
    assert (hold["scope"], hold["target"], hold["until"], hold["created_by"]) == (
        "invoice",
        "F2026-0001",
        "2026-12-31",
        "cli:ann",
    )
    w.cli("cases", "hold", "ACME", "--reason", "director ill", "--now", NOW)
    w.store.execute("UPDATE cases SET status = 'paused', paused_until = '2027-01-04'")
    w.cli("cases", "resume", "ACME", "--now", NOW)
    assert w.store.scalar("SELECT COUNT(*) FROM holds WHERE released_at IS NULL") == 1
    assert w.case_status("ACME") == "active"
    result = w.cli("cases", "close", "ACME", "--now", NOW, ok=False)
    assert result.exit_code == 1 and "--force" in result.output
    w.cli("cases", "close", "ACME", "--force", "--reason", "settled by phone", "--now", NOW)
    assert w.case_status("ACME") == "closed"
    assert {e["event"] for e in w.store.query("SELECT event FROM case_events")} >= {
        "hold_added",
        "case_resumed",
        "case_closed",
    }


def test_phone_note_with_promise_and_mailed_summary(w: World) -> None:
    out = w.cli_json(
        "note",
        "ACME",
        "--call",
        "--text",
        "Zahlt am Freitag",
        "--promise",
        "2026-12-04",
        "--email",
        "--now",
        NOW,
    )
    promise = w.store.one("SELECT * FROM promises")
    assert promise is not None
    assert (promise["promised_date"], promise["grace_until"], promise["source"]) == (
        "2026-12-04",
        "2026-12-07",
        "call",
    )
    event = w.store.one("SELECT * FROM case_events WHERE event = 'note'")
    assert event is not None and '"kind": "call"' in event["detail"]
    raw = bytes(w.store.scalar("SELECT raw FROM outbox WHERE id = ?", (out["outbox_id"],)))
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["To"] == "ap@acme.test" and "Telefonat" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "Zahlt am Freitag" in body and "4. Dezember 2026" in body and "F2026-0001" in body


def test_note_email_without_address_saves_nothing(w: World) -> None:
    w.store.execute("UPDATE debtor_emails SET status = 'undeliverable'")
    result = w.cli("note", "ACME", "--call", "--text", "x", "--email", "--now", NOW, ok=False)
    assert result.exit_code == 1 and "no deliverable e-mail" in result.output
    assert w.store.scalar("SELECT COUNT(*) FROM case_events WHERE event = 'note'") == 0


def test_unknown_target(w: World) -> None:
    result = w.cli("cases", "show", "NOPE", ok=False)
    assert result.exit_code == 1 and "no debtor or invoice 'NOPE'" in result.output


def _outbox(w: World, kind: str) -> list[Any]:
    rows = w.store.query("SELECT raw FROM outbox WHERE kind = ? ORDER BY id", (kind,))
    return [message_from_bytes(bytes(r["raw"]), policy=policy.default) for r in rows]


def test_call_note_closes_the_call_task_and_confirms_its_promise(w: World) -> None:
    task = w.item("call_task", "step 'call': call the debtor", debtor_id="ACME")
    other = w.item("call_task", "another debtor's call", debtor_id="OTHER")
    out = w.cli_json(
        "note",
        "ACME",
        "--call",
        "--text",
        "Zahlt am Freitag",
        "--promise",
        "2026-12-04",
        "--now",
        NOW,
    )
    assert out["closed_tasks"] == [task]
    item = w.store.one("SELECT * FROM review_items WHERE id = ?", (task,))
    assert item is not None and item["state"] == "resolved" and item["resolved_by"] == "cli:ann"
    assert "Zahlt am Freitag" in item["resolution"]
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (other,)) == "open"
    # the same confirmation a promise recognised in a reply gets, in the debtor's language
    (mail,) = _outbox(w, "confirmation")
    assert mail["To"] == "ap@acme.test" and "Zahlungszusage" in mail["Subject"]
    body = mail.get_body(("plain",)).get_content()
    assert "4. Dezember 2026" in body and "F2026-0001" in body and "F2026-0002" not in body
    assert "Telefonat" in body and "automatische Antwort" not in body
    assert out["confirmation_outbox_id"] is not None


def test_call_note_without_promise_mails_nothing(w: World) -> None:
    task = w.item("call_task", "call the debtor", debtor_id="ACME")
    w.cli("note", "ACME", "--call", "--text", "no answer, voicemail", "--now", NOW)
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (task,)) == "resolved"
    assert w.store.scalar("SELECT COUNT(*) FROM outbox WHERE kind != 'reminder'") == 0


def test_a_paid_debtor_keeps_one_case(tmp_path: Path) -> None:
    """Everything paid, the case closed: a reply, a phone note or a hold reads that case and
    does not open an empty second one; money open again starts a new episode."""
    w = World(tmp_path)
    w.debtor("ACME", email="ap@acme.example.com")
    w.invoice("F2026-0001", "ACME", 100000, status="paid")
    w.store.execute("UPDATE invoices SET paid_cents = 100000")
    case_id = w.case("ACME", status="closed")
    w.store.execute("UPDATE cases SET closed_at = '2026-11-30T10:00:00Z'")
    reply = tmp_path / "reply.eml"
    reply.write_bytes(
        eml(
            "Re: F2026-0001",
            "Wir haben F2026-0001 am Freitag bezahlt. Danke!",
            sender="ap@acme.example.com",
        )
    )
    w.cli("inbox", "import", str(reply), "--now", NOW)
    w.cli("note", "ACME", "--call", "--text", "confirmed the payment", "--now", NOW)
    w.cli("cases", "hold", "ACME", "--reason", "audit", "--now", NOW)
    rows = w.cli_json("cases", "list")
    assert [(r["case_id"], r["status"]) for r in rows] == [(case_id, "closed")]
    assert {e["case_id"] for e in w.events("note")} == {case_id}
    # positive control: a new invoice is a new episode with its own case
    w.invoice("F2026-0009", "ACME", 5000, due="2026-11-15")
    w.cli("note", "ACME", "--call", "--text", "about the new invoice", "--now", NOW)
    rows = w.cli_json("cases", "list")
    assert [(r["status"], r["open_amount"]) for r in rows] == [
        ("active", "50.00"),
        ("closed", "0.00"),
    ]


def test_a_debtor_owing_nothing_gets_no_open_case(tmp_path: Path) -> None:
    """A note on a debtor that never owed anything belongs to a case that is closed from the
    start: `cases list` shows no open case at 0.00."""
    w = World(tmp_path)
    w.debtor("NEW", email="ap@new.example.com")
    w.cli("note", "NEW", "--call", "--text", "asked about our prices", "--now", NOW)
    (row,) = w.cli_json("cases", "list")
    assert (row["status"], row["closed_at"] is not None, row["open_amount"]) == (
        "closed",
        True,
        "0.00",
    )
