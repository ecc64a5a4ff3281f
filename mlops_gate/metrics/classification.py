"""Classification metrics with scikit-learn's definitions, vectorised over bootstrap weights.

Each metric is built as a `Statistic` (see `mlops_gate.metrics.bootstrap`): its point value is the
statistic with every row weight 1, and the same code evaluates whole chunks of bootstrap resamples.
The plain functions (`accuracy`, `f1`, ...) return the point value.

- precision, recall, f1: per label from weighted confusion counts, a 0/0 giving 0.0 (the result of
  scikit-learn's `zero_division` default). `binary` scores `pos_label` alone; `macro` averages the
  labels present in y_true or y_pred, `weighted` weighs them by support, `micro` pools the counts.
- roc_auc: binary from the positive class's scores, as the Mann-Whitney statistic with tied
  scores counting 1/2 (the area under scikit-learn's ROC curve, ties included); multiclass is
  one-vs-rest, macro-averaged. The point value is counted in integers (2U = sum over positives of
  the negatives scored below plus those scored at most the same), so it is the exact area rounded
  once; the bootstrap sums weights in score order, exact too for integer weights.
- log_loss: the true class's probability clipped to [eps, 1 - eps], eps the float64 machine epsilon.

Undefined cases (no rows, NaN/inf, a single class for roc_auc, labels of different kinds, labels
outside `classes`, rows of probabilities not summing to 1) raise `MetricUndefined`.

Memory (issue #8, 50M-row eval sets): labels become small integer codes (searchsorted into the few
distinct labels, found a slice at a time), counts come from `bincount` of those codes, float32
scores stay float32, and nothing full-size beyond one copy of a score column is made for a point
value; slices of `CHUNK` rows bound every other temporary.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import CHUNK, Floats, Statistic, counts, ratio, weighted_counts
from mlops_gate.metrics.errors import MetricUndefined

Average = Literal["binary", "macro", "micro", "weighted"]
LabelMetric = Literal["accuracy", "precision", "recall", "f1", "balanced_accuracy", "matthews"]
# Label metrics that score every class together: `average` and `pos_label` do not apply.
WHOLE = frozenset({"accuracy", "balanced_accuracy", "matthews"})
Codes = npt.NDArray[np.integer[Any]]
Scores = npt.NDArray[np.floating[Any]]
EPS = float(np.finfo(np.float64).eps)
# numpy's `allclose` defaults, as scikit-learn's check that probability rows sum to 1: they admit
# the rounding of float32 model outputs (a sigmoid's 1.0000001) and refuse what is not a
# probability. The range check uses the same tolerance.
RTOL, ATOL = 1e-5, 1e-8
# Up to this many labels squared, label metrics count a confusion matrix (one small code per row).
MAX_CONFUSION = 1 << 12


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Share of rows whose predicted label equals the true one."""
    return label_statistic("accuracy", y_true, y_pred).point()


def balanced_accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """scikit-learn's `balanced_accuracy_score`: the mean recall of the classes in y_true."""
    return label_statistic("balanced_accuracy", y_true, y_pred).point()


