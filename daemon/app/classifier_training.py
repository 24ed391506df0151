"""Training the intent model from labelled replies, and measuring it honestly.

One command (``dunmail train-classifier``) reads the labelled corpora, sets aside a fixed
held-out part, cross-validates on the rest (each reply scored by a model that never saw it),
calibrates the auto-handling threshold on those out-of-fold results, fits the final model
and writes it as ``parsers/replies/model_data.py``. Deterministic: same corpora, same bytes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daemon.app.extra_replies import parse_corpus
from daemon.domain.classify import (
    Classification,
    Intent,
    Reading,
    decide,
    overruled_guard,
    read,
)
from parsers.mail import parse
from parsers.replies.dates import common_working_day
from parsers.replies.learn import Outcome, TrainSettings, average, calibrate, train
from parsers.replies.model import LinearModel, dump, load

TZ = ZoneInfo("Europe/Amsterdam")
# The labelled corpora count working days as Monday to Friday, no public holidays
# (shared/corpus/replies/README.md); reading them with a holiday calendar would put a
# "within 10 working days" over Christmas a day or two off its label.
REPO = Path(__file__).resolve().parents[2]
CORPORA = (
    REPO / ".." / "shared" / "corpus" / "replies-train",
    REPO / ".." / "shared" / "corpus" / "replies",
)
# Our own labelled replies (data/replies-extra/README.md): always training data, never part
# of the shared corpora's folds or held-out part, scored on their own folds separately.
EXTRA = REPO / "data" / "replies-extra"
EXTRA_CORPUS = "replies-extra"
ARTEFACT = REPO / "parsers" / "replies" / "model_data.py"
CLASSES = tuple(i.value for i in Intent if i is not Intent.BOUNCE)
FOLDS = 5
HELD_OUT_SHARE = 0.2
HELD_OUT_CORPUS = "replies-train"  # the development corpus is too small to split
DATE_FIELDS = ("promise_date", "paid_date", "return_date")
# Share of the out-of-fold automatic decisions allowed to be wrong when the thresholds are
# set (the issue allows 1 % on new mail), and the margin each threshold gets on top. Our own
# replies are read more surely than the shared corpora's: at 0.75 % over both, the shared
# corpora's automatic decisions were 1.6-1.9 % wrong; at 0.5 % they stay under 1 %. With
# ~7,600 out-of-fold decisions a threshold rests on hundreds of replies, not a handful, so
# the margin that guarded 465 replies (0.03) is more caution than needed: 0.01.
MAX_WRONG = 0.005
MARGIN = 0.01
# ... and on the shared corpora's replies alone (written independently of us, like the mail
# an office gets), at most 1 % of the automatic decisions wrong, as the issue asks: with our
# own replies 95 % of the count, the budget above was met on the whole while the shared
# corpora's automatic decisions were 1.3-1.6 % wrong.
INDEPENDENT_MAX_WRONG = 0.01
# Each reply of the shared corpora is learned from this many times per epoch (and counts this
# many times towards a feature's minimum document frequency). They are written by others
# than us, like the mail an office gets, and are 5 % of the training replies: at weight 3,
# 5-fold CV on them went 0.929 -> 0.935 and automatic 0.628 -> 0.654 (two runs: +0.011 and
# +0.032), the held-out part 0.910 -> 0.921; weight 6 gained nothing over 3.
INDEPENDENT_WEIGHT = 3
DEFAULT_SETTINGS = TrainSettings()


@dataclass(frozen=True, slots=True)
class Example:
    corpus: str
    name: str
    label: dict[str, Any]
    reading: Reading

    @property
    def key(self) -> str:
        return f"{self.corpus}/{self.name}"


def _rank(name: str) -> str:
    return hashlib.sha256(name.encode()).hexdigest()


def stratified(examples: Sequence[Example], parts: int) -> dict[str, int]:
    """Part number (0 … parts-1) per example key: within each intent, by the hash of the
    file name — fixed, independent of any result, and balanced over intents."""
    by_intent: dict[str, list[Example]] = {}
    for ex in examples:
        by_intent.setdefault(ex.label["intent"], []).append(ex)
    out: dict[str, int] = {}
    for group in by_intent.values():
        for i, ex in enumerate(sorted(group, key=lambda e: _rank(e.key))):
            out[ex.key] = i % parts
    return out


def held_out(examples: Sequence[Example]) -> set[str]:
    """The fixed ~20 % of replies-train that training and cross-validation never see."""
    parts = round(1 / HELD_OUT_SHARE)
    pool = [ex for ex in examples if ex.corpus == HELD_OUT_CORPUS]
    return {key for key, part in stratified(pool, parts).items() if part == parts - 1}


def load_examples(corpora: Iterable[Path]) -> list[Example]:
    """Every labelled reply of the corpora, parsed and read by the rules (once)."""
    out: list[Example] = []
    for corpus in corpora:
        labels = json.loads((corpus / "labels.json").read_text(encoding="utf-8"))
        for name in sorted(labels):
            mail = parse((corpus / name).read_bytes())
            reading = read(mail, tz=TZ, is_business_day=common_working_day)
            out.append(Example(corpus.resolve().name, name, labels[name], reading))
    return out


def load_extra(directory: Path | None = EXTRA) -> list[Example]:
    """The project's own replies (every ``*.txt`` of ``directory``), read like the corpora."""
    if directory is None:
        return []
    out: list[Example] = []
    for path in sorted(directory.glob("*.txt")):
        for reply in parse_corpus(path):
            reading = read(parse(reply.mail), tz=TZ, is_business_day=common_working_day)
            out.append(Example(EXTRA_CORPUS, reply.name, reply.label, reading))
    return out


