"""120 days, 50 debtors, a fixed clock, the real SMTP server and Dovecot.

Each simulated day: payments arrive, a bank statement is imported on business days (except
during a deliberate outage), and the daemon's two daily cycles run (08:30 plans and queues
outside the window, 13:30 plans and sends). The test then checks the whole history."""

from __future__ import annotations

import email
import email.policy
import hashlib
import itertools
import json
import logging
import random
import zipfile
from collections import defaultdict
from dataclasses import replace
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from daemon.adapters.auditlog import AUDIT
from daemon.adapters.clock import parse_iso
from daemon.adapters.store.db import loads, open_store
from daemon.adapters.store.letters import letter, list_letters
from daemon.app.dunning import run_cycle
from daemon.app.handover import hand_over
from daemon.app.print_queue import post_letter, print_letter
from daemon.domain.fees import collection_costs
from daemon.domain.policy import statutory_costs_from
from daemon.domain.workdays import add_business_days, is_business_day
from tests.integration.dunning_support import (
    add_debtor,
    add_invoice,
    add_postal,
    add_statement,
    audit_fields,
    make_config,
    message_ids,
    paper_ladders,
    pay,
    smtp_sender,
)

TZ = ZoneInfo("Europe/Amsterdam")
START = date(2026, 3, 2)  # Monday
DAYS = 120
OUTAGE = (date(2026, 6, 1), date(2026, 6, 12))  # no statements imported: the gate closes


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def _scenario(store) -> dict[str, dict]:
    """50 debtors; returns per debtor its kind, invoices and (optional) payment day."""
    rng = random.Random(20260302)
    plan: dict[str, dict] = {}
    # Hand-checked debtors first.
    add_debtor(store, "A01")  # b2b NL, pays never
    add_invoice(store, "F2026-0001", "A01", 100000, date(2026, 3, 2), date(2026, 3, 16))
    plan["A01"] = {"kind": "b2b", "invoices": {"F2026-0001": 100000}, "pay": None}
    add_debtor(store, "A02", kind="b2c")  # b2c NL, never pays: notice, then demand with costs
    add_invoice(store, "F2026-0002", "A02", 123450, date(2026, 3, 2), date(2026, 3, 16))
    plan["A02"] = {"kind": "b2c", "invoices": {"F2026-0002": 123450}, "pay": None}
    add_debtor(store, "A03", lang="en")  # pays in full after the first reminder
    add_invoice(store, "F2026-0003", "A03", 50000, date(2026, 3, 2), date(2026, 3, 16))
    plan["A03"] = {"kind": "b2b", "invoices": {"F2026-0003": 50000}, "pay": date(2026, 3, 20)}
    add_debtor(store, "A04", tags=("key-account",))  # key account: tasks, never mail
    add_invoice(store, "F2026-0004", "A04", 900000, date(2026, 3, 2), date(2026, 3, 16))
    plan["A04"] = {"kind": "b2b", "invoices": {"F2026-0004": 900000}, "pay": None}
    add_debtor(store, "A05")  # below the small-amount tolerance
    add_invoice(store, "F2026-0005", "A05", 300, date(2026, 3, 2), date(2026, 3, 16))
    plan["A05"] = {"kind": "b2b", "invoices": {"F2026-0005": 300}, "pay": None}
    langs = ["nl", "en", "de", "fr"]
    for n in range(6, 51):
        debtor_id = f"R{n:02d}"
        kind = "b2c" if n % 3 == 0 else "b2b"
        country = "BE" if n % 11 == 0 else ("DE" if n % 13 == 0 else "NL")
        add_debtor(store, debtor_id, kind=kind, lang=langs[n % 4], country=country)
        invoices = {}
        for k in range(1 + (n % 5 == 0)):
            number = f"F2026-{n:02d}{k}"
            issue = START + timedelta(days=rng.randrange(0, 60))
            cents = rng.randrange(2000, 600000)
            add_invoice(
                store, number, debtor_id, cents, issue, issue + timedelta(days=rng.choice((14, 30)))
            )
            invoices[number] = cents
        pay_day = START + timedelta(days=rng.randrange(20, 100)) if n % 3 == 1 else None
        plan[debtor_id] = {"kind": kind, "invoices": invoices, "pay": pay_day}
    # #16: ladders that end on paper. P01 b2b (formal letter, registered demand also
    # mailed), P02 b2c (veertiendagenbrief and demand by post), P03 has no postal address.
    for debtor_id, kind, tag, cents in (
        ("P01", "b2b", "paper", 250000),
        ("P02", "b2c", "paper-b2c", 98000),
        ("P03", "b2b", "paper", 40000),
    ):
        add_debtor(store, debtor_id, kind=kind, tags=(tag,))
        if debtor_id != "P03":
            add_postal(store, debtor_id, f"Postweg {debtor_id[-1]}", "3511 AB", "Utrecht")
        number = f"F2026-{debtor_id}"
        add_invoice(store, number, debtor_id, cents, date(2026, 3, 2), date(2026, 3, 16))
        plan[debtor_id] = {"kind": kind, "invoices": {number: cents}, "pay": None}
    return plan


