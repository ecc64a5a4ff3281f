"""r2 on Spark from sums, with the in-memory statistic's rules (`metrics/regression.py`).

One pass finds the target's range and mean; a second adds up, per row, 1, the squared error,
the target centred on that mean, and its square (at unit weights, and per Poisson replicate).
A constant target (every value identical) is centred to zero, and a replicate whose variance is
rounding next to its sum of squares counts as constant: r2 is then 1.0 for a perfect prediction
and 0.0 otherwise (scikit-learn's force_finite), as in memory.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mlops_gate.metrics.errors import MetricUndefined

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.metrics.bootstrap import Statistic


def r2_statistic(frame: Any, target: str) -> Statistic:
    import numpy as np
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.spark.folds import point_sums, replicate_sums
    from mlops_gate.engine.data.spark.scoring import VALUE
    from mlops_gate.metrics.bootstrap import Statistic
    from mlops_gate.metrics.poisson_bootstrap import empty

    low, high, mean = frame.agg(
        F.min(target), F.max(target), F.avg(F.col(target).cast("double"))
    ).first()
    centre = None if low == high else float(mean)

    def fold(batch: pd.DataFrame, weights: npt.NDArray[np.float64] | None) -> Any:
        from mlops_gate.metrics.regression import regression_statistic

        true, pred = batch[target].to_numpy(), batch[VALUE].to_numpy()
        regression_statistic("mae", true, pred)  # the in-memory checks: numbers, finite
        true, pred = true.astype(np.float64), pred.astype(np.float64)
        error = true - pred
        centred = np.zeros_like(true) if centre is None else true - centre
        rows = np.column_stack([np.ones_like(true), error * error, centred, centred * centred])
        return rows.sum(axis=0) if weights is None else weights @ rows

    sums = point_sums(frame, [target, VALUE], fold, 4)
    if sums[0] < 2:
        raise MetricUndefined("r2 needs at least 2 rows")  # scikit-learn returns NaN
    value = float(_r2(sums[np.newaxis])[0])

    def replicates(n_resamples: int, seed: int) -> npt.NDArray[np.float64]:
        drawn = replicate_sums(frame, [target, VALUE], fold, 4, n_resamples=n_resamples, seed=seed)
        values = _r2(drawn)
        values[empty(drawn[:, 0])] = np.nan
        return values

    def no_weights(_: Any) -> Any:
        raise MetricUndefined("a Spark statistic draws its own replicates")

    return Statistic(int(sums[0]), no_weights, point_fn=lambda: value, replicates=replicates)


def _r2(sums: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """r2 per row of (total weight, residual, centred sum, centred squares)."""
    import numpy as np

    from mlops_gate.metrics.bootstrap import ratio
    from mlops_gate.metrics.regression import CONSTANT_TOLERANCE

    total, residual, centred, spread = sums.T
    with np.errstate(invalid="ignore", divide="ignore"):
        variance = spread - centred**2 / total
    constant = variance <= CONSTANT_TOLERANCE * spread
    score = 1.0 - ratio(residual, np.where(constant, 0.0, variance))
    out: npt.NDArray[np.float64] = np.where(constant, np.where(residual == 0, 1.0, 0.0), score)
    return out
