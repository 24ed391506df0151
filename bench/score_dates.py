"""Date accuracy of the shipped reply classifier, with every miss printed (#12).

No training: each reply is read by the rules and decided by the shipped model
(``read``/``decide``, as ``dunmail classify`` does). Scored over the shared corpora minus the
fixed held-out part of replies-train (never opened here: only its keys are used to skip it)
and over our own replies (data/replies-extra). A reply counts when any of its three date
fields is labelled; it is right when all three are exact.

    PYTHONPATH=. python bench/score_dates.py            # figures + every miss
    PYTHONPATH=. python bench/score_dates.py --quiet    # figures only
    PYTHONPATH=. python bench/score_dates.py --model /tmp/m.py   # a freshly trained artefact
"""

from __future__ import annotations

import argparse
from collections import defaultdict
from pathlib import Path

from daemon.app import classifier_training as ct
from daemon.domain.classify import decide, shipped_model

FIELDS = ct.DATE_FIELDS


def _iso(value: object) -> str | None:
    return None if value is None else str(value)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quiet", action="store_true", help="figures only, no misses")
    parser.add_argument(
        "--model", type=Path, help="an artefact written by `dunmail train-classifier --out`"
    )
    args = parser.parse_args()
    examples = ct.load_examples(ct.CORPORA)
    hidden = ct.held_out(examples)
    every = [ex for ex in examples if ex.key not in hidden] + ct.load_extra()
    model = ct.model_of(args.model.read_text("utf-8")) if args.model else shipped_model()
    totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    false_dates = 0
    for ex in every:
        result = decide(ex.reading, model)
        found = {f: _iso(getattr(result, f)) for f in FIELDS}
        want = {f: ex.label.get(f) for f in FIELDS}
        right = found == want
        if not any(want.values()):
            # an undated reply given a date: not in the figure (as in the CV table), shown
            false_dates += not right
            if not right and not args.quiet:
                print(f"FALSE {ex.key} [{ex.label['intent']}->{result.intent.value}] {found}")
                print(f"    | {' '.join(ex.reading.facts.split.new.split())[:300]}")
            continue
        for group in (ex.corpus, f"lang:{ex.label['language']}", "all"):
            totals[group][0] += right
            totals[group][1] += 1
        if right or args.quiet:
            continue
        diff = ", ".join(f"{f[:-5]} {want[f]} vs {found[f]}" for f in FIELDS if found[f] != want[f])
        base = ex.reading.facts.base_date
        print(f"MISS {ex.key} [{ex.label['intent']}->{result.intent.value}] base={base} {diff}")
        for mention in ex.reading.facts.dates:
            print(f"    {mention.kind:8} {mention.text!r} -> {mention.day}")
        text = " ".join(ex.reading.facts.split.new.split())
        print(f"    | {text[:400]}")
    for group, (right, n) in sorted(totals.items()):
        print(f"{group:16} {right:4}/{n:<4} {right / n:.3f}")
    print(f"undated replies given a date: {false_dates}")


if __name__ == "__main__":
    main()
