"""`dunmail statements parse` and `import` read a bank file as a stream: a 100,000-entry CAMT
file is summarised and written out as JSON in flat memory (it was 226 MB when every
statement was built first), and the streamed JSON is the same document the parsed
statements give. Not timed: the figures live in BENCHMARKS.md."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.gen_statements import write_camt
from daemon.cli import main
from daemon.cli.context import to_jsonable
from daemon.cli.statements import _statement_json
from parsers.statements import parse_statement_bytes
from tests.hermetic import require_corpus
from tests.integration.bank_writers import Tx, camt053, mt940, single

ROOT = Path(__file__).resolve().parents[2]

_PROBE = """
import contextlib, json, re, sys
sys.path.insert(0, sys.argv[1])
from daemon.cli import main
for flag in ("--summary", "--json"):
    with open(sys.argv[3] + flag, "w") as out, contextlib.redirect_stdout(out):
        main(["statements", "parse", sys.argv[2], flag], standalone_mode=False)
# VmHWM: this process's own peak (ru_maxrss would carry over the forking pytest's peak).
peak_kb = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read()).group(1))
print(json.dumps({"rss_mb": peak_kb / 1024}))
"""


def test_parse_of_100k_entries_runs_in_flat_memory(tmp_path: Path) -> None:
    camt = tmp_path / "camt053_100k.xml"
    write_camt(camt, 100_000)
    assert camt.stat().st_size > 70_000_000
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(ROOT), str(camt), str(tmp_path / "out")],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    summary = json.loads((tmp_path / "out--summary").read_text())
    assert (summary["entries"], summary["statements"], summary["warnings"]) == (100_000, 1, [])
    # One line per payment (the document's shape is checked on small files below).
    with (tmp_path / "out--json").open(encoding="utf-8") as streamed:
        lines = [line for line in streamed if '"bank_reference": "REF' in line]
    assert len(lines) == 100_000 and '"REF0000099999"' in lines[-1]
    # The file alone is 74 MB; the interpreter with the CLI and lxml is ~55 MB.
    assert json.loads(done.stdout)["rss_mb"] < 100


def _streamed_and_parsed(path: Path, data: bytes) -> tuple[Any, Any]:
    result = CliRunner().invoke(main, ["statements", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    parsed = [
        to_jsonable(_statement_json(s)) for s in parse_statement_bytes(data, source=str(path))
    ]
    return json.loads(result.stdout), json.loads(json.dumps(parsed, default=str))


def test_streamed_json_is_what_the_parsed_statements_say(tmp_path: Path) -> None:
    """Several statements, an empty one, quotes, backslashes and accents, both formats."""
    files = {
        "camt": camt053(
            "NL91ABNA0417164300",
            "S-1",
            [
                single(Tx("100.00", e2e="E1", text='a "quoted" \\ é'), "R1"),
                single(Tx("40.25", credit=False, text="d"), "R3"),
            ],
        ),
        "mt940": mt940("NL77INGB0574908765", "M-1", [(Tx("99.00", e2e="X1", text="x"), "B1")])
        + mt940("NL77INGB0574908765", "M-2", []),
    }
    for name, data in files.items():
        path = tmp_path / name
        path.write_bytes(data)
        streamed, parsed = _streamed_and_parsed(path, data)
        assert streamed == parsed, name
    assert len(parsed) == 2 and parsed[1]["payments"] == []


BANK_CORPUS = ROOT.parent / "shared" / "corpus" / "bank"


@pytest.mark.skipif(
    not require_corpus(BANK_CORPUS / "expected.json", "the shared bank corpus"),
    reason="the shared bank corpus is not here",
)
def test_streamed_json_matches_over_the_bank_corpus() -> None:
    names = sorted(json.loads((BANK_CORPUS / "expected.json").read_text()))
    assert len(names) > 40
    for name in names:
        path = BANK_CORPUS / name
        streamed, parsed = _streamed_and_parsed(path, path.read_bytes())
        if streamed != parsed:
            # Only an MT940 payment read before its statement's :25: may differ (its account).
            for got, want in zip(streamed, parsed, strict=True):
                assert {**got, "payments": []} == {**want, "payments": []}, name
                for g, w in zip(got["payments"], want["payments"], strict=True):
                    assert {**g, "account_iban": "", "currency": ""} == {
                        **w,
                        "account_iban": "",
                        "currency": "",
                    }, name
