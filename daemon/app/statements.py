"""Statement intake: bank files in, payments booked once, matched and applied in one transaction.

A file (or each member of a .zip) is recognised by its bytes, never its name. The same bytes
twice stop at the file hash; a booking repeated by an overlapping statement stops at its entry
key. A file that cannot be read is kept with its reason and shown for review; it never
touches an invoice.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any, cast

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import bank
from daemon.adapters.store import claims as claims_store
from daemon.adapters.store.db import Store
from daemon.adapters.store.events import record_event
from daemon.adapters.store.queue import add_review_item, resolve_file_items
from daemon.app.progress import Progress
from daemon.app.statement_booking import book_payment, booking_settings, settle_effects
from daemon.app.statement_zip import StatementError, ZipLimits, unzip_members
from daemon.config import BankSettings, Config
from daemon.domain.matching import InvoiceBook, MatchSettings, is_return
from daemon.domain.money import to_cents
from daemon.domain.payment_booking import Running
from parsers.bank import BankFormatError, Direction, Payment
from parsers.camt import StatementEnd
from parsers.statements import iter_statement_items, parse_statement_bytes, statement_items


@dataclass
class FileOutcome:
    filename: str
    status: str  # imported | duplicate | failed | quarantined
    reason: str | None = None
    format: str | None = None
    file_id: int | None = None
    statements: int = 0
    payments: int = 0
    new: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.filename,
            "status": self.status,
            "reason": self.reason,
            "format": self.format,
            "file_id": self.file_id,
            "statements": self.statements,
            "payments": self.payments,
            "new": self.new,
            "by_status": dict(sorted(self.by_status.items())),
        }


def match_settings(settings: BankSettings) -> MatchSettings:
    return MatchSettings(to_cents(settings.tolerance), settings.name_match_threshold)


def import_statement_files(
    store: Store,
    config: Config,
    paths: Sequence[Path],
    *,
    now: str | None = None,
    progress: Progress | None = None,
) -> list[FileOutcome]:
    """Import statement files from disk. A plain file is hashed and parsed as a stream, so
    memory stays flat whatever its size; a .zip is unpacked (with its bomb limits) first.
    ``progress`` is told how many bytes of the current file were read, of how many."""
    at = now or iso_utc()
    outcomes: list[FileOutcome] = []
    for path in paths:
        try:
            with path.open("rb") as handle:
                is_zip = handle.read(4) == b"PK\x03\x04"
                handle.seek(0)
                sha = "" if is_zip else hashlib.file_digest(handle, "sha256").hexdigest()
            if is_zip:
                data = path.read_bytes()
        except OSError as exc:
            outcomes.append(FileOutcome(str(path), "failed", f"cannot read: {exc.strerror}"))
            continue
        if is_zip:
            outcomes += import_statement_bytes(store, config, data, filename=str(path), now=at)
            continue
        source = _FileSource(path, sha, progress)
        outcomes.append(_import_one(store, config, source, str(path), "cli", None, at))
    return outcomes


def import_statement_bytes(
    store: Store,
    config: Config,
    data: bytes,
    *,
    filename: str,
    source: str = "cli",
    inbox_id: int | None = None,
    now: str | None = None,
) -> list[FileOutcome]:
    """Import one file: a bank statement, or a .zip of them (one outcome per member)."""
    at = now or iso_utc()
    if not data.startswith(b"PK\x03\x04"):
        return [_import_one(store, config, _BytesSource(data), filename, source, inbox_id, at)]
    outcomes: list[FileOutcome] = []
    try:
        # One member in memory at a time; the archive was measured before the first.
        for name, member in unzip_members(data, ZipLimits.of(config.bank)):
            outcomes.append(
                _import_one(
                    store, config, _BytesSource(member), f"{filename}!{name}", source, inbox_id, at
                )
            )
    except StatementError as exc:
        outcomes.append(
            quarantine(
                store,
                data,
                filename=filename,
                source=source,
                inbox_id=inbox_id,
                reason=str(exc),
                status="failed",
                now=at,
            )
        )
    return outcomes


def reimport_file(store: Store, config: Config, file_id: int, *, now: str) -> list[FileOutcome]:
    """Import a quarantined or failed file again from its kept bytes, under the current
    configuration (after a fix of bank.accounts, a parser, or once a person has checked that a
    file from an unauthenticated mail is genuine). Raises LookupError/ValueError when there is
    nothing to import."""
    row = bank.file_row(store, file_id)
    if row is None:
        raise LookupError(f"no statement file {file_id}; see: dunmail statements list")
    if row["status"] == "imported":
        raise ValueError(f"statement file {file_id} ({row['filename']}) is already imported")
    if row["raw"] is None:
        raise ValueError(f"statement file {file_id} has no kept bytes to import")
    return import_statement_bytes(
        store,
        config,
        bytes(row["raw"]),
        filename=row["filename"],
        source=row["source"],
        inbox_id=row["inbox_id"],
        now=now,
    )


def quarantine(
    store: Store,
    data: bytes,
    *,
    filename: str,
    source: str,
    inbox_id: int | None,
    reason: str,
    status: str = "quarantined",
    now: str,
) -> FileOutcome:
    """Keep the bytes with the reason and ask a person; nothing is booked."""
    sha = hashlib.sha256(data).hexdigest()
    with store.transaction():
        existing = bank.file_by_sha(store, sha)
        if existing is not None and existing["status"] == "imported":
            return FileOutcome(
                filename, "duplicate", "already imported", existing["format"], int(existing["id"])
            )
        file_id = bank.save_file(
            store,
            sha256=sha,
            filename=filename,
            fmt=None,
            source=source,
            inbox_id=inbox_id,
            status=status,
            reason=reason,
            raw=data,
            now=now,
        )
        add_review_item(
            store,
            "statement_quarantined",
            f"{filename}: {reason}",
            priority=1,
            evidence={"file": filename, "sha256": sha, "reason": reason, "source": source},
            proposed_actions=[
                "import (after a fix, or once you know the file is genuine)",
                "dismiss",
            ],
            inbox_id=inbox_id,
            statement_file_id=file_id,
            dedupe_key=f"statement_file:{sha}",
            now=now,
        )
        record_event(
            store,
            "statement_quarantined",
            detail={"file": filename, "reason": reason},
            inbox_id=inbox_id,
            at=now,
        )
    return FileOutcome(filename, status, reason, None, file_id)


class _FileSource:
    """A statement file on disk: parsed as a stream, read whole only to be kept."""

    def __init__(self, path: Path, sha256: str, progress: Progress | None) -> None:
        self.path, self.sha256, self.progress = path, sha256, progress

    def items(self, filename: str) -> Iterator[Payment | StatementEnd]:
        with self.path.open("rb") as handle:
            stream = (
                handle
                if self.progress is None
                else cast(IO[bytes], _Reported(handle, self.progress, self.path.stat().st_size))
            )
            yield from iter_statement_items(stream, source=filename)

    def whole(self) -> bytes:
        return self.path.read_bytes()


class _BytesSource:
    """Statement bytes already in memory (a mail attachment, a zip member, kept bytes)."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.sha256 = hashlib.sha256(data).hexdigest()

    def items(self, filename: str) -> Iterator[Payment | StatementEnd]:
        return iter_statement_items(self.data, source=filename)

    def whole(self) -> bytes:
        return self.data


