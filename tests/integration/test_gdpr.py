"""GDPR: retention purge of closed cases' mail, export, erasure with its refusals."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest

from daemon.adapters.clock import parse_iso
from daemon.app.gdpr import purge_expired
from tests.integration.human_world import World, eml


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("OLD", email="old@old.test")
    world.invoice("F2019-0001", "OLD", 10000, issue="2019-01-01", due="2019-02-01", status="paid")
    world.debtor("NEW", email="new@new.test")
    world.invoice("F2026-0001", "NEW", 10000)
    for debtor in ("OLD", "NEW"):
        world.case(debtor)
        world.mail_in(debtor, eml("Re: reminder", f"hello from {debtor}"))
        world.mail_out(debtor, eml("Reminder", f"pay, {debtor}"))
    world.store.execute(
        "UPDATE cases SET status = 'closed', closed_at = '2022-01-10T00:00:00Z'"
        " WHERE debtor_id = 'OLD'"
    )
    world.store.execute(
        "UPDATE inbox SET received_at = '2021-11-02T08:00:00Z' WHERE debtor_id = 'OLD'"
    )
    world.store.execute(
        "UPDATE outbox SET created_at = '2021-11-01T08:00:00Z' WHERE debtor_id = 'OLD'"
    )
    world.store.execute(
        "INSERT INTO debtor_ibans VALUES ('OLD', 'NL02RABO0123456789', 'learned',"
        " '2019-01-01T00:00:00Z')"
    )
    return world


def test_retention_purges_only_closed_cases_past_the_period(w: World) -> None:
    totals = purge_expired(w.store, w.config, date(2024, 6, 1), parse_iso("2024-06-01T03:00:00Z"))
    assert totals == {"debtors": 1, "inbox": 1, "outbox": 1}
    old = w.store.one("SELECT raw, purged_at, sha256, subject FROM inbox WHERE debtor_id = 'OLD'")
    assert old is not None and old["raw"] is None and old["purged_at"] and old["sha256"]
    assert old["subject"] == "Re: reminder"
    assert bytes(w.store.scalar("SELECT raw FROM outbox WHERE debtor_id = 'OLD'")) == b""
    assert w.store.scalar("SELECT raw FROM inbox WHERE debtor_id = 'NEW'") is not None
    assert "purged" in w.cli("cases", "message", "in:1", ok=False).output
    assert (
        purge_expired(w.store, w.config, date(2024, 6, 2), parse_iso("2024-06-02T03:00:00Z"))[
            "debtors"
        ]
        == 0
    )
    # within the period nothing goes
    assert w.events("mail_purged")[0]["actor"] == "daemon"


def test_not_yet_expired(w: World) -> None:
    totals = purge_expired(w.store, w.config, date(2023, 6, 1), parse_iso("2023-06-01T03:00:00Z"))
    assert totals["debtors"] == 0


def test_export_json_and_zip(w: World, tmp_path: Path) -> None:
    data = json.loads(w.cli("debtors", "export", "OLD").output)
    assert data["debtor"]["id"] == "OLD"
    assert [e["email"] for e in data["emails"]] == ["old@old.test"]
    assert [i["number"] for i in data["invoices"]] == ["F2019-0001"]
    assert len(data["mail_in"]) == 1 and len(data["mail_out"]) == 1
    target = tmp_path / "old.zip"
    w.cli("debtors", "export", "OLD", "--zip", str(target))
    with zipfile.ZipFile(io.BytesIO(target.read_bytes())) as z:
        assert sorted(n for n in z.namelist() if n.endswith(".eml")) == [
            "mail/in-000001.eml",
            "mail/out-000001.eml",
        ]
        assert json.loads(z.read("debtor.json"))["debtor"]["name"] == "OLD Holding"


def test_erase_refuses_open_invoices_and_retention_then_anonymises(w: World) -> None:
    result = w.cli("debtors", "erase", "NEW", "--now", "2026-12-01T10:00:00Z", ok=False)
    assert result.exit_code == 1 and "open invoices" in result.output
    result = w.cli("debtors", "erase", "OLD", "--now", "2026-12-01T10:00:00Z", ok=False)
    assert result.exit_code == 1 and "statutory retention until 2026-12-31" in result.output
    out = json.loads(
        w.cli("debtors", "erase", "OLD", "--now", "2027-01-02T10:00:00Z", "--json").output
    )
    assert out["mail_purged"] == {"inbox": 1, "outbox": 1}
    debtor = w.store.one("SELECT * FROM debtors WHERE id = 'OLD'")
    assert debtor is not None and debtor["name"].startswith("erased debtor")
    assert debtor["erased_at"]
    emails = [
        r["email"] for r in w.store.query("SELECT email FROM debtor_emails WHERE debtor_id = 'OLD'")
    ]
    assert emails and all(e.endswith("@erased.invalid") for e in emails)
    assert w.store.scalar("SELECT COUNT(*) FROM debtor_ibans WHERE debtor_id = 'OLD'") == 0
    assert w.store.scalar("SELECT amount_cents FROM invoices WHERE number = 'F2019-0001'") == 10000
    assert w.events("debtor_erased")[0]["actor"] == "cli:ann"
    again = w.cli("debtors", "erase", "OLD", "--force", ok=False)
    assert "already erased" in again.output


def test_erase_with_force(w: World) -> None:
    w.cli("debtors", "erase", "NEW", "--force", "--now", "2026-12-01T10:00:00Z")
    detail = w.events("debtor_erased")[0]["detail"]
    assert '"forced": true' in detail and "F2026-0001" in detail
