"""Issue #15 end to end: the claims ledger over 75 simulated days, with the real SMTP server,
Dovecot and real CAMT.053 statements run through bank matching.

- T01 pays exactly what the formal reminder demanded (principal + WIK + interest): the costs
  and interest are settled first (art. 6:44 BW), the invoice is paid, the case closes, a
  thank-you goes out and there is no "overpayment" review item.
- T02 pays only the principal's amount: costs and interest take their part first, so 156.40
  of the principal stays open, keeps bearing interest, is shown apart and is claimed again;
  no thank-you.
- T03 has a USD invoice among its EUR ones: no WIK or interest on the USD claim, the mail
  never adds USD into the EUR total, and the aging report keeps the currencies apart.
- Every stated deadline is checked against the day the mail really left.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.store.db import loads, open_store
from daemon.app.casefile import case_timeline
from daemon.app.dunning import run_cycle
from daemon.app.reports import aging_report
from daemon.app.statements import import_statement_bytes
from daemon.domain.references import generate_rf
from daemon.domain.workdays import is_business_day
from tests.integration.bank_writers import Tx, camt053, single
from tests.integration.dunning_support import (
    OFFICE,
    add_debtor,
    add_invoice,
    add_statement,
    make_config,
    smtp_sender,
)

TZ = ZoneInfo("Europe/Amsterdam")
START = date(2026, 3, 2)  # Monday
DAYS = 75
PAY_DAY = date(2026, 4, 9)  # booked the day after the formal reminder left (8 Apr)


def _at(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), tzinfo=TZ)


def _sent_day(row: dict) -> date:
    return parse_iso(row["sent_at"]).astimezone(TZ).date()


def _pay(store, config, number: str, amount: str, day: date, import_day: date) -> None:
    """A real CAMT.053 statement with the payment, imported and matched like any other."""
    tx = Tx(amount, booked=day, name=f"Klant {number}", structured=generate_rf(number))
    data = camt053(OFFICE.iban, f"ST-{number}-{day}", [single(tx, f"B-{number}-{day}")])
    outcome = import_statement_bytes(
        store, config, data, filename=f"{number}.xml", now=iso_utc(_at(import_day, 7, 5))
    )
    assert outcome[0].status == "imported", outcome


def test_claims_ledger_over_75_days(tmp_path: Path, dovecot, smtp_server) -> None:
    store = open_store(tmp_path / "claims.db")
    config = make_config(
        dovecot.imap_settings(), smtp_server.smtp_settings(), bank_freshness_business_days=3
    )
    for debtor_id in ("T01", "T02", "T03"):
        add_debtor(store, debtor_id)
        number = f"F2026-{debtor_id}"
        add_invoice(store, number, debtor_id, 100000, date(2026, 3, 2), date(2026, 3, 16))
    add_invoice(store, "F2026-T03-USD", "T03", 50000, date(2026, 3, 2), date(2026, 3, 16))
    with store.transaction():
        store.execute("UPDATE invoices SET currency = 'USD' WHERE number = 'F2026-T03-USD'")
    sender = smtp_sender()
    demanded: dict[str, str] = {}
    for offset in range(DAYS):
        day = START + timedelta(days=offset)
        if is_business_day(day, "NL"):
            add_statement(store, day - timedelta(days=1), _at(day, 7, 0))
        if day == PAY_DAY + timedelta(days=1):
            # What the formal reminder of 8 April demanded, read from the sent mail's decision.
            for debtor_id in ("T01", "T02"):
                formal = store.one(
                    "SELECT decision FROM outbox WHERE debtor_id = ? AND step_name = 'formal'"
                    " AND status = 'sent'",
                    (debtor_id,),
                )
                assert formal is not None, debtor_id
                d = loads(formal["decision"])
                total = Decimal(d["amount_due"]) + Decimal(d["costs"]) + Decimal(d["interest"])
                demanded[debtor_id] = str(total)
            assert demanded["T01"] == "1156.40"  # 1000.00 + WIK 150.00 + 23 days × 10.15 %
            _pay(store, config, "F2026-T01", demanded["T01"], PAY_DAY, day)
            _pay(store, config, "F2026-T02", "1000.00", PAY_DAY, day)
        for hh, mm in ((8, 30), (13, 30)):
            run_cycle(store, config, now=_at(day, hh, mm), smtp_send=sender)

    sent = store.query("SELECT * FROM outbox WHERE status = 'sent' ORDER BY id")
    mails = {d: [m for m in sent if m["debtor_id"] == d] for d in ("T01", "T02", "T03")}
    items = store.query("SELECT type, debtor_id, transaction_id FROM review_items")

    # -- T01: exactly the demanded total --------------------------------------------------
    inv = store.one("SELECT * FROM invoices WHERE number = 'F2026-T01'")
    assert inv["status"] == "paid" and inv["paid_cents"] == 100000
    tx = store.one("SELECT * FROM bank_transactions WHERE amount_cents = 115640")
    assert tx["status"] == "matched"
    assert not [i for i in items if i["type"] == "overpayment"], items
    paid = store.query(
        "SELECT l.kind, a.amount_cents FROM claim_allocations a JOIN claim_lines l"
        " ON l.id = a.claim_line_id WHERE a.transaction_id = ? ORDER BY l.id",
        (tx["id"],),
    )
    assert [(p["kind"], p["amount_cents"]) for p in paid] == [("costs", 15000), ("interest", 640)]
    case = store.one("SELECT * FROM cases WHERE debtor_id = 'T01' ORDER BY id DESC")
    assert case["status"] == "closed"
    kinds = [m["kind"] for m in mails["T01"]]
    assert kinds[-1] == "thank_you" and kinds.count("thank_you") == 1, kinds
    assert all(_sent_day(m) < PAY_DAY + timedelta(days=1) for m in mails["T01"][:-1])

    # -- T02: only the principal's amount ---------------------------------------------------
    inv = store.one("SELECT * FROM invoices WHERE number = 'F2026-T02'")
    # 1000.00 paid: costs 150.00 and interest 6.40 first, principal 843.60; 156.40 open.
    assert inv["paid_cents"] == 84360 and inv["status"] == "partially_paid"
    assert "thank_you" not in [m["kind"] for m in mails["T02"]]
    events = store.query(
        "SELECT event, detail FROM case_events WHERE debtor_id = 'T02' ORDER BY id"
    )
    remainder = [loads(e["detail"]) for e in events if e["event"] == "remainder_open"]
    assert remainder and remainder[0]["remainder"] == "156.40", events
    assert remainder[0]["decision"] == "claim" and "6:44" in remainder[0]["rule"]
    demand = next(m for m in mails["T02"] if m["step_name"] == "demand")
    d = loads(demand["decision"])
    # The demand claims the remainder: no costs again (paid), interest on 156.40 ran on
    # from 9 April (the day after the booked interest's end) to the send day, 20 April.
    assert (d["amount_due"], d["costs"], d["send_day"]) == ("156.40", "0.00", "2026-04-20")
    assert d["interest"] == "0.52"  # 156.40 × 10.15 % × 12 / 365
    view = case_timeline(store, "T02")["claims"]
    assert view["balance"] == [
        {
            "currency": "EUR",
            "principal": "156.40",
            "costs_booked": "150.00",
            "costs_open": "0.00",
            "interest_booked": "6.92",
            "interest_open": "0.52",
            "interest_computed_to": "2026-04-20",
            "total_open": "156.92",
        }
    ]

    # -- T03: a USD invoice among EUR ones ------------------------------------------------------
    steps = [(m["step_name"], loads(m["decision"]).get("reason")) for m in mails["T03"]]
    formal = next((m for m in mails["T03"] if m["step_name"] == "formal"), None)
    assert formal is not None, (
        steps,
        store.query("SELECT status, last_error, step_name FROM outbox WHERE debtor_id = 'T03'"),
        store.query("SELECT type, reason FROM review_items WHERE debtor_id = 'T03'"),
    )
    d = loads(formal["decision"])
    assert d["currency"] == "EUR" and d["amount_due"] == "1000.00"
    assert d["other_amounts"] == [{"currency": "USD", "amount": "500.00"}]
    assert d["costs"] == "150.00"  # WIK on the EUR principal only (1000.00, not 1500.00)
    assert "F2026-T03-USD (USD)" in d["charges_off"]
    assert b"500,00" in formal["raw"] and b"1.500,00" not in formal["raw"]
    ledger = store.query("SELECT DISTINCT currency FROM claim_lines WHERE debtor_id = 'T03'")
    assert [r["currency"] for r in ledger] == ["EUR"]
    aging = aging_report(store, START + timedelta(days=DAYS))
    assert set(aging["totals"]) == {"EUR", "USD"} and aging["totals"]["USD"] == "500.00"
    assert aging["claims"]["EUR"]["costs"] == "150.00"  # T03's booked costs, apart
    assert "USD" not in aging["claims"]

    # -- every stated deadline against the day the mail really left -----------------------------
    stated = 0
    for m in sent:
        decision = loads(m["decision"])
        if m["kind"] != "reminder" or not decision.get("deadline"):
            continue
        stated += 1
        step = config.ladders[decision["ladder"]].steps[decision["step"] - 1]
        deadline = date.fromisoformat(decision["deadline"])
        assert decision["send_day"] == _sent_day(m).isoformat(), m["message_id"]
        assert decision["interest_to"] == decision["send_day"], m["message_id"]
        assert deadline >= _sent_day(m) + timedelta(days=step.deadline_days), m["message_id"]
        assert is_business_day(deadline, "NL"), (m["message_id"], deadline)
    assert stated >= 4
    store.close()
