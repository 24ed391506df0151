"""The human review queue: what dunmail cannot decide safely, with reason and evidence."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from daemon.adapters.clock import iso_utc
from daemon.adapters.store.db import Store, dumps, loads
from daemon.adapters.store.events import record_event

PRIORITY_NAMES = {0: "urgent", 1: "high", 2: "normal", 3: "low"}
PRIORITIES = {name: value for value, name in PRIORITY_NAMES.items()}


def add_review_item(
    store: Store,
    type: str,
    reason: str,
    *,
    priority: int = 2,
    evidence: dict[str, Any] | None = None,
    proposed_actions: Sequence[str] = (),
    due_date: str | None = None,
    assignee: str | None = None,
    debtor_id: str | None = None,
    case_id: int | None = None,
    invoice_numbers: Sequence[str] = (),
    inbox_id: int | None = None,
    outbox_id: int | None = None,
    transaction_id: int | None = None,
    statement_file_id: int | None = None,
    dedupe_key: str | None = None,
    now: str | None = None,
) -> int:
    """Open a review item. With a ``dedupe_key`` the same item is never opened twice
    (re-processing after a crash stays idempotent); the existing id is returned."""
    at = now or iso_utc()
    # One statement, not a look-up before every insert: an import opens tens of thousands.
    # Only a repeated dedupe_key is let through; any other constraint still fails loudly.
    cursor = store.execute(
        "INSERT INTO review_items (type, priority, reason, evidence, proposed_actions, due_date,"
        " assignee, debtor_id, case_id, invoice_numbers, inbox_id, outbox_id, transaction_id,"
        " statement_file_id, dedupe_key, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT(dedupe_key) DO NOTHING",
        (
            type,
            priority,
            reason,
            dumps(evidence or {}),
            dumps(list(proposed_actions)),
            due_date,
            assignee,
            debtor_id,
            case_id,
            dumps(list(invoice_numbers)),
            inbox_id,
            outbox_id,
            transaction_id,
            statement_file_id,
            dedupe_key,
            at,
            at,
        ),
    )
    if cursor.rowcount == 0:  # already open under this key: no second item, no event
        return int(store.scalar("SELECT id FROM review_items WHERE dedupe_key = ?", (dedupe_key,)))
    item_id = int(cursor.lastrowid or 0)
    record_event(
        store,
        "review_item_opened",
        debtor_id=debtor_id,
        case_id=case_id,
        invoice_number=invoice_numbers[0] if len(invoice_numbers) == 1 else None,
        inbox_id=inbox_id,
        outbox_id=outbox_id,
        transaction_id=transaction_id,
        detail={
            "review_item": item_id,
            "type": type,
            "priority": PRIORITY_NAMES.get(priority, str(priority)),
            "invoices": list(invoice_numbers) if len(invoice_numbers) > 1 else [],
            "file_id": statement_file_id,
        },
        at=at,
    )
    return item_id


def review_item(store: Store, item_id: int) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM review_items WHERE id = ?", (item_id,))
    return None if row is None else decode_item(row)


def decode_item(row: dict[str, Any]) -> dict[str, Any]:
    item = dict(row)
    for key, default in (("evidence", {}), ("proposed_actions", []), ("invoice_numbers", [])):
        item[key] = loads(item[key], default)
    item["priority_name"] = PRIORITY_NAMES.get(item["priority"], str(item["priority"]))
    return item


def open_items(store: Store, type: str | None = None) -> list[dict[str, Any]]:
    sql = "SELECT * FROM review_items WHERE state != 'resolved'"
    params: list[Any] = []
    if type:
        sql += " AND type = ?"
        params.append(type)
    sql += " ORDER BY priority, created_at, id"
    return [decode_item(r) for r in store.query(sql, params)]


def resolve_file_items(store: Store, file_id: int, resolution: str, *, now: str) -> int:
    """Close the open quarantine items of a file that has now been imported."""
    items = store.query(
        "SELECT id FROM review_items WHERE statement_file_id = ?"
        " AND type = 'statement_quarantined' AND state != 'resolved' ORDER BY id",
        (file_id,),
    )
    for item in items:
        store.execute(
            "UPDATE review_items SET state = 'resolved', resolution = ?, resolved_by = 'dunmail',"
            " resolved_at = ?, updated_at = ? WHERE id = ?",
            (resolution, now, now, item["id"]),
        )
        record_event(
            store,
            "review_item_resolved",
            detail={
                "review_item": item["id"],
                "type": "statement_quarantined",
                "file_id": file_id,
                "reason": resolution,
            },
            at=now,
        )
    return len(items)


# Review items opened from a debtor's own words: a reply (inbox row) linked to a debtor.
# Bounces are machine notices about our mail, not the debtor's words.
_DEBTOR_WORDS = (
    "state != 'resolved' AND debtor_id IS NOT NULL AND inbox_id IS NOT NULL AND type != 'bounce'"
)


def debtor_reply_items(store: Store) -> list[dict[str, Any]]:
    """Unresolved review items that come from a debtor's reply, oldest first."""
    return store.query(
        "SELECT id, type, debtor_id, created_at, priority FROM review_items"
        f" WHERE {_DEBTOR_WORDS} ORDER BY created_at, id"
    )


def escalate_item(store: Store, item_id: int, *, now: str) -> bool:
    """Raise an item to urgent and clear its notification mark so staff are alerted again.
    False when it was already urgent (escalation happens once)."""
    return (
        store.execute(
            "UPDATE review_items SET priority = 0, notified_at = NULL, updated_at = ?"
            " WHERE id = ? AND priority > 0 AND state != 'resolved'",
            (now, item_id),
        ).rowcount
        > 0
    )


def resolve_debtor_items(
    store: Store, debtor_id: str, type: str, resolution: str, *, actor: str, now: str
) -> list[int]:
    """Close a debtor's open (or snoozed) items of one type; returns their ids."""
    ids = [
        int(r["id"])
        for r in store.query(
            "SELECT id FROM review_items WHERE debtor_id = ? AND type = ? AND state != 'resolved'"
            " ORDER BY id",
            (debtor_id, type),
        )
    ]
    for item_id in ids:
        store.execute(
            "UPDATE review_items SET state = 'resolved', resolution = ?, resolved_by = ?,"
            " resolved_at = ?, updated_at = ? WHERE id = ?",
            (resolution, actor, now, now, item_id),
        )
        record_event(
            store,
            "review_item_resolved",
            actor=actor,
            debtor_id=debtor_id,
            # Not the resolution: it may quote what a person typed (a call note).
            detail={"review_item": item_id, "type": type},
            at=now,
        )
    return ids


def listed_items(
    store: Store,
    *,
    due_by: str | None,
    item_type: str | None = None,
    assignee: str | None = None,
) -> list[dict[str, Any]]:
    """Review items for ``queue list``, most urgent first (raw rows: see decode_item).

    ``due_by`` (ISO date): open items and those snoozed until then; None: every item."""
    sql = "SELECT * FROM review_items WHERE 1=1"
    params: list[Any] = []
    if due_by is not None:
        sql += " AND (state = 'open' OR (state = 'snoozed' AND snoozed_until <= ?))"
        params.append(due_by)
    if item_type:
        sql += " AND type = ?"
        params.append(item_type)
    if assignee is not None:
        sql += " AND assignee = ?"
        params.append(assignee)
    sql += " ORDER BY priority, due_date IS NULL, due_date, id"
    return store.query(sql, params)
