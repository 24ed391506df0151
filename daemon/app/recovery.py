"""Start-up recovery of the outbox: resolve rows a crash left ``sending``.

A row is ``sending`` between its claim and the record of the SMTP acceptance. After a crash
nobody knows whether the server accepted it, so it is never sent again blindly: its
Message-ID is looked up in the IMAP Sent folder — found: it went out (``sent``); not found
(or no IMAP to ask): ``uncertain`` plus a review item ``delivery_uncertain`` for a person.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from daemon.adapters.clock import iso_utc, parse_iso
from daemon.adapters.mailerrors import MailError
from daemon.adapters.store import delivery
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.app.outbox import ImapFactory, default_imap_factory, mark_sent, review_outbox_row
from daemon.config import Config


@dataclass
class RecoveryReport:
    found_sent: list[int] = field(default_factory=list)
    uncertain: list[int] = field(default_factory=list)
    left: list[int] = field(default_factory=list)  # IMAP unreachable: try again later
    errors: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def recover_outbox(
    store: Store,
    config: Config,
    *,
    now: datetime,
    imap_factory: ImapFactory | None = None,
    stale_seconds: int = 0,
) -> RecoveryReport:
    """Resolve every row left ``sending`` (claimed at least ``stale_seconds`` before now)."""
    report = RecoveryReport()
    cutoff = iso_utc(now - timedelta(seconds=stale_seconds))
    rows = delivery.stale_sending(store, cutoff)
    if not rows:
        return report
    factory = imap_factory if imap_factory is not None else default_imap_factory(config)
    box = None
    if factory is not None:
        try:
            box = factory()
            # A Sent folder that does not exist yet holds nothing: "not found", not an error.
            box.ensure_folder(config.imap.sent_folder)
        except (MailError, OSError) as exc:
            report.errors.append(f"IMAP unreachable, {len(rows)} row(s) left 'sending': {exc}")
            report.left = [r["id"] for r in rows]
            return report
    try:
        for row in rows:
            found = False
            if box is not None:
                try:
                    found = bool(
                        box.search_header(config.imap.sent_folder, "Message-ID", row["message_id"])
                    )
                except (MailError, OSError) as exc:
                    report.errors.append(f"search for {row['message_id']} failed: {exc}")
                    report.left.append(row["id"])
                    continue
            _resolve(store, config, row, found, box is not None, now, report)
    finally:
        if box is not None:
            with contextlib.suppress(Exception):
                box.logout()
    return report


def _resolve(
    store: Store,
    config: Config,
    row: dict[str, Any],
    found: bool,
    asked: bool,
    now: datetime,
    report: RecoveryReport,
) -> None:
    at = iso_utc(now)
    with store.transaction():
        if found:
            claimed = parse_iso(row["claimed_at"]) if row["claimed_at"] else now
            mark_sent(store, config, row, claimed)
            delivery.mark_in_sent_folder(store, row["id"])
            record_event(
                store,
                "delivery_confirmed",
                debtor_id=row["debtor_id"],
                outbox_id=row["id"],
                at=at,
                detail={"message_id": row["message_id"], "how": "found in Sent folder"},
            )
            report.found_sent.append(row["id"])
            return
        where = f"not in the {config.imap.sent_folder} folder" if asked else "no IMAP to check"
        reason = (
            f"{row['kind']} {row['message_id']} to {', '.join(loads(row['recipients'], []))} may "
            f"or may not have been sent (dunmail stopped while sending; {where}). It will not be "
            "sent again automatically: check the recipient's copy or resend by hand."
        )
        delivery.mark_uncertain(store, row["id"], reason)
        review_outbox_row(
            store,
            row,
            "delivery_uncertain",
            reason,
            {"message_id": row["message_id"], "claimed_at": row["claimed_at"]},
            at=at,
        )
        record_event(
            store,
            "delivery_uncertain",
            debtor_id=row["debtor_id"],
            outbox_id=row["id"],
            at=at,
            detail={"message_id": row["message_id"]},
        )
        report.uncertain.append(row["id"])
