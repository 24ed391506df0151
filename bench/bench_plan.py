"""The daily plan for 100,000 open invoices: ``daemon.app.dunning.plan`` on a generated DB.

    .venv/bin/python bench/bench_plan.py                    # --invoices 100000 [--profile]

The database comes from bench/gen_dunning.py (not timed; 4 invoices per debtor). Timed,
best of 3: the snapshot read (``load_snapshots``), the pure planner (``plan_day``) and the
whole ``plan(store, config, today)`` the daemon and ``dunmail preview`` call. Target: < 5 s.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import pstats
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.gen_dunning import TODAY, populate  # noqa: E402
from daemon.adapters.store.db import open_store  # noqa: E402
from daemon.app import dunning  # noqa: E402
from daemon.config import Config, OfficeSettings  # noqa: E402
from daemon.domain.dunning_planner import plan_day  # noqa: E402

TARGET_S = 5.0


def bench_config() -> Config:
    office = OfficeSettings(
        name="Voorbeeld B.V.", email="debiteuren@voorbeeld-bv.nl", iban="NL91ABNA0417164300"
    )
    return replace(Config(), office=office)


def run(invoices: int, repeat: int, profile: bool) -> dict[str, Any]:
    work = Path(tempfile.mkdtemp(prefix="dunmail-bench-plan-"))
    store = open_store(work / "dunning.db")
    t0 = time.perf_counter()
    sizes = populate(store, invoices=invoices)
    setup_s = time.perf_counter() - t0
    config = bench_config()
    best: dict[str, float] = {}
    actions: list[Any] = []
    for _ in range(repeat):
        # The split under the same collector pause as plan() itself, so the parts add up.
        with dunning._cyclic_gc_paused():
            t0 = time.perf_counter()
            snapshots = dunning.load_snapshots(store, config, TODAY)
            t1 = time.perf_counter()
            settings = dunning.plan_settings(config, global_pause=None, bank_block=None)
            plan_day(snapshots, TODAY, settings)
            t2 = time.perf_counter()
        del snapshots
        day = dunning.plan(store, config, TODAY)
        t3 = time.perf_counter()
        actions = day.actions
        for name, seconds in (("load", t1 - t0), ("plan_day", t2 - t1), ("plan()", t3 - t2)):
            best[name] = min(best.get(name, seconds), seconds)
    if profile:
        profiler = cProfile.Profile()
        profiler.enable()
        dunning.plan(store, config, TODAY)
        profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    store.close()
    shutil.rmtree(work, ignore_errors=True)
    return {
        **sizes,
        "setup_seconds": round(setup_s, 1),
        "seconds": {k: round(v, 2) for k, v in best.items()},
        "actions": dict(Counter(str(a.action) for a in actions)),
        "target_met": best["plan()"] < TARGET_S,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--invoices", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    print(json.dumps(run(args.invoices, args.repeat, args.profile), indent=2))


if __name__ == "__main__":
    main()
