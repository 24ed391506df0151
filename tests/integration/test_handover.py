"""Hand-over: the ladder stops and the dossier of a realistic case holds all of it."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from datetime import datetime
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from daemon.adapters.clock import parse_iso
from daemon.adapters.store.claims import book_line
from daemon.adapters.templates import RenderedMail
from daemon.app.mailout import OutgoingMail, enqueue, reminder_message_id
from tests.integration.human_world import NOW, World

REPLIES = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "replies"


def _reminder(w: World, level: int, when: datetime) -> int:
    mail = OutgoingMail(
        kind="reminder",
        message_id=reminder_message_id("ACME", level, "voorbeeld.test"),
        from_name="Voorbeeld",
        from_address="debiteuren@voorbeeld.test",
        to=("ap@acme.test",),
        rendered=RenderedMail(
            f"Reminder {level}: F2026-0001",
            f"Please pay, step {level}.",
            f"<p>Please pay, step {level}.</p>",
        ),
        date=when,
    )
    out = enqueue(
        w.store,
        mail,
        debtor_id="ACME",
        step=level,
        invoice_numbers=["F2026-0001"],
        now=when.isoformat(),
    )
    assert out is not None
    w.store.execute(
        "UPDATE outbox SET status = 'sent', sent_at = ? WHERE id = ?", (when.isoformat(), out)
    )
    return out


@pytest.fixture
def case(tmp_path: Path) -> World:
    """Two invoices, three reminders, four real debtor replies, a part payment, a note."""
    w = World(tmp_path, extra_config=f'\n[invoices]\npdf_dir = "{tmp_path}"\n')
    w.debtor("ACME", email="ap@acme.test", kind="b2b")
    w.invoice("F2026-0001", "ACME", 250000, issue="2026-06-01", due="2026-07-01")
    w.invoice("F2026-0002", "ACME", 80000, issue="2026-08-01", due="2026-08-31")
    w.invoice("F2026-0003", "ACME", 10000, status="paid")
    pdf = tmp_path / "F2026-0001.pdf"
    pdf.write_bytes(b"%PDF-1.4 test invoice\n%%EOF\n")
    w.store.execute("UPDATE invoices SET pdf_path = ? WHERE number = 'F2026-0001'", (str(pdf),))
    w.case("ACME")
    for level, day in enumerate(("2026-07-02", "2026-07-20", "2026-08-10"), start=1):
        _reminder(w, level, parse_iso(f"{day}T09:00:00Z"))
    for n, name in enumerate(sorted(REPLIES.glob("r0*.eml"))[:4], start=1):
        w.mail_in("ACME", name.read_bytes(), uid=n)
    from decimal import Decimal

    from daemon.app.manual_allocation import allocate_manually

    tx = w.payment(50000, day="2026-08-15", name="ACME Holding")
    allocate_manually(w.store, tx, [("F2026-0001", Decimal("500.00"))], actor="cli:ann")
    w.cli(
        "note",
        "ACME",
        "--call",
        "--text",
        "Director promises to pay next week",
        "--now",
        "2026-08-20T10:00:00Z",
    )
    w.mail_in("OTHER", b"From: x@other.test\r\nSubject: not ACME\r\n\r\nno\r\n", uid=99)
    return w


def test_handover_stops_the_ladder_and_writes_a_complete_dossier(case: World) -> None:
    w = case
    # What a sent demand booked in the case's claims ledger (#15).
    book_line(
        w.store,
        case_id=int(w.store.scalar("SELECT id FROM cases WHERE debtor_id = 'ACME'")),
        debtor_id="ACME",
        kind="costs",
        cents=40500,
        currency="EUR",
        outbox_id=None,
        message_id="<reminder.F2026-0001.5@voorbeeld.test>",
        basis="art. 6:96 BW; Besluit BIK",
        computation=["collection costs 405.00"],
        computed_to=None,
        invoice_numbers=["F2026-0001", "F2026-0002"],
        now="2026-11-20T10:00:00Z",
    )
    out = w.cli_json(
        "handover",
        "ACME",
        "--agency",
        "Incasso Noord B.V.",
        "--out",
        str(w.tmp / "out"),
        "--now",
        NOW,
    )
    assert sorted(out["invoices"]) == ["F2026-0001", "F2026-0002"]
    assert {w.invoice_status("F2026-0001"), w.invoice_status("F2026-0002")} == {"handed_over"}
    assert w.invoice_status("F2026-0003") == "paid"
    assert w.case_status("ACME") == "handed_over"
    event = w.events("handed_over")[0]
    assert event["actor"] == "cli:ann" and "Incasso Noord" in event["detail"]

    with zipfile.ZipFile(out["dossier"]) as z:
        assert z.testzip() is None
        names = z.namelist()
        emls = [n for n in names if n.endswith(".eml")]
        expected = w.store.scalar(
            "SELECT (SELECT COUNT(*) FROM inbox WHERE debtor_id = 'ACME')"
            " + (SELECT COUNT(*) FROM outbox WHERE debtor_id = 'ACME')"
        )
        assert len(emls) == expected == 7 == out["messages"]
        stored = {
            bytes(r["raw"])
            for r in w.store.query(
                "SELECT raw FROM inbox WHERE debtor_id = 'ACME' UNION ALL"
                " SELECT raw FROM outbox WHERE debtor_id = 'ACME'"
            )
        }
        for name in emls:
            data = z.read(name)
            assert data in stored
            message = message_from_bytes(data, policy=policy.default)
            assert message["Subject"] is not None
        assert z.read("invoices/F2026-0001.pdf").startswith(b"%PDF")
        invoices = json.loads(z.read("invoices/invoices.json"))
        assert {i["number"]: i["open"] for i in invoices} == {
            "F2026-0001": "2000.00",
            "F2026-0002": "800.00",
        }
        rows = list(csv.DictReader(io.StringIO(z.read("invoices/invoices.csv").decode())))
        assert len(rows) == 2
        payments = json.loads(z.read("payments.json"))
        assert [(p["invoice_number"], p["amount"]) for p in payments] == [("F2026-0001", "500.00")]
        timeline = json.loads(z.read("timeline.json"))
        assert {"note", "handed_over"} <= {e["event"] for e in timeline}
        costs = json.loads(z.read("costs-and-interest.json"))
        # NL B2B: WIK staffel on 2,800.00 = 375 + 30 = 405.00
        assert costs["costs"]["amount"] == "405.00"
        assert costs["interest"]["invoices"][0]["from"] == "2026-07-02"
        assert float(costs["interest"]["total"]) > 0
        assert "Total claim" in z.read("costs-and-interest.txt").decode()
        summary = json.loads(z.read("summary.json"))
        assert summary["agency"] == "Incasso Noord B.V." and summary["messages"] == 7
        assert summary["principal"] == "2800.00"
        # Booked claims apart from the principal, and the ledger lines with their mail.
        assert [
            (b["principal"], b["costs_open"], b["interest_open"]) for b in summary["booked"]
        ] == [("2800.00", "405.00", "0.00")]
        ledger = json.loads(z.read("claims-ledger.json"))
        assert [
            (ln["kind"], ln["amount"], ln["claimed_by"]["message_id"]) for ln in ledger["lines"]
        ] == [("costs", "405.00", "<reminder.F2026-0001.5@voorbeeld.test>")]
        assert "debtor_name" in z.read("summary.csv").decode().splitlines()[0]


def test_handover_of_one_invoice_leaves_the_other_open(case: World) -> None:
    w = case
    w.cli("handover", "F2026-0002", "--agency", "Bailiff", "--out", str(w.tmp), "--now", NOW)
    assert w.invoice_status("F2026-0002") == "handed_over"
    assert w.invoice_status("F2026-0001") == "partially_paid"


def test_nothing_open_is_refused(case: World) -> None:
    result = case.cli("handover", "F2026-0003", "--agency", "X", ok=False)
    assert result.exit_code == 1 and "nothing open" in result.output
