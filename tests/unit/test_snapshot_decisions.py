"""daemon.domain.snapshots and daemon.domain.dropfiles: pure decisions (issue 17)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from daemon.domain.dropfiles import Sighting, ignored_name, is_stable
from daemon.domain.snapshots import SnapshotRules, decide_snapshot

T = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)
RULES = SnapshotRules(Decimal("0.2"), frozenset({"exact"}))


def _open(n: int, cents: int = 10000) -> dict[str, int]:
    return {f"F{i:02d}": cents for i in range(1, n + 1)}


def test_missing_invoices_are_settled_and_smaller_ones_reduced() -> None:
    held = _open(10)
    listed = {k: v for k, v in held.items() if k not in ("F01", "F02")}
    listed["F03"] = 2500
    listed["F04"] = 12000  # more open there than here: left to the bank statements
    d = decide_snapshot(held, listed, source="exact", taken_at=T, last_taken_at=None, rules=RULES)
    assert d.apply and d.settled == ("F01", "F02") and d.reduced == ("F03",)
    assert [s.cents for s in d.settlements] == [10000, 10000, 7500]
    assert d.higher == ("F04",) and d.open_before == 10


def test_a_snapshot_listing_zero_open_reduces_to_nothing() -> None:
    d = decide_snapshot(
        {"F01": 5000}, {"F01": 0}, source="exact", taken_at=T, last_taken_at=None, rules=RULES
    )
    assert d.reduced == ("F01",) and d.settlements[0].cents == 5000


@pytest.mark.parametrize(
    ("missing", "held"),
    [(2, False), (3, True)],  # 2 of 10 is the share allowed; 3 is more
)
def test_settling_more_than_the_share_is_held(missing: int, held: bool) -> None:
    listed = dict(list(_open(10).items())[missing:])
    d = decide_snapshot(
        _open(10), listed, source="exact", taken_at=T, last_taken_at=None, rules=RULES
    )
    assert bool(d.held) is held
    if held:
        assert "would settle 3 of 10 open invoices (30%)" in d.held[0]
        assert "snapshot_max_settle_share (20%)" in d.held[0]
    assert len(d.settled) == missing  # what it would do is known either way


def test_an_unexpected_source_or_an_older_snapshot_is_held() -> None:
    d = decide_snapshot(
        _open(3),
        _open(3),
        source="moneybird",
        taken_at=T,
        last_taken_at=T + timedelta(hours=1),
        rules=RULES,
    )
    assert len(d.held) == 2
    assert "unexpected source 'moneybird'" in d.held[0]
    assert "older than the last snapshot applied" in d.held[1]
    same_time = decide_snapshot(
        _open(3), _open(3), source="exact", taken_at=T, last_taken_at=T, rules=RULES
    )
    assert same_time.apply and same_time.settlements == ()


def test_invoices_a_person_decided_on_are_left_alone() -> None:
    d = decide_snapshot(
        _open(10),
        dict(list(_open(10).items())[1:]),
        source="exact",
        taken_at=T,
        last_taken_at=None,
        rules=RULES,
        untouchable={"F01"},
    )
    assert d.settlements == () and "F01" in d.notes[0]


def test_a_first_snapshot_settles_nothing() -> None:
    d = decide_snapshot({}, _open(5), source="exact", taken_at=T, last_taken_at=None, rules=RULES)
    assert d.apply and d.settlements == () and d.open_before == 0


@pytest.mark.parametrize(
    ("name", "ignored"),
    [
        ("export.csv", False),
        ("camt053.xml", False),
        ("export.csv.tmp", True),
        ("export.csv.PART", True),
        (".export.csv", True),
        ("~lock.csv", True),
        ("processed", True),
        ("x.csv.reason.txt", True),
    ],
)
def test_names_being_written_are_ignored(name: str, ignored: bool) -> None:
    assert ignored_name(name) is ignored


def test_a_file_is_stable_after_two_unchanged_scans_apart() -> None:
    seen = Sighting(100, 5, T)
    assert not is_stable(None, 100, 5, T, 30)  # first scan
    assert not is_stable(seen, 100, 5, T + timedelta(seconds=29), 30)
    assert is_stable(seen, 100, 5, T + timedelta(seconds=30), 30)
    assert not is_stable(seen, 120, 5, T + timedelta(hours=1), 30)  # grew
    assert not is_stable(seen, 100, 6, T + timedelta(hours=1), 30)  # touched
    assert not is_stable(Sighting(0, 5, T), 0, 5, T + timedelta(hours=1), 30)  # empty
    assert is_stable(seen, 100, 5, T, 0)  # stable_seconds = 0: the second scan