class _Reported(io.RawIOBase):
    """A binary file that tells ``progress`` how far it has been read."""

    def __init__(self, handle: IO[bytes], progress: Progress, size: int) -> None:
        self.handle, self.progress, self.size = handle, progress, size

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.handle.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.handle.seek(offset, whence)

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        self.progress(self.handle.tell(), self.size)
        return chunk

    def readinto(self, buffer: Any) -> int:
        chunk = self.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


_BATCH = 1000  # payments parsed, then stored, then matched together


class _Refused(Exception):
    """The file must not be booked; its writes are rolled back and it goes to a person."""


class _NeedsWholeFile(Exception):
    """An MT940 payment came before the :25: account that owns it: read the file whole."""


def _import_one(
    store: Store,
    config: Config,
    file: _FileSource | _BytesSource,
    filename: str,
    source: str,
    inbox_id: int | None,
    now: str,
) -> FileOutcome:
    existing = bank.file_by_sha(store, file.sha256)
    if existing is not None and existing["status"] == "imported":
        return FileOutcome(
            filename,
            "duplicate",
            "the same file was imported before",
            existing["format"],
            int(existing["id"]),
        )
    kept: dict[str, Any] = {
        "filename": filename,
        "source": source,
        "inbox_id": inbox_id,
        "now": now,
    }
    try:
        try:
            with store.transaction():
                return _book_file(store, config, file, file.items(filename), kept)
        except _NeedsWholeFile:
            statements = parse_statement_bytes(file.whole(), source=filename)
            with store.transaction():
                return _book_file(store, config, file, statement_items(statements), kept)
    except BankFormatError as exc:
        return quarantine(store, file.whole(), reason=str(exc), status="failed", **kept)
    except _Refused as exc:
        return quarantine(store, file.whole(), reason=str(exc), **kept)


