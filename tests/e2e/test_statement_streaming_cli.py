"""`dunmail statements parse` and `import` read a bank file as a stream: a 100,000-entry CAMT
file is summarised and written out as JSON in flat memory (it was 226 MB when every
statement was built first), and the streamed JSON is the same document the parsed
statements give. Not timed: the figures live in BENCHMARKS.md."""

from __future__ import annotations

import io
import json
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from bench.gen_statements import write_camt
from daemon.cli import main
from daemon.cli.context import to_jsonable
from daemon.cli.statements import _payment_json, _statement_json, _write_json
from parsers.bank import BankFormatError, Direction, Payment, Statement
from parsers.camt import StatementEnd
from parsers.statements import iter_statement_items, parse_statement_bytes
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


def _many(n: int) -> bytes:
    """An MT940 statement of ``n`` payments, each booked on a day of its own (more days than
    the writer keeps formatted), with quotes, accents, padded and structured remittances."""
    start = date(2001, 1, 1)
    txs = [
        (
            Tx(
                f"{i + 1}.{i % 100:02d}",
                credit=i % 3 != 0,
                booked=start + timedelta(days=i),
                e2e=f"E{i}",
                name=f'Klant "{i}" é',
                iban="NL02RABO0000000000",
                text=f"  Factuur {i} \\ ",
                structured=f"RF18{i:04d}" if i % 7 == 0 else None,
            ),
            f"B{i}",
        )
        for i in range(n)
    ]
    return mt940("NL77INGB0574908765", "M-MANY", txs)


def test_streamed_payments_are_the_json_of_each_payment_byte_for_byte(tmp_path: Path) -> None:
    """Each payment line is exactly ``json.dumps`` of ``_payment_json`` (", " and ": "
    separators, non-ASCII kept), across 5,000 different days and several write chunks."""
    data = _many(5000)
    path = tmp_path / "many.sta"
    path.write_bytes(data)
    result = CliRunner().invoke(main, ["statements", "parse", str(path), "--json"])
    assert result.exit_code == 0, result.output
    [statement] = parse_statement_bytes(data, source=str(path))
    lines = [
        json.dumps(_payment_json(p), ensure_ascii=False, default=str) for p in statement.payments
    ]
    assert len(lines) == 5000 and len({p.booking_date for p in statement.payments}) == 5000
    assert result.stdout.startswith('[\n{"payments": [\n  ' + ",\n  ".join(lines) + "],\n ")
    assert json.loads(result.stdout) == _streamed_and_parsed(path, data)[1]


def test_a_file_breaking_part_way_leaves_every_payment_read_before_it(tmp_path: Path) -> None:
    """Payments are written in chunks: those read before the break are written all the same
    (more than one chunk and a part of one), the JSON is left open and the command fails."""
    data = _many(2500)
    broken = data.replace(b":61:0711041104", b":61:BROKEN", 1)  # the 2,499th payment
    assert broken != data
    path = tmp_path / "broken.sta"
    path.write_bytes(broken)
    read = 0
    with pytest.raises(BankFormatError):
        for item in iter_statement_items(broken, source=str(path)):
            read += not isinstance(item, StatementEnd)
    assert 2000 < read < 2499
    result = CliRunner().invoke(main, ["statements", "parse", str(path), "--json"])
    assert result.exit_code == 1
    assert "broken.sta" in result.stderr and "BROKEN" in result.stderr
    assert result.stdout.count('"bank_reference": "B') == read
    assert result.stdout.startswith('[\n{"payments": [\n  {"account_iban"')
    assert not result.stdout.rstrip().endswith("]")


def test_amounts_with_an_exponent_are_written_in_plain_digits() -> None:
    """``str`` of a Decimal is used where it equals ``format(d, "f")``; not for these."""
    end = StatementEnd(Statement("mt940", "S", "NL77INGB0574908765", "EUR"))
    payments = [
        Payment("NL77INGB0574908765", None, None, Decimal(text), "EUR", Direction.CREDIT)
        for text in ("1E+2", "1.5E-7", "12.50", "0", "0.000001")
    ]
    out = io.StringIO()
    _write_json(iter([*payments, end]), out)
    amounts = [p["amount"] for p in json.loads(out.getvalue())[0]["payments"]]
    assert amounts == ["100", "0.00000015", "12.50", "0", "0.000001"]
    lines = [json.dumps(_payment_json(p), ensure_ascii=False, default=str) for p in payments]
    assert ",\n  ".join(lines) in out.getvalue()
