"""Classification metrics with scikit-learn's definitions, vectorised over bootstrap weights.

Each metric is built as a `Statistic` (see `mlops_gate.metrics.bootstrap`): its point value is the
statistic with every row weight 1, and the same code evaluates whole chunks of bootstrap resamples.
The plain functions (`accuracy`, `f1`, ...) return the point value.

- precision, recall, f1: per label from weighted confusion counts, a 0/0 giving 0.0 (the result of
  scikit-learn's `zero_division` default). `binary` scores `pos_label` alone; `macro` averages the
  labels present in y_true or y_pred, `weighted` weighs them by support, `micro` pools the counts.
- roc_auc: binary from the positive class's scores, as the Mann-Whitney statistic with tied
  scores counting 1/2 (the area under scikit-learn's ROC curve, ties included); multiclass is
  one-vs-rest, macro-averaged.
- log_loss: the true class's probability clipped to [eps, 1 - eps], eps the float64 machine epsilon.

Undefined cases (no rows, NaN/inf, a single class for roc_auc, labels of different kinds, labels
outside `classes`, rows of probabilities not summing to 1) raise `MetricUndefined`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic, grouped_sums, ratio
from mlops_gate.metrics.errors import MetricUndefined

Average = Literal["binary", "macro", "micro", "weighted"]
LabelMetric = Literal["accuracy", "precision", "recall", "f1"]
Codes = npt.NDArray[np.intp]
EPS = float(np.finfo(np.float64).eps)


def accuracy(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Share of rows whose predicted label equals the true one."""
    return label_statistic("accuracy", y_true, y_pred).point()


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
    labels, true, pred = _encode(y_true, y_pred)
    k = len(labels)
    binary = average == "binary" and metric != "accuracy"
    focus = _positive_index(labels, pos_label) if binary else None
    true_sums, pred_sums = grouped_sums(true, k), grouped_sums(pred, k)
    hit_sums = grouped_sums(np.where(true == pred, true, k), k + 1)  # group k collects the misses

    def fn(weights: Floats) -> Floats:
        tp, t, p = hit_sums(weights)[:, :k], true_sums(weights), pred_sums(weights)
        if metric == "accuracy":
            return ratio(tp.sum(axis=1), t.sum(axis=1))
        if binary:
            # pos_label in neither array: every count is 0 and the score 0.0, as in scikit-learn.
            tp, t, p = (
                a[:, [focus]] if focus is not None else np.zeros((len(a), 1)) for a in (tp, t, p)
            )
        elif average == "micro":
            tp, t, p = (a.sum(axis=1, keepdims=True) for a in (tp, t, p))
        return _average(metric, average, tp, t, p)

    return Statistic(len(true), fn)


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
    scores = _floats(y_score, "y_score")
    if scores.ndim == 1:
        true, _ = _labels(y_true, "y_true")
        present, codes = np.unique(true, return_inverse=True)
        positive = _positive_index(present, pos_label)  # None: no positive row, refused below
        return _binary_auc(codes.reshape(-1) == positive, scores)
    if classes is None:
        raise MetricUndefined("2-D scores need `classes` to name their columns")
    codes = _column_codes(y_true, classes)
    scores = _probabilities(scores, len(codes), len(classes))
    if len(classes) == 2:
        column = _positive_index(np.asarray(classes, dtype=object), pos_label, sort=False)
        return _binary_auc(codes == column, scores[:, column])
    per_class = [_binary_auc(codes == c, scores[:, c], classes[c]) for c in range(len(classes))]
    return Statistic(len(codes), lambda w: np.mean([auc(w) for auc in per_class], axis=0))


def _binary_auc(positive: npt.NDArray[np.bool_], scores: Floats, label: Any = None) -> Statistic:
    if len(positive) != len(scores):
        raise MetricUndefined(f"y_true has {len(positive)} rows but y_score has {len(scores)}")
    if positive.all() or not positive.any():
        which = (
            "y_true holds a single class"
            if label is None
            else f"class {label!r} is never or always true"
        )
        raise MetricUndefined(f"ROC AUC is undefined: {which}")
    values, rank = np.unique(scores, return_inverse=True)
    g = len(values)
    sums = grouped_sums(rank * 2 + positive, 2 * g)

    def fn(weights: Floats) -> Floats:
        split = sums(weights).reshape(len(weights), g, 2)
        negative, pos = split[..., 0], split[..., 1]
        below = np.cumsum(negative, axis=1) - negative  # negatives scored strictly lower
        u = (pos * (below + 0.5 * negative)).sum(axis=1)  # a tie counts half (Mann-Whitney U)
        pairs = pos.sum(axis=1) * negative.sum(axis=1)
        return ratio(u, pairs, where_zero=np.nan)  # a resample holding a single class

    return Statistic(len(scores), fn)