def _book_file(
    store: Store,
    config: Config,
    file: _FileSource | _BytesSource,
    items: Iterator[Payment | StatementEnd],
    kept: dict[str, Any],
) -> FileOutcome:
    """Store and book a file's payments as they are read, in batches, each matched in file
    order; call inside a transaction. A refused or unreadable file raises, and the caller
    rolls back."""
    filename, now = str(kept["filename"]), str(kept["now"])
    file_id = bank.save_file(
        store,
        sha256=file.sha256,
        filename=filename,
        fmt=None,
        source=kept["source"],
        inbox_id=kept["inbox_id"],
        status="imported",
        reason=None,
        raw=None,
        now=now,
    )
    outcome = FileOutcome(filename, "imported", None, None, file_id)
    allowed = {a.replace(" ", "").upper() for a in config.bank.accounts}
    book = InvoiceBook(bank.matching_invoices(store), bank.debtor_ibans(store))
    book.set_claims(claims_store.open_by_debtor(store))
    claims = claims_store.claims_snapshot(store)
    running = Running()
    settings = booking_settings(config, match_settings(config.bank))
    touched: set[str] = set()
    seen: dict[str, int] = {}
    batch: list[Payment] = []
    latest: date | None = None  # the statement's newest booking date
    accounts: set[tuple[str, bool]] = set()  # (account, has a currency) of its payments

    def book_batch() -> None:
        # Store a batch, then match it: parsing, storing and matching each run in a stretch
        # (interleaving them per payment cost a third more time), memory stays one batch.
        new: list[tuple[int, Payment]] = []
        for payment in batch:
            key = base = bank.entry_key(payment, 0)
            occurrence = seen[base] = seen.get(base, -1) + 1
            if occurrence:  # a true twin earlier in the file; the first needs no second hash
                key = bank.entry_key(payment, occurrence)
            tx_id = bank.insert_transaction(store, payment, key=key, file_id=file_id, now=now)
            if tx_id is not None:
                new.append((tx_id, payment))
        # The batch's returns and the credits they may give back, read once (#14).
        running.entries = bank.return_snapshot(
            store, [t for t, p in new if is_return(p) and p.direction is Direction.DEBIT]
        )
        for tx_id, payment in new:
            status = book_payment(
                store, tx_id, payment, book, claims, running, settings, touched, now
            )
            outcome.by_status[status] = outcome.by_status.get(status, 0) + 1
        outcome.payments += len(batch)
        outcome.new += len(new)
        batch.clear()

    for item in items:
        if isinstance(item, StatementEnd):
            statement = item.statement
            if any(a != statement.account_iban or not c for a, c in accounts):
                raise _NeedsWholeFile
            if allowed and statement.account_iban.replace(" ", "").upper() not in allowed:
                raise _Refused(
                    f"statement for an account not in bank.accounts: {statement.account_iban}"
                )
            book_batch()
            bank.insert_statement(store, file_id, statement, now, latest_booking=latest)
            outcome.format = outcome.format or statement.format
            outcome.statements += 1
            latest, accounts = None, set()
            continue
        accounts.add((item.account_iban, bool(item.currency)))
        if item.booking_date is not None and (latest is None or item.booking_date > latest):
            latest = item.booking_date
        batch.append(item)
        if len(batch) == _BATCH:
            book_batch()
    book_batch()  # a file's last statement always ends it; this is only for safety
    settle_effects(store, touched, now)
    bank.set_file_counts(
        store, file_id, outcome.statements, outcome.payments, outcome.new, fmt=outcome.format
    )
    # An earlier attempt at the same bytes may have left a quarantine item open.
    resolve_file_items(store, file_id, "imported on a later attempt", now=now)
    record_event(
        store,
        "statement_imported",
        inbox_id=kept["inbox_id"],
        at=now,
        detail={"file": filename, "format": outcome.format, **outcome.as_dict()},
    )
    return outcome
