"""Metrics of predicted probabilities: average precision and the Brier score, as `Statistic`s.

Numbers are scikit-learn's, with sample weights standing for bootstrap draws (see
`mlops_gate.metrics.bootstrap`):

- average_precision: `average_precision_score` of the positive class's scores (binary):
  AP = sum over the distinct scores, highest first, of (R_n - R_(n-1)) * P_n, precision and
  recall taken at each distinct score (ties together), as `precision_recall_curve` does. A row of
  weight 0 changes no sum, as scikit-learn's removal of zero-weight rows. y_true without a row
  of the positive class is refused (scikit-learn warns and returns 0.0); a resample without one
  is NaN, which the bootstrap refuses.
- brier: `brier_score_loss` (scikit-learn >= 1.7, `scale_by_half="auto"`): the mean over rows
  of the squared distance between the one-hot true class and the probability row; binary, the
  mean of (1[y = pos] - p_pos)^2 from the positive column (the halved two-column distance in
  exact arithmetic). Lower is better. Summed in float64: scikit-learn >= 1.8 sums float32
  outputs in float32, so on an ONNX model's float32 probabilities it agrees to ~7 digits, and
  exactly with the same probabilities as float64.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic, ratio
from mlops_gate.metrics.classification import (
    _column_codes,
    _labels,
    _positive_index,
    _probabilities,
    _scores,
    distinct,
)
from mlops_gate.metrics.errors import MetricUndefined


def average_precision(
    y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, pos_label: Any = 1
) -> float:
    """scikit-learn's `average_precision_score(y_true, y_score, pos_label=pos_label)`."""
    return average_precision_statistic(y_true, y_score, pos_label=pos_label).point()


def brier(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, classes: Sequence[Any], pos_label: Any = None
) -> float:
    """scikit-learn's `brier_score_loss` of (rows x `classes`) probabilities."""
    return brier_statistic(y_true, proba, classes, pos_label).point()


def average_precision_statistic(
    y_true: npt.ArrayLike, y_score: npt.ArrayLike, *, pos_label: Any = 1
) -> Statistic:
    """Average precision (see the module docstring) as a function of row weights."""
    scores = _scores(y_score, "y_score")
    if scores.ndim != 1:
        raise MetricUndefined("average_precision scores one class: y_score must be 1-D")
    true, _ = _labels(y_true, "y_true")
    if len(true) != len(scores):
        raise MetricUndefined(f"y_true has {len(true)} rows but y_score has {len(scores)}")
    present = distinct(true)
    index = _positive_index(present, pos_label)
    if index is None:
        raise MetricUndefined(
            f"y_true has no row of the positive class {pos_label!r}: average_precision needs one"
        )
    order = np.argsort(-scores.astype(np.float64), kind="stable")
    positive = np.asarray(true == present[index]).reshape(-1)[order]
    ordered = scores[order]
    ends = np.flatnonzero(np.r_[ordered[1:] != ordered[:-1], True])  # the last row of each tie

    def fn(weights: Floats) -> Floats:
        w = weights[:, order]
        true_positives = np.cumsum(w * positive, axis=1)[:, ends]
        seen = np.cumsum(w, axis=1)[:, ends]
        precision = ratio(true_positives, seen)
        recall = ratio(true_positives, true_positives[:, -1:], where_zero=np.nan)
        steps = np.diff(recall, axis=1, prepend=0.0)
        return np.asarray((steps * precision).sum(axis=1), dtype=np.float64)

    return Statistic(len(scores), fn)


def brier_statistic(
    y_true: npt.ArrayLike, proba: npt.ArrayLike, classes: Sequence[Any], pos_label: Any = None
) -> Statistic:
    """The Brier score (see the module docstring) as a function of row weights.

    Two classes score the `pos_label` column alone (default: the last class), as scikit-learn's
    binary form does: with float32 outputs the other column is not exactly 1 - p.
    """
    if len(classes) < 2:
        raise MetricUndefined(f"brier needs at least 2 classes, got {list(classes)}")
    codes = _column_codes(y_true, classes).astype(np.intp)
    matrix = _probabilities(_scores(proba, "proba"), len(codes), len(classes))
    if len(classes) == 2:
        names = np.asarray(classes, dtype=object)
        column = 1 if pos_label is None else _positive_index(names, pos_label, sort=False)
        hit = (codes == column).astype(np.float64)
        losses = np.square(hit - matrix[:, column].astype(np.float64))
    else:
        distance = matrix.astype(np.float64)  # a copy: the one-hot is subtracted in place
        distance[np.arange(len(codes)), codes] -= 1.0
        losses = np.square(distance).sum(axis=1)

    def fn(weights: Floats) -> Floats:
        return np.asarray((weights @ losses) / weights.sum(axis=1), dtype=np.float64)

    return Statistic(len(codes), fn, point_fn=lambda: float(losses.mean()))
