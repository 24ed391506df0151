"""#16: the review items paper letters open, resolved through `dunmail queue resolve` on a
real database file: no postal address (retry after the import, or skip the step and go on by
mail), a letter that could not be made (retry after the fix), a letter posted too late for
its deadline (remake it, or accept it)."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from daemon.adapters.store.letters import list_letters
from daemon.app.dunning import queue_day
from tests.integration.human_world import World
from tests.integration.letters_support import add_address

TZ = ZoneInfo("Europe/Amsterdam")
LADDER = """
[dunning]
bank_freshness_business_days = 0

[letters]
place = "Utrecht"
{logo}

[ladders.b2b]
steps = [
  {{ name = "reminder", template = "reminder1", offset_days = 1, relative_to = "due" }},
  {{ name = "formal", template = "reminder2", offset_days = 7, relative_to = "previous", costs = true, interest = true, deadline_days = 7, channel = "letter" }},
  {{ name = "demand", template = "demand", offset_days = 7, relative_to = "previous", costs = true, interest = true, deadline_days = 7 }},
  {{ name = "handover", template = "handover", offset_days = 7, relative_to = "previous", channel = "task", final = true }},
]
"""


def _world(tmp_path: Path, *, address: bool, logo: str = "") -> World:
    world = World(tmp_path, extra_config=LADDER.format(logo=logo))
    world.debtor("ACME", email="ap@acme.test")
    world.invoice("F2026-0001", "ACME", 123450, issue="2026-01-05", due="2026-01-19")
    if address:
        add_address(world.store, "ACME")
    return world


def _cycles(w: World, start: date, days: int, until: str) -> None:
    """Daily cycles (mails marked sent as the drain would) until the SQL ``until`` counts."""
    for offset in range(days):
        now = datetime.combine(start + timedelta(days=offset), time(9), tzinfo=TZ)
        queue_day(w.store, w.config, now)
        w.store.execute(
            "UPDATE outbox SET status = 'sent', sent_at = created_at WHERE status = 'queued'"
        )
        if w.store.scalar(until):
            return
    raise AssertionError(f"not reached in {days} days: {until}")


def _item(w: World, kind: str) -> int:
    return int(w.store.scalar("SELECT id FROM review_items WHERE type = ?", (kind,)))


def _resolve(w: World, item: int, action: str, *extra: str, ok: bool = True) -> str:
    result = w.cli("queue", "resolve", str(item), "--action", action, *extra, "--now",
                   "2026-03-02T10:00:00+01:00", ok=ok)  # fmt: skip
    if not ok:
        assert result.exit_code != 0
    return result.output


NO_ADDRESS = "SELECT 1 FROM review_items WHERE type = 'no_postal_address'"


def test_no_postal_address_retry_refused_until_the_address_is_imported(tmp_path: Path) -> None:
    w = _world(tmp_path, address=False)
    _cycles(w, date(2026, 1, 20), 40, NO_ADDRESS)
    item = _item(w, "no_postal_address")
    shown = w.cli("queue", "show", str(item)).output
    assert "retry, skip_step" in shown and "after importing the address" in shown
    refused = _resolve(w, item, "retry", ok=False)
    assert "still has no postal address (street, postcode, city)" in refused
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (item,)) == "open"
    add_address(w.store, "ACME")
    assert "the letter is made at the next cycle" in _resolve(w, item, "retry")
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (item,)) == "resolved"
    _cycles(w, date(2026, 3, 3), 10, "SELECT 1 FROM letters")
    assert [r["step_name"] for r in list_letters(w.store)] == ["formal"]


def test_no_postal_address_skip_step_goes_on_by_mail(tmp_path: Path) -> None:
    w = _world(tmp_path, address=False)
    _cycles(w, date(2026, 1, 20), 40, NO_ADDRESS)
    item = _item(w, "no_postal_address")
    said = _resolve(w, item, "skip_step", "--text", "no address known")
    assert "step 'formal' passed over for F2026-0001; 'demand' follows by mail" in said
    row = w.store.one("SELECT dunning_step, last_step_name FROM invoices")
    assert row is not None and (row["dunning_step"], row["last_step_name"]) == (2, "formal")
    again = _resolve(w, item, "skip_step", ok=False)
    assert "already resolved" in again
    _cycles(w, date(2026, 3, 3), 20, "SELECT 1 FROM outbox WHERE step_name = 'demand'")
    assert list_letters(w.store) == []  # no letter was ever made for this debtor
    event = w.store.one("SELECT actor, detail FROM case_events WHERE event = 'letter_step_skipped'")
    assert event is not None and event["actor"] == "cli:ann" and "no address" in event["detail"]


def test_skip_step_refused_for_the_last_step(tmp_path: Path) -> None:
    w = _world(tmp_path, address=False)
    item = w.item(
        "no_postal_address", "a letter step without address", debtor_id="ACME",
        invoice_numbers=["F2026-0001"], evidence={"ladder": "b2b", "step_number": 4},
    )  # fmt: skip
    assert "the ladder's last" in _resolve(w, item, "skip_step", ok=False)
    assert w.store.scalar("SELECT dunning_step FROM invoices") == 0


def test_letter_failed_retry_after_the_logo_is_fixed(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    w = _world(tmp_path, address=True, logo=f'logo = "{logo}"')
    _cycles(w, date(2026, 1, 20), 40, "SELECT 1 FROM review_items WHERE type = 'letter_failed'")
    item = _item(w, "letter_failed")
    assert "letters.logo" in _resolve(w, item, "retry", ok=False)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), "navy").save(buffer, format="PNG")
    logo.write_bytes(buffer.getvalue())
    assert "the letter is made at the next cycle" in _resolve(w, item, "retry")
    _cycles(w, date(2026, 3, 3), 10, "SELECT 1 FROM letters")


@pytest.mark.parametrize("action", ["remake", "accept"])
def test_letter_deadline_remake_or_accept(tmp_path: Path, action: str) -> None:
    w = _world(tmp_path, address=True)
    _cycles(w, date(2026, 1, 20), 40, "SELECT 1 FROM letters")
    (first,) = list_letters(w.store)
    posted = date.fromisoformat(first["letter_date"]) + timedelta(days=6)
    w.cli("letters", "mark-posted", str(first["id"]), "--date", posted.isoformat(), "--now",
          f"{posted.isoformat()}T12:00:00+01:00")  # fmt: skip
    item = _item(w, "letter_deadline")
    assert "remake, accept" in w.cli("queue", "show", str(item)).output
    said = _resolve(w, item, action, "--json")
    letters = list_letters(w.store)
    if action == "remake":
        assert len(letters) == 2 and f"letter #{letters[-1]['id']} made with deadline" in said
        fresh = date.fromisoformat(letters[-1]["deadline"])
        assert fresh > date.fromisoformat(first["deadline"])
        assert letters[-1]["status"] == "queued"
    else:
        assert len(letters) == 1 and "the later date is granted" in said
    assert w.store.scalar("SELECT state FROM review_items WHERE id = ?", (item,)) == "resolved"
    assert w.store.scalar(
        "SELECT COUNT(*) FROM case_events WHERE event = ?",
        ("letter_remade" if action == "remake" else "letter_deadline_accepted",),
    )
    help_text = w.cli("queue", "resolve", "--help").output
    assert "skip_step" in help_text and "remake" in help_text and "Example" in help_text
