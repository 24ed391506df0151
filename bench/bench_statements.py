"""Bank statement parsing throughput and peak memory, side by side, each run in its own process.

    .venv/bin/python bench/gen_statements.py && .venv/bin/python bench/bench_statements.py

(a) bare lxml iterparse over the CAMT file vs parsers.camt (target: >= 0.5x bare, RSS < 100 MB)
(b) parsers.mt940 (streaming, ``iter_mt940_payments``) vs PyPI mt-940 (``mt940.parse``) on the
    same MT940 file (target: >= 3.4x; ours in bounded memory)
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "bench" / "out"

RUNNERS = {
    "lxml-iterparse-bare": """
from lxml import etree
n = 0
for _, el in etree.iterparse(PATH, events=("end",), tag="{*}Ntry", resolve_entities=False,
                             no_network=True, huge_tree=False, load_dtd=False):
    n += 1
    el.clear()
    while el.getprevious() is not None:
        del el.getparent()[0]
""",
    "dunmail-camt": """
from parsers.camt import iter_camt_payments
with open(PATH, "rb") as f:
    n = sum(1 for _ in iter_camt_payments(f, source=PATH))
""",
    "dunmail-mt940": """
from parsers.mt940 import iter_mt940_payments
with open(PATH, "rb") as f:
    n = sum(1 for _ in iter_mt940_payments(f, source=PATH))
""",
    "pypi-mt-940": """
import mt940
with open(PATH, "rb") as f:
    n = len(mt940.parse(f.read()))
""",
}

TEMPLATE = """
import json, resource, sys, time
sys.path.insert(0, {root!r})
PATH = {path!r}
t0 = time.perf_counter()
{body}
elapsed = time.perf_counter() - t0
print(json.dumps({{"n": n, "seconds": elapsed,
                  "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}))
"""


def run(name: str, path: Path, repeat: int = 3) -> dict[str, float]:
    best: dict[str, float] | None = None
    for _ in range(repeat):
        code = TEMPLATE.format(root=str(ROOT), path=str(path), body=RUNNERS[name])
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        got = json.loads(out.stdout.strip().splitlines()[-1])
        if best is None or got["seconds"] < best["seconds"]:
            best = got
    assert best is not None
    best["per_s"] = best["n"] / best["seconds"]
    return best


def main() -> None:
    camt, mt = OUT / "camt053_100k.xml", OUT / "mt940_100k.sta"
    if not camt.exists() or not mt.exists():
        sys.exit("run bench/gen_statements.py first")
    rows = []
    for name, path in (
        ("lxml-iterparse-bare", camt),
        ("dunmail-camt", camt),
        ("dunmail-mt940", mt),
        ("pypi-mt-940", mt),
    ):
        r = run(name, path, repeat=1 if name == "pypi-mt-940" else 3)
        rows.append((name, r))
        print(
            f"{name:22} {int(r['n']):>7} entries  {r['seconds']:7.2f} s  "
            f"{r['per_s']:>9,.0f} entries/s  peak RSS {r['rss_mb']:6.1f} MB",
            flush=True,
        )
    res = dict(rows)
    camt_ratio = res["dunmail-camt"]["per_s"] / res["lxml-iterparse-bare"]["per_s"]
    mt_ratio = res["dunmail-mt940"]["per_s"] / res["pypi-mt-940"]["per_s"]
    print(
        f"CAMT: ours / bare iterparse = {camt_ratio:.2f}x (target >= 0.5x); "
        f"our peak RSS {res['dunmail-camt']['rss_mb']:.1f} MB (target < 100 MB)"
    )
    print(f"MT940: ours / mt-940 = {mt_ratio:.2f}x (target >= 3.4x)")


if __name__ == "__main__":
    main()
