"""Regression metrics with scikit-learn's definitions, vectorised over bootstrap weights.

As in `mlops_gate.metrics.classification`, each metric is a `Statistic` of row weights whose point
value (every weight 1) is the metric. `r2` follows scikit-learn's `force_finite=True`: when the
target is constant it is 1.0 for a perfect prediction and 0.0 otherwise, never -inf or NaN.
Constant means every value identical: scikit-learn tests the computed variance against 0, which
float rounding of the mean can miss (y = [0.1, 0.1, 0.1] has a tiny non-zero variance there).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic, ratio
from mlops_gate.metrics.errors import MetricUndefined

RegressionMetric = Literal["mae", "rmse", "r2", "mape"]
EPS = float(np.finfo(np.float64).eps)

# A weighted variance this small next to the weighted sum of squares is rounding of a constant
# resample, not spread: treat it as zero (force_finite).
CONSTANT_TOLERANCE = 8 * float(np.finfo(np.float64).eps)


def mae(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Mean absolute error (`mean_absolute_error`)."""
    return regression_statistic("mae", y_true, y_pred).point()


def rmse(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Root mean squared error (`root_mean_squared_error`)."""
    return regression_statistic("rmse", y_true, y_pred).point()


def mape(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Mean absolute percentage error (`mean_absolute_percentage_error`), a fraction, not %."""
    return regression_statistic("mape", y_true, y_pred).point()


def r2(y_true: npt.ArrayLike, y_pred: npt.ArrayLike) -> float:
    """Coefficient of determination (`r2_score`, force_finite)."""
    return regression_statistic("r2", y_true, y_pred).point()


def regression_statistic(
    metric: RegressionMetric, y_true: npt.ArrayLike, y_pred: npt.ArrayLike
) -> Statistic:
    """mae, rmse, r2 or mape as a function of row weights (see `mlops_gate.metrics.bootstrap`).

    mape divides by max(|y_true|, eps), eps the float64 machine epsilon, as scikit-learn does:
    a true value of 0 gives a huge but finite error rather than inf.
    """
    true, pred = _values(y_true, "y_true"), _values(y_pred, "y_pred")
    if len(true) != len(pred):
        raise MetricUndefined(f"y_true has {len(true)} rows but y_pred has {len(pred)}")
    error = true - pred
    if metric in ("mae", "mape"):
        absolute = np.abs(error)
        if metric == "mape":
            absolute = absolute / np.maximum(np.abs(true), EPS)
        return Statistic(len(true), lambda w: (w @ absolute) / w.sum(axis=1))
    squared = error * error
    if metric == "rmse":
        return Statistic(len(true), lambda w: np.sqrt((w @ squared) / w.sum(axis=1)))
    if len(true) < 2:
        raise MetricUndefined("r2 needs at least 2 rows")  # scikit-learn returns NaN
    return _r2_statistic(true, squared)


def _r2_statistic(true: Floats, squared_error: Floats) -> Statistic:
    # Centring on the full mean first keeps the one-pass weighted variance below accurate.
    centred = np.zeros_like(true) if np.ptp(true) == 0 else true - true.mean()
    centred_squared = centred * centred

    def fn(weights: Floats) -> Floats:
        total = weights.sum(axis=1)
        residual = weights @ squared_error
        spread = weights @ centred_squared
        variance = spread - (weights @ centred) ** 2 / total
        constant = variance <= CONSTANT_TOLERANCE * spread
        score = 1.0 - ratio(residual, np.where(constant, 0.0, variance))
        return np.where(constant, np.where(residual == 0, 1.0, 0.0), score)

    return Statistic(len(true), fn)


def _values(values: npt.ArrayLike, name: str) -> Floats:
    """A non-empty 1-D float array without NaN or inf; text is refused, not parsed."""
    raw = np.asarray(values)
    if raw.dtype.kind not in "biufO" or any(isinstance(v, str | bytes) for v in raw.ravel()):
        raise MetricUndefined(f"{name} is not numeric (dtype {raw.dtype})")
    try:
        array = raw.astype(np.float64)
    except (TypeError, ValueError):
        raise MetricUndefined(f"{name} is not numeric") from None
    if array.ndim != 1 or len(array) == 0:
        raise MetricUndefined(f"{name} must be a non-empty 1-D array, got shape {array.shape}")
    if not np.isfinite(array).all():
        raise MetricUndefined(f"{name} has NaN or infinite values")
    return array
