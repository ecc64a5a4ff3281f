"""Group error gaps of a regression model: fairlearn's `MetricFrame(...).difference()` numbers.

Per group: MAE = mean |y - prediction| (scikit-learn's `mean_absolute_error`) and RMSE =
sqrt(mean (y - prediction)^2) (`root_mean_squared_error`); `mae_difference` / `rmse_difference`
is the largest minus the smallest over the groups (fairlearn's `method="between_groups"`), in the
target's units. Groups are counted with one `bincount` per sum, as the classification rates are
(`metrics/fairness.py`); `error_gap_statistic` is the same gap as a function of bootstrap row
weights (`metrics/bootstrap.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic, weighted_counts
from mlops_gate.metrics.classification import codes_of, distinct
from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.fairness_bootstrap import spread

ErrorMetric = Literal["mae_difference", "rmse_difference"]
ErrorName = Literal["mae", "rmse"]
ERROR_OF: dict[str, ErrorName] = {"mae_difference": "mae", "rmse_difference": "rmse"}


@dataclass(frozen=True)
class GroupErrors:
    """Rows and sums of absolute and squared errors per group, groups in sorted order."""

    groups: tuple[Any, ...]
    rows: npt.NDArray[np.int64]
    absolute: Floats
    squared: Floats

    def error(self, name: ErrorName) -> Floats:
        """MAE or RMSE per group (every group has rows)."""
        if name == "mae":
            out: Floats = self.absolute / self.rows
            return out
        root: Floats = np.sqrt(self.squared / self.rows)
        return root

    def select(self, keep: npt.NDArray[np.bool_]) -> GroupErrors:
        """Only the groups where `keep` is true."""
        return GroupErrors(
            groups=tuple(g for g, k in zip(self.groups, keep.tolist(), strict=True) if k),
            rows=self.rows[keep],
            absolute=self.absolute[keep],
            squared=self.squared[keep],
        )


@dataclass(frozen=True)
class ErrorGap:
    """A gap in MAE or RMSE and the groups with the largest and smallest error."""

    value: float
    error: ErrorName
    highest: Any
    lowest: Any


def group_errors(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, sensitive_features: npt.ArrayLike
) -> GroupErrors:
    """Per-group error sums; NaN or infinite targets or predictions are refused."""
    true = np.asarray(y_true, dtype=np.float64).reshape(-1)
    pred = np.asarray(y_pred, dtype=np.float64).reshape(-1)
    sensitive = np.asarray(sensitive_features).reshape(-1)
    if not true.size == pred.size == sensitive.size:
        raise ValueError(f"{true.size} targets, {pred.size} predictions, {sensitive.size} groups")
    if true.size == 0:
        raise MetricUndefined("no rows")
    if not (np.isfinite(true).all() and np.isfinite(pred).all()):
        raise MetricUndefined("targets or predictions hold NaN or infinite values")
    error = true - pred
    groups = distinct(sensitive)
    codes = codes_of(sensitive, groups)
    width = len(groups)
    return GroupErrors(
        groups=tuple(groups.tolist()),
        rows=np.bincount(codes, minlength=width).astype(np.int64),
        absolute=np.bincount(codes, weights=np.abs(error), minlength=width).astype(np.float64),
        squared=np.bincount(codes, weights=error * error, minlength=width).astype(np.float64),
    )


def error_gap(errors: GroupErrors, metric: ErrorMetric) -> ErrorGap:
    """The gap `metric` measures and the groups at both ends."""
    if len(errors.groups) < 2:
        raise MetricUndefined(f"{metric} needs at least 2 groups, got {len(errors.groups)}")
    name = ERROR_OF[metric]
    values = errors.error(name)
    high, low = int(np.argmax(values)), int(np.argmin(values))
    gap = float(values[high] - values[low])
    return ErrorGap(gap, name, errors.groups[high], errors.groups[low])


def mae_difference(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, sensitive_features: npt.ArrayLike
) -> float:
    """Largest minus smallest group MAE."""
    return error_gap(group_errors(y_true, y_pred, sensitive_features), "mae_difference").value


def rmse_difference(
    y_true: npt.ArrayLike, y_pred: npt.ArrayLike, *, sensitive_features: npt.ArrayLike
) -> float:
    """Largest minus smallest group RMSE."""
    return error_gap(group_errors(y_true, y_pred, sensitive_features), "rmse_difference").value


def error_gap_statistic(
    groups: npt.NDArray[np.integer], error: Floats, n_groups: int, metric: ErrorMetric
) -> Statistic:
    """The gap as a function of row weights; `groups` are codes below `n_groups`, `error` y - ŷ.

    A resample where a group has no rows gives NaN (refused by `bootstrap_ci`).
    """
    name = ERROR_OF[metric]
    values = np.abs(error) if name == "mae" else error * error

    def fn(weights: Floats) -> Floats:
        rows = weighted_counts(groups, n_groups, weights)
        totals = weighted_counts(groups, n_groups, weights * values)
        per = np.full(rows.shape, np.nan)
        np.divide(totals, rows, out=per, where=rows > 0)
        return spread(np.sqrt(per) if name == "rmse" else per, ratio=False)

    return Statistic(len(values), fn)
