"""Seeded Poisson bootstrap: resampling weights a distributed engine can draw row by row.

The in-memory bootstrap (`metrics/bootstrap.py`) draws n row indices per resample from one random
stream, which needs every row in one process. The Poisson bootstrap (Hanley & MacGibbon 2006;
Chamandy et al., "Estimating uncertainty for massive data streams", Google 2012) gives each row an
independent Poisson(1) count per replicate instead: for large n the multinomial counts of a
resample are close to independent Poisson(1) counts, so the percentile interval agrees with the
classical one within Monte Carlo error (tests/unit/metrics/test_poisson_bootstrap.py checks it).

Reproducible on any partitioning: the count of row `r` in replicate `b` is a pure function of
(seed, r, b): splitmix64 of the three (Steele, Lea & Flood, "Fast splittable pseudorandom number
generators", OOPSLA 2014) gives a uniform u in [0, 1), and the count is the inverse Poisson(1)
CDF at u. So each executor draws its rows' weights alone, in any order, and per replicate only
weighted sums travel (confusion counts, loss sums); the driver adds them up. Both models of a
paired comparison see the same weights for the same row ids, so their noise cancels in the
difference, as in the paired in-memory bootstrap.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.bootstrap import MAX_CELLS, Floats, Statistic, weighted_counts

RowIds = npt.NDArray[np.uint64]
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
# Poisson(1) CDF at 0..19; P(count > 19) < 1e-18, below a double's resolution of u.
_CDF = np.cumsum([math.exp(-1) / math.factorial(k) for k in range(20)])


def _mix(x: npt.NDArray[np.uint64]) -> npt.NDArray[np.uint64]:
    """splitmix64's finaliser: a bijection of uint64 that spreads every input bit."""
    z = x + _GOLDEN
    z = (z ^ (z >> np.uint64(30))) * _MIX1
    z = (z ^ (z >> np.uint64(27))) * _MIX2
    return z ^ (z >> np.uint64(31))


def poisson_weights(seed: int, row_ids: npt.ArrayLike, replicates: npt.ArrayLike) -> Floats:
    """(len(replicates) x len(row_ids)) Poisson(1) counts, each a function of (seed, row, replicate)."""
    rows = np.asarray(row_ids).astype(np.uint64).reshape(1, -1)
    draws = np.asarray(replicates).astype(np.uint64).reshape(-1, 1)
    with np.errstate(over="ignore"):  # uint64 arithmetic wraps on purpose
        keyed = _mix(_mix(np.full(1, seed, dtype=np.uint64)) ^ draws)
        hashed = _mix(keyed ^ _mix(rows))
    uniform = (hashed >> np.uint64(11)).astype(np.float64) * 2.0**-53
    return np.searchsorted(_CDF, uniform, side="right").astype(np.float64)


def weight_chunks(
    seed: int, row_ids: npt.ArrayLike, n_resamples: int, max_cells: int = MAX_CELLS
) -> Iterator[tuple[slice, Floats]]:
    """The weights of every replicate, a block of replicates at a time (bounded memory)."""
    rows = np.asarray(row_ids)
    step = max(1, min(n_resamples, max_cells // max(1, len(rows))))
    for start in range(0, n_resamples, step):
        block = slice(start, min(start + step, n_resamples))
        yield block, poisson_weights(seed, rows, np.arange(block.start, block.stop))


def weighted_sums(
    seed: int, row_ids: npt.ArrayLike, values: npt.ArrayLike, n_resamples: int
) -> Floats:
    """(n_resamples x m) per-replicate sums of each row's weight times its m `values`.

    Column-wise sums over rows add up across partitions: the driver sums the executors' blocks.
    """
    matrix = np.asarray(values, dtype=np.float64)
    matrix = matrix.reshape(-1, 1) if matrix.ndim == 1 else matrix
    out = np.zeros((n_resamples, matrix.shape[1]))
    for block, weights in weight_chunks(seed, row_ids, n_resamples):
        out[block] = weights @ matrix
    return out


def cell_sums(
    seed: int, row_ids: npt.ArrayLike, cells: npt.ArrayLike, n_cells: int, n_resamples: int
) -> Floats:
    """(n_resamples x n_cells) per-replicate weight of the rows in each cell (e.g. a confusion
    matrix cell): the weighted counts a replicate's metric is computed from."""
    codes = np.asarray(cells, dtype=np.intp).reshape(-1)
    out = np.zeros((n_resamples, n_cells))
    for block, weights in weight_chunks(seed, row_ids, n_resamples):
        out[block] = weighted_counts(codes, n_cells, weights)
    return out


def poisson_replicates(
    statistic: Statistic, row_ids: npt.ArrayLike, *, n_resamples: int, seed: int
) -> Floats:
    """`statistic` on each of `n_resamples` Poisson replicates of its rows (in memory)."""
    if len(np.asarray(row_ids)) != statistic.n:
        raise ValueError(f"{len(np.asarray(row_ids))} row ids for {statistic.n} rows")
    out = np.empty(n_resamples)
    for block, weights in weight_chunks(seed, row_ids, n_resamples):
        out[block] = statistic(weights)
        out[block][empty(weights.sum(axis=1))] = np.nan
    return out


def empty(total_weights: Floats) -> npt.NDArray[np.bool_]:
    """Replicates that drew no row at all (probability e^-n): their metric is undefined, not the
    0.0 a 0/0 would give, so the interval refuses them (tiny eval sets only)."""
    empty_rows: npt.NDArray[np.bool_] = np.asarray(total_weights) == 0
    return empty_rows


def with_poisson_bootstrap(statistic: Statistic, row_ids: npt.ArrayLike) -> Statistic:
    """`statistic` whose bootstrap (`bootstrap_ci`, `paired_bootstrap`) is the Poisson one."""
    ids = np.asarray(row_ids)

    def replicates(n_resamples: int, seed: int) -> Floats:
        return poisson_replicates(statistic, ids, n_resamples=n_resamples, seed=seed)

    return dataclasses.replace(statistic, replicates=replicates)
