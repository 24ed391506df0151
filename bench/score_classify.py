"""Score `dunmail classify --json` output against a labelled corpus, the way the issue's
hidden sets are scored: intent accuracy, share handled automatically, wrong automatic
decisions, disputes/insolvency handled automatically as another intent, all dates exact.

    dunmail classify --json FILES... > out.json
    python bench/score_classify.py ../shared/corpus/replies-train/labels.json out.json

Only the files present in the output are scored (so a subset, e.g. the held-out part, can be
classified and scored on its own).
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

DATES = ("promise_date", "paid_date", "return_date")
GUARDED = ("dispute", "insolvency")


def score(labels: dict[str, dict[str, Any]], rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Per language and overall: n, acc, auto, auto_wrong, guarded_auto_wrong, dates."""
    groups: dict[str, list[tuple[dict[str, Any], dict[str, Any]]]] = defaultdict(list)
    for row in rows:
        label = labels[Path(row["file"]).name]
        groups[label["language"]].append((row, label))
        groups["all"].append((row, label))
    out: dict[str, Any] = {}
    for name, pairs in sorted(groups.items()):
        n = len(pairs)
        auto = [(r, lab) for r, lab in pairs if not r["needs_review"]]
        wrong_auto = [(r, lab) for r, lab in auto if r["intent"] != lab["intent"]]
        out[name] = {
            "n": n,
            "acc": sum(r["intent"] == lab["intent"] for r, lab in pairs) / n,
            "auto": len(auto) / n,
            "auto_wrong": len(wrong_auto) / len(auto) if auto else 0.0,
            "guarded_auto_wrong": sum(lab["intent"] in GUARDED for _, lab in wrong_auto),
            "dates": sum(all(r[f] == lab.get(f) for f in DATES) for r, lab in pairs) / n,
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("output", type=Path, help="dunmail classify --json output")
    args = parser.parse_args()
    labels = json.loads(args.labels.read_text(encoding="utf-8"))
    rows = json.loads(args.output.read_text(encoding="utf-8"))
    print(f"{'':6}{'n':>5}{'acc':>7}{'auto':>7}{'auto-wrong':>12}{'guarded':>9}{'dates':>7}")
    for name, s in score(labels, rows).items():
        print(
            f"{name:6}{s['n']:>5}{s['acc']:>7.3f}{s['auto']:>7.3f}{s['auto_wrong']:>12.3f}"
            f"{s['guarded_auto_wrong']:>9}{s['dates']:>7.3f}"
        )


if __name__ == "__main__":
    main()
