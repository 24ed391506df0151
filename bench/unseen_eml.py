"""Write a hand-written unseen reply set (tests/data/unseen_replies*.json) as .eml files and
a labels.json, so it can be measured the way the issue's hidden sets are:

    python bench/unseen_eml.py tests/data/unseen_replies_2.json /tmp/u2
    dunmail classify --json /tmp/u2/*.eml > out.json
    python bench/score_classify.py /tmp/u2/labels.json out.json

The mails are built as tests/corpus/test_unseen_replies.py builds them (same headers).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.corpus.test_unseen_replies import DATE_FIELDS, _eml  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cases", type=Path, help="a tests/data/unseen_replies*.json file")
    parser.add_argument("out", type=Path, help="directory for <id>.eml and labels.json")
    args = parser.parse_args()
    cases = json.loads(args.cases.read_text(encoding="utf-8"))["cases"]
    args.out.mkdir(parents=True, exist_ok=True)
    labels = {}
    for case in cases:
        name = f"{case['id']}.eml"
        (args.out / name).write_bytes(_eml(case))
        labels[name] = {
            "intent": case["intent"],
            "language": case["lang"],
            **{f: case.get(f) for f in DATE_FIELDS},
        }
    (args.out / "labels.json").write_text(json.dumps(labels, indent=1), encoding="utf-8")
    print(f"{len(cases)} mails in {args.out}")


if __name__ == "__main__":
    main()