def _post_room(store, config, day: date) -> int:
    """The office's post room at 16:00 on business days: print every queued letter and
    post it the same day; demands go registered (a tracking code)."""
    posted = 0
    for row in list_letters(store, status="queued"):
        if date.fromisoformat(row["letter_date"]) > day:
            continue
        now = _at(day, 16, 0)
        print_letter(store, row["id"], now, "cli:post")
        tracking = f"3S{row['id']:09d}NL" if row["step_name"] == "demand" else None
        post_letter(
            store, config, row["id"], posted_on=day, tracking=tracking, now=now, actor="cli:post"
        )
        posted += 1
    return posted


def test_120_days_of_dunning(
    tmp_path: Path, dovecot, smtp_server, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger=AUDIT.name)
    store = open_store(tmp_path / "sim.db")
    config = make_config(
        dovecot.imap_settings(),
        smtp_server.smtp_settings(),
        bank_freshness_business_days=3,
        tag_ladders={"paper": "paper", "paper-b2c": "paper-b2c"},
    )
    config = replace(config, ladders={**config.ladders, **paper_ladders()})
    scenario = _scenario(store)
    sender = smtp_sender()
    statements_ok: list[date] = []
    gate_holds = 0
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        for s in scenario.values():
            if s["pay"] == day:
                for number, cents in s["invoices"].items():
                    pay(store, number, cents, day)
        if is_business_day(day, "NL") and not OUTAGE[0] <= day <= OUTAGE[1]:
            booked = day - timedelta(days=1)
            add_statement(store, booked, _at(day, 7, 0))
            statements_ok.append(day)
        for hh, mm in ((8, 30), (13, 30)):
            report = run_cycle(store, config, now=_at(day, hh, mm), smtp_send=sender)
            gate_holds += sum("bank gate closed" in a.reason for a in report.plan.actions)
        if is_business_day(day, "NL"):
            _post_room(store, config, day)

    rows = store.query("SELECT * FROM outbox ORDER BY id")
    sent = [r for r in rows if r["status"] == "sent"]
    received = message_ids([m.raw for m in smtp_server.received])

    # Every sent mail reached the SMTP server once and sits in the Sent folder once.
    assert len(received) == len(set(received)) == len(sent) > 100
    assert sorted(received) == sorted(r["message_id"] for r in sent)
    assert sorted(message_ids(dovecot.messages("Sent"))) == sorted(received)
    assert {r["status"] for r in rows} <= {"sent", "cancelled"}

    # Only inside the window: weekdays 09:00-17:00 Amsterdam, never on a public holiday.
    for r in sent:
        local = parse_iso(r["sent_at"]).astimezone(TZ)
        assert is_business_day(local.date(), "NL") and 9 <= local.hour < 17, r["sent_at"]

    # One mail per debtor per step; steps only go up; spacing of at least 7 days.
    by_debtor: dict[str, list[dict]] = defaultdict(list)
    for r in sent:
        by_debtor[r["debtor_id"]].append(r)
    taken: set[tuple[str, int]] = set()
    for debtor_id, mails in by_debtor.items():
        reminders = [m for m in mails if m["kind"] == "reminder"]
        days = [parse_iso(m["sent_at"]).astimezone(TZ).date() for m in reminders]
        assert all(b - a >= timedelta(days=7) for a, b in itertools.pairwise(days)), (
            debtor_id,
            days,
        )
        for m in reminders:
            for adv in loads(m["decision"])["advances"]:
                key = (adv["number"], adv["to_step"])
                assert key not in taken, key
                taken.add(key)
        # Nothing after payment, and a single thank-you after it when reminded before.
        s = scenario.get(debtor_id)
        if s and s["pay"]:
            assert all(d < s["pay"] for d in days), (debtor_id, days, s["pay"])
            thanks = [m for m in mails if m["kind"] == "thank_you"]
            assert len(thanks) == (1 if reminders else 0), debtor_id

    # No reminder planned while the bank gate was closed (statements older than 3 days).
    for r in rows:
        if r["kind"] == "reminder":
            planned = date.fromisoformat(loads(r["decision"])["date"])
            assert not date(2026, 6, 4) <= planned <= date(2026, 6, 14), planned

    assert gate_holds > 0  # the outage really held mail back

    # Small amounts are never reminded; key accounts get tasks, never mail.
    assert "A05" not in by_debtor and "A04" not in by_debtor
    tasks = store.query("SELECT type, debtor_id FROM review_items ORDER BY id")
    assert ("call_task", "A04") in {(t["type"], t["debtor_id"]) for t in tasks}

    # A01 (b2b): hand-checked schedule, costs and interest.
    a01 = [
        (parse_iso(m["sent_at"]).astimezone(TZ).date(), m["step_name"], loads(m["decision"]))
        for m in by_debtor["A01"]
    ]
    assert [(d, n) for d, n, _ in a01] == [
        (date(2026, 3, 5), "courtesy"),  # invoice date + 3
        (date(2026, 3, 17), "reminder"),  # due date + 1
        # call task 26 Mar (7 business days); formal 7 business days later, over Easter
        (date(2026, 4, 8), "formal"),
        # demand 10 days later is Saturday 18 Apr: sent Monday 20 Apr
        (date(2026, 4, 20), "demand"),
    ]
    # The audit log alone tells A01's story, line by line, in the same order and on the
    # same days as the outbox: every reminder step, the call task and the hand-over.
    story = [audit_fields(r.getMessage()) for r in caplog.records if r.name == AUDIT.name]
    a01_story = [(event, f) for event, f in story if f.get("debtor") == "A01"]
    told = [(f["message_id"], f["step"]) for e, f in a01_story if e == "reminder_sent"]
    assert told == [(m["message_id"], m["step_name"]) for m in by_debtor["A01"]], a01_story
    opened = [f.get("type") for e, f in a01_story if e == "review_item_opened"]
    assert "call_task" in opened and "handover" in opened, a01_story
    formal = a01[2][2]
    assert (formal["costs"], formal["interest"]) == ("150.00", "6.40")  # 23 days × 10.15 %
    demand = a01[3][2]
    # #15: planned Sat 18 Apr, sent Mon 20 Apr: interest runs to the send day. The formal
    # mail booked 6.40 computed to 8 Apr; the demand adds 9-20 Apr: 12 days × 10.15 % = 3.34.
    assert (demand["costs"], demand["interest"]) == ("150.00", "9.74")
    assert demand["interest_to"] == "2026-04-20"
    # The claims ledger of A01's case: costs booked once (by the formal mail), interest in
    # two lines, each saying to which day it was computed and which mail claimed it.
    ledger = store.query(
        "SELECT kind, amount_cents, computed_to, message_id FROM claim_lines"
        " WHERE debtor_id = 'A01' ORDER BY id"
    )
    formal_id, demand_id = (m["message_id"] for m in by_debtor["A01"][2:4])
    assert [(r["kind"], r["amount_cents"], r["computed_to"], r["message_id"]) for r in ledger] == [
        ("costs", 15000, None, formal_id),
        ("interest", 640, "2026-04-08", formal_id),
        ("interest", 334, "2026-04-20", demand_id),
    ]
    # #15: planned Sat 18 Apr, sent Mon 20 Apr: 7 days is Mon 27 Apr, Koningsdag, so 28 Apr
    # (the old rule stated Sat 25 Apr: 5 days after sending, on a weekend).
    assert (formal["deadline"], demand["deadline"]) == ("2026-04-15", "2026-04-28")
    assert ("handover", "A01") in {(t["type"], t["debtor_id"]) for t in tasks}

    # A02 (b2c): costs only after the veertiendagenbrief and its 14 days.
    a02 = [
        (parse_iso(m["sent_at"]).astimezone(TZ).date(), m["step_name"], loads(m["decision"]))
        for m in by_debtor["A02"]
    ]
    names = [n for _, n, _ in a02]
    assert names == ["courtesy", "reminder", "notice", "demand"]
    notice_day, _, notice = a02[2]
    demand_day, _, demand = a02[3]
    assert notice["costs"] == "0.00" and notice["notice_costs"] == "185.18"
    assert demand_day >= statutory_costs_from("NL", notice_day, atw_extension=True)
    assert Decimal(demand["costs"]) == collection_costs("NL", "b2c", Decimal("1234.50")).amount
    for _, _, d in a02[:3]:
        assert d["costs"] == "0.00"

    # Every b2c mail with costs came after a delivered notice whose term had ended.
    for debtor_id, mails in by_debtor.items():
        s = scenario.get(debtor_id)
        if not s or s["kind"] != "b2c":
            continue
        notices = [
            parse_iso(m["sent_at"]).astimezone(TZ).date()
            for m in mails
            if m["step_name"] == "notice"
        ]
        for m in mails:
            if m["kind"] == "reminder" and Decimal(loads(m["decision"])["costs"]) > 0:
                day = parse_iso(m["sent_at"]).astimezone(TZ).date()
                assert notices and day >= statutory_costs_from(
                    "NL" if debtor_id.startswith("A") else _country(store, debtor_id),
                    notices[0],
                    atw_extension=True,
                ), (debtor_id, day)

    # Issue #15: every stated deadline counts from the day the mail really left, gives at
    # least the configured days and never falls on a closed day (office's or debtor's).
    deadlines = 0
    for r in sent:
        decision = loads(r["decision"])
        if r["kind"] != "reminder" or not decision.get("deadline"):
            continue
        deadlines += 1
        sent_day = parse_iso(r["sent_at"]).astimezone(TZ).date()
        deadline = date.fromisoformat(decision["deadline"])
        step = config.ladders[decision["ladder"]].steps[decision["step"] - 1]
        assert decision["send_day"] == sent_day.isoformat(), (r["message_id"], decision)
        assert deadline >= sent_day + timedelta(days=step.deadline_days), (r["message_id"],)
        country = "NL" if r["debtor_id"].startswith("A") else _country(store, r["debtor_id"])
        for c in {"NL", country}:
            assert is_business_day(deadline, c), (r["message_id"], deadline, c)
    assert deadlines > 50

    # A03 paid on 20 March after its reminder: a thank-you, nothing else after.
    a03 = [m["kind"] for m in by_debtor["A03"]]
    assert a03 == ["reminder", "reminder", "thank_you"]

    _check_paper(store, config, by_debtor, smtp_server, tmp_path)
    store.close()