def fit(examples: Sequence[Example], settings: TrainSettings = DEFAULT_SETTINGS) -> LinearModel:
    """A model from the replies the rules leave to it (bounces are the rules' alone); a
    reply of the shared corpora weighs ``INDEPENDENT_WEIGHT`` times one of our own."""
    docs = [
        ex
        for ex in examples
        if ex.reading.ruled is None and ex.label["intent"] in CLASSES
        for _ in range(1 if ex.corpus == EXTRA_CORPUS else INDEPENDENT_WEIGHT)
    ]
    return train(
        [d.reading.features for d in docs], [d.label["intent"] for d in docs], CLASSES, settings
    )


@dataclass
class Scored:
    example: Example
    result: Classification

    @property
    def right(self) -> bool:
        return bool(self.result.intent.value == self.example.label["intent"])

    @property
    def dates_right(self) -> bool:
        return all(_iso(getattr(self.result, f)) == self.example.label.get(f) for f in DATE_FIELDS)


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@dataclass
class CrossValidation:
    scored: list[Scored] = field(default_factory=list)
    thresholds: dict[str, float] = field(default_factory=dict)
    guard: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)  # out-of-fold, model-read only
    models: list[LinearModel] = field(default_factory=list)  # one per fold

    @property
    def threshold(self) -> float:
        """The lowest per-intent threshold (for the one-line summary)."""
        return min(self.thresholds.values(), default=1.0)

    def calibrated(self, model: LinearModel) -> LinearModel:
        """``model`` with these thresholds and guard; an intent without a usable
        threshold is never handled automatically."""
        return replace(
            model,
            threshold=1.0,
            guard=self.guard,
            thresholds=tuple((c, self.thresholds[c]) for c in CLASSES if c in self.thresholds),
        )


def cross_validate(
    examples: Sequence[Example],
    settings: TrainSettings = DEFAULT_SETTINGS,
    extra: Sequence[Example] = (),
) -> CrossValidation:
    """k-fold: every reply is scored by a model fitted on the other folds; the threshold
    and guard are then calibrated on these out-of-fold results.

    ``extra`` (our own replies) has its own stratified folds, so the shared corpora's folds
    are the same with or without it. Each fold model is fitted on both, and the thresholds
    are calibrated on the out-of-fold results of both: more out-of-fold decisions make the
    0.5 % budget less dependent on one or two replies (and our replies, written to be hard,
    are read less surely than the shared ones, so they raise the bars rather than lower
    them). The reported figures keep the two apart (``shared``/``own``)."""
    fold_of = stratified(examples, FOLDS) | stratified(extra, FOLDS)
    every = [*examples, *extra]
    models = [fit([ex for ex in every if fold_of[ex.key] != k], settings) for k in range(FOLDS)]
    raw = [(ex, models[fold_of[ex.key]]) for ex in every]
    outcomes = []
    independent = []  # the shared corpora's replies, written by others than us
    for ex, model in raw:
        if ex.reading.ruled is None:
            independent.append(ex.corpus != EXTRA_CORPUS)
            result = decide(ex.reading, model)
            alarm = _alarm(ex.reading, model)
            outcomes.append(
                Outcome(
                    ex.label["intent"],
                    result.intent.value,
                    result.confidence,
                    alarm,
                    overruled_guard(ex.reading.features, result.intent.value),
                )
            )
    thresholds, guard = calibrate(
        outcomes,
        max_wrong=MAX_WRONG,
        margin=MARGIN,
        strict=independent,
        strict_wrong=INDEPENDENT_MAX_WRONG,
    )
    cv = CrossValidation(thresholds=thresholds, guard=guard, outcomes=outcomes, models=models)
    for ex, model in raw:
        cv.scored.append(Scored(ex, decide(ex.reading, cv.calibrated(model))))
    return cv


