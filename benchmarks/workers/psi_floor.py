"""The floor of the PSI benchmark: the least work PSI as DESIGN.md defines it needs.

Per numeric column: one sort of the reference (the quantile edges and the reference's bin counts
both come from the sorted copy) and one `searchsorted` pass of the current data, then a bincount.
`psi_mlops.py DIR N numeric` times it against the drift gate, alternately, on the same frames.
"""

from __future__ import annotations

from typing import Any

import numpy as np

BINS = 10
EPSILON = 1e-6


def quantile_edges(ordered: np.ndarray, bins: int) -> np.ndarray:
    """numpy.quantile's default (linear) method, read off a sorted array, with numpy's lerp."""
    index = (ordered.size - 1) * (np.arange(1, bins, dtype=np.float64) / bins)
    low = np.floor(index).astype(np.intp)
    high = np.minimum(low + 1, ordered.size - 1)
    t = index - low
    a, b = ordered[low], ordered[high]
    edges = np.where(t >= 0.5, b - (b - a) * (1 - t), a + (b - a) * t)
    return np.unique(edges)


def column_psi(reference: np.ndarray, current: np.ndarray) -> float:
    """PSI of one numeric column without NaN (the benchmark data has none)."""
    ordered = np.sort(reference)
    edges = quantile_edges(ordered, BINS)
    below = np.searchsorted(ordered, edges, side="left")  # reference values < each edge
    ref_counts = np.diff(np.concatenate(([0], below, [ordered.size])))
    cur_counts = np.bincount(
        np.searchsorted(edges, current, side="right"), minlength=edges.size + 1
    )
    ref = np.maximum(ref_counts / reference.size, EPSILON)
    cur = np.maximum(cur_counts / current.size, EPSILON)
    return float(np.sum((cur - ref) * np.log(cur / ref)))


def floor_psi(reference: Any, current: Any, columns: list[str]) -> dict[str, float]:
    """PSI of each column of two pandas frames (to_numpy of a float64 column does not copy)."""
    return {c: column_psi(reference[c].to_numpy(), current[c].to_numpy()) for c in columns}
