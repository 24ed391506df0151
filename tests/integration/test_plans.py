"""Payment plans end to end: create and mail the schedule, remind, match payments, miss,
complete — through `dunmail plans` and the daily check the cycle calls."""

from __future__ import annotations

from datetime import date, datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from daemon.adapters.clock import parse_iso
from daemon.adapters.templates import render
from daemon.app.plan_watch import review_plans
from tests.integration.human_world import World


def at(day: str) -> datetime:
    return parse_iso(f"{day}T07:00:00Z")


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test", lang="nl")
    world.invoice("F2026-0001", "ACME", 60000)
    world.invoice("F2026-0002", "ACME", 30000)
    world.case("ACME")
    return world


def _create(w: World) -> int:
    plan = w.cli_json(
        "plans",
        "create",
        "ACME",
        "--invoice",
        "F2026-0001",
        "--invoice",
        "F2026-0002",
        "--instalments",
        "3",
        "--first",
        "2026-12-15",
        "--every-days",
        "30",
        "--now",
        "2026-12-01T10:00:00Z",
    )
    return int(plan["id"])


def _pay(w: World, cents: int, day: str, invoice: str = "F2026-0001") -> None:
    from decimal import Decimal

    from daemon.app.manual_allocation import allocate_manually

    tx = w.payment(cents, day=day)
    allocate_manually(w.store, tx, [(invoice, Decimal(cents) / 100)], actor="test")


def test_create_mails_the_schedule_and_sets_the_case_to_plan(w: World) -> None:
    plan_id = _create(w)
    shown = w.cli_json("plans", "show", str(plan_id))
    assert shown["status"] == "active" and shown["total"] == "900.00"
    assert [(i["due_date"], i["amount"]) for i in shown["instalments"]] == [
        ("2026-12-15", "300.00"),
        ("2027-01-14", "300.00"),
        ("2027-02-15", "300.00"),  # 13 February is a Saturday: due Monday
    ]
    assert w.case_status("ACME") == "plan"
    (raw,) = [bytes(r["raw"]) for r in w.store.query("SELECT raw FROM outbox WHERE kind = 'plan'")]
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["To"] == "ap@acme.test"
    assert "betalingsregeling" in mail["Subject"]
    text = mail.get_body(("plain",)).get_content()
    assert "15 december 2026" in text and "€\xa0300,00" in text
    assert [p["id"] for p in w.cli_json("plans", "list")] == [plan_id]
    assert w.events("plan_approved")[0]["actor"] == "cli:ann"


def test_reminder_goes_once_a_few_days_before_each_instalment(w: World) -> None:
    _create(w)
    config = w.config
    assert review_plans(w.store, config, date(2026, 12, 11), at("2026-12-11"))["reminders"] == 0
    assert review_plans(w.store, config, date(2026, 12, 12), at("2026-12-12"))["reminders"] == 1
    assert review_plans(w.store, config, date(2026, 12, 13), at("2026-12-13"))["reminders"] == 0
    rows = w.store.query("SELECT message_id, subject FROM outbox WHERE kind = 'plan' ORDER BY id")
    assert len(rows) == 2 and "termijn 1 van 3" in rows[1]["subject"]
    # the reminder's Message-ID is deterministic: a crash and re-run cannot mail it twice
    w.store.execute("UPDATE plan_instalments SET reminded_at = NULL")
    review_plans(w.store, config, date(2026, 12, 13), at("2026-12-13"))
    assert w.store.scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'plan'") == 2


def test_payments_fill_instalments_and_paying_off_closes_the_plan(w: World) -> None:
    plan_id = _create(w)
    config = w.config
    _pay(w, 30000, "2026-12-14")
    review_plans(w.store, config, date(2026, 12, 20), at("2026-12-20"))
    statuses = [i["status"] for i in w.cli_json("plans", "show", str(plan_id))["instalments"]]
    assert statuses == ["paid", "pending", "pending"]
    _pay(w, 30000, "2027-01-10")
    _pay(w, 30000, "2027-01-10", "F2026-0002")
    counts = review_plans(w.store, config, date(2027, 1, 11), at("2027-01-11"))
    assert counts["completed"] == 1
    assert w.cli_json("plans", "show", str(plan_id))["status"] == "completed"
    assert w.events("plan_completed")


