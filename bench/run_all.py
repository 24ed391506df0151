"""Run every benchmark in bench/ (bench_*.py), each in its own process, and print a summary.

    .venv/bin/python bench/run_all.py                # what `make bench` runs
    .venv/bin/python bench/run_all.py --only plan    # the scripts whose name contains "plan"
    .venv/bin/python bench/run_all.py --quick        # smaller inputs: a smoke run in minutes

Generators run first when their output is missing (gen_statements.py for the statement
parsers); the other scripts generate their own data. Each script's full output is kept in
bench/out/<script>.log; the figures go into BENCHMARKS.md by hand, with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
OUT = BENCH / "out"

# Smaller inputs for --quick; scripts not listed run with their defaults.
QUICK_ARGS = {
    "bench_inbound.py": ["--count", "500"],
    "bench_outbox.py": ["--reminders", "200"],
    "bench_plan.py": ["--invoices", "10000", "--repeat", "1"],
    "bench_idle.py": ["--settle", "5"],
    "bench_matching.py": ["--n", "10000"],
}
GENERATORS = {"bench_statements.py": ("gen_statements.py", ["camt053_100k.xml", "mt940_100k.sta"])}


def scripts(only: str | None) -> list[Path]:
    found = sorted(BENCH.glob("bench_*.py"))
    return [p for p in found if only is None or only in p.stem]


def headline(output: str) -> str:
    """The last JSON object's top-level scalars, or the last non-empty line."""
    text = output.strip()
    start = text.rfind("\n{")
    candidate = text[start + 1 :] if start >= 0 else text
    try:
        data = json.loads(candidate)
    except ValueError:
        lines = [line for line in text.splitlines() if line.strip()]
        return lines[-1][:160] if lines else ""
    if isinstance(data, dict):
        parts = [f"{k}={v}" for k, v in data.items() if isinstance(v, str | int | float | bool)]
        return ", ".join(parts)[:300]
    return str(data)[:160]


def run_one(script: Path, quick: bool, timeout_s: float) -> tuple[int, float, str]:
    generator = GENERATORS.get(script.name)
    if generator and not all((OUT / name).exists() for name in generator[1]):
        subprocess.run([sys.executable, str(BENCH / generator[0])], cwd=ROOT, check=True)
    args = QUICK_ARGS.get(script.name, []) if quick else []
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    t0 = time.perf_counter()
    try:
        done = subprocess.run(
            [sys.executable, str(script), *args],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout_s,
        )  # fmt: skip
        code, output = done.returncode, done.stdout + done.stderr
    except subprocess.TimeoutExpired as exc:
        code, output = -1, f"timed out after {timeout_s:.0f} s\n{exc.stdout or ''}"
    elapsed = time.perf_counter() - t0
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{script.stem}.log").write_text(output if isinstance(output, str) else str(output))
    return code, elapsed, output if isinstance(output, str) else str(output)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only scripts whose name contains this")
    parser.add_argument("--quick", action="store_true", help="smaller inputs")
    parser.add_argument("--timeout", type=float, default=3600.0, help="per script, seconds")
    args = parser.parse_args()
    rows = []
    for script in scripts(args.only):
        print(f"== {script.name} …", flush=True)
        code, elapsed, output = run_one(script, args.quick, args.timeout)
        status = "ok" if code == 0 else f"FAILED ({code})"
        print(f"   {status} in {elapsed:.0f} s: {headline(output)}", flush=True)
        rows.append((script.name, status, elapsed))
    print("\nsummary (full output in bench/out/<script>.log):")
    for name, status, elapsed in rows:
        print(f"  {name:<22} {status:<12} {elapsed:7.0f} s")
    if any(status != "ok" for _, status, _ in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
