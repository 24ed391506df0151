"""Hand-over to a collection agency: stop the ladder and write the dossier an agency asks for.

The dossier is one ZIP: the invoices (PDF when we have it, always CSV and JSON), every mail in
and out as .eml, the payments, the audit timeline, the collection-cost and interest working as
of the hand-over date, and a summary in CSV and JSON.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from daemon.adapters.clock import iso_utc
from daemon.adapters.privatefiles import FilePolicy, private_dir, reserve_private, write_private
from daemon.adapters.store import handover as handover_store
from daemon.adapters.store.cases import open_case, set_case_status
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import debtor_row, invoice_rows, set_invoice_status
from daemon.app.handover_dossier import build_dossier
from daemon.app.plans import invoice_open_cents
from daemon.app.progress import Progress, silent
from daemon.config import Config
from daemon.domain.filenames import short_hash, slug
from daemon.domain.model import CLOSED_STATES


class HandoverError(ValueError):
    """The hand-over cannot be done; the message says what to fix."""


@dataclass(frozen=True, slots=True)
class HandoverResult:
    path: Path
    debtor_id: str
    invoices: tuple[str, ...]
    messages: int


def default_out_dir(store: Store) -> Path:
    return Path(store.path).resolve().parent / "handover"


def dossier_stem(debtor_id: str, today: date) -> str:
    """``dossier-<safe id>-DATE-<hash of the exact id>``: one debtor's, whatever its id (the
    old ``dossier-<id>-`` prefix is kept for scripts that look for it)."""
    return f"dossier-{slug(debtor_id)}-{today.isoformat()}-{short_hash(debtor_id)}"


def hand_over(
    store: Store,
    config: Config,
    debtor_id: str,
    *,
    agency: str,
    invoice_numbers: Sequence[str] = (),
    out_dir: str | Path | None = None,
    actor: str,
    today: date,
    now: datetime,
    progress: Progress = silent,
) -> HandoverResult:
    """Hand the debtor's open invoices (or the named ones) to ``agency`` and write the dossier."""
    debtor = debtor_row(store, debtor_id)
    if debtor is None:
        raise HandoverError(f"no debtor {debtor_id}")
    if not agency.strip():
        raise HandoverError("name the agency with --agency NAME")
    rows = invoice_rows(store, debtor_id=debtor_id, numbers=list(invoice_numbers) or None)
    rows = [r for r in rows if r["status"] not in CLOSED_STATES and invoice_open_cents(r) > 0]
    if not rows:
        raise HandoverError(f"debtor {debtor_id} has nothing open to hand over")
    numbers = tuple(r["number"] for r in rows)
    at = iso_utc(now)
    files = FilePolicy(config.files.group)
    directory = Path(out_dir) if out_dir else default_out_dir(store)
    private_dir(directory, files)
    # A new file for every hand-over, never another's: the exact id is hashed into the name
    # ("D 1" and "D/1" slug alike) and a second hand-over that day gets "-2", "-3", ...
    path = reserve_private(directory, dossier_stem(debtor_id, today), ".zip", files)
    try:
        with store.transaction():
            for number in numbers:
                set_invoice_status(store, number, "handed_over", now=at)
            case = open_case(store, debtor_id, now=at)
            set_case_status(
                store, case["id"], "handed_over", reason=f"handed over to {agency}", now=at
            )
            cancelled = handover_store.cancel_queued_reminders(store, debtor_id)
            handover_store.break_live_plans(store, debtor_id, at=at)
            record_event(
                store,
                "handed_over",
                actor=actor,
                debtor_id=debtor_id,
                case_id=case["id"],
                detail={
                    "agency": agency,
                    "invoices": list(numbers),
                    "dossier": str(path),
                    "queued_reminders_cancelled": cancelled,
                },
                at=at,
            )
            content, messages = build_dossier(
                store,
                config,
                debtor_id,
                numbers,
                agency=agency,
                as_of=today,
                generated_at=at,
                progress=progress,
            )
            # Over our own reserved name: the file is empty or the whole dossier, never a part.
            write_private(path, content, files)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return HandoverResult(path, debtor_id, numbers, messages)
