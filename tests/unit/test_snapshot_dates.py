"""When an open-items snapshot was taken: its own ``snapshot_date`` column first (issue 17).

Pure parts (daemon.domain.snapshots) and the column read through dunmail's CSV and a
mapping (parsers)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from daemon.domain.snapshots import SnapshotRules, decide_snapshot, stated_date, stated_time
from daemon.intakeconfig import MAPPABLE
from parsers.invoice_mapping import mapping_from_dict
from parsers.invoices import parse_invoice_file

TZ = ZoneInfo("Europe/Amsterdam")
MTIME = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam


def test_one_date_on_every_row_is_the_snapshot_date() -> None:
    stated = stated_date([(2, date(2026, 12, 1)), (3, date(2026, 12, 1))])
    assert (stated.day, stated.problem) == (date(2026, 12, 1), None)
    assert stated_date([(2, None), (3, None)]).day is None
    assert stated_date([]).day is None


def test_rows_that_disagree_are_an_error_naming_the_lines() -> None:
    stated = stated_date(
        [(2, date(2026, 12, 1)), (3, date(2026, 12, 1)), (4, date(2026, 11, 30)), (5, None)]
    )
    assert stated.day is None and stated.line == 4
    assert stated.problem == (
        "the rows disagree on the snapshot date (2026-12-01 on line 2, 3; 2026-11-30 on "
        "line 4; none on line 5): one export has one date"
    )


def test_many_disagreeing_lines_are_shortened() -> None:
    dated = [(n, date(2026, 12, 1)) for n in range(2, 10)] + [(10, date(2026, 12, 2))]
    problem = stated_date(dated).problem or ""
    assert "on line 2, 3, 4, 5, 6 and 3 more" in problem and "2026-12-02 on line 10" in problem


def test_the_stated_day_comes_before_the_file_time() -> None:
    # The same day: the file's own time is more precise.
    assert stated_time(MTIME, date(2026, 12, 7), TZ) == MTIME
    # An old export copied again today: as old as the end of the day it states.
    assert stated_time(MTIME, date(2026, 12, 1), TZ) == datetime(2026, 12, 1, 23, 59, 59, tzinfo=TZ)
    # Copied keeping an old time: at least as new as the start of the day it states.
    assert stated_time(MTIME, date(2026, 12, 9), TZ) == datetime(2026, 12, 9, 0, 0, tzinfo=TZ)
    assert stated_time(MTIME, None, TZ) == MTIME


def test_older_by_its_column_is_held_and_the_reason_says_why() -> None:
    last = datetime(2026, 12, 5, 23, 59, 59, tzinfo=TZ)
    taken = stated_time(MTIME, date(2026, 12, 4), TZ)  # dropped today, made on the 4th
    d = decide_snapshot(
        {"F01": 100},
        {"F01": 100},
        source="exact",
        taken_at=taken,
        last_taken_at=last,
        rules=SnapshotRules(),
        dated_by="snapshot_date column",
    )
    assert not d.apply
    assert d.held == (
        "older than the last snapshot applied (2026-12-04T23:59:59+01:00 by its "
        "snapshot_date column before 2026-12-05T23:59:59+01:00)",
    )


HEADER = "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount,snapshot_date\n"


def test_dunmail_csv_reads_the_column_and_refuses_a_bad_date() -> None:
    row = "F-1,D1,Klant,k@klant.example,2026-10-01,2026-10-15,10.00,{}\n"
    ok = parse_invoice_file((HEADER + row.format("2026-12-01")).encode(), source="s.csv")
    assert ok.errors == () and ok.records[0].snapshot_date == date(2026, 12, 1)
    bad = parse_invoice_file((HEADER + row.format("1-12-2026")).encode(), source="s.csv")
    assert [(e.line, e.column) for e in bad.errors] == [(2, "snapshot_date")]


def test_a_mapping_reads_a_report_date_column_in_its_date_format() -> None:
    mapping = mapping_from_dict(
        "own",
        {
            "date_format": "dd-mm-yyyy",
            "decimal": ",",
            "columns": {
                "number": "Factuur",
                "debtor_id": "Code",
                "debtor_name": "Naam",
                "debtor_email": "E-mail",
                "issue_date": "Datum",
                "due_date": "Vervaldatum",
                "amount": "Bedrag",
                "snapshot_date": {"headers": ["Rapportdatum", "Peildatum"], "source": "assumed"},
            },
        },
        MAPPABLE,
    )
    data = (
        b"Factuur;Code;Naam;E-mail;Datum;Vervaldatum;Bedrag;Peildatum\n"
        b"F-1;D1;Klant;k@klant.example;01-10-2026;15-10-2026;10,00;01-12-2026\n"
        b"F-2;D1;Klant;k@klant.example;01-10-2026;15-10-2026;10,00;2026-12-01\n"
    )
    result = parse_invoice_file(data, source="export.csv", mapping=mapping)
    assert result.records[0].snapshot_date == date(2026, 12, 1)
    assert [(e.line, e.column) for e in result.errors] == [(3, "Peildatum (snapshot_date)")]
