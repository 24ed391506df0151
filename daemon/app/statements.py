"""Statement intake: bank files in, payments booked once, matched and applied in one transaction.

A file (or each member of a .zip) is recognised by its bytes, never its name. The same bytes
twice stop at the file hash; a booking repeated by an overlapping statement stops at its entry
key. A file that cannot be read is kept with its reason and shown for review; it never
touches an invoice.
"""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import IO, Any, cast

from daemon.adapters.clock import iso_utc
from daemon.adapters.store import bank
from daemon.adapters.store import claims as claims_store
from daemon.adapters.store.db import Store, loads
from daemon.adapters.store.events import record_event
from daemon.adapters.store.invoices import refresh_invoice, remember_iban
from daemon.adapters.store.queue import add_review_item, resolve_file_items
from daemon.app.claims import (
    apply_remainder_policy,
    reverse_claim_payments,
    split_payment,
    write_split,
)
from daemon.app.progress import Progress
from daemon.app.promises import record_kept_promises
from daemon.config import BankSettings, Config
from daemon.domain.invoice_states import SETTLED_STATES
from daemon.domain.matching import (
    InvoiceBook,
    MatchResult,
    MatchSettings,
    TxStatus,
    apply,
    is_return,
    match,
)
from daemon.domain.money import from_cents, to_cents
from parsers.bank import BankFormatError, Direction, Payment
from parsers.camt import StatementEnd
from parsers.statements import iter_statement_items, parse_statement_bytes, statement_items

# Zip bombs: the defaults of bank.zip_max_*; what a member may unpack to is measured while it
# is unpacked, never taken from its header.
MAX_ZIP_MEMBERS = 200
MAX_ZIP_TOTAL_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200  # bank XML compresses ~10-30x; 200x is a bomb
_RATIO_FLOOR = 1024 * 1024  # tiny members may compress extremely well
_CHUNK = 1024 * 1024


class StatementError(Exception):
    """A statement input that cannot be imported; the message says which and why."""


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


@dataclass(frozen=True, slots=True)
class ZipLimits:
    """How far a statement zip may unpack (bank.zip_max_*)."""

    members: int = MAX_ZIP_MEMBERS
    total_bytes: int = MAX_ZIP_TOTAL_BYTES
    ratio: int = MAX_RATIO

    @classmethod
    def of(cls, settings: BankSettings) -> ZipLimits:
        return cls(
            settings.zip_max_members, settings.zip_max_unpacked_bytes, settings.zip_max_ratio
        )


def unzip_members(data: bytes, limits: ZipLimits | None = None) -> Iterator[tuple[str, bytes]]:
    """The files inside a zip archive, one at a time, refusing anything that unpacks out of
    proportion. The whole archive is checked first, as a stream of 1 MiB chunks that are
    counted and dropped, so a refusal comes before any member is imported; then each member
    is unpacked when it is asked for. Memory: about one member, at most ``total_bytes``."""
    limits = limits or ZipLimits()
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = [i for i in archive.infolist() if not i.is_dir()]
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise StatementError(f"broken zip archive: {exc}") from exc
    if len(infos) > limits.members:
        raise StatementError(
            f"zip archive holds {len(infos)} files, more than bank.zip_max_members ="
            f" {limits.members}"
        )
    total = 0
    for info in infos:
        total += _measure(archive, info, limits, limits.total_bytes - total)
    return _members(archive, infos, limits)


def _member_limit(info: zipfile.ZipInfo, limits: ZipLimits) -> tuple[int, str]:
    by_ratio = max(_RATIO_FLOOR, info.compress_size * limits.ratio)
    if by_ratio < limits.total_bytes:
        return by_ratio, f"bank.zip_max_ratio = {limits.ratio}"
    return limits.total_bytes, f"bank.zip_max_unpacked_bytes = {limits.total_bytes}"