def log_loss_statistic(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, classes: Sequence[Any]
) -> Statistic:
    """log_loss (see `log_loss`) as a function of row weights."""
    if len(classes) < 2:
        raise MetricUndefined(f"log_loss needs at least 2 classes, got {list(classes)}")
    codes = _column_codes(y_true, classes)
    matrix = _probabilities(_floats(proba, "proba"), len(codes), len(classes))
    loss = -np.log(np.clip(matrix[np.arange(len(codes)), codes], EPS, 1 - EPS))
    return Statistic(len(loss), lambda w: (w @ loss) / w.sum(axis=1))


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
        kind = "f"
    elif kind == "U":
        return array, "string"
    elif kind not in "biuf":
        raise MetricUndefined(f"{name} has unsupported labels of dtype {array.dtype}")
    if kind == "f" and not np.isfinite(array.astype(np.float64)).all():
        raise MetricUndefined(f"{name} has NaN or infinite values")
    return array, "number"


def _encode(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> tuple[npt.NDArray[Any], Codes, Codes]:
    """Sorted union of labels, and each array's codes into it."""
    (true, true_kind), (pred, pred_kind) = _labels(y_true, "y_true"), _labels(y_pred, "y_pred")
    if len(true) != len(pred):
        raise MetricUndefined(f"y_true has {len(true)} rows but y_pred has {len(pred)}")
    if true_kind != pred_kind:
        raise MetricUndefined(
            f"labels cannot be compared: y_true holds {true_kind}s {_sample(true)} "
            f"but y_pred holds {pred_kind}s {_sample(pred)}"
        )
    labels, codes = np.unique(np.concatenate([true, pred]), return_inverse=True)
    codes = codes.reshape(-1)
    return labels, codes[: len(true)], codes[len(true) :]


def _sample(values: npt.NDArray[Any]) -> list[Any]:
    return list(np.unique(values)[:3].tolist())


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
    present, inverse = np.unique(true, return_inverse=True)
    column = {label: i for i, label in enumerate(classes)}
    found = [column.get(label) for label in present.tolist()]
    unknown = [label for label, index in zip(present.tolist(), found, strict=True) if index is None]
    if unknown:
        raise MetricUndefined(
            f"y_true has labels {unknown[:5]} that are not among the classes {list(classes)}"
        )
    return np.asarray(found, dtype=np.intp)[inverse.reshape(-1)]


def _floats(values: npt.ArrayLike, name: str) -> Floats:
    try:
        array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise MetricUndefined(f"{name} is not numeric") from None
    if array.ndim not in (1, 2) or array.size == 0:
        raise MetricUndefined(
            f"{name} must be a non-empty 1-D or 2-D array, got shape {array.shape}"
        )
    if not np.isfinite(array).all():
        raise MetricUndefined(f"{name} has NaN or infinite values")
    return array


def _probabilities(matrix: Floats, rows: int, columns: int) -> Floats:
    """`matrix` if it holds (rows x columns) probabilities whose rows sum to 1."""
    if matrix.shape != (rows, columns):
        raise MetricUndefined(f"probabilities have shape {matrix.shape}, not ({rows}, {columns})")
    if matrix.min() < 0 or matrix.max() > 1:
        raise MetricUndefined("probabilities must lie in [0, 1]")
    # numpy's default tolerance, as scikit-learn's multiclass roc_auc: it admits float32 model
    # outputs (widened to float64 by the loaders) and refuses scores that are not probabilities.
    sums = matrix.sum(axis=1)
    if not np.allclose(sums, 1.0):
        worst = float(np.abs(sums - 1.0).max())
        raise MetricUndefined(f"probability rows must sum to 1 (off by up to {worst:.3g})")
    return matrix
