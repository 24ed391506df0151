"""The labelled debtor-reply corpus (../shared/corpus/replies): intent accuracy, dates,
invoice numbers and language, with a per-intent precision/recall table (`pytest -s`).

The shipped model is trained on this corpus too, so these figures are in-sample: they show
it still fits what it learnt from. Out-of-sample figures: tests/corpus/test_classifier_cv.py
and tests/corpus/test_unseen_replies.py."""

from __future__ import annotations

import json
import time
from collections import Counter
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daemon.domain.classify import Classification, classify, shipped_model
from parsers.mail import parse
from tests.hermetic import require_corpus

CORPUS = Path(__file__).resolve().parents[2] / ".." / "shared" / "corpus" / "replies"
LABELS: dict[str, dict[str, Any]] = (
    json.loads((CORPUS / "labels.json").read_text()) if (CORPUS / "labels.json").exists() else {}
)
TZ = ZoneInfo("Europe/Amsterdam")

pytestmark = pytest.mark.skipif(
    not require_corpus(CORPUS / "labels.json", "the shared replies corpus"),
    reason="shared replies corpus not present",
)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@pytest.fixture(scope="module")
def results() -> dict[str, Classification]:
    start = time.perf_counter()
    out = {name: classify(parse((CORPUS / name).read_bytes()), tz=TZ) for name in sorted(LABELS)}
    elapsed = time.perf_counter() - start
    print(
        f"\nreplies corpus: {len(out)} mails in {elapsed:.2f}s = {len(out) / elapsed:.0f} mails/s"
    )
    return out


def _print_table(results: dict[str, Classification]) -> None:
    tp: Counter[str] = Counter()
    predicted: Counter[str] = Counter()
    actual: Counter[str] = Counter()
    for name, label in LABELS.items():
        got = results[name].intent.value
        predicted[got] += 1
        actual[label["intent"]] += 1
        tp[got] += got == label["intent"]
    print(f"{'intent':<16}{'n':>4}{'precision':>11}{'recall':>8}")
    for intent in sorted(actual):
        precision = tp[intent] / predicted[intent] if predicted[intent] else 0.0
        print(
            f"{intent:<16}{actual[intent]:>4}{precision:>11.2f}{tp[intent] / actual[intent]:>8.2f}"
        )


def test_intent_accuracy_and_recall(results: dict[str, Classification]) -> None:
    _print_table(results)
    wrong = {
        n: (results[n].intent.value, lab["intent"])
        for n, lab in LABELS.items()
        if results[n].intent.value != lab["intent"]
    }
    accuracy = 1 - len(wrong) / len(LABELS)
    print(f"intent accuracy {accuracy:.3f}; wrong: {wrong}")
    assert accuracy >= 0.97, wrong
    for must_find in ("dispute", "insolvency"):
        missed = [
            n
            for n, lab in LABELS.items()
            if lab["intent"] == must_find and results[n].intent.value != must_find
        ]
        assert not missed, f"{must_find} recall below 1.0: {missed}"


@pytest.mark.parametrize("field", ["promise_date", "paid_date", "return_date"])
def test_dates_exact(results: dict[str, Classification], field: str) -> None:
    wrong = {
        n: (_iso(getattr(results[n], field)), lab[field])
        for n, lab in LABELS.items()
        if _iso(getattr(results[n], field)) != lab[field]
    }
    score = 1 - len(wrong) / len(LABELS)
    print(f"{field} exact {score:.3f}; wrong: {wrong}")
    assert score >= 0.97, wrong


def test_invoice_numbers_and_language(results: dict[str, Classification]) -> None:
    inv = [
        n for n, lab in LABELS.items() if list(results[n].invoice_numbers) != lab["invoice_numbers"]
    ]
    lang = [n for n, lab in LABELS.items() if results[n].language != lab["language"]]
    print(
        f"invoice_numbers exact {1 - len(inv) / len(LABELS):.3f}; language {1 - len(lang) / len(LABELS):.3f}"
    )
    assert len(inv) / len(LABELS) <= 0.03, inv
    assert len(lang) / len(LABELS) <= 0.03, lang


def test_every_result_explains_itself(results: dict[str, Classification]) -> None:
    model = shipped_model()
    for name, result in results.items():
        assert result.evidence, name
        if result.machine is None:  # the model decided: below its threshold → a person
            assert any(e.startswith("feature:") for e in result.evidence), name
            assert result.needs_review or result.confidence >= model.bar(result.intent), name