def _measure(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: ZipLimits, left: int) -> int:
    """The bytes a member really unpacks to, read and dropped chunk by chunk; refused as soon
    as it passes its own limit or what is left of the archive's."""
    limit, key = _member_limit(info, limits)
    if left < limit:
        limit, key = left, f"bank.zip_max_unpacked_bytes = {limits.total_bytes} in total"
    if info.file_size > limit:  # an honest header saves the unpacking
        raise _too_big(info, key)
    size = 0
    try:
        with archive.open(info) as handle:
            while chunk := handle.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise _too_big(info, key)
    except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
        raise StatementError(f"zip member {info.filename} cannot be read: {exc}") from exc
    return size


def _too_big(info: zipfile.ZipInfo, key: str) -> StatementError:
    return StatementError(
        f"zip member {info.filename} ({info.compress_size} bytes packed) unpacks beyond"
        f" {key}: refused as a possible zip bomb; raise the limit if the file is genuine"
    )


def _members(
    archive: zipfile.ZipFile, infos: list[zipfile.ZipInfo], limits: ZipLimits
) -> Iterator[tuple[str, bytes]]:
    for info in infos:
        limit, key = _member_limit(info, limits)
        try:
            with archive.open(info) as handle:
                # Measured above; a bounded read all the same.
                content = handle.read(limit + 1)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError, EOFError) as exc:
            raise StatementError(f"zip member {info.filename} cannot be read: {exc}") from exc
        if len(content) > limit:
            raise _too_big(info, key)
        yield info.filename, content


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
    ms = match_settings(config.bank)
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
        for tx_id, payment in new:
            status = _book_payment(store, config, tx_id, payment, book, ms, touched, now)
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


# -- matching and applying -------------------------------------------------------------------


def _book_payment(
    store: Store,
    config: Config,
    tx_id: int,
    payment: Payment,
    book: InvoiceBook,
    ms: MatchSettings,
    touched: set[str],
    now: str,
) -> str:
    """Match and apply one newly stored payment; the book follows what it allocated."""
    if is_return(payment):
        return _book_return(store, tx_id, payment, book, touched, now)
    result = match(payment, book, ms)
    # Booked costs and interest are paid first (art. 6:44 BW, § 367 BGB, art. 1254 BW).
    plan = split_payment(store, config, payment, result, book, ms.charges_tolerance_cents)
    if plan is not None:
        result = plan.result
    _write_result(store, tx_id, payment, result, touched, now)
    if plan is not None:
        write_split(store, tx_id, plan, now)
        book.take_claims(
            plan.debtor_id, plan.currency, plan.split.costs_cents + plan.split.interest_cents
        )
        apply_remainder_policy(store, config, tx_id, plan, now)
    apply(book, result)
    return result.status.value


def settle_effects(store: Store, invoices: set[str], now: str) -> None:
    """Queued reminders of closed invoices are cancelled; promises paid in time are kept;
    settled debtors' cases close."""
    if not invoices:
        return
    for outbox_id in bank.cancel_reminders_for_closed(store, invoices, now):
        record_event(
            store,
            "reminder_cancelled",
            outbox_id=outbox_id,
            at=now,
            detail={"reason": "all invoices of the reminder are paid"},
        )
    debtors = {d["debtor_id"] for n in invoices if (d := bank.invoice_debtor(store, n))}
    record_kept_promises(store, debtors, now)
    for case_id in bank.close_settled_cases(store, debtors, now):
        record_event(
            store, "case_closed", case_id=case_id, at=now, detail={"reason": "all invoices paid"}
        )


