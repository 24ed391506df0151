"""Reply classification cost: model load (time, memory) and mails/s, one process.

    .venv/bin/python bench/bench_classify.py            # --repeat 3

Parses every labelled reply of ../shared/corpus/replies-train and replies once (not timed),
then times: importing and parsing the shipped model (``shipped_model()``, once per process),
the resident memory it adds (psutil RSS before/after), and ``classify`` over all replies
``--repeat`` times (rules + features + model). Training time is ``dunmail train-classifier``.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from pathlib import Path
from zoneinfo import ZoneInfo

import psutil

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from daemon.app.classifier_training import CORPORA  # noqa: E402
from daemon.domain import classify as cl  # noqa: E402
from parsers.mail import parse  # noqa: E402

TZ = ZoneInfo("Europe/Amsterdam")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    mails = []
    for corpus in CORPORA:
        for name in sorted(json.loads((corpus / "labels.json").read_text())):
            mails.append(parse((corpus / name).read_bytes()))
    proc = psutil.Process()
    gc.collect()
    before = proc.memory_info().rss
    t0 = time.perf_counter()
    model = cl.shipped_model()
    load_s = time.perf_counter() - t0
    gc.collect()
    after = proc.memory_info().rss
    t0 = time.perf_counter()
    for _ in range(args.repeat):
        for mail in mails:
            cl.classify(mail, tz=TZ)
    elapsed = time.perf_counter() - t0
    n = len(mails) * args.repeat
    print(
        json.dumps(
            {
                "features_in_model": len(model.index),
                "model_load_s": round(load_s, 3),
                "model_rss_mb": round((after - before) / 1e6, 1),
                "mails": n,
                "classify_s": round(elapsed, 2),
                "mails_per_s": round(n / elapsed),
                "ms_per_mail": round(1000 * elapsed / n, 2),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