def _check_paper(store, config, by_debtor, smtp_server, tmp_path: Path) -> None:
    """#16: the letter steps went to the print queue and out by post, on time."""
    letters = {
        (r["debtor_id"], r["step_name"]): r for r in list_letters(store) if r["debtor_id"][0] == "P"
    }
    assert set(letters) == {
        ("P01", "formal"),
        ("P01", "demand"),
        ("P02", "notice"),
        ("P02", "demand"),
    }
    assert all(r["status"] == "posted" for r in letters.values())  # the queue is empty
    # the posting date is the dispatch date; receipt is presumed 2 business days later
    for r in letters.values():
        posted = date.fromisoformat(r["posted_on"])
        assert posted == date.fromisoformat(r["letter_date"])
        assert r["presumed_receipt"] == add_business_days(posted, 2, "NL").isoformat()
    # registered demands carry their tracking code; the formal reminder is ordinary post
    assert (
        letters[("P01", "demand")]["tracking_code"] == f"3S{letters[('P01', 'demand')]['id']:09d}NL"
    )
    assert letters[("P01", "formal")]["tracking_code"] is None
    # P01's steps keep the ladder's rhythm from the posting dates
    formal_day = date.fromisoformat(letters[("P01", "formal")]["posted_on"])
    demand_day = date.fromisoformat(letters[("P01", "demand")]["letter_date"])
    assert demand_day >= formal_day + timedelta(days=10)
    # P01's demand was also mailed, with the very PDF as attachment, through real SMTP
    mail = next(m for m in by_debtor["P01"] if m["step_name"] == "demand")
    raw = next(m.raw for m in smtp_server.received if mail["message_id"].encode() in m.raw)
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    (pdf,) = [p.get_payload(decode=True) for p in parsed.iter_attachments()]
    assert pdf == letter(store, letters[("P01", "demand")]["id"])["pdf"]
    assert [m["step_name"] for m in by_debtor["P01"]] == ["courtesy", "reminder", "demand"]
    # P02 (b2c): costs only in the letter after the 14 days from the day after receipt
    notice = letter(store, letters[("P02", "notice")]["id"])
    demand = letter(store, letters[("P02", "demand")]["id"])
    assert notice["decision"]["costs"] == "0.00" and notice["decision"]["notice_costs"]
    receipt = date.fromisoformat(notice["presumed_receipt"])
    assert date.fromisoformat(notice["deadline"]) >= receipt + timedelta(days=14)
    assert date.fromisoformat(demand["letter_date"]) >= statutory_costs_from(
        "NL", receipt, atw_extension=True
    )
    assert Decimal(demand["decision"]["costs"]) > 0
    assert "P02" not in {
        m["debtor_id"]
        for ms in by_debtor.values()
        for m in ms
        if loads(m["decision"]).get("costs", "0.00") != "0.00"
    }
    # the formal letter's costs were booked in the claims ledger when it was posted (#15)
    booked = store.query("SELECT message_id, kind, amount_cents FROM claim_lines"
                         " WHERE debtor_id = 'P01'")  # fmt: skip
    formal_id = letters[("P01", "formal")]["id"]
    assert (f"letter #{formal_id}", "costs", 37500) in {
        (b["message_id"], b["kind"], b["amount_cents"]) for b in booked
    }  # WIK: 15 % of 2,500.00
    # P03: no postal address → a review item, never a letter
    items = store.query("SELECT debtor_id FROM review_items WHERE type = 'no_postal_address'")
    assert [i["debtor_id"] for i in items] == ["P03"]
    # the hand-over dossier holds P01's letters with their tracking code
    now = _at(START + timedelta(days=DAYS), 10, 0)
    result = hand_over(
        store, config, "P01", agency="Incasso Noord", out_dir=tmp_path / "dossiers",
        actor="cli:test", today=now.date(), now=now,
    )  # fmt: skip
    with zipfile.ZipFile(result.path) as z:
        index = json.loads(z.read("letters/index.json"))
        assert [e["step_name"] for e in index] == ["formal", "demand"]
        assert index[1]["tracking_code"] == letters[("P01", "demand")]["tracking_code"]
        for e in index:
            assert hashlib.sha256(z.read(e["file"])).hexdigest() == e["sha256"]


def _country(store, debtor_id: str) -> str:
    return store.scalar("SELECT country FROM debtors WHERE id = ?", (debtor_id,)) or "NL"
