"""Training and calibration of the intent model. Pure Python, deterministic, no NumPy.

Stochastic gradient descent on the multinomial logistic loss with a seeded shuffle, a fixed
number of epochs and weight decay: the same corpus gives the same weights, byte for byte,
on any machine (plain IEEE double arithmetic in a fixed order). A few hundred replies train
in seconds on one core.
"""

from __future__ import annotations

import random
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from parsers.replies.model import LinearModel, softmax, values


@dataclass(frozen=True, slots=True)
class TrainSettings:
    epochs: int = 20
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


def auto_handled(o: Outcome, threshold: float, guard: float) -> bool:
    """Handled without a person: confident, and no real chance of a dispute/insolvency
    being read as something else."""
    if o.confidence < threshold:
        return False
    return o.predicted in GUARDED or o.alarm < guard


def calibrate(
    outcomes: Sequence[Outcome],
    *,
    max_wrong: float = 0.0,
    floor: float = 0.5,
    margin: float = 0.03,
) -> tuple[float, float]:
    """(threshold, guard) that handle the most replies automatically while, on these
    out-of-fold outcomes, at most ``max_wrong`` of the automatic ones are wrong and no
    dispute or insolvency is handled automatically as another intent; the threshold then
    gets ``margin`` on top."""
    best: tuple[int, float, float] | None = None
    guards = [g / 100 for g in range(2, 51, 2)]
    thresholds = [t / 100 for t in range(int(floor * 100), 100)]
    for guard in guards:
        for threshold in thresholds:
            auto = [o for o in outcomes if auto_handled(o, threshold, guard)]
            wrong = [o for o in auto if o.predicted != o.label]
            if len(wrong) > max_wrong * len(auto):
                continue
            if any(o.label in GUARDED for o in wrong):
                continue
            # most automatic; on a tie the safer pair (lower guard, higher threshold)
            key = (len(auto), -guard, threshold)
            if best is None or key > best:
                best = key
            break  # higher thresholds only handle fewer
    if best is None:
        return 1.0, 0.0
    # The shipped model is fitted on all folds and is more sure of itself than the fold
    # models these outcomes come from: a margin keeps the 1 % promise on new mail.
    return min(0.99, round(best[2] + margin, 2)), -best[1]
