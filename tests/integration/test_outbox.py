"""The outbox against a real SMTP server and a real Dovecot: window, backoff, bounces, rate
limit, last look, the Sent-folder copy and recovery."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from daemon.adapters.store.db import Store, loads, open_store
from daemon.adapters.store.queue import open_items
from daemon.app.dunning import queue_day
from daemon.app.outbox import drain_outbox
from daemon.app.recovery import recover_outbox
from tests.integration.dunning_support import (
    add_debtor,
    add_invoice,
    make_config,
    message_ids,
    pay,
    smtp_sender,
)

# Wednesday 20 May 2026, 11:00 in Amsterdam (09:00 UTC): inside the sending window.
NOW = datetime(2026, 5, 20, 9, 0, tzinfo=UTC)


@pytest.fixture
def setup(tmp_path: Path, dovecot, smtp_server):
    store = open_store(tmp_path / "d.db")
    config = make_config(
        dovecot.imap_settings(), smtp_server.smtp_settings(), bank_freshness_business_days=0
    )
    for n in (1, 2, 3):
        add_debtor(store, f"D{n}")
        add_invoice(store, f"F2026-000{n}", f"D{n}", 25000 * n, date(2026, 4, 1), date(2026, 4, 15))
    yield store, config, dovecot, smtp_server
    store.close()


def _drain(store: Store, config, now=NOW):
    return drain_outbox(store, config, now=now, smtp_send=smtp_sender())


def test_sends_marks_and_copies_each_mail_once(setup) -> None:
    store, config, dovecot, smtp = setup
    _, queued = queue_day(store, config, NOW)
    assert len(queued.queued) == 3
    report = _drain(store, config)
    assert len(report.sent) == 3 and report.copied == 3
    ids = message_ids([m.raw for m in smtp.received])
    assert sorted(ids) == sorted(message_ids(dovecot.messages("Sent")))
    assert "<reminder.F2026-0001.2@voorbeeld-bv.nl>" in ids
    for row in store.query("SELECT * FROM outbox"):
        assert row["status"] == "sent" and row["in_sent_folder"] == 1
        assert row["sha256"] == hashlib.sha256(row["raw"]).hexdigest()
        assert loads(row["decision"])["reason"]
    # Draining and planning again sends nothing new.
    queue_day(store, config, NOW + timedelta(hours=1))
    assert _drain(store, config, NOW + timedelta(hours=1)).sent == []
    assert len(smtp.received) == 3


def test_nothing_leaves_outside_the_window(setup) -> None:
    store, config, _, smtp = setup
    evening = datetime(2026, 5, 20, 17, 30, tzinfo=UTC)  # 19:30 in Amsterdam
    _, queued = queue_day(store, config, evening)
    row = store.one("SELECT not_before FROM outbox WHERE id = ?", (queued.queued[0],))
    assert row["not_before"].startswith("2026-05-21T07:00")  # 09:00 Amsterdam next day
    assert _drain(store, config, evening).outside_window
    assert smtp.received == []
    ascension = datetime(2026, 5, 14, 9, tzinfo=UTC)  # Hemelvaartsdag: window closed
    assert _drain(store, config, ascension).outside_window


def test_transient_error_backs_off_persistently(setup) -> None:
    store, config, _, smtp = setup
    queue_day(store, config, NOW)
    smtp.fail_next(451, count=1)
    first = _drain(store, config)
    assert len(first.deferred) == 1 and len(first.sent) == 2
    row = store.one("SELECT * FROM outbox WHERE status = 'queued'")
    assert row["attempts"] == 1 and row["not_before"] > "2026-05-20T09:00:59"
    assert _drain(store, config, NOW + timedelta(seconds=30)).sent == []
    later = _drain(store, config, NOW + timedelta(seconds=61))
    assert later.sent == [row["id"]]
    assert len(set(message_ids([m.raw for m in smtp.received]))) == 3


def test_permanent_refusal_flags_address_and_opens_review(setup) -> None:
    store, config, _, smtp = setup
    smtp.reject_recipient("d2@klant.example", 550)
    queue_day(store, config, NOW)
    report = _drain(store, config)
    assert len(report.failed) == 1 and len(report.sent) == 2
    status = store.scalar("SELECT status FROM debtor_emails WHERE email = 'd2@klant.example'")
    assert status == "undeliverable"
    assert [i["type"] for i in open_items(store)] == ["bounce"]
    # the step was not sent, so it is not counted: the invoice is back where it was
    assert store.scalar("SELECT dunning_step FROM invoices WHERE number = 'F2026-0002'") == 0
    queue_day(store, config, NOW + timedelta(days=1))
    assert any(i["type"] == "bounce" and i["debtor_id"] == "D2" for i in open_items(store))


def test_rate_limit(setup) -> None:
    store, config, _, _smtp = setup
    from dataclasses import replace

    limited = replace(config, smtp=replace(config.smtp, rate_limit_per_minute=2))
    queue_day(store, limited, NOW)
    report = _drain(store, limited)
    assert len(report.sent) == 2 and report.rate_limited
    assert _drain(store, limited, NOW + timedelta(seconds=30)).sent == []
    assert len(_drain(store, limited, NOW + timedelta(seconds=61)).sent) == 1


def test_last_look_cancels_a_paid_reminder(setup) -> None:
    store, config, _, smtp = setup
    queue_day(store, config, NOW)
    pay(store, "F2026-0001", 25000, date(2026, 5, 20))
    report = _drain(store, config)
    assert len(report.cancelled) == 1 and len(report.sent) == 2
    assert all("F2026-0001" not in m.raw.decode(errors="replace") for m in smtp.received)


def test_recovery_finds_a_mail_in_the_sent_folder(setup) -> None:
    store, config, dovecot, smtp = setup
    _, queued = queue_day(store, config, NOW)
    row = store.one("SELECT * FROM outbox WHERE id = ?", (queued.queued[0],))
    store.execute(
        "UPDATE outbox SET status = 'sending', claimed_at = ? WHERE id = ?",
        ("2026-05-20T09:00:00.000000Z", row["id"]),
    )
    dovecot.deliver(row["raw"], "Sent")  # e.g. the provider saved it on submission
    report = recover_outbox(store, config, now=NOW)
    assert report.found_sent == [row["id"]]
    assert store.scalar("SELECT status FROM outbox WHERE id = ?", (row["id"],)) == "sent"
    assert row["id"] not in _drain(store, config).sent
    assert message_ids(dovecot.messages("Sent")).count(row["message_id"]) == 1
    assert row["message_id"] not in message_ids([m.raw for m in smtp.received])


def test_a_mail_late_for_its_deadline_is_planned_again_not_sent_short(setup) -> None:
    """Issue #15: an SMTP outage keeps a formal reminder (deadline 7 days from Wed 20 May)
    in the outbox until Thursday; sent then, the debtor would get 6 days. The last look
    cancels it, the step is reverted, and the next plan states 7 days from the new send day.
    Mails without a deadline still go out late (positive control)."""
    store, config, _, smtp = setup
    store.execute(
        "UPDATE invoices SET dunning_step = 3, last_step_name = 'call',"
        " last_step_date = '2026-05-01' WHERE number = 'F2026-0001'"
    )
    queue_day(store, config, NOW)
    first = store.one("SELECT * FROM outbox WHERE debtor_id = 'D1'")
    decision = loads(first["decision"])
    assert (decision["send_day"], decision["deadline"]) == ("2026-05-20", "2026-05-27")
    smtp.fail_next(451, count=3)
    assert len(_drain(store, config).deferred) == 3
    next_day = NOW + timedelta(days=1)
    report = _drain(store, config, next_day)
    assert report.cancelled == [first["id"]] and len(report.sent) == 2
    why = store.scalar("SELECT last_error FROM outbox WHERE id = ?", (first["id"],))
    assert "would be shorter than configured" in why
    assert store.scalar("SELECT dunning_step FROM invoices WHERE number = 'F2026-0001'") == 3
    _, again = queue_day(store, config, next_day)
    assert len(again.queued) == 1
    assert _drain(store, config, next_day).sent == again.queued
    row = store.one("SELECT * FROM outbox WHERE id = ?", (again.queued[0],))
    assert (row["status"], row["step_name"]) == ("sent", "formal")
    decision = loads(row["decision"])
    assert (decision["send_day"], decision["deadline"]) == ("2026-05-21", "2026-05-28")
    assert "28" in row["raw"].decode(errors="replace")