def _alarm(reading: Reading, model: LinearModel) -> float:
    from parsers.replies.model import predict

    probs = predict(model, reading.features, explain=0).probabilities
    return probs.get("dispute", 0.0) + probs.get("insolvency", 0.0)


def build(
    corpora: Iterable[Path] = CORPORA,
    settings: TrainSettings = DEFAULT_SETTINGS,
    extra: Path | None = EXTRA,
) -> tuple[str, CrossValidation, list[Example]]:
    """(artefact text, cross-validation, held-out examples): the whole training run."""
    examples = load_examples(corpora)
    hidden = held_out(examples)
    training = [ex for ex in examples if ex.key not in hidden]
    own = load_extra(extra)
    cv = cross_validate(training, settings, own)
    # The mean of the fold models, not a refit on all: its confidence is on the scale the
    # thresholds were calibrated on (see learn.average).
    model = replace(
        cv.calibrated(average(cv.models)),
        meta=(
            ("trained_on", str(len(training) + len(own))),
            ("extra", str(len(own))),
            ("held_out", str(len(hidden))),
            ("folds", str(FOLDS)),
            ("independent_weight", str(INDEPENDENT_WEIGHT)),
            (
                "naive_bayes",
                f"alpha={settings.nb_alpha},weight={settings.nb_weight},rule={settings.nb_rule}",
            ),
        ),
    )
    return artefact(dump(model)), cv, [ex for ex in examples if ex.key in hidden]


def model_of(artefact_text: str) -> LinearModel:
    """The model inside an artefact's text (as the shipped module holds it)."""
    start = artefact_text.index(_OPEN) + len(_OPEN)
    return load(artefact_text[start : artefact_text.rindex('"""')])


def score_held_out(artefact_text: str, examples: Sequence[Example]) -> list[Scored]:
    model = model_of(artefact_text)
    return [Scored(ex, decide(ex.reading, model)) for ex in examples]


def artefact(model_text: str) -> str:
    return (
        '"""The trained intent model (parsers.replies.model format). GENERATED by\n'
        "`dunmail train-classifier` from the labelled corpora; do not edit — retrain.\n"
        '"""\n\n'
        f'{_OPEN}{model_text}"""\n'
    )


_OPEN = 'MODEL = """\\\n'


# -- the report ---------------------------------------------------------------------------


def table(scored: Sequence[Scored], by: str) -> list[dict[str, Any]]:
    """Rows per language or per intent (of the label), plus 'all'."""
    groups: dict[str, list[Scored]] = {}
    for s in scored:
        groups.setdefault(str(s.example.label[by]), []).append(s)
    rows = [_row(name, groups[name]) for name in sorted(groups)]
    return [*rows, _row("all", list(scored))]


def _row(name: str, group: Sequence[Scored]) -> dict[str, Any]:
    auto = [s for s in group if not s.result.needs_review]
    dated = [s for s in group if any(s.example.label.get(f) for f in DATE_FIELDS)]
    return {
        "group": name,
        "n": len(group),
        "accuracy": sum(s.right for s in group) / len(group),
        "auto": len(auto) / len(group),
        "auto_wrong": (sum(not s.right for s in auto) / len(auto)) if auto else 0.0,
        "dates": sum(s.dates_right for s in group) / len(group),
        "dated_n": len(dated),
        "dated_exact": (sum(s.dates_right for s in dated) / len(dated)) if dated else 1.0,
    }


def format_table(rows: Sequence[dict[str, Any]], title: str) -> str:
    head = f"{title:<16}{'n':>5}{'acc':>7}{'auto':>7}{'auto-wrong':>11}{'dates':>7}{'dated':>7}"
    lines = [head]
    for r in rows:
        lines.append(
            f"{r['group']:<16}{r['n']:>5}{r['accuracy']:>7.3f}{r['auto']:>7.3f}"
            f"{r['auto_wrong']:>11.3f}{r['dates']:>7.3f}{r['dated_exact']:>7.3f}"
        )
    return "\n".join(lines)


def shared(scored: Sequence[Scored]) -> list[Scored]:
    """The shared corpora's replies only (the honest figure: our own data excluded)."""
    return [s for s in scored if s.example.corpus != EXTRA_CORPUS]


def own(scored: Sequence[Scored]) -> list[Scored]:
    """Our own replies (data/replies-extra), each scored by a fold model that never saw it."""
    return [s for s in scored if s.example.corpus == EXTRA_CORPUS]


def report(scored: Sequence[Scored], title: str) -> str:
    return "\n\n".join(
        [
            format_table(table(scored, "language"), f"{title}: lang"),
            format_table(table(scored, "intent"), f"{title}: intent"),
        ]
    )
