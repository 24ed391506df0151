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
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from operator import add, sub

from parsers.replies.model import RULE_PREFIX, RULE_VALUE, LinearModel, softmax


@dataclass(frozen=True, slots=True)
class TrainSettings:
    epochs: int = 30  # at most; fewer when the data is larger (see ``steps``)
    # Reply updates per model: a larger corpus gets fewer epochs, so training time stays
    # flat from 6,700 replies until the epoch count bottoms out at ``min_epochs`` (33,000
    # replies); CI trains 5 fold models per run. 200,000 rather than 52,000: on the ~6,100
    # replies of a fold (30 epochs instead of 9) shared-corpus CV went 0.920 -> 0.929 and
    # the share handled automatically 0.51 -> 0.56, for ~2 more minutes of training.
    steps: int = 200_000
    min_epochs: int = 6
    learning_rate: float = 1.0
    decay: float = 0.25  # rate / (1 + decay * replies seen / (steps / epochs))
    min_df: int = 4  # a feature must occur in this many training replies
    prune: float = 0.01  # rows whose weights all stay below this are dropped
    seed: int = 12
    average_every: int = 0  # replies between two snapshots of the running average (0: per epoch)
    # The naive Bayes log-likelihoods added to the SGD weights (see ``naive_bayes``): its
    # smoothing, its weight, and how much a rule feature's count weighs against a word's.
    nb_alpha: float = 0.1
    nb_weight: float = 0.5
    nb_rule: float = 0.1

    def epochs_for(self, n: int) -> int:
        return max(self.min_epochs, min(self.epochs, -(-self.steps // max(n, 1))))


DEFAULT_SETTINGS = TrainSettings()
_TINY = 1e-4  # a class whose gradient is below this on a reply is left alone for it

Row = tuple[float, ...]  # one feature's weights, one per class


def _drain(it: Iterable[object]) -> None:
    deque(it, maxlen=0)


def _column_sums(w: list[Row], rows: Sequence[int], k: int) -> list[float]:
    """Per class, the sum of the weights of ``rows``: ``math.fsum`` is correctly rounded, so
    the result is the same on every CPU and Python version (``sum`` of floats changed its
    algorithm in 3.12), and the loops run in C."""
    if not rows:
        return [0.0] * k
    return list(map(math.fsum, zip(*map(w.__getitem__, rows), strict=True)))


def _scatter_sub(w: list[Row], rows: Sequence[int], delta: Row) -> None:
    """w[r] = w[r] - delta (per class) for every row r (distinct), the loops in C."""
    _drain(
        map(
            w.__setitem__,
            rows,
            map(tuple, map(map, repeat(sub), map(w.__getitem__, rows), repeat(delta))),
        )
    )


def train(
    docs: Sequence[Sequence[str]],
    labels: Sequence[str],
    classes: Sequence[str],
    settings: TrainSettings = DEFAULT_SETTINGS,
) -> LinearModel:
    """Fit a model; ``threshold`` and ``guard`` are left at 1.0 for ``calibrate`` to set.

    A reply is its word rows (all of value 1/sqrt(words)) and its rule rows (value
    RULE_VALUE); a feature's weights are one tuple over the classes, so a reply's scores
    are column sums and an update subtracts one tuple per row. The average is over the
    weights at the end of each epoch (Polyak averaging by epoch)."""
    k = len(classes)
    position = {c: i for i, c in enumerate(classes)}
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(set(doc))
    vocab = sorted(f for f, n in df.items() if n >= settings.min_df)
    row_of = {f: i for i, f in enumerate(vocab)}
    data: list[tuple[list[int], list[int], float, int]] = []
    for doc, label in zip(docs, labels, strict=True):
        word_rows = [row_of[f] for f in doc if f in row_of and not f.startswith(RULE_PREFIX)]
        rule_rows = [row_of[f] for f in doc if f in row_of and f.startswith(RULE_PREFIX)]
        words = sum(1 for f in doc if not f.startswith(RULE_PREFIX))
        x = 1.0 / math.sqrt(words) if words else 0.0
        data.append((word_rows, rule_rows, x, position[label]))
    zero: Row = (0.0,) * k
    w: list[Row] = [zero] * len(vocab)
    total: list[Row] = [zero] * len(vocab)
    bias = [0.0] * k
    total_bias = [0.0] * k
    order = list(range(len(docs)))
    rng = random.Random(settings.seed)
    epochs = settings.epochs_for(len(docs))
    pace = settings.steps / settings.epochs  # replies per epoch of the decay schedule
    done = 0
    snapshots = 0
    every = settings.average_every or len(order)
    for _ in range(epochs):
        rng.shuffle(order)
        rate = settings.learning_rate / (1.0 + settings.decay * done / pace)
        for i in order:
            word_rows, rule_rows, x, y = data[i]
            word_sum = _column_sums(w, word_rows, k)
            rule_sum = _column_sums(w, rule_rows, k)
            probs = softmax(
                [
                    b + x * ws + RULE_VALUE * rs
                    for b, ws, rs in zip(bias, word_sum, rule_sum, strict=True)
                ]
            )
            probs[y] -= 1.0
            steps = [0.0 if -_TINY < g < _TINY else rate * g for g in probs]
            bias = [b - s * 0.1 for b, s in zip(bias, steps, strict=True)]
            _scatter_sub(w, word_rows, tuple(s * x for s in steps))
            _scatter_sub(w, rule_rows, tuple(s * RULE_VALUE for s in steps))
            done += 1
            if done % every == 0:
                # A snapshot into the running sum: the mean of many iterates (Polyak
                # averaging) at a cost of one pass over the weights per snapshot.
                total = list(map(tuple, map(map, repeat(add), total, w)))
                total_bias = [a + b for a, b in zip(total_bias, bias, strict=True)]
                snapshots += 1
    if snapshots == 0:
        total, total_bias, snapshots = w, bias, 1
    likelihood = naive_bayes(data, len(vocab), k, settings.nb_alpha)
    # A rule row is read at RULE_VALUE, a word row at 1/sqrt(words): the naive Bayes term
    # of a rule is scaled so that it weighs ``nb_rule`` of its raw log-likelihood.
    word_nb = settings.nb_weight
    rule_nb = settings.nb_weight * settings.nb_rule / RULE_VALUE
    is_rule = [f.startswith(RULE_PREFIX) for f in vocab]
    # Averaged SGD: the mean of the iterates generalises better than the last one.
    index: dict[str, int] = {}
    kept = array("d")
    for feature, row, nb, rule in zip(vocab, total, likelihood, is_rule, strict=True):
        scale = rule_nb if rule else word_nb
        row_w = [v / snapshots + scale * b for v, b in zip(row, nb, strict=True)]
        if max(abs(v) for v in row_w) >= settings.prune:
            index[feature] = len(index)
            kept.extend(round(v, 4) for v in row_w)
    return LinearModel(
        tuple(classes),
        index,
        kept,
        tuple(round(b / snapshots, 4) for b in total_bias),
        threshold=1.0,
        guard=1.0,
    )


def naive_bayes(
    data: Sequence[tuple[list[int], list[int], float, int]], rows: int, k: int, alpha: float
) -> list[Row]:
    """Per feature row, its multinomial naive Bayes log-likelihood per class (a feature
    counted once per reply that has it, Laplace smoothing ``alpha``), centred over the
    classes (a constant per row changes no probability).

    Added to the discriminative weights, it lends a feature seen in only a few training
    replies the evidence those replies give, where the regularised SGD leaves it near 0:
    5-fold CV on the shared corpora went 0.931 -> 0.948, on our own replies 0.924 -> 0.951
    (model-read replies; alpha 0.05-0.1, weight 0.5, rule share 0-0.2 all within 0.01).
    It is linear in the features, so the model and its cost at inference do not change."""
    counts = [[0] * k for _ in range(rows)]
    totals = [0] * k
    for word_rows, rule_rows, _, y in data:
        for r in (*word_rows, *rule_rows):
            counts[r][y] += 1
        totals[y] += len(word_rows) + len(rule_rows)
    norm = [math.log(t + alpha * rows) for t in totals]
    out: list[Row] = []
    for row in counts:
        logs = [math.log(n + alpha) - z for n, z in zip(row, norm, strict=True)]
        mean = math.fsum(logs) / k
        out.append(tuple(v - mean for v in logs))
    return out


@dataclass(frozen=True, slots=True)
class Outcome:
    """One out-of-fold decision: the label, the model's answer and its probabilities."""

    label: str
    predicted: str
    confidence: float
    alarm: float  # P(dispute) + P(insolvency)
    # The rules found a dispute or insolvency the model did not follow: never automatic.
    vetoed: bool = False


GUARDED = ("dispute", "insolvency")
GUARD_FROM = 2  # lowest guard tried, in hundredths
# The highest bar calibration sets: an intent read this surely is handled automatically (a
# bar of 1.0 would mean never). Wrong readings above it are counted, not chased. 0.999, not
# 0.99: the naive Bayes term makes the model sure of most replies, and on a 0.01 grid every
# reading above 0.99 was one step, so one hard reply at 0.995 would either pass or hold back
# a whole intent; above 0.99 the grid is 0.001.
TOP_BAR = 0.999
Thresholds = Mapping[str, float]


def auto_handled(o: Outcome, threshold: float | Thresholds, guard: float) -> bool:
    """Handled without a person: confident enough for the intent it was read as, and no
    real chance of a dispute/insolvency being read as something else."""
    bar = threshold if isinstance(threshold, float | int) else threshold.get(o.predicted, 1.0)
    if o.confidence < bar or o.vetoed:
        return False
    return o.predicted in GUARDED or o.alarm < guard


@dataclass(frozen=True, slots=True)
class _Cut:
    threshold: float
    auto: int
    wrong: int
    strict_wrong: int = 0


def _cuts(ranked: Sequence[tuple[Outcome, bool]], floor: float) -> list[_Cut]:
    """The thresholds worth trying for one intent (its outcomes by falling confidence, each
    with whether it is strict): between two different confidences, never past a
    dispute/insolvency read as it."""
    cuts = [_Cut(1.0, 0, 0)]
    wrong = strict_wrong = 0
    for j, (o, is_strict) in enumerate(ranked):
        if o.confidence < floor:
            break
        if o.predicted != o.label:
            if o.label in GUARDED and o.confidence < TOP_BAR:
                break  # a dispute/insolvency handled as something else: never
            # (One read at TOP_BAR or above is handled under any bar this calibration can
            # set: it counts as wrong, but it cannot push the bar of the replies below it.)
            wrong += 1
            strict_wrong += is_strict
        if j + 1 == len(ranked):
            cuts.append(_Cut(max(floor, min(o.confidence, 0.5)), j + 1, wrong, strict_wrong))
        elif ranked[j + 1][0].confidence < o.confidence:
            # Just above the next one left out (on the grid), not at this one: the
            # gap between them is where new mail is as likely to fall.
            above = _grid_above(ranked[j + 1][0].confidence)
            cuts.append(_Cut(max(floor, min(o.confidence, above)), j + 1, wrong, strict_wrong))
    return cuts


def calibrate(
    outcomes: Sequence[Outcome],
    *,
    max_wrong: float = 0.0,
    floor: float = 0.5,
    guarded_floor: float = 0.8,
    margin: float = 0.03,
    per_intent: float | None = None,
    strict: Sequence[bool] | None = None,
    strict_wrong: float = 0.01,
) -> tuple[dict[str, float], float]:
    """(threshold per intent, guard) that handle the most replies automatically while, on
    these out-of-fold outcomes, at most ``max_wrong`` of the automatic ones are wrong and
    no dispute or insolvency is handled automatically as another intent, and no intent's
    own automatic decisions are wrong more often than ``per_intent`` (default: twice
    ``max_wrong``; a low bar for one intent must not spend the whole budget on its own: it
    would not hold on new mail); each threshold
    then gets ``margin`` on top. Reading a reply as a dispute or an insolvency stops or
    hands over the dunning, so those two never go below ``guarded_floor``.

    An intent the model reads reliably (auto-replies) can go lower than one it confuses
    (payment plan vs promise): per guard, a small exact search (dynamic programming over
    the number of wrong decisions) picks one threshold per intent.

    ``strict`` marks outcomes that must keep the promise on their own: of those handled
    automatically under the shipped thresholds (margin included), at most ``strict_wrong``
    may be wrong (at least one allowed). The replies written independently of us are the
    mail the office will see; a budget met on the whole can hide a miss on them when our
    own, easier replies are most of the count."""
    intents = sorted({o.predicted for o in outcomes})
    # Wrong strict decisions are counted apart, so the search keeps the best thresholds for
    # each (wrong, wrong among strict) pair rather than only the best for each wrong count.
    flagged = list(zip(outcomes, strict or [False] * len(outcomes), strict=True))
    cap = 2 * max_wrong if per_intent is None else per_intent
    best: tuple[tuple[int, int, float], dict[str, float], float] | None = None
    for guard in [g / 100 for g in range(GUARD_FROM, 51, 2)]:
        # dp: (wrong decisions, of them strict) → (automatic decisions, thresholds) at most
        # automatic
        dp: dict[tuple[int, int], tuple[int, dict[str, float]]] = {(0, 0): (0, {})}
        for intent in intents:
            ranked = sorted(
                (
                    (o, is_strict)
                    for o, is_strict in flagged
                    if o.predicted == intent
                    and not o.vetoed
                    and (intent in GUARDED or o.alarm < guard)
                ),
                key=lambda pair: -pair[0].confidence,
            )
            step: dict[tuple[int, int], tuple[int, dict[str, float]]] = {}
            for (wrong, wrong_strict), (auto, chosen) in dp.items():
                for cut in _cuts(ranked, guarded_floor if intent in GUARDED else floor):
                    if cut.wrong > cap * cut.auto:
                        continue
                    w, a = wrong + cut.wrong, auto + cut.auto
                    if w > max_wrong * len(outcomes):
                        break
                    state = (w, wrong_strict + cut.strict_wrong)
                    if state not in step or a > step[state][0]:
                        step[state] = (a, {**chosen, intent: cut.threshold})
            dp = step
        for (wrong, _), (auto, chosen) in dp.items():
            if wrong > max_wrong * auto:
                continue
            key = (auto, -wrong, -guard)
            if best is not None and key <= best[0]:
                continue
            if strict is not None and not _strict_holds(
                outcomes, strict, _shipped(chosen, margin), guard, strict_wrong
            ):
                continue
            best = (key, chosen, guard)
    if best is None:
        return {}, 0.0
    return _shipped(best[1], margin), best[2]


def _shipped(chosen: Mapping[str, float], margin: float) -> dict[str, float]:
    """Thresholds picked as the best of many on these very outcomes flatter themselves, and
    new mail is not the corpus: a margin keeps the promise on new mail."""
    return {
        i: (1.0 if t >= 1.0 else min(TOP_BAR, _up(_raise(t, margin)))) for i, t in chosen.items()
    }


def _raise(bar: float, margin: float) -> float:
    """``bar`` plus ``margin``, but never more than a fifth of the doubt left above it: a
    bar of 0.99 becomes 0.992, not 1.0 (which would be never)."""
    return min(bar + margin, 1.0 - (1.0 - bar) * 0.8)


def _strict_holds(
    outcomes: Sequence[Outcome],
    strict: Sequence[bool],
    thresholds: Thresholds,
    guard: float,
    limit: float,
) -> bool:
    auto = wrong = 0
    for o, keep in zip(outcomes, strict, strict=True):
        if keep and auto_handled(o, thresholds, guard):
            auto += 1
            wrong += o.predicted != o.label
    return wrong <= max(1.0, limit * auto)


def _step(bar: float) -> int:
    """Grid steps per unit around ``bar``: 0.01 up to 0.99, 0.001 above."""
    return 1000 if bar >= 0.99 - 1e-9 else 100


def _grid_above(confidence: float) -> float:
    """The first grid point above ``confidence``."""
    step = _step(confidence)
    return math.floor(confidence * step + 1) / step


def _up(bar: float) -> float:
    """``bar`` on the grid, rounded up: rounding to nearest could put a bar at or below a
    reading the calibration had to leave out (0.9601 -> 0.96 would take a dispute at 0.96)."""
    step = _step(bar)
    return math.ceil(bar * step - 1e-9) / step


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
