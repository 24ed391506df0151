"""Commands that can run for seconds show a progress bar on stderr only while a person
watches: never in a pipe, a test or with --json. A forced terminal is the positive control
(click itself would print the bar's label even to a pipe)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import daemon.cli.progress
from tests.integration.bank_writers import Tx, camt053, single
from tests.integration.human_world import NOW, World, eml

INVOICES_CSV = (
    "number,debtor_id,debtor_name,debtor_email,issue_date,due_date,amount\n"
    "F2026-0100,ACME,ACME Holding,ap@acme.example.com,2026-09-01,2026-10-01,100.00\n"
)


def _invoices(w: World) -> list[str]:
    path = w.tmp / "invoices.csv"
    path.write_text(INVOICES_CSV, encoding="utf-8")
    return ["invoices", "import", str(path)]


def _statements(w: World) -> list[str]:
    path = w.tmp / "camt.xml"
    path.write_bytes(camt053("NL91ABNA0417164300", "S-1", [single(Tx("10.00", text="x"), "R1")]))
    return ["statements", "import", str(path)]


def _inbox(w: World) -> list[str]:
    path = w.tmp / "reply.eml"
    path.write_bytes(eml("Re: F2026-0001", "Wir zahlen am Freitag.", sender="ap@acme.test"))
    return ["inbox", "import", str(path), "--now", NOW]


def _handover(w: World) -> list[str]:
    w.mail_out("ACME", eml("Reminder F2026-0001", "Please pay"))
    return ["handover", "ACME", "--agency", "Incasso Noord", "--out", str(w.tmp), "--now", NOW]


def _report(w: World) -> list[str]:
    return ["report", "aging", "--date", "2026-12-10"]


COMMANDS: list[tuple[str, Callable[[World], list[str]], str]] = [
    ("invoices-import", _invoices, "Importing invoices"),
    ("statements-import", _statements, "Importing camt.xml"),
    ("inbox-import", _inbox, "Importing mail"),
    ("handover", _handover, "Writing the dossier"),
    ("report", _report, "Building the report"),
]


@pytest.fixture
def w(tmp_path: Path) -> World:
    world = World(tmp_path)
    world.debtor("ACME", email="ap@acme.test")
    world.invoice("F2026-0001", "ACME", 100000)
    world.case("ACME")
    return world


@pytest.mark.parametrize(("make", "label"), [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_no_progress_when_stderr_is_not_a_terminal(
    w: World, make: Callable[[World], list[str]], label: str
) -> None:
    result = w.cli(*make(w))
    assert label not in result.stderr and "%" not in result.stderr


@pytest.mark.parametrize(("make", "label"), [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_progress_while_a_person_watches(
    w: World, make: Callable[[World], list[str]], label: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(daemon.cli.progress, "is_terminal", lambda: True)
    result = w.cli(*make(w))
    assert label in result.stderr
    assert label not in result.stdout  # the command's own output stays clean


def test_never_with_json_even_at_a_terminal(w: World, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(daemon.cli.progress, "is_terminal", lambda: True)
    for make in (_invoices, _statements, _inbox):
        result = w.cli(*make(w), "--json")
        assert "Importing" not in result.stderr
    result = w.cli("report", "dso", "--date", "2026-12-10", "--csv")
    assert "Building the report" not in result.stderr
