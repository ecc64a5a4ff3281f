"""Seeded percentile bootstrap of a metric, and the paired bootstrap of two models' difference.

A metric enters the bootstrap as a `Statistic`: a vectorised function of per-row resampling
weights. A resample of n rows drawn with replacement is the same as weighting each original row by
the number of times it was drawn, so one (resamples x rows) weight matrix evaluates a whole chunk
of resamples at once, and every metric is written once for the point value (all weights 1) and for
the bootstrap. The paired bootstrap evaluates both models on the same weight matrix, so the
sampling noise shared by the two models cancels in their difference (a model against itself gives
exactly 0).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined

Floats = npt.NDArray[np.float64]

# (resamples in a chunk) x rows stays under this many cells, so memory stays bounded (a few arrays
# of ~32 MB) whatever the size of the eval set; the result does not depend on it (see `_weights`).
MAX_CELLS = 1 << 22


@dataclass(frozen=True)
class Statistic:
    """A metric over `n` fixed rows: `fn(weights)` maps (k x n) row weights to k metric values.

    Values may be NaN where the metric is undefined for that weighting (e.g. roc_auc on a resample
    holding a single class).
    """

    n: int
    fn: Callable[[Floats], Floats]

    def __call__(self, weights: Floats) -> Floats:
        return self.fn(weights)

    def point(self) -> float:
        """The metric on the rows as they are (every weight 1)."""
        if self.n == 0:
            raise MetricUndefined("no rows to evaluate")
        value = float(self.fn(np.ones((1, self.n)))[0])
        if not np.isfinite(value):
            raise MetricUndefined("the metric is undefined for these rows")
        return value


@dataclass(frozen=True)
class Interval:
    """A point estimate and its two-sided percentile bootstrap interval at `confidence`."""

    point: float
    low: float
    high: float
    confidence: float
    n_resamples: int
    seed: int


def bootstrap_ci(
    statistic: Statistic,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
    max_cells: int = MAX_CELLS,
) -> Interval:
    """Percentile bootstrap interval of `statistic` (numpy `default_rng(seed)`)."""
    values = _resample((statistic,), n_resamples=n_resamples, seed=seed, max_cells=max_cells)[:, 0]
    return _interval(statistic.point(), values, confidence, n_resamples, seed)


def paired_bootstrap(
    candidate: Statistic,
    baseline: Statistic,
    *,
    confidence: float,
    n_resamples: int,
    seed: int,
    max_cells: int = MAX_CELLS,
) -> Interval:
    """Interval of `candidate - baseline` with both evaluated on the same resampled rows."""
    if candidate.n != baseline.n:
        raise MetricUndefined(f"paired rows differ: {candidate.n} vs {baseline.n}")
    values = _resample(
        (candidate, baseline), n_resamples=n_resamples, seed=seed, max_cells=max_cells
    )
    delta = candidate.point() - baseline.point()
    return _interval(delta, values[:, 0] - values[:, 1], confidence, n_resamples, seed)


def _interval(
    point: float, values: Floats, confidence: float, n_resamples: int, seed: int
) -> Interval:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence}")
    undefined = int(np.count_nonzero(~np.isfinite(values)))
    if undefined:
        # Dropping them would condition the interval on the lucky resamples; refuse instead.
        raise MetricUndefined(
            f"undefined in {undefined} of {n_resamples} bootstrap resamples "
            "(a class is too rare in the eval set for a confidence interval)"
        )
    tail = (1.0 - confidence) / 2.0
    low, high = np.quantile(values, [tail, 1.0 - tail])
    return Interval(point, float(low), float(high), confidence, n_resamples, seed)


def _resample(
    statistics: tuple[Statistic, ...], *, n_resamples: int, seed: int, max_cells: int
) -> Floats:
    """(n_resamples x len(statistics)) values, every statistic on the same resamples."""
    if n_resamples < 1:
        raise ValueError("n_resamples must be at least 1")
    n = statistics[0].n
    if n == 0:
        raise MetricUndefined("no rows to resample")
    out = np.empty((n_resamples, len(statistics)))
    done = 0
    for weights in _weights(n, n_resamples, seed, max_cells):
        for column, statistic in enumerate(statistics):
            out[done : done + len(weights), column] = statistic(weights)
        done += len(weights)
    return out


def _weights(n: int, n_resamples: int, seed: int, max_cells: int) -> Iterator[Floats]:
    """Chunks of (resamples x n) draw counts for `n_resamples` resamples of n rows.

    Each resample is `rng.integers(0, n, size=n)`, one resample after the other, so a chunk of k
    resamples is the next k x n draws of the stream and the result does not depend on the chunk
    size (tests/unit/metrics/test_bootstrap.py checks it).
    """
    rng = np.random.default_rng(seed)
    chunk = max(1, min(n_resamples, max_cells // n))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        index = rng.integers(0, n, size=(size, n))
        weights = np.empty((size, n))
        for row in range(size):
            weights[row] = np.bincount(index[row], minlength=n)
        yield weights


# -- building blocks for statistics ---------------------------------------------------------------
def grouped_sums(groups: npt.NDArray[np.intp], n_groups: int) -> Callable[[Floats], Floats]:
    """A function mapping (k x n) weights to their (k x n_groups) sums over each group's rows.

    The rows are sorted by group once, here, rather than once per chunk of resamples.
    """
    order = np.argsort(groups, kind="stable")
    ordered = groups[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if len(groups) else order
    present = ordered[starts]

    def sums(weights: Floats) -> Floats:
        out = np.zeros((len(weights), n_groups))
        if len(starts):
            out[:, present] = np.add.reduceat(weights[:, order], starts, axis=1)
        return out

    return sums


def ratio(numerator: Floats, denominator: Floats, where_zero: float = 0.0) -> Floats:
    """numerator / denominator, `where_zero` where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, where_zero)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out
