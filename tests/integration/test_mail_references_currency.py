"""Issue #15 through `dunmail run --once`: what the queued reminder says about payment
references (printed form per kind) and about charges on a claim in another currency."""

from __future__ import annotations

import email
import json
from datetime import date, datetime
from email.message import Message
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.integration.dunning_support import add_invoice, add_statement
from tests.integration.human_world import World

TZ = ZoneInfo("Europe/Amsterdam")
RUN_AT = "2026-12-01T10:00+01:00"


def _text(raw: bytes) -> str:
    msg: Message = email.message_from_bytes(raw)
    parts = [p for p in msg.walk() if p.get_content_type() == "text/plain"]
    payload = parts[0].get_payload(decode=True)
    assert isinstance(payload, bytes)
    return payload.decode(parts[0].get_content_charset() or "utf-8")


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(tmp_path, extra_config='\n[database]\npath = "unused.db"\n')
    add_statement(w.store, date(2026, 11, 30), datetime(2026, 12, 1, 7, tzinfo=TZ))
    return w


def _queue(world: World, debtor: str, number: str, *, kind: str, ref: str, cur: str) -> dict:
    add_invoice(world.store, number, debtor, 100000, date(2026, 10, 1), date(2026, 10, 15))
    world.store.execute(
        "UPDATE invoices SET reference = ?, reference_kind = ?, currency = ? WHERE number = ?",
        (ref, kind, cur, number),
    )
    world.cli("run", "--once", "--now", RUN_AT, ok=False)  # queues; no SMTP server here
    row = world.store.query("SELECT raw, decision FROM outbox WHERE debtor_id = ?", (debtor,))
    assert row, world.store.query("SELECT * FROM outbox")
    return {"text": _text(row[0]["raw"]), "decision": json.loads(row[0]["decision"])}


@pytest.mark.parametrize(
    ("lang", "country", "kind", "stored", "printed"),
    [
        ("nl", "BE", "ogm", "090933755493", "+++090/9337/55493+++"),
        ("fr", "BE", "ogm", "090933755493", "+++090/9337/55493+++"),
        ("nl", "NL", "kenmerk", "5000056789012345", "5000 0567 8901 2345"),
        ("en", "NL", "rf", "RF18539007547034", "RF18 5390 0754 7034"),
    ],
)
def test_reminder_prints_the_reference_in_its_printed_form(
    world: World, lang: str, country: str, kind: str, stored: str, printed: str
) -> None:
    world.debtor("R1", lang=lang, country=country)
    mail = _queue(world, "R1", "F2026-0301", kind=kind, ref=stored, cur="EUR")
    assert printed in mail["text"], mail["text"]


def test_usd_claim_gets_no_statutory_costs_and_says_why(world: World) -> None:
    world.debtor("U1", lang="en", country="NL")
    mail = _queue(world, "U1", "F2026-0401", kind="rf", ref="RF18539007547034", cur="USD")
    decision = mail["decision"]
    assert decision["costs"] == "0.00" and decision["interest"] == "0.00"
    assert "F2026-0401 (USD)" in decision["charges_off"]
    assert "EUR claims only" in decision["charges_off"]


def test_eur_claim_has_no_charges_off_reason(world: World) -> None:
    """Positive control for the USD test above: the same invoice in EUR (the amounts on a
    charging step: tests/unit/test_statutory_scope.py)."""
    world.debtor("E1", lang="en", country="NL")
    mail = _queue(world, "E1", "F2026-0402", kind="rf", ref="RF18539007547034", cur="EUR")
    assert mail["decision"]["charges_off"] == ""