def _write_result(
    store: Store,
    tx_id: int,
    payment: Payment,
    result: MatchResult,
    touched: set[str],
    now: str,
) -> None:
    for allocation in result.allocations:
        evidence = {
            "rule": allocation.rule,
            "found": allocation.evidence,
            "score": allocation.score,
            "charges": format(from_cents(allocation.charges_cents), "f"),
        }
        _allocate(
            store,
            tx_id,
            allocation.invoice,
            allocation.cents,
            rule=allocation.rule,
            score=allocation.score,
            evidence=evidence,
            actor="daemon",
            now=now,
            charges_cents=allocation.charges_cents,
        )
        touched.add(allocation.invoice)
    detail: dict[str, Any] = {
        "evidence": list(result.evidence),
        "reason": result.reason,
        "unallocated": format(from_cents(result.unallocated_cents), "f"),
        "suggestions": [
            {"invoice": s.invoice, "score": s.score, "reasons": list(s.reasons)}
            for s in result.suggestions
        ],
    }
    bank.set_transaction_status(store, tx_id, result.status.value, detail)
    if result.review is not None:
        priority = {"overpayment": 1, "payment_uncertain": 2}.get(result.review, 3)
        add_review_item(
            store,
            result.review,
            f"{payment.amount:f} {payment.currency} from "
            f"{payment.counterparty_name or payment.counterparty_iban or 'unknown'}: "
            f"{result.reason}",
            priority=priority,
            evidence={"transaction_id": tx_id, "remittance": payment.remittance, **detail},
            proposed_actions=["allocate", "ignore"],
            invoice_numbers=[s.invoice for s in result.suggestions],
            transaction_id=tx_id,
            dedupe_key=f"payment:{tx_id}:{result.review}",
            now=now,
        )


def _allocate(
    store: Store,
    tx_id: int,
    invoice: str,
    cents: int,
    *,
    rule: str,
    score: float | None,
    evidence: dict[str, Any],
    actor: str,
    now: str,
    charges_cents: int = 0,
) -> str | None:
    bank.insert_allocation(
        store,
        tx_id=tx_id,
        invoice=invoice,
        cents=cents,
        rule=rule,
        score=score,
        evidence=evidence,
        actor=actor,
        now=now,
    )
    debtor = bank.invoice_debtor(store, invoice)
    debtor_id = debtor["debtor_id"] if debtor else None
    if charges_cents:
        bank.write_off(store, invoice, charges_cents, now)
        record_event(
            store,
            "bank_charges_written_off",
            actor=actor,
            debtor_id=debtor_id,
            invoice_number=invoice,
            transaction_id=tx_id,
            at=now,
            detail={
                "amount": format(from_cents(charges_cents), "f"),
                "reason": "payment short by at most bank.charges_tolerance",
            },
        )
    status = refresh_invoice(store, invoice, now=now)
    if charges_cents:
        bank.mark_settled_paid(store, invoice)
        status = "paid" if status == "written_off" else status
    record_event(
        store,
        "payment_allocated",
        actor=actor,
        debtor_id=debtor_id,
        invoice_number=invoice,
        transaction_id=tx_id,
        at=now,
        detail={"amount": format(from_cents(cents), "f"), **evidence, "invoice_status": status},
    )
    if status in SETTLED_STATES:
        record_event(
            store,
            "invoice_paid",
            actor=actor,
            debtor_id=debtor_id,
            invoice_number=invoice,
            transaction_id=tx_id,
            at=now,
            detail={"status": status},
        )
    return status


