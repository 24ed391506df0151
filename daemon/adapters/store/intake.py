"""Drop-folder files, their sightings, open-items snapshots and outside settlements (SQL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from daemon.adapters.store.db import Store, dumps, loads, marks
from daemon.adapters.store.events import record_event
from daemon.domain.invoice_states import LIVE_STATES

# Statuses that mean "these bytes were dealt with": the same content again is a duplicate.
DONE = ("processed", "applied", "held")


# -- sightings (a file seen, not yet known to be complete) -----------------------------------


def sighting(store: Store, path: str) -> dict[str, Any] | None:
    return store.one("SELECT * FROM intake_sightings WHERE path = ?", (path,))


def record_sighting(store: Store, path: str, size: int, mtime_ns: int, now: str) -> None:
    """Remember size and mtime; ``seen_at`` restarts whenever either changed."""
    store.execute(
        "INSERT INTO intake_sightings (path, size, mtime_ns, seen_at) VALUES (?, ?, ?, ?)"
        " ON CONFLICT(path) DO UPDATE SET seen_at = CASE WHEN size = excluded.size"
        " AND mtime_ns = excluded.mtime_ns THEN seen_at ELSE excluded.seen_at END,"
        " size = excluded.size, mtime_ns = excluded.mtime_ns",
        (path, size, mtime_ns, now),
    )


def forget_sightings(store: Store, paths: Iterable[str]) -> None:
    for path in paths:
        store.execute("DELETE FROM intake_sightings WHERE path = ?", (path,))


def sightings_under(store: Store, folder: str) -> list[str]:
    prefix = folder.rstrip("/") + "/"
    return [
        r["path"]
        for r in store.query(
            "SELECT path FROM intake_sightings WHERE substr(path, 1, ?) = ?",
            (len(prefix), prefix),
        )
    ]


# -- intake files --------------------------------------------------------------------------


def done_file(store: Store, sha256: str) -> dict[str, Any] | None:
    """The earlier file with these bytes that was processed (or held), if any."""
    marks = ",".join("?" * len(DONE))
    return store.one(
        f"SELECT * FROM intake_files WHERE sha256 = ? AND status IN ({marks}) ORDER BY id LIMIT 1",
        (sha256, *DONE),
    )


def save_file(
    store: Store,
    *,
    sha256: str,
    folder: str,
    filename: str,
    kind: str,
    status: str,
    now: str,
    reason: str | None = None,
    source: str | None = None,
    snapshot_at: str | None = None,
    summary: dict[str, Any] | None = None,
    moved_to: str | None = None,
) -> int:
    cursor = store.execute(
        "INSERT INTO intake_files (sha256, folder, filename, kind, source, status, reason,"
        " snapshot_at, summary, moved_to, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            sha256,
            folder,
            filename,
            kind,
            source,
            status,
            reason,
            snapshot_at,
            dumps(summary or {}),
            moved_to,
            now,
            now,
        ),
    )
    return int(cursor.lastrowid or 0)


def update_file(store: Store, file_id: int, now: str, **values: Any) -> None:
    if "summary" in values:
        values["summary"] = dumps(values["summary"])
    sets = ", ".join(f"{k} = ?" for k in values)
    store.execute(
        f"UPDATE intake_files SET {sets}, updated_at = ? WHERE id = ?",
        (*values.values(), now, file_id),
    )


def file_row(store: Store, file_id: int) -> dict[str, Any] | None:
    row = store.one("SELECT * FROM intake_files WHERE id = ?", (file_id,))
    if row is not None:
        row["summary"] = loads(row["summary"], {})
    return row


def file_rows(store: Store, status: str | None = None) -> list[dict[str, Any]]:
    sql, params = "SELECT * FROM intake_files", []
    if status:
        sql += " WHERE status = ?"
        params.append(status)
    rows = store.query(sql + " ORDER BY id", params)
    for row in rows:
        row["summary"] = loads(row["summary"], {})
    return rows


def last_snapshot_at(store: Store, source: str) -> str | None:
    """When the newest snapshot of ``source`` that acted was taken."""
    value = store.scalar(
        "SELECT MAX(snapshot_at) FROM intake_files WHERE kind = 'snapshot' AND source = ?"
        " AND status = 'applied'",
        (source,),
    )
    return str(value) if value else None


def latest_invoice_intake(store: Store) -> str | None:
    """When the newest invoice data arrived: an applied snapshot or a processed invoice file
    (drop folder or ``dunmail invoices import``), UTC."""
    value = store.scalar(
        "SELECT MAX(updated_at) FROM intake_files"
        " WHERE kind IN ('invoices','snapshot') AND status IN ('processed','applied','duplicate')"
    )
    return str(value) if value else None


# -- snapshots: what dunmail holds, what they settle ------------------------------------------


def open_invoices_of_source(store: Store, source: str) -> list[dict[str, Any]]:
    """Invoices a snapshot of ``source`` speaks for that still have money open."""
    return store.query(
        "SELECT number, status, amount_cents - paid_cents - credited_cents - written_off_cents"
        f" AS open_cents FROM invoices WHERE intake_source = ? AND status IN ({marks(LIVE_STATES)})",
        (source, *LIVE_STATES),
    )


def claim_source(store: Store, numbers: Sequence[str], source: str) -> None:
    """Invoices listed in a snapshot of ``source``: its later snapshots speak for them."""
    for start in range(0, len(numbers), 500):
        chunk = list(numbers[start : start + 500])
        store.execute(
            f"UPDATE invoices SET intake_source = ? WHERE number IN ({','.join('?' * len(chunk))})",
            (source, *chunk),
        )


def add_outside_settlement(
    store: Store,
    *,
    number: str,
    kind: str,
    cents: int,
    file_id: int | None,
    snapshot: str,
    now: str,
) -> None:
    store.execute(
        "INSERT INTO outside_settlements (invoice_number, kind, amount_cents, intake_file_id,"
        " snapshot, created_at) VALUES (?, ?, ?, ?, ?, ?)",
        (number, kind, cents, file_id, snapshot, now),
    )


def settled_outside(store: Store, numbers: Sequence[str]) -> set[str]:
    """Those of ``numbers`` that a snapshot settled (wholly or in part)."""
    found: set[str] = set()
    for start in range(0, len(numbers), 500):
        chunk = list(numbers[start : start + 500])
        found.update(
            r["invoice_number"]
            for r in store.query(
                "SELECT DISTINCT invoice_number FROM outside_settlements"
                f" WHERE invoice_number IN ({','.join('?' * len(chunk))})",
                chunk,
            )
        )
    return found


def outside_settlement_rows(store: Store, number: str) -> list[dict[str, Any]]:
    return store.query(
        "SELECT * FROM outside_settlements WHERE invoice_number = ? ORDER BY id", (number,)
    )


def resolve_keyed_items(store: Store, dedupe_key: str, resolution: str, *, now: str) -> int:
    """Close the open review items opened under ``dedupe_key`` (a held snapshot now applied,
    a failed drop file put back)."""
    items = store.query(
        "SELECT id, type FROM review_items WHERE dedupe_key = ? AND state != 'resolved'",
        (dedupe_key,),
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
            detail={"review_item": item["id"], "type": item["type"], "reason": resolution},
            at=now,
        )
    return len(items)


def outside_settlements_of(store: Store, numbers: Sequence[str]) -> list[dict[str, Any]]:
    """Every outside settlement of these invoices (a debtor's GDPR export)."""
    rows: list[dict[str, Any]] = []
    for start in range(0, len(numbers), 500):
        chunk = list(numbers[start : start + 500])
        rows += store.query(
            "SELECT invoice_number, kind, amount_cents, snapshot, created_at"
            f" FROM outside_settlements WHERE invoice_number IN ({','.join('?' * len(chunk))})"
            " ORDER BY id",
            chunk,
        )
    return rows
