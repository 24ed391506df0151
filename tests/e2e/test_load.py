"""The load scenario of issue #7 in CI: 10,000 mails in the INBOX and 5,000 reminders due.

Correctness under load, not speed: nothing here is timed (the figures are printed for the
record; the measured ones live in BENCHMARKS.md, from `make bench`). The scenario itself is
the benchmark code in bench/, so CI and the benchmarks cannot drift apart."""

from __future__ import annotations

import pytest

from bench import bench_inbound, bench_outbox


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ten_thousand_mails_are_each_ingested_once() -> None:
    result = bench_inbound.run(10_000, profile=False)
    print(f"\ninbound load: {result}")
    assert result["mails"] == 10_000
    assert result["stored"] == 10_000
    assert result["errors"] == []
    statuses = result["statuses"]
    assert sum(statuses.values()) == 10_000
    assert statuses.get("new", 0) == 0 and statuses.get("shunted", 0) == 0
    assert result["linked_to_debtor"] >= 9_500


@pytest.mark.e2e
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_five_thousand_reminders_each_go_out_once() -> None:
    result = bench_outbox.run(5_000, profile=False)
    print(f"\noutbox load: {result}")
    assert result["queued"] == 5_000
    assert result["errors"] == []
    assert result["sent"] == result["smtp_received"] == result["sent_folder_copies"] == 5_000
