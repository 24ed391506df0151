"""Bank statement parsing throughput and peak memory, side by side, each run in its own process.

    .venv/bin/python bench/gen_statements.py && .venv/bin/python bench/bench_statements.py

(a) bare lxml iterparse over the CAMT file vs parsers.camt (target: >= 0.5x bare, RSS < 100 MB)
(b) parsers.mt940 (streaming, ``iter_mt940_payments``) vs PyPI mt-940 (``mt940.parse``) on the
    same MT940 file (target: >= 3.4x; ours in bounded memory)
(c) the CLI path: ``dunmail statements parse --summary`` and ``--json`` (output to
    /dev/null) and ``statements import`` into a fresh database, on both files,
    against the bare streaming parser they are built on (target: parse within 1.5x of it;
    all in flat memory, peak RSS <= 100 MB). ``--root DIR`` measures another checkout (the
    code before a change); ``--before DIR`` runs that checkout's CLI in turns with --root's;
    ``--only-cli`` skips (a) and (b).

The two sides of a comparison take turns (``--repeat`` runs each, best counts); imports are
loaded before the clock starts.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

# (imports, timed body): imports are loaded before the clock starts, on both sides, so the
# figures are parsing throughput; the file is opened and read inside the timed body.
RUNNERS = {
    "lxml-iterparse-bare": (
        "from lxml import etree",
        """
n = 0
for _, el in etree.iterparse(PATH, events=("end",), tag="{*}Ntry", resolve_entities=False,
                             no_network=True, huge_tree=False, load_dtd=False):
    n += 1
    el.clear()
    while el.getprevious() is not None:
        del el.getparent()[0]
""",
    ),
    "dunmail-camt": (
        "from parsers.camt import iter_camt_payments",
        """
with open(PATH, "rb") as f:
    n = sum(1 for _ in iter_camt_payments(f, source=PATH))
""",
    ),
    "dunmail-mt940": (
        "from parsers.mt940 import iter_mt940_payments",
        """
with open(PATH, "rb") as f:
    n = sum(1 for _ in iter_mt940_payments(f, source=PATH))
""",
    ),
    # The CLI as a user runs it, through click, in-process so imports stay outside the clock.
    "cli-parse-summary": (
        "import contextlib, os; from daemon.cli import main",
        """
with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
    main(["statements", "parse", PATH, "--summary"], standalone_mode=False)
n = 100_000
""",
    ),
    "cli-parse-json": (
        "import contextlib, os; from daemon.cli import main",
        """
with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
    main(["statements", "parse", PATH, "--json"], standalone_mode=False)
n = 100_000
""",
    ),
    "cli-import": (
        "import contextlib, os, tempfile; from daemon.cli import main\n"
        "tmp = tempfile.mkdtemp()\n"
        "cfg = os.path.join(tmp, 'c.toml')\n"
        "open(cfg, 'w').write('[office]\\nname = \"B\"\\nemail = \"b@example.com\"\\n')\n"
        "db = os.path.join(tmp, 'b.db')\n"
        "with open(os.devnull, 'w') as out, contextlib.redirect_stdout(out):\n"
        "    main(['--config', cfg, '--db', db, 'init'], standalone_mode=False)",
        """
with open(os.devnull, "w") as out, contextlib.redirect_stdout(out):
    main(["--config", cfg, "--db", db, "statements", "import", PATH], standalone_mode=False)
n = 100_000
""",
    ),
    "pypi-mt-940": (
        "import mt940",
        """
with open(PATH, "rb") as f:
    n = len(mt940.parse(f.read()))
