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
# Rows per slice where a full-size temporary (a widened copy, a mask) would otherwise be made.
CHUNK = 1 << 20


@dataclass(frozen=True)
class Statistic:
    """A metric over `n` fixed rows: `fn(weights)` maps (k x n) row weights to k metric values.

    Values may be NaN where the metric is undefined for that weighting (e.g. roc_auc on a resample
    holding a single class).
    """

    n: int
    fn: Callable[[Floats], Floats]
    # The value at unit weights, computed without a (1 x n) weight row (issue #8: on 50M rows that
    # row and the temporaries built from it cost gigabytes). None: `fn` on a row of ones.
    point_fn: Callable[[], float] | None = None
    # Why the point value, although a number, measures nothing: where scikit-learn warns that a
    # metric is ill-defined and reports 0.0 (e.g. recall with no true sample). The number stays
    # scikit-learn's; a gate refuses it (issue 13). None: well defined.
    ill_defined: str | None = None
    # `replicates(n_resamples, seed)`: the values of a statistic that draws its own resamples (the
    # Spark engine's seeded Poisson bootstrap, metrics/poisson_bootstrap.py). None: rows resampled.
    replicates: Callable[[int, int], Floats] | None = None

    def __call__(self, weights: Floats) -> Floats:
        return self.fn(weights)

    def point(self) -> float:
        """The metric on the rows as they are (every weight 1)."""
        if self.n == 0:
            raise MetricUndefined("no rows to evaluate")
        if self.point_fn is not None:
            value = self.point_fn()
        else:
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
    drawn = [s.replicates for s in statistics if s.replicates is not None]
    if drawn:  # the one place a distributed statistic's own bootstrap is taken
        if len(drawn) != len(statistics):
            raise MetricUndefined("a paired bootstrap needs both statistics on the same engine")
        return np.column_stack([replicates(n_resamples, seed) for replicates in drawn])
    out = np.empty((n_resamples, len(statistics)))
    done = 0
    for weights in _weights(n, n_resamples, seed, max_cells):
        for column, statistic in enumerate(statistics):
            out[done : done + len(weights), column] = statistic(weights)
        done += len(weights)
        del weights  # else it lives on while the next chunk is drawn: two n-sized rows at once
    return out


def _weights(n: int, n_resamples: int, seed: int, max_cells: int) -> Iterator[Floats]:
    """Chunks of (resamples x n) draw counts for `n_resamples` resamples of n rows.

    Each resample is `rng.integers(0, n, size=n)`, one resample after the other, so a chunk of k
    resamples is the next k x n draws of the stream and the result does not depend on the chunk
    size (tests/unit/metrics/test_bootstrap.py checks it).
    """
    rng = np.random.default_rng(seed)
    if n > max_cells:
        for _ in range(n_resamples):
            yield _counted_draws(rng, n, max_cells)[np.newaxis]
        return
    chunk = max(1, min(n_resamples, max_cells // n))
    for start in range(0, n_resamples, chunk):
        size = min(chunk, n_resamples - start)
        index = rng.integers(0, n, size=(size, n))
        weights = np.empty((size, n))
        for row in range(size):
            weights[row] = np.bincount(index[row], minlength=n)
        yield weights


def _counted_draws(rng: np.random.Generator, n: int, max_cells: int) -> Floats:
    """One resample's draw counts, drawn `max_cells` at a time (the same stream as one call).

    For a large n the single call's index and `bincount` would cost 16 bytes a row beside the
    weights; here each chunk is sorted and its runs counted, so only the weight row is n-sized.
    """
    weights = np.zeros(n)
    for start in range(0, n, max_cells):
        index = np.sort(rng.integers(0, n, size=min(max_cells, n - start)))
        first = np.flatnonzero(np.r_[True, index[1:] != index[:-1]])
        weights[index[first]] += np.diff(np.r_[first, len(index)])
    return weights


# -- building blocks for statistics ---------------------------------------------------------------
def weighted_counts(codes: npt.NDArray[np.integer], n_codes: int, weights: Floats) -> Floats:
    """(k x n_codes) sums of each row of the (k x n) `weights` over the rows of each code.

    Codes are small integers (`codes < n_codes`); they are widened for `bincount` a slice at a
    time, so the memory beside `weights` stays at `CHUNK` cells whatever n is.
    """
    k, n = weights.shape
    out = np.zeros((k, n_codes))
    offsets = (np.arange(k) * n_codes)[:, np.newaxis]
    step = max(1, CHUNK // k)
    for start in range(0, n, step):
        cells = (codes[start : start + step].astype(np.intp) + offsets).reshape(-1)
        block = weights[:, start : start + step].reshape(-1)
        out += np.bincount(cells, weights=block, minlength=k * n_codes).reshape(k, n_codes)
    return out


def counts(codes: npt.NDArray[np.integer], n_codes: int) -> npt.NDArray[np.int64]:
    """How many rows hold each code (`bincount` a slice at a time, no n-sized widened copy)."""
    out = np.zeros(n_codes, dtype=np.int64)
    for start in range(0, len(codes), CHUNK):
        out += np.bincount(codes[start : start + CHUNK].astype(np.intp), minlength=n_codes)
    return out


def ratio(numerator: Floats, denominator: Floats, where_zero: float = 0.0) -> Floats:
    """numerator / denominator, `where_zero` where the denominator is 0."""
    out = np.full(np.broadcast(numerator, denominator).shape, where_zero)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out