def matthews(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """scikit-learn's `matthews_corrcoef` (multiclass form; the binary one for two labels)."""
    return label_statistic("matthews", y_true, y_pred).point()


def precision(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, average: Average = "binary", pos_label: Any = 1
) -> float:
    """scikit-learn's `precision_score(..., zero_division=0.0)`."""
    return label_statistic(
        "precision", y_true, y_pred, average=average, pos_label=pos_label
    ).point()


def recall(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, average: Average = "binary", pos_label: Any = 1
) -> float:
    """scikit-learn's `recall_score(..., zero_division=0.0)`."""
    return label_statistic("recall", y_true, y_pred, average=average, pos_label=pos_label).point()


def f1(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, average: Average = "binary", pos_label: Any = 1
) -> float:
    """scikit-learn's `f1_score(..., zero_division=0.0)`."""
    return label_statistic("f1", y_true, y_pred, average=average, pos_label=pos_label).point()


def roc_auc(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: Any = 1,
    classes: Sequence[Any] | None = None,
) -> float:
    """ROC AUC from 1-D scores of `pos_label`, or from (rows x `classes`) probabilities.

    Two classes score the `pos_label` column; more are one-vs-rest, macro-averaged, like
    `roc_auc_score(multi_class="ovr", average="macro", labels=classes)`.
    """
    return roc_auc_statistic(y_true, y_score, pos_label=pos_label, classes=classes).point()


def log_loss(y_true: npt.ArrayLike, proba: npt.ArrayLike, classes: Sequence[Any]) -> float:
    """scikit-learn's `log_loss(y_true, proba, labels=classes)`; `classes` names the columns."""
    return log_loss_statistic(y_true, proba, classes).point()


def label_statistic(
    metric: LabelMetric,
    y_true: npt.ArrayLike,
    y_pred: npt.ArrayLike,
    *,
    average: Average = "binary",
    pos_label: Any = 1,
) -> Statistic:
    """accuracy, precision, recall or f1 as a function of row weights."""
    labels, true, pred = _label_set(y_true, y_pred)
    binary = average == "binary" and metric not in WHOLE
    focus = _positive_index(labels, pos_label) if binary else None
    tallies, width = _tallies(true, pred, labels)
    at_unit = tallies(None)  # the point value's counts, also read by `_ill_defined`

    def score(weights: Floats | None) -> Floats:
        tp, t, p = at_unit if weights is None else tallies(weights)
        if metric in WHOLE:
            return _whole(metric, tp, t, p)
        if binary:
            # pos_label in neither array: every count is 0 and the score 0.0, as in scikit-learn.
            tp, t, p = (
                a[:, [focus]] if focus is not None else np.zeros((len(a), 1)) for a in (tp, t, p)
            )
        elif average == "micro":
            tp, t, p = (a.sum(axis=1, keepdims=True) for a in (tp, t, p))
        return _average(metric, average, tp, t, p)

    def by_blocks(weights: Floats) -> Floats:
        block = max(1, CHUNK // width)  # a block of resamples holds (rows x width) sums
        return np.concatenate(
            [score(weights[i : i + block]) for i in range(0, len(weights), block)]
        )

    reason = _ill_defined(metric, average, labels, focus, pos_label, at_unit)
    return Statistic(
        len(true), by_blocks, point_fn=lambda: float(score(None)[0]), ill_defined=reason
    )


def _ill_defined(
    metric: LabelMetric,
    average: Average,
    labels: npt.NDArray[Any],
    focus: int | None,
    pos_label: Any,
    tallies: Tallies,
) -> str | None:
    """Why the value measures nothing, or None (see `Statistic.ill_defined`).

    scikit-learn warns "ill-defined" for precision where a label has no predicted row, for recall
    where it has no true row, and for f1 where it has neither (all set to 0.0). A binary score is
    also refused when y_true has no row of `pos_label`: precision and f1 are then 0.0 (or 0/0)
    whatever the model does, and two such models compare as equal.
    """
    _, t, p = (np.asarray(a[0]) for a in tallies)
    if metric == "matthews" and np.count_nonzero(t) < 2:
        # scikit-learn returns 0.0 whatever the model predicts: nothing to tell models apart by.
        return "y_true holds a single class: matthews needs at least 2"
    if metric in WHOLE or average == "micro":
        return None
    if average == "binary":
        if focus is None or t[focus] == 0:
            return f"y_true has no row of the positive class {pos_label!r}: {metric} needs both classes"
        if metric == "precision" and p[focus] == 0:
            return f"precision is ill-defined: the model predicts no row as {pos_label!r} (0/0)"
        return None
    names = labels.tolist()
    empty = {"precision": (p, "the model never predicts"), "recall": (t, "y_true has no row of")}
    if metric in empty:
        divisor, why = empty[metric]
        missing = [names[i] for i in np.flatnonzero(divisor == 0).tolist()]
        if missing:
            return f"{metric} is ill-defined for labels {why}: {missing[:5]}"
    return None


Tallies = tuple[Floats, Floats, Floats]


def _tallies(
    true: npt.NDArray[Any], pred: npt.NDArray[Any], labels: npt.NDArray[Any]
) -> tuple[Callable[[Floats | None], Tallies], int]:
    """Per label: true positives, true and predicted counts, for each row of weights.

    `None` stands for every weight 1 (integer counts, exact). Also returns how many sums one
    weight row needs. Few labels: one code per (true, predicted) cell of the confusion matrix, a
    single small-integer array; many: three arrays of label codes, not k x k sums per resample.
    """
    k = len(labels)
    if k * k <= MAX_CONFUSION:
        cells = np.empty(len(true), dtype=np.min_scalar_type(k * k - 1))
        for start in range(0, len(true), CHUNK):
            part = slice(start, start + CHUNK)
            cells[part] = codes_of(true[part], labels).astype(np.intp) * k
            cells[part] += codes_of(pred[part], labels)

        def confusion(weights: Floats | None) -> Tallies:
            if weights is None:
                matrix = counts(cells, k * k).astype(np.float64).reshape(1, k, k)
            else:
                matrix = weighted_counts(cells, k * k, weights).reshape(len(weights), k, k)
            return np.diagonal(matrix, axis1=1, axis2=2), matrix.sum(axis=2), matrix.sum(axis=1)

        return confusion, k * k
    true_codes, pred_codes = codes_of(true, labels), codes_of(pred, labels)
    hits = true_codes.astype(np.min_scalar_type(k))
    hits[true_codes != pred_codes] = k  # code k collects the misses

    def separate(weights: Floats | None) -> Tallies:
        if weights is None:
            tp, t, p = (counts(c, k + 1)[np.newaxis, :k] for c in (hits, true_codes, pred_codes))
            return tp.astype(np.float64), t.astype(np.float64), p.astype(np.float64)
        return (
            weighted_counts(hits, k + 1, weights)[:, :k],
            weighted_counts(true_codes, k, weights),
            weighted_counts(pred_codes, k, weights),
        )

    return separate, 3 * k + 1


def _whole(metric: LabelMetric, tp: Floats, t: Floats, p: Floats) -> Floats:
    """accuracy, balanced_accuracy or matthews from per-label counts (rows: weightings).

    balanced_accuracy is the mean recall over the labels present in y_true
    (`balanced_accuracy_score`); matthews is scikit-learn's multiclass `matthews_corrcoef`
    (the binary one for two labels), 0.0 where a variance is 0, as scikit-learn does.
    """
    correct, rows = tp.sum(axis=1), t.sum(axis=1)
    if metric == "accuracy":
        return ratio(correct, rows)
    if metric == "balanced_accuracy":
        present = t > 0
        return ratio((ratio(tp, t) * present).sum(axis=1), present.sum(axis=1), np.nan)
    covariance = correct * rows - (t * p).sum(axis=1)
    spread_pred = rows * rows - (p * p).sum(axis=1)
    spread_true = rows * rows - (t * t).sum(axis=1)
    return ratio(covariance, np.sqrt(spread_true * spread_pred))


def _average(metric: LabelMetric, average: Average, tp: Floats, t: Floats, p: Floats) -> Floats:
    if metric == "precision":
        per_label = ratio(tp, p)
    elif metric == "recall":
        per_label = ratio(tp, t)
    else:
        per_label = ratio(2 * tp, t + p)
    if average == "weighted":
        return ratio((per_label * t).sum(axis=1), t.sum(axis=1))
    present = (t + p) > 0  # a resample averages only the labels it holds, as scikit-learn would
    return ratio((per_label * present).sum(axis=1), present.sum(axis=1))


def roc_auc_statistic(
    y_true: npt.ArrayLike,
    y_score: npt.ArrayLike,
    *,
    pos_label: Any = 1,
    classes: Sequence[Any] | None = None,
) -> Statistic:
    """ROC AUC (see `roc_auc`) as a function of row weights."""
    scores = _scores(y_score, "y_score")
    if scores.ndim == 1:
        true, _ = _labels(y_true, "y_true")
        present = distinct(true)
        positive = _positive_index(present, pos_label)  # None: no positive row, refused below
        if positive is None:
            return _binary_auc(np.zeros(len(true), dtype=np.bool_), scores)
        return _binary_auc(np.asarray(true == present[positive]).reshape(-1), scores)
    if classes is None:
        raise MetricUndefined("2-D scores need `classes` to name their columns")
    codes = _column_codes(y_true, classes)
    scores = _probabilities(scores, len(codes), len(classes))
    if len(classes) == 2:
        column = _positive_index(np.asarray(classes, dtype=object), pos_label, sort=False)
        return _binary_auc(codes == column, scores[:, column])
    per_class = [_binary_auc(codes == c, scores[:, c], classes[c]) for c in range(len(classes))]
    return Statistic(
        len(codes),
        lambda w: np.mean([auc(w) for auc in per_class], axis=0),
        point_fn=lambda: float(np.mean([auc.point() for auc in per_class])),
    )


def _binary_auc(positive: npt.NDArray[np.bool_], scores: Scores, label: Any = None) -> Statistic:
    if len(positive) != len(scores):
        raise MetricUndefined(f"y_true has {len(positive)} rows but y_score has {len(scores)}")
    n_positive = int(np.count_nonzero(positive))
    if n_positive in (0, len(positive)):
        which = (
            "y_true holds a single class"
            if label is None
            else f"class {label!r} is never or always true"
        )
        raise MetricUndefined(f"ROC AUC is undefined: {which}")

    def point() -> float:
        # 2U = sum over positives of (#negatives scored below + #negatives scored at most the same):
        # a tie counts 1/2. Both sides sorted, so each search starts where the last one ended.
        below, above = scores[~positive], scores[positive]  # copies, sorted in place
        below.sort()
        above.sort()
        twice_u = 0
        for start in range(0, len(above), CHUNK):
            part = above[start : start + CHUNK]
            twice_u += int(np.searchsorted(below, part, side="left").sum(dtype=np.int64))
            twice_u += int(np.searchsorted(below, part, side="right").sum(dtype=np.int64))
        return twice_u / (2 * n_positive * (len(positive) - n_positive))  # exact, rounded once

    ranked: list[Ranked] = []  # built on the first bootstrap chunk only: a point needs none

    def fn(weights: Floats) -> Floats:
        if not ranked:
            ranked.append(Ranked.of(positive, scores))
        return ranked[0].auc(weights)

    return Statistic(len(scores), fn, point_fn=point)


class Ranked:
    """Rows in score order: which are positive, and where a new score starts (its ties follow)."""

    def __init__(self, order: Codes, positive: npt.NDArray[np.bool_], first: npt.NDArray[np.bool_]):
        self.order, self.positive, self.first = order, positive, first

    @classmethod
    def of(cls, positive: npt.NDArray[np.bool_], scores: Scores) -> Ranked:
        # The order within a tie does not matter (ties are summed), so no stable sort is needed.
        # Kept as intp: narrowing it would hold both copies at once, a higher peak than keeping it.
        order = np.argsort(scores)
        first = np.empty(len(order), dtype=np.bool_)
        last = None
        for start in range(0, len(order), CHUNK):
            ordered = scores[order[start : start + CHUNK]]
            first[start] = last is None or bool(ordered[0] != last)
            np.not_equal(ordered[1:], ordered[:-1], out=first[start + 1 : start + len(ordered)])
            last = ordered[-1]
        return cls(order, positive[order], first)

    def auc(self, weights: Floats) -> Floats:
        """Mann-Whitney U / (P N) per weight row, walking the rows in score order a slice at a time.

        The scores of a tie group may straddle two slices: its sums stay pending until the next
        group starts. With integer weights every sum here is exact.
        """
        k = len(weights)
        u, below, total_positive = np.zeros(k), np.zeros(k), np.zeros(k)
        pending_pos, pending_neg = np.zeros(k), np.zeros(k)
        step = max(1, CHUNK // k)
        for start in range(0, len(self.order), step):
            part = slice(start, start + step)
            w = weights[:, self.order[part]]
            pos = w * self.positive[part]
            neg = w - pos
            total_positive += pos.sum(axis=1)
            first = self.first[part]
            if first[0]:  # the pending group is complete
                u += pending_pos * (below + 0.5 * pending_neg)
                below += pending_neg
                pending_pos, pending_neg = np.zeros(k), np.zeros(k)
            bounds = np.flatnonzero(first)
            if len(bounds) == 0 or bounds[0] != 0:
                bounds = np.r_[0, bounds]
            group_pos = np.add.reduceat(pos, bounds, axis=1)
            group_neg = np.add.reduceat(neg, bounds, axis=1)
            group_pos[:, 0] += pending_pos
            group_neg[:, 0] += pending_neg
            done_pos, done_neg = group_pos[:, :-1], group_neg[:, :-1]
            lower = below[:, np.newaxis] + np.cumsum(done_neg, axis=1) - done_neg
            u += (done_pos * (lower + 0.5 * done_neg)).sum(axis=1)
            below += done_neg.sum(axis=1)
            pending_pos, pending_neg = group_pos[:, -1].copy(), group_neg[:, -1].copy()
        u += pending_pos * (below + 0.5 * pending_neg)
        below += pending_neg
        return ratio(u, total_positive * below, where_zero=np.nan)  # a resample of one class


def log_loss_statistic(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, classes: Sequence[Any]
) -> Statistic:
    """log_loss (see `log_loss`) as a function of row weights."""
    if len(classes) < 2:
        raise MetricUndefined(f"log_loss needs at least 2 classes, got {list(classes)}")
    codes = _column_codes(y_true, classes)
    matrix = _probabilities(_scores(proba, "proba"), len(codes), len(classes))

    def losses(part: slice) -> Floats:
        column = codes[part].astype(np.intp)[:, np.newaxis]
        picked = np.take_along_axis(matrix[part], column, axis=1)[:, 0].astype(np.float64)
        return -np.log(np.clip(picked, EPS, 1 - EPS))

    def point() -> float:  # slice by slice: no n-sized float64 row for a point value
        total = sum(float(losses(slice(i, i + CHUNK)).sum()) for i in range(0, len(codes), CHUNK))
        return total / len(codes)

    kept: list[Floats] = []  # each row's loss, made for the first bootstrap chunk only

    def fn(weights: Floats) -> Floats:
        if not kept:
            kept.append(
                np.concatenate([losses(slice(i, i + CHUNK)) for i in range(0, len(codes), CHUNK)])
            )
        mean: Floats = (weights @ kept[0]) / weights.sum(axis=1)
        return mean

    return Statistic(len(codes), fn, point_fn=point)


# -- labels as small integer codes -----------------------------------------------------------------
def distinct(values: npt.NDArray[Any]) -> npt.NDArray[Any]:
    """The sorted distinct values of a 1-D array (`numpy.unique`), without a full-size copy.

    Integers of a narrow range (int8 labels, group codes) are counted with `bincount`; anything
    else is made unique a slice at a time, then the few survivors once more.
    """
    if values.dtype.kind in "biu" and len(values):
        low, high = int(values.min()), int(values.max())
        if high - low < 1 << 16:
            seen = np.zeros(high - low + 1, dtype=np.int64)
            for start in range(0, len(values), CHUNK):
                part = values[start : start + CHUNK].astype(np.intp) - low
                seen += np.bincount(part, minlength=len(seen))
            return (np.flatnonzero(seen) + low).astype(values.dtype)
    parts = [np.unique(values[start : start + CHUNK]) for start in range(0, len(values), CHUNK)]
    return np.unique(np.concatenate(parts)) if len(parts) > 1 else np.unique(values)


def codes_of(values: npt.NDArray[Any], labels: npt.NDArray[Any]) -> Codes:
    """Each value's index in the sorted `labels` that hold every value, in the smallest dtype."""
    out = np.empty(len(values), dtype=np.min_scalar_type(max(len(labels) - 1, 0)))
    for start in range(0, len(values), CHUNK):
        out[start : start + CHUNK] = np.searchsorted(labels, values[start : start + CHUNK])
    return out


def distinct_labels(values: npt.ArrayLike, name: str) -> list[Any]:
    """The distinct labels of `values` as Python values; refused like `label_statistic` would."""
    return list(distinct(_labels(values, name)[0]).tolist())


# -- inputs ---------------------------------------------------------------------------------------
def _labels(values: npt.ArrayLike, name: str) -> tuple[npt.NDArray[Any], str]:
    """A 1-D, non-empty label array and its kind ("number" or "string"); NaN/inf refused."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise MetricUndefined(f"{name} must be 1-D, got shape {array.shape}")
    if len(array) == 0:
        raise MetricUndefined(f"{name} is empty")
    kind = array.dtype.kind
    if kind == "O":
        types = set(map(type, array.tolist()))
        if all(issubclass(t, str) for t in types):
            return array, "string"
        if not all(issubclass(t, int | float | np.number | np.bool_) for t in types):
            raise MetricUndefined(f"{name} mixes label types: {sorted(t.__name__ for t in types)}")
        if not np.isfinite(array.astype(np.float64)).all():
            raise MetricUndefined(f"{name} has NaN or infinite values")
    elif kind == "U":
        return array, "string"
    elif kind not in "biuf":
        raise MetricUndefined(f"{name} has unsupported labels of dtype {array.dtype}")
    elif kind == "f" and not _finite(array):
        raise MetricUndefined(f"{name} has NaN or infinite values")
    return array, "number"


def _finite(array: npt.NDArray[Any]) -> bool:
    return all(
        bool(np.isfinite(array[start : start + CHUNK]).all())
        for start in range(0, len(array), CHUNK)
    )


def _label_set(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike
) -> tuple[npt.NDArray[Any], npt.NDArray[Any], npt.NDArray[Any]]:
    """Sorted union of the labels, and both label arrays, checked to be comparable."""
    (true, true_kind), (pred, pred_kind) = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise MetricUndefined(f"y_true has {len(true)} rows but y_pred has {len(pred)}")
    if true_kind != pred_kind:
        raise MetricUndefined(
            f"labels cannot be compared: y_true holds {true_kind}s {_sample(true)} "
            f"but y_pred holds {pred_kind}s {_sample(pred)}"
        )
    return np.union1d(distinct(true), distinct(pred)), true, pred


def _sample(values: npt.NDArray[Any]) -> list[Any]:
    return list(distinct(values)[:3].tolist())


def _positive_index(labels: npt.NDArray[Any], pos_label: Any, sort: bool = True) -> int | None:
    """Where `pos_label` is among at most 2 labels; None when absent from a lone label.

    With two labels and no match scikit-learn raises, so do we; without `sort` (a model's class
    list) a missing `pos_label` is an error too.
    """
    names = labels.tolist()
    if len(names) > 2:
        raise MetricUndefined(f"a binary metric needs at most 2 labels, found {names[:10]}")
    matches = [i for i, label in enumerate(names) if label == pos_label]
    if matches:
        return matches[0]
    if len(names) == 2 or not sort:
        raise MetricUndefined(f"pos_label={pos_label!r} is not one of the labels {names}")
    return None


def _column_codes(y_true: npt.ArrayLike, classes: Sequence[Any]) -> Codes:
    """Each true label's column in `classes` (the probability columns)."""
    true, _ = _labels(y_true, "y_true")
    present = distinct(true)
    column = {label: i for i, label in enumerate(classes)}
    found = [column.get(label) for label in present.tolist()]
    unknown = [label for label, index in zip(present.tolist(), found, strict=True) if index is None]
    if unknown:
        raise MetricUndefined(
            f"y_true has labels {unknown[:5]} that are not among the classes {list(classes)}"
        )
    lookup = np.asarray(found, dtype=np.min_scalar_type(len(classes)))
    return lookup[codes_of(true, present)]


def _scores(values: npt.ArrayLike, name: str) -> Scores:
    """Scores as floats, keeping a float dtype (float32 model outputs are not widened)."""
    array = np.asarray(values)
    if array.dtype.kind != "f":
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            raise MetricUndefined(f"{name} is not numeric") from None
    if array.ndim not in (1, 2) or array.size == 0:
        raise MetricUndefined(
            f"{name} must be a non-empty 1-D or 2-D array, got shape {array.shape}"
        )
    if not _finite(array):
        raise MetricUndefined(f"{name} has NaN or infinite values")
    return array


def _probabilities(matrix: Scores, rows: int, columns: int) -> Scores:
    """`matrix` if it holds (rows x columns) probabilities whose rows sum to 1.

    Both checks allow numpy's `allclose` tolerance (`RTOL`, `ATOL`), as scikit-learn's multiclass
    roc_auc does for the sums. Values are not clipped: roc_auc ranks them as given (as
    scikit-learn does), and log_loss clips to [eps, 1 - eps] anyway.
    """
    if matrix.shape != (rows, columns):
        raise MetricUndefined(f"probabilities have shape {matrix.shape}, not ({rows}, {columns})")
    if matrix.min() < -ATOL or matrix.max() > 1 + RTOL + ATOL:
        raise MetricUndefined("probabilities must lie in [0, 1]")
    worst = 0.0
    for start in range(0, rows, CHUNK):
        sums = matrix[start : start + CHUNK].sum(axis=1, dtype=np.float64)
        worst = max(worst, float(np.abs(sums - 1.0).max()))
    if worst > ATOL + RTOL:
        raise MetricUndefined(f"probability rows must sum to 1 (off by up to {worst:.3g})")
    return matrix