def test_payment_before_the_plan_does_not_count(w: World) -> None:
    _pay(w, 20000, "2026-11-20")
    plan_id = _create(w)
    review_plans(w.store, w.config, date(2026, 12, 20), at("2026-12-20"))
    first = w.cli_json("plans", "show", str(plan_id))["instalments"][0]
    # 700.00 was open when the plan started; the old 200.00 is not an instalment
    assert (first["amount"], first["paid"], first["status"]) == ("233.34", "0.00", "missed")


def test_missed_instalment_opens_a_review_item_that_resumes_the_ladder(w: World) -> None:
    plan_id = _create(w)
    config = w.config
    assert review_plans(w.store, config, date(2026, 12, 18), at("2026-12-18"))["missed"] == 0
    assert review_plans(w.store, config, date(2026, 12, 19), at("2026-12-19"))["missed"] == 1
    review_plans(w.store, config, date(2026, 12, 20), at("2026-12-20"))
    (item,) = w.cli_json("queue", "list", "--type", "plan_missed")
    assert item["evidence"]["plan_id"] == plan_id and item["priority"] == 1
    w.cli(
        "queue", "resolve", str(item["id"]), "--action", "resume", "--now", "2026-12-21T09:00:00Z"
    )
    assert w.cli_json("plans", "show", str(plan_id))["status"] == "broken"
    assert w.case_status("ACME") == "active"


def test_missed_action_resume_breaks_the_plan_without_a_person(tmp_path: Path) -> None:
    w = World(tmp_path, extra_config="")
    w.config_path.write_text(
        w.config_path.read_text().replace('missed_action = "review"', 'missed_action = "resume"')
    )
    w.debtor("ACME")
    w.invoice("F2026-0001", "ACME", 60000)
    plan_id = _create_one(w)
    review_plans(w.store, w.config, date(2026, 12, 19), at("2026-12-19"))
    assert w.cli_json("plans", "show", str(plan_id))["status"] == "broken"
    assert w.case_status("ACME") == "active"
    assert w.cli_json("queue", "list") == []


def _create_one(w: World) -> int:
    return int(
        w.cli_json(
            "plans",
            "create",
            "ACME",
            "--instalments",
            "2",
            "--first",
            "2026-12-15",
            "--now",
            "2026-12-01T10:00:00Z",
        )["id"]
    )


def test_create_refuses_what_cannot_be_a_plan(w: World) -> None:
    result = w.cli("plans", "create", "ACME", "--invoice", "NOPE", "--instalments", "2", ok=False)
    assert result.exit_code == 1 and "NOPE" in result.output
    result = w.cli("plans", "create", "ACME", "--instalments", "0", ok=False)
    assert result.exit_code == 1 and "at least one instalment" in result.output


@pytest.mark.parametrize("lang", ["nl", "en", "de", "fr"])
@pytest.mark.parametrize("name", ["plan_schedule", "plan_instalment_reminder", "call_summary"])
def test_debtor_templates_render_in_every_language(name: str, lang: str) -> None:
    from decimal import Decimal

    context = {
        # the one template-context shape (daemon.app.mail_composer.mail_context, #14)
        "office": {"name": "Office", "email": "o@x.test", "phone": "", "iban": "NL91"},
        "debtor": {"id": "D", "name": "Debtor"},
        "plan_id": 1,
        "currency": "EUR",
        "total": Decimal("900"),
        "reference": "RF18",
        "invoices": [{"number": "F1", "open": Decimal("900"), "due_date": "2026-10-01"}],
        "instalments": [{"seq": 1, "due_date": "2026-12-15", "amount": Decimal("300")}],
        "seq": 1,
        "count": 3,
        "due_date": "2026-12-15",
        "amount": Decimal("300"),
        "text": "Will pay Friday",
        "call_date": "2026-12-01",
        "promise_date": "2026-12-04",
    }
    rendered = render(name, lang, context)
    assert rendered.subject and rendered.html and "Debtor" in rendered.text
    assert "{{" not in rendered.text


def test_plan_mails_print_a_belgian_ogm_in_its_plus_form(w: World) -> None:
    # #15: the schedule said "onder vermelding van 090933755493"
    w.store.execute(
        "UPDATE invoices SET reference = '090933755493', reference_kind = 'ogm'"
        " WHERE number = 'F2026-0001'"
    )
    _create(w)
    (raw,) = [bytes(r["raw"]) for r in w.store.query("SELECT raw FROM outbox WHERE kind = 'plan'")]
    body = message_from_bytes(raw, policy=policy.default).get_body(("plain",)).get_content()
    assert "+++090/9337/55493+++" in body and " 090933755493" not in body