""",
    ),
}

TEMPLATE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
PATH = {path!r}
{setup}
def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime
t0, c0 = time.perf_counter(), cpu()
{body}
elapsed, cpu_s = time.perf_counter() - t0, cpu() - c0
print(json.dumps({{"n": n, "seconds": elapsed, "cpu_s": cpu_s,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run_once(name: str, path: Path, root: Path = ROOT) -> dict[str, float]:
    setup, body = RUNNERS[name]
    code = TEMPLATE.format(root=str(root), path=str(path), setup=setup, body=body)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    got: dict[str, float] = json.loads(out.stdout.strip().splitlines()[-1])
    return got


def run_pair(
    pair: tuple[str, ...], path: Path, repeat: int, root: Path = ROOT
) -> dict[str, dict[str, float]]:
    """Best of ``repeat`` runs of each, the two taking turns: a burst of load on the shared
    machine then hits one run of each side rather than every run of one side."""
    return run_sides(pair, path, repeat, [root])[0]


def run_sides(
    group: tuple[str, ...], path: Path, repeat: int, roots: list[Path]
) -> list[dict[str, dict[str, float]]]:
    """:func:`run_pair` for each checkout in ``roots``, all taking turns in every round, so
    code before and after a change meets the same load."""
    best: list[dict[str, dict[str, float]]] = [{} for _ in roots]
    for _ in range(repeat):
        for side, root in zip(best, roots, strict=True):
            for name in group:
                got = run_once(name, path, root)
                if name not in side or got["seconds"] < side[name]["seconds"]:
                    side[name] = got
    for side in best:
        for got in side.values():
            got["per_s"] = got["n"] / got["seconds"]
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5, help="runs per parser (best counts)")
    parser.add_argument("--only-cli", action="store_true", help="only the CLI-path comparison")
    parser.add_argument(
        "--root", type=Path, default=ROOT, help="the dunmail checkout to measure (before/after)"
    )
    parser.add_argument(
        "--before",
        type=Path,
        help="another checkout whose CLI runs take turns with --root's (printed first)",
    )
    parser.add_argument(
        "--import-repeat", type=int, default=1, help="runs of each import (tens of seconds)"
    )
    args = parser.parse_args()
    camt, mt = OUT / "camt053_100k.xml", OUT / "mt940_100k.sta"
    if not camt.exists() or not mt.exists():
        sys.exit("run bench/gen_statements.py first")
    res: dict[str, dict[str, float]] = {}
    # The first of each CLI group is the streaming parser the commands are built on.
    cli_groups: list[tuple[str, tuple[str, ...], Path]] = [
        ("CAMT", ("dunmail-camt", "cli-parse-summary", "cli-parse-json"), camt),
        ("CAMT", ("dunmail-camt", "cli-import"), camt),
        ("MT940", ("dunmail-mt940", "cli-parse-summary", "cli-parse-json"), mt),
        ("MT940", ("dunmail-mt940", "cli-import"), mt),
    ]
    if not args.only_cli:
        for pair, path in (
            (("lxml-iterparse-bare", "dunmail-camt"), camt),
            (("dunmail-mt940", "pypi-mt-940"), mt),
        ):
            got = run_pair(pair, path, args.repeat, args.root)
            res.update(got)
            for name in pair:
                _print(name, got[name])
        camt_ratio = res["dunmail-camt"]["per_s"] / res["lxml-iterparse-bare"]["per_s"]
        mt_ratio = res["dunmail-mt940"]["per_s"] / res["pypi-mt-940"]["per_s"]
        print(
            f"CAMT: ours / bare iterparse = {camt_ratio:.2f}x (target >= 0.5x); "
            f"our peak RSS {res['dunmail-camt']['rss_mb']:.1f} MB (target < 100 MB)"
        )
        print(f"MT940: ours / mt-940 = {mt_ratio:.2f}x (target >= 3.4x)")
    roots = [args.before, args.root] if args.before else [args.root]
    for label, group, path in cli_groups:
        # An import of 100,000 payments takes tens of seconds: fewer runs of it.
        repeat = args.import_repeat if "cli-import" in group else args.repeat
        for root, got in zip(roots, run_sides(group, path, repeat, roots), strict=True):
            base = got[group[0]]
            if args.before:
                print(f"{label} at {root}:")
            _print(group[0], base)
            for name in group[1:]:
                r = got[name]
                _print(name, r)
                print(
                    f"  {label} {name}: {r['seconds'] / base['seconds']:.2f}x the streaming"
                    f" parser's time, {r['cpu_s'] / base['cpu_s']:.2f}x its CPU time (parse"
                    f" target <= 1.5x), peak RSS {r['rss_mb']:.1f} MB (target <= 100 MB)",
                    flush=True,
                )


def _print(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:22} {int(r['n']):>7} entries  {r['seconds']:7.2f} s "
        f"(CPU {r['cpu_s']:5.2f} s)  {r['per_s']:>9,.0f} entries/s  "
        f"peak RSS {r['rss_mb']:6.1f} MB",
        flush=True,
    )


if __name__ == "__main__":
    main()
