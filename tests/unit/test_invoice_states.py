"""One definition of an open invoice (#15): every status classified, and no module outside
daemon.domain.invoice_states spells out its own set of invoice statuses."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from daemon.domain import invoice_states as st
from daemon.domain.invoice_states import InvoiceStatus
from daemon.domain.model import CLOSED_STATES, derive_status

ROOT = Path(__file__).resolve().parents[2]
STATUS_NAMES = frozenset(s.value for s in InvoiceStatus)
# The classification itself, and schema history (past migrations are never edited).
ALLOWED = {
    "daemon/domain/invoice_states.py",
    "daemon/adapters/store/migrations.py",
}


def test_every_status_is_classified() -> None:
    # Adding a member to InvoiceStatus without a row in CLASSIFICATION fails here.
    assert set(st.CLASSIFICATION) == set(InvoiceStatus)
    for status in InvoiceStatus:
        assert st.classification(status.value).why


def test_schema_lists_exactly_the_model_statuses() -> None:
    # The invoices.status column comment in migration 1 names every state a database may
    # hold; a state added there (or in a later migration's comment) must exist in the model.
    text = (ROOT / "daemon/adapters/store/migrations.py").read_text()
    listed = re.search(r"status TEXT NOT NULL DEFAULT 'open',\s*--\s*([a-z_ |]+)\n", text)
    assert listed is not None
    assert {s.strip() for s in listed.group(1).split("|")} == STATUS_NAMES


def test_unknown_status_is_an_error_naming_it() -> None:
    with pytest.raises(ValueError, match="'archived' is not classified"):
        st.classification("archived")


def test_sets_nest_and_split_all_statuses() -> None:
    dunnable, open_, live = map(set, (st.DUNNABLE_STATES, st.OPEN_STATES, st.LIVE_STATES))
    assert dunnable < open_ < live
    assert live.isdisjoint(st.SETTLED_STATES)
    assert live | set(st.SETTLED_STATES) == set(InvoiceStatus)
    assert set(st.WITHHELD_STATES) == open_ - dunnable
    assert set(st.SETTLED_STATES) == CLOSED_STATES


@pytest.mark.parametrize(
    ("status", "dunned", "open_", "live"),
    [
        ("open", True, True, True),
        ("partially_paid", True, True, True),
        # Decision (#15): disputed and on_hold are owed and on the debtor's statement, but the
        # ladder does not remind until a person resumes them.
        ("disputed", False, True, True),
        ("on_hold", False, True, True),
        # Handed over: the agency collects; a payment may still arrive (matching, retention).
        ("handed_over", False, False, True),
        ("paid", False, False, False),
        ("credited", False, False, False),
        ("written_off", False, False, False),
    ],
)
def test_classification_decisions(status: str, dunned: bool, open_: bool, live: bool) -> None:
    assert st.is_dunnable(status) is dunned
    assert st.is_open(status) is open_
    assert st.is_live(status) is live
    assert st.is_settled(status) is not live


def test_manual_states_survive_a_partial_payment() -> None:
    for status in ("disputed", "on_hold", "handed_over"):
        assert derive_status(10000, 2500, 0, 0, status) == status
    assert derive_status(10000, 10000, 0, 0, "on_hold") == "paid"


# -- structure: nobody else writes a status set ----------------------------------------------

_SQL_IN = re.compile(r"\bIN\s*\(([^)]*)\)", re.IGNORECASE)
_QUOTED = re.compile(r"'([a-z_]+)'")


def _status_literals(node: ast.AST) -> set[str]:
    if not isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return set()
    return {
        e.value
        for e in node.elts
        if isinstance(e, ast.Constant) and isinstance(e.value, str) and e.value in STATUS_NAMES
    }


def _offences(path: Path, source: str) -> list[str]:
    rel = path.relative_to(ROOT).as_posix()
    found = []
    for node in ast.walk(ast.parse(source, filename=rel)):
        names = _status_literals(node)
        if len(names) >= 2:
            found.append(f"{rel}:{node.lineno}: status set {sorted(names)}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for group in _SQL_IN.findall(node.value):
                quoted = set(_QUOTED.findall(group)) & STATUS_NAMES
                if quoted:
                    found.append(f"{rel}:{node.lineno}: SQL status list {sorted(quoted)}")
    return found


def scan(paths: list[Path]) -> list[str]:
    out: list[str] = []
    for path in paths:
        if path.relative_to(ROOT).as_posix() not in ALLOWED:
            out.extend(_offences(path, path.read_text()))
    return out


def test_no_module_outside_the_domain_spells_out_a_status_set() -> None:
    files = sorted([*(ROOT / "daemon").rglob("*.py"), *(ROOT / "parsers").rglob("*.py")])
    offences = scan(files)
    assert not offences, "use daemon.domain.invoice_states instead:\n" + "\n".join(offences)


def test_the_structure_scan_finds_what_it_must() -> None:
    # The scan itself must be able to fail: a tuple, a set and an SQL IN list are each caught,
    # a case-status set with one invoice-like name is not.
    bad = ROOT / "daemon" / "_probe_not_a_module.py"
    source = (
        'A = ("open", "partially_paid")\n'
        'B = {"paid", "credited"}\n'
        "Q = \"SELECT 1 FROM invoices WHERE status NOT IN ('paid','credited')\"\n"
        'C = ("disputed", "paused", "insolvent")\n'
    )
    found = _offences(bad, source)
    assert [f.split(":")[1] for f in found] == ["1", "2", "3"]