def _book_return(
    store: Store, tx_id: int, payment: Payment, book: InvoiceBook, touched: set[str], now: str
) -> str:
    row = bank.transaction(store, tx_id)
    assert row is not None
    original = (
        bank.find_returned_original(store, row) if payment.direction is Direction.DEBIT else None
    )
    undone: list[dict[str, Any]] = []
    if original is not None:
        for allocation in bank.reverse_allocations(store, int(original["id"]), tx_id, now):
            number = allocation["invoice_number"]
            charges = to_cents(Decimal(_loads(allocation["evidence"]).get("charges", "0")))
            if charges:
                bank.undo_charges(store, number, charges, now)
            status = refresh_invoice(store, number, now=now)
            book.release(number, int(allocation["amount_cents"]) + charges)
            touched.add(number)
            undone.append(
                {
                    "invoice": number,
                    "amount": format(from_cents(allocation["amount_cents"]), "f"),
                    "invoice_status": status,
                }
            )
            record_event(
                store,
                "allocation_reversed",
                invoice_number=number,
                transaction_id=tx_id,
                at=now,
                detail={
                    "original_transaction": original["id"],
                    "return_reason": payment.return_reason,
                },
            )
        reverse_claim_payments(store, int(original["id"]), tx_id, now)
        bank.set_transaction_status(
            store,
            int(original["id"]),
            TxStatus.RETURNED.value,
            {**_loads(original["match_detail"]), "returned_by": tx_id},
        )
    detail = {
        "original_transaction": None if original is None else original["id"],
        "return_reason": payment.return_reason,
        "reversed": undone,
        "reason": "returned payment"
        if original is not None
        else "return without a matching original payment",
    }
    bank.set_transaction_status(store, tx_id, TxStatus.RETURNED.value, detail)
    record_event(store, "payment_returned", transaction_id=tx_id, at=now, detail=detail)
    return TxStatus.RETURNED.value


def _loads(text: str | None) -> dict[str, Any]:
    value = loads(text, {})
    return value if isinstance(value, dict) else {}


# -- a person's decision ----------------------------------------------------------------------


class AllocationRefused(ValueError):
    """A manual allocation that would book money that is not there."""


def allocate_manually(
    store: Store,
    transaction_id: int,
    allocations: Sequence[tuple[str, Decimal]],
    *,
    actor: str,
    now: str | None = None,
) -> dict[str, Any]:
    """Book a person's allocation of a payment and remember the payer's IBAN for the debtor.

    Refuses (AllocationRefused) a debit or returned payment, an unknown invoice, an amount
    beyond an invoice's open amount, or more than the payment has left."""
    at = now or iso_utc()
    with store.transaction():
        row = bank.transaction(store, transaction_id)
        if row is None:
            raise AllocationRefused(f"payment {transaction_id} does not exist")
        if row["direction"] != "credit" or row["status"] == "returned":
            raise AllocationRefused(
                f"payment {transaction_id} is a {row['status']} "
                f"{row['direction']}: it cannot pay an invoice"
            )
        booked = sum(a["amount_cents"] for a in bank.live_allocations(store, [transaction_id]))
        left = int(row["amount_cents"]) - booked
        touched: set[str] = set()
        for number, amount in allocations:
            cents = to_cents(amount)
            invoice = bank.invoice_debtor(store, number)
            if invoice is None:
                raise AllocationRefused(f"invoice {number} does not exist")
            if cents <= 0:
                raise AllocationRefused(f"{number}: the amount must be positive")
            if cents > invoice["open_cents"]:
                raise AllocationRefused(
                    f"{number}: {amount} is more than its open amount "
                    f"{from_cents(max(invoice['open_cents'], 0))}"
                )
            if cents > left:
                raise AllocationRefused(
                    f"payment {transaction_id} has only {from_cents(left)} left to allocate"
                )
            left -= cents
            _allocate(
                store,
                transaction_id,
                number,
                cents,
                rule="manual",
                score=None,
                evidence={"rule": "manual", "by": actor},
                actor=actor,
                now=at,
            )
            if row["counterparty_iban"]:
                remember_iban(store, invoice["debtor_id"], row["counterparty_iban"], now=at)
            touched.add(number)
        status = TxStatus.MATCHED if left == 0 else TxStatus.PARTIALLY_MATCHED
        detail = {
            **_loads(row["match_detail"]),
            "manual_by": actor,
            "unallocated": format(from_cents(left), "f"),
        }
        bank.set_transaction_status(store, transaction_id, status.value, detail)
        settle_effects(store, touched, at)
    result = bank.payment_details(store, transaction_id)
    assert result is not None
    return result
