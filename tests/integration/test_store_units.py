"""Units of work (nested ones are savepoints) and the answer rate-limit lookup."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from daemon.adapters.store.db import Store, dumps, loads, open_store
from daemon.adapters.store.queue import add_review_item
from daemon.adapters.store.reply_lookups import answered_recently


class Boom(RuntimeError):
    pass


def state(store: Store) -> dict[str, str]:
    return {r["key"]: r["value"] for r in store.query("SELECT key, value FROM state")}


def test_a_failed_inner_unit_undoes_only_its_own_writes(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    with store.transaction():
        store.set_state("outer", "1")
        with pytest.raises(Boom), store.transaction():
            store.set_state("inner", "1")
            raise Boom
        with store.transaction():  # a later inner unit at the same depth still works
            store.set_state("after", "1")
    assert state(store) == {"outer": "1", "after": "1"}


def test_an_error_leaving_the_outer_unit_undoes_everything(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    with pytest.raises(Boom), store.transaction():
        store.set_state("outer", "1")
        with store.transaction():
            store.set_state("inner", "1")
        raise Boom
    assert state(store) == {}
    assert not store.conn.in_transaction


def answer(store: Store, to: str, kind: str, at: str, status: str = "queued") -> None:
    n = store.scalar("SELECT COUNT(*) FROM outbox") + 1
    store.execute(
        "INSERT INTO outbox (kind, message_id, mail_from, recipients, subject, raw, sha256,"
        " status, created_at) VALUES (?, ?, 'office@x.nl', ?, 's', x'00', 'h', ?, ?)",
        (kind, f"<a{n}@x>", dumps([to]), status, at),
    )


def test_answered_recently_by_kind_time_and_status(tmp_path: Path) -> None:
    store = open_store(tmp_path / "d.db")
    with store.transaction():
        answer(store, "jan@example.com", "auto_answer", "2026-11-27T10:00:00Z")
        answer(store, "piet@example.com", "reminder", "2026-11-27T10:00:00Z")
        answer(store, "kees@example.com", "confirmation", "2026-11-27T10:00:00Z", "cancelled")
        answer(store, "anna@example.com", "invoice_copy", "2026-11-20T10:00:00Z")
    since = "2026-11-27T00:00:00Z"
    assert answered_recently(store, "Jan@Example.com", since)
    assert not answered_recently(store, "piet@example.com", since)  # a reminder is no answer
    assert not answered_recently(store, "kees@example.com", since)  # cancelled
    assert not answered_recently(store, "anna@example.com", since)  # too long ago
    assert answered_recently(store, "anna@example.com", "2026-11-01T00:00:00Z")


def test_answered_recently_searches_its_index(tmp_path: Path) -> None:
    """A busy day's answers were once scanned per inbound mail; keep the lookup indexed."""
    store = open_store(tmp_path / "d.db")
    seen: list[str] = []
    store.conn.set_trace_callback(seen.append)
    answered_recently(store, "a@b.nl", "2026-11-27T00:00:00Z")
    store.conn.set_trace_callback(None)
    (sql,) = [s for s in seen if "FROM outbox" in s]
    plan = store.conn.execute("EXPLAIN QUERY PLAN " + sql).fetchall()
    assert "USING INDEX outbox_answer_recipient" in " ".join(str(row[-1]) for row in plan)


def test_a_review_item_with_the_same_dedupe_key_is_opened_once(tmp_path: Path) -> None:
    """The key is checked by the insert itself: the same key returns the first item's id and
    keeps its content (no second event); other keys, and items without one, each get their
    own row and their `review_item_opened` event."""
    store = open_store(tmp_path / "d.db")
    first = add_review_item(store, "payment_unmatched", "a", dedupe_key="payment:1:x", now="t1")
    again = add_review_item(store, "payment_unmatched", "b", dedupe_key="payment:1:x", now="t2")
    other = add_review_item(store, "payment_unmatched", "c", dedupe_key="payment:2:x", now="t3")
    plain = [add_review_item(store, "payment_unmatched", "d", now="t4") for _ in range(2)]
    assert again == first and len({first, other, *plain}) == 4
    rows = store.query("SELECT id, reason, created_at FROM review_items ORDER BY id")
    assert [(r["id"], r["reason"], r["created_at"]) for r in rows] == [
        (first, "a", "t1"),
        (other, "c", "t3"),
        (plain[0], "d", "t4"),
        (plain[1], "d", "t4"),
    ]
    opened = store.query(
        "SELECT detail FROM case_events WHERE event = 'review_item_opened' ORDER BY id"
    )
    assert [loads(r["detail"])["review_item"] for r in opened] == [first, other, *plain]
    # Only the key is forgiven: a row breaking another constraint still fails.
    with pytest.raises(sqlite3.IntegrityError):
        add_review_item(store, None, "e", dedupe_key="payment:3:x")  # type: ignore[arg-type]
