"""Open-items snapshots: what a complete list of open invoices means for what dunmail holds.

An accounting package's "open items" export (openstaande posten) lists every invoice still
open there. An invoice of the same source that dunmail holds open but the list leaves out
was settled in the package (cash, card, set-off, a credit note booked there); an invoice
listed with a smaller open amount was partly settled there. Pure: the caller reads the
store, this module decides, the caller writes.

Safety first: a truncated export looks exactly like "everything was paid", so a snapshot
that would settle too large a share of the open invoices, that comes from a source nobody
named, or that is older than the last one applied is held for a person instead.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, tzinfo
from decimal import Decimal

DEFAULT_MAX_SETTLE_SHARE = Decimal("0.2")


@dataclass(frozen=True, slots=True)
class SnapshotRules:
    """``[intake]`` settings that decide whether a snapshot may act by itself."""

    max_settle_share: Decimal = DEFAULT_MAX_SETTLE_SHARE
    expected_sources: frozenset[str] = frozenset()  # empty: any source


@dataclass(frozen=True, slots=True)
class Settlement:
    number: str
    kind: str  # "settled" (missing from the snapshot) | "reduced" (smaller open amount)
    cents: int  # what the package settled outside dunmail


@dataclass(frozen=True, slots=True)
class SnapshotDecision:
    settlements: tuple[Settlement, ...]
    held: tuple[str, ...]  # reasons for a person; empty: apply it
    open_before: int  # open invoices of the source that dunmail holds
    higher: tuple[str, ...] = ()  # listed with more open than dunmail knows (left alone)
    notes: tuple[str, ...] = field(default=())

    @property
    def apply(self) -> bool:
        return not self.held

    @property
    def settled(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.settlements if s.kind == "settled")

    @property
    def reduced(self) -> tuple[str, ...]:
        return tuple(s.number for s in self.settlements if s.kind == "reduced")


@dataclass(frozen=True, slots=True)
class StatedDate:
    """The snapshot date a file states in its ``snapshot_date`` column (one for all rows)."""

    day: date | None  # None: no row states one
    problem: str | None = None  # the rows disagree: which lines say what
    line: int | None = None  # the first line that disagrees with the first row


def stated_date(dated: Iterable[tuple[int, date | None]]) -> StatedDate:
    """The one date every row's ``snapshot_date`` gives, as ``(line, date)`` pairs. A file is
    one export of one moment: rows that disagree (or some rows with a date and some without)
    are an error naming the lines, never a guess which date is right."""
    lines_of: dict[date | None, list[int]] = {}
    order: list[date | None] = []
    for line, day in sorted(dated, key=lambda pair: pair[0]):
        if day not in lines_of:
            order.append(day)
        lines_of.setdefault(day, []).append(line)
    if not order or order == [None]:
        return StatedDate(None)
    if len(order) == 1:
        return StatedDate(order[0])
    parts = "; ".join(
        f"{day.isoformat() if day else 'none'} on line {_lines(lines_of[day])}" for day in order
    )
    return StatedDate(
        None,
        f"the rows disagree on the snapshot date ({parts}): one export has one date",
        lines_of[order[1]][0],
    )


def _lines(lines: list[int], shown: int = 5) -> str:
    text = ", ".join(str(n) for n in lines[:shown])
    return text + (f" and {len(lines) - shown} more" if len(lines) > shown else "")


def stated_time(taken_at: datetime, day: date | None, tz: tzinfo) -> datetime:
    """When a snapshot was taken, its own stated ``day`` first: ``taken_at`` (from the file:
    modification time or a date in its name) when it falls on that day in the office's time
    zone; the end of that day when the file is newer than the day it states (an old export
    copied again today); its start when the file looks older (copied keeping an old time)."""
    if day is None:
        return taken_at
    on = taken_at.astimezone(tz).date()
    if day < on:
        return datetime.combine(day, time(23, 59, 59), tzinfo=tz)
    if day > on:
        return datetime.combine(day, time(0, 0), tzinfo=tz)
    return taken_at


def decide_snapshot(
    held_open: Mapping[str, int],
    listed_open: Mapping[str, int],
    *,
    source: str,
    taken_at: datetime,
    last_taken_at: datetime | None,
    rules: SnapshotRules,
    untouchable: Collection[str] = (),
    dated_by: str = "",
) -> SnapshotDecision:
    """What a snapshot does.

    ``held_open``: open cents per invoice of ``source`` in dunmail (only invoices with money
    open). ``listed_open``: open cents per invoice listed in the snapshot. ``untouchable``:
    invoices a person decided on (disputed, handed over) — the package's word does not
    overrule them, they are reported only. ``dated_by`` says where ``taken_at`` comes from,
    for the reason a person reads."""
    settlements: list[Settlement] = []
    higher: list[str] = []
    notes: list[str] = []
    for number, cents in sorted(held_open.items()):
        if cents <= 0:
            continue
        listed = listed_open.get(number)
        if number in untouchable:
            if listed is None or listed < cents:
                notes.append(f"{number}: settled in the package but handled by a person here")
            continue
        if listed is None:
            settlements.append(Settlement(number, "settled", cents))
        elif listed < cents:
            settlements.append(Settlement(number, "reduced", cents - max(listed, 0)))
        elif listed > cents:
            higher.append(number)
    held: list[str] = []
    if rules.expected_sources and source not in rules.expected_sources:
        expected = ", ".join(sorted(rules.expected_sources))
        held.append(f"unexpected source {source!r} (intake.snapshot_sources names {expected})")
    if last_taken_at is not None and taken_at < last_taken_at:
        held.append(
            f"older than the last snapshot applied ({taken_at.isoformat()}"
            + (f" by its {dated_by}" if dated_by else "")
            + f" before {last_taken_at.isoformat()})"
        )
    open_count = sum(1 for c in held_open.values() if c > 0)
    settled = sum(1 for s in settlements if s.kind == "settled")
    if open_count and Decimal(settled) > rules.max_settle_share * open_count:
        share = (Decimal(settled) / open_count * 100).quantize(Decimal("1"))
        limit = (rules.max_settle_share * 100).quantize(Decimal("1"))
        held.append(
            f"would settle {settled} of {open_count} open invoices ({share}%), more than "
            f"intake.snapshot_max_settle_share ({limit}%): a truncated export?"
        )
    return SnapshotDecision(
        tuple(settlements), tuple(held), open_count, tuple(higher), tuple(notes)
    )
