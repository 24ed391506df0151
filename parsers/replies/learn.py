"""Training and calibration of the intent model. Pure Python, deterministic, no NumPy.

Stochastic gradient descent on the multinomial logistic loss with a seeded shuffle, a fixed
number of epochs and weight decay: the same corpus gives the same weights, byte for byte,
on any machine (plain IEEE double arithmetic in a fixed order). A few hundred replies train
in seconds on one core.
"""

from __future__ import annotations

import math
import random
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from parsers.replies.model import LinearModel, softmax, values


@dataclass(frozen=True, slots=True)
class TrainSettings:
    epochs: int = 30
    learning_rate: float = 0.5
    decay: float = 0.25  # learning rate / (1 + decay * epoch)
    min_df: int = 2  # a feature must occur in this many training replies
    prune: float = 0.01  # rows whose weights all stay below this are dropped
    seed: int = 12


DEFAULT_SETTINGS = TrainSettings()


def train(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str],
    classes: Sequence[str],
    settings: TrainSettings = DEFAULT_SETTINGS,
) -> LinearModel:
    """Fit a model; ``threshold`` and ``guard`` are left at 1.0 for ``calibrate`` to set."""
    k = len(classes)
    position = {c: i for i, c in enumerate(classes)}
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    vocab = sorted(f for f, n in df.items() if n >= settings.min_df)
    row_of = {f: i for i, f in enumerate(vocab)}
    rows = [
        [(row_of[f] * k, x) for f, x in zip(doc, values(doc), strict=True) if f in row_of]
        for doc in docs
    ]
    ys = [position[label] for label in labels]
    w = [0.0] * (len(vocab) * k)
    u = [0.0] * (len(vocab) * k)  # time-weighted updates: the average is w - u / t
    bias = [0.0] * k
    ub = [0.0] * k
    t = 1.0
    order = list(range(len(docs)))
    rng = random.Random(settings.seed)
    for epoch in range(settings.epochs):
        rng.shuffle(order)
        rate = settings.learning_rate / (1.0 + settings.decay * epoch)
        for i in order:
            offs = rows[i]
            scores = bias[:]
            for off, x in offs:
                for c in range(k):
                    scores[c] += w[off + c] * x
            probs = softmax(scores)
            probs[ys[i]] -= 1.0
            for c in range(k):
                g = probs[c]
                if -1e-4 < g < 1e-4:
                    continue
                bias[c] -= rate * g * 0.1
                ub[c] -= t * rate * g * 0.1
                step = rate * g
                tstep = t * step
                for off, x in offs:
                    w[off + c] -= step * x
                    u[off + c] -= tstep * x
            t += 1.0
    # Averaged SGD: the mean of all iterates generalises better than the last one.
    w = [a - b / t for a, b in zip(w, u, strict=True)]
    bias = [a - b / t for a, b in zip(bias, ub, strict=True)]
    index: dict[str, int] = {}
    kept = array("d")
    for r, feature in enumerate(vocab):
        row_w = w[r * k : (r + 1) * k]
        if max(abs(v) for v in row_w) >= settings.prune:
            index[feature] = len(index)
            kept.extend(round(v, 4) for v in row_w)
    return LinearModel(
        tuple(classes), index, kept, tuple(round(b, 4) for b in bias), threshold=1.0, guard=1.0
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """One out-of-fold decision: the label, the model's answer and its probabilities."""

    label: str
    predicted: str
    confidence: float
    alarm: float  # P(dispute) + P(insolvency)


GUARDED = ("dispute", "insolvency")
Thresholds = Mapping[str, float]


def auto_handled(o: Outcome, threshold: float | Thresholds, guard: float) -> bool:
    """Handled without a person: confident enough for the intent it was read as, and no
    real chance of a dispute/insolvency being read as something else."""
    bar = threshold if isinstance(threshold, float | int) else threshold.get(o.predicted, 1.0)
    if o.confidence < bar:
        return False
    return o.predicted in GUARDED or o.alarm < guard


@dataclass(frozen=True, slots=True)
class _Cut:
    threshold: float
    auto: int
    wrong: int


def _cuts(ranked: Sequence[Outcome], floor: float) -> list[_Cut]:
    """The thresholds worth trying for one intent (its outcomes by falling confidence):
    between two different confidences, never past a dispute/insolvency read as it."""
    cuts = [_Cut(1.0, 0, 0)]
    wrong = 0
    for j, o in enumerate(ranked):
        if o.confidence < floor:
            break
        if o.predicted != o.label:
            if o.label in GUARDED:
                break  # a dispute/insolvency handled as something else: never
            wrong += 1
        if j + 1 == len(ranked):
            cuts.append(_Cut(max(floor, min(o.confidence, 0.5)), j + 1, wrong))
        elif ranked[j + 1].confidence < o.confidence:
            # Just above the next one left out (on a 0.01 grid), not at this one: the
            # gap between them is where new mail is as likely to fall.
            above = math.floor(ranked[j + 1].confidence * 100 + 1) / 100
            cuts.append(_Cut(max(floor, min(o.confidence, above)), j + 1, wrong))
    return cuts


def calibrate(
    outcomes: Sequence[Outcome],
    *,
    max_wrong: float = 0.0,
    floor: float = 0.5,
    guarded_floor: float = 0.8,
    margin: float = 0.03,
) -> tuple[dict[str, float], float]:
    """(threshold per intent, guard) that handle the most replies automatically while, on
    these out-of-fold outcomes, at most ``max_wrong`` of the automatic ones are wrong and
    no dispute or insolvency is handled automatically as another intent; each threshold
    then gets ``margin`` on top. Reading a reply as a dispute or an insolvency stops or
    hands over the dunning, so those two never go below ``guarded_floor``.

    An intent the model reads reliably (auto-replies) can go lower than one it confuses
    (payment plan vs promise): per guard, a small exact search (dynamic programming over
    the number of wrong decisions) picks one threshold per intent."""
    intents = sorted({o.predicted for o in outcomes})
    best: tuple[tuple[int, int, float], dict[str, float], float] | None = None
    for guard in [g / 100 for g in range(2, 51, 2)]:
        # dp: wrong decisions → (automatic decisions, thresholds) at most automatic
        dp: dict[int, tuple[int, dict[str, float]]] = {0: (0, {})}
        for intent in intents:
            ranked = sorted(
                (
                    o
                    for o in outcomes
                    if o.predicted == intent and (intent in GUARDED or o.alarm < guard)
                ),
                key=lambda o: -o.confidence,
            )
            step: dict[int, tuple[int, dict[str, float]]] = {}
            for wrong, (auto, chosen) in dp.items():
                for cut in _cuts(ranked, guarded_floor if intent in GUARDED else floor):
                    w, a = wrong + cut.wrong, auto + cut.auto
                    if w > max_wrong * len(outcomes):
                        break
                    if w not in step or a > step[w][0]:
                        step[w] = (a, {**chosen, intent: cut.threshold})
            dp = step
        for wrong, (auto, chosen) in dp.items():
            if wrong > max_wrong * auto:
                continue
            key = (auto, -wrong, -guard)
            if best is None or key > best[0]:
                best = (key, chosen, guard)
    if best is None:
        return {}, 0.0
    # Thresholds picked as the best of many on these very outcomes flatter themselves, and
    # new mail is not the corpus: a margin keeps the promise on new mail.
    thresholds = {
        i: (1.0 if t >= 1.0 else min(0.99, round(t + margin, 2))) for i, t in best[1].items()
    }
    return thresholds, best[2]


def average(models: Sequence[LinearModel], prune: float = DEFAULT_SETTINGS.prune) -> LinearModel:
    """The mean of models over the same classes (a feature a model lacks weighs 0 there).

    The shipped model is the mean of the cross-validation fold models: its probabilities
    are on the scale of the out-of-fold ones its thresholds were calibrated on (a model
    refitted on all folds is more sure of itself than those), and the mean of several fits
    is steadier than one."""
    classes = models[0].classes
    k = len(classes)
    sums: dict[str, list[float]] = {}
    for model in models:
        if model.classes != classes:
            raise ValueError("average: models over different classes")
        for feature, row in model.index.items():
            acc = sums.setdefault(feature, [0.0] * k)
            off = row * k
            for c in range(k):
                acc[c] += model.weights[off + c]
    n = len(models)
    index: dict[str, int] = {}
    kept = array("d")
    for feature in sorted(sums):
        row_w = [round(v / n, 4) for v in sums[feature]]
        if max(abs(v) for v in row_w) >= prune:
            index[feature] = len(index)
            kept.extend(row_w)
    bias = tuple(round(sum(m.bias[c] for m in models) / n, 4) for c in range(k))
    return LinearModel(classes, index, kept, bias, threshold=1.0, guard=1.0)
