"""A fairness disparity as a bootstrap `Statistic`: every resample's group rates at once.

A bias gate's `confidence` resamples the eval rows with the weight-matrix bootstrap of
`metrics/bootstrap.py` (one (resamples x rows) matrix of draw counts per chunk, `default_rng(seed)`)
and recomputes the disparity on each resample. Each row is one cell code, group * 4 + predicted * 2
+ actual, so a resample's whole confusion table per group is one weighted `bincount`, its rates
are a few divisions, and `disparity_values` turns a stack of rate tables into a stack of
disparities with the definitions of `metrics/fairness.py` (the same numbers at unit weights;
tests check it). A resample where a group has no rows (or no positive labels for a TPR) gives NaN,
which `bootstrap_ci` refuses rather than drops.

Regression groups (`metrics/fairness_regression.py`) sum each row's absolute (squared) error per
group the same way.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import Floats, Statistic, counts, weighted_counts
from mlops_gate.metrics.fairness import RATES_OF, FairnessMetric, Rate, is_ratio


def disparity_statistic(
    groups: npt.NDArray[np.integer],
    predicted: npt.NDArray[np.bool_],
    actual: npt.NDArray[np.bool_] | None,
    n_groups: int,
    metric: FairnessMetric,
) -> Statistic:
    """`metric` over the rows as a function of row weights; `groups` are codes below `n_groups`.

    `actual` may be None for demographic parity (no labels read).
    """
    width = 4 * n_groups
    codes = groups.astype(np.min_scalar_type(width - 1)) * 4
    codes += predicted.astype(codes.dtype) * 2
    if actual is not None:
        codes += actual.astype(codes.dtype)

    def values(cells: Floats) -> Floats:
        table = cells.reshape(len(cells), n_groups, 2, 2)  # [resample, group, predicted, actual]
        return disparity_values(cell_rates(table, with_labels=actual is not None), metric)

    def point() -> float:
        return float(values(counts(codes, width).astype(np.float64)[np.newaxis])[0])

    return Statistic(len(codes), lambda w: values(weighted_counts(codes, width, w)), point_fn=point)


def cell_rates(table: Floats, *, with_labels: bool) -> dict[Rate, Floats]:
    """Selection rate (and TPR, FPR) per resample and group from [k, group, predicted, actual]."""
    rows = table.sum(axis=(2, 3))
    rates: dict[Rate, Floats] = {"selection_rate": _divide(table[:, :, 1, :].sum(axis=2), rows)}
    if with_labels:
        positives = table[:, :, :, 1].sum(axis=2)
        rates["tpr"] = _divide(table[:, :, 1, 1], positives)
        rates["fpr"] = _divide(table[:, :, 1, 0], rows - positives)
    return rates


def disparity_values(rates: dict[Rate, Floats], metric: FairnessMetric) -> Floats:
    """`metric` for each row of (k x groups) rate tables; NaN where it is undefined.

    Row by row the numbers of `fairness.disparity`: a gap is max - min, a ratio min / max (0/0
    undefined), equalized odds the worse of its two; NaN rates propagate.
    """
    ratio = is_ratio(metric)
    values = [spread(rates[name], ratio) for name in RATES_OF[metric]]
    combine = np.minimum if ratio else np.maximum
    out = values[0]
    for more in values[1:]:
        out = combine(out, more)
    return out


def spread(values: Floats, ratio: bool) -> Floats:
    """Max - min (or min / max) along the groups of each row of a (k x groups) table."""
    high, low = values.max(axis=1), values.min(axis=1)
    if not ratio:
        out: Floats = high - low
        return out
    result = np.full(high.shape, np.nan)
    np.divide(low, high, out=result, where=high > 0)  # NaN > 0 is False: NaN stays NaN
    return result


def _divide(numerator: Floats, denominator: Floats) -> Floats:
    out = np.full(np.shape(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out
