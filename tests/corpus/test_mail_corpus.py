"""Real inbound-mail fixtures (../shared/corpus/mail): bounces, delays, auto-replies,
challenge/response, machine mail and human replies; plus quote stripping on the
reply-trimmer fixtures that carry a `stripped` label.

Mapping of the corpus `kind` onto our intents: bounce and delay → bounce (permanent as
labelled; delays are bounces with permanent False); auto_reply and challenge_response →
auto_reply; auto_generated → any machine intent (we answer `other` with
machine="auto_generated"); human → never auto_reply or bounce.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.classify import Classification, classify
from parsers.mail import parse, parse_body_text
from parsers.replies.quotes import split_reply
from tests.hermetic import require_corpus

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "mail"
EXPECTED: dict[str, dict[str, Any]] = (
    json.loads((CORPUS / "expected.json").read_text())
    if (CORPUS / "expected.json").exists()
    else {}
)
TZ = ZoneInfo("Europe/Amsterdam")
COMPLETE = sorted(n for n, v in EXPECTED.items() if not v.get("body_only"))

pytestmark = pytest.mark.skipif(
    not require_corpus(CORPUS / "expected.json", "the shared mail corpus"),
    reason="shared mail corpus not present",
)


def agrees(label: dict[str, Any], result: Classification) -> bool:
    kind, intent = label["kind"], result.intent.value
    if kind in ("bounce", "delay"):
        found = set(label.get("recipients") or []) <= set(result.bounce_recipients)
        permanent = label.get("permanent") is None or label["permanent"] == result.bounce_permanent
        return intent == "bounce" and found and permanent
    if kind in ("auto_reply", "challenge_response"):
        return intent == "auto_reply"
    if kind == "auto_generated":
        return intent in ("auto_reply", "bounce", "other")
    return intent not in ("auto_reply", "bounce")


@pytest.fixture(scope="module")
def results() -> dict[str, Classification]:
    start = time.perf_counter()
    out = {name: classify(parse((CORPUS / name).read_bytes()), tz=TZ) for name in COMPLETE}
    elapsed = time.perf_counter() - start
    print(f"\nmail corpus: {len(out)} mails in {elapsed:.2f}s = {len(out) / elapsed:.0f} mails/s")
    return out


def test_kinds_agree(results: dict[str, Classification]) -> None:
    total: Counter[str] = Counter()
    good: Counter[str] = Counter()
    wrong = []
    for name in COMPLETE:
        kind = EXPECTED[name]["kind"]
        total[kind] += 1
        if agrees(EXPECTED[name], results[name]):
            good[kind] += 1
        else:
            r = results[name]
            wrong.append((name, kind, r.intent.value, r.bounce_recipients, r.bounce_permanent))
    print(f"{'kind':<20}{'n':>5}{'agree':>7}")
    for kind in sorted(total):
        print(f"{kind:<20}{total[kind]:>5}{good[kind] / total[kind]:>7.2f}")
    score = sum(good.values()) / len(COMPLETE)
    print(f"agreement {score:.3f}; disagreements: {wrong}")
    assert score >= 0.97, wrong


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_quote_stripping_matches_the_trimmer_fixtures() -> None:
    cases = {n: v for n, v in EXPECTED.items() if "stripped" in v}
    wrong = []
    for name, label in cases.items():
        raw = (CORPUS / name).read_bytes()
        mail = (
            parse_body_text(raw.decode("utf-8", "replace"))
            if label.get("body_only")
            else parse(raw)
        )
        split = split_reply(mail.text)
        # the fixtures differ on whether a mobile footer belongs to the reply; accept both
        if _norm(label["stripped"]) not in (
            _norm(split.new),
            _norm(f"{split.new} {split.signature}"),
        ):
            wrong.append(name)
    score = 1 - len(wrong) / len(cases)
    print(f"quote stripping {score:.3f} of {len(cases)}; differing: {wrong}")
    assert score >= 0.9, wrong
