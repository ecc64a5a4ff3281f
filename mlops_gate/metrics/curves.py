"""Compact curves for the report: ROC, precision-recall, calibration, confusion matrix, residuals.

The HTML report draws them from a gate's details, which are stored in the results JSON: each
curve is thinned to at most `MAX_POINTS` points (first and last kept), so a 50M-row eval set
records the same few kilobytes as a small one. Definitions are scikit-learn's (`roc_curve`,
`precision_recall_curve`, `calibration_curve` with uniform bins, `confusion_matrix`); the tests
compare with them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

MAX_POINTS = 200
DIGITS = 5
Floats = npt.NDArray[np.float64]


def thin(*columns: Floats, limit: int = MAX_POINTS) -> list[list[float]]:
    """Every column at the same at most `limit` evenly spaced indices, first and last kept."""
    size = len(columns[0])
    index = np.unique(np.linspace(0, size - 1, num=min(size, limit)).round().astype(int))
    return [np.round(column[index], DIGITS).tolist() for column in columns]


def _counts(positive: npt.NDArray[np.bool_], scores: Floats) -> tuple[Floats, Floats, Floats]:
    """True and false positives at each distinct score, highest score first, and the scores."""
    order = np.argsort(-scores, kind="mergesort")
    ordered, hits = scores[order], positive[order].astype(np.float64)
    last = np.r_[np.flatnonzero(np.diff(ordered)), len(ordered) - 1]
    tps = np.cumsum(hits)[last]
    return tps, (last + 1) - tps, ordered[last]


def roc(positive: npt.NDArray[np.bool_], scores: Floats) -> dict[str, list[float]]:
    """False and true positive rates from (0, 0) up, as `sklearn.metrics.roc_curve`."""
    tps, fps, _ = _counts(positive, scores)
    tpr = np.r_[0.0, tps] / max(tps[-1], 1.0)
    fpr = np.r_[0.0, fps] / max(fps[-1], 1.0)
    fpr_kept, tpr_kept = thin(fpr, tpr)
    return {"fpr": fpr_kept, "tpr": tpr_kept}


def precision_recall(positive: npt.NDArray[np.bool_], scores: Floats) -> dict[str, list[float]]:
    """Precision and recall at each threshold, recall rising, as `precision_recall_curve`."""
    tps, fps, _ = _counts(positive, scores)
    precision = tps / (tps + fps)
    recall = tps / max(tps[-1], 1.0)
    recall_kept, precision_kept = thin(np.r_[0.0, recall], np.r_[1.0, precision])
    return {"recall": recall_kept, "precision": precision_kept}


def calibration(
    positive: npt.NDArray[np.bool_], scores: Floats, bins: int = 10
) -> dict[str, list[float]]:
    """Mean predicted probability and share of positives per uniform bin (empty bins left out),
    as `sklearn.calibration.calibration_curve(strategy="uniform")`, with each bin's rows."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.searchsorted(edges[1:-1], scores)  # an edge value goes below, as sklearn
    rows = np.bincount(which, minlength=bins).astype(np.float64)
    predicted = np.bincount(which, weights=scores, minlength=bins)
    observed = np.bincount(which, weights=positive.astype(np.float64), minlength=bins)
    kept = rows > 0
    return {
        "predicted": np.round(predicted[kept] / rows[kept], DIGITS).tolist(),
        "observed": np.round(observed[kept] / rows[kept], DIGITS).tolist(),
        "rows": rows[kept].astype(int).tolist(),
    }


def confusion(target: Any, labels: Any, classes: list[Any]) -> list[list[int]]:
    """Rows of true class, columns of predicted class, in `classes` order (`confusion_matrix`)."""
    size = len(classes)
    true, pred = _codes(np.asarray(target), classes), _codes(np.asarray(labels), classes)
    both = (true >= 0) & (pred >= 0)
    cells = np.bincount(true[both] * size + pred[both], minlength=size * size)
    return cells.reshape(size, size).astype(int).tolist()


def _codes(values: npt.NDArray[Any], classes: list[Any]) -> npt.NDArray[np.int64]:
    """Each value's index in `classes` (-1 for another), looked up once per distinct value."""
    lookup = {value: i for i, value in enumerate(classes)}
    distinct, inverse = np.unique(values, return_inverse=True)
    codes = np.array([lookup.get(v, -1) for v in distinct.tolist()], dtype=np.int64)
    return codes[inverse.reshape(-1)] if len(codes) else np.zeros(0, dtype=np.int64)


def residuals(actual: Floats, predicted: Floats, bins: int = 20) -> dict[str, list[float]]:
    """Predicted against actual (thinned over rows sorted by actual) and a residual histogram."""
    order = np.argsort(actual, kind="mergesort")
    actual_kept, predicted_kept = thin(actual[order], predicted[order])
    counts, edges = np.histogram(predicted - actual, bins=bins)
    return {
        "actual": actual_kept,
        "predicted": predicted_kept,
        "residual_edges": np.round(edges, DIGITS).tolist(),
        "residual_counts": counts.astype(int).tolist(),
    }
