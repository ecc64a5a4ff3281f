"""Hostile column values shared by the engine tests: ties, NaN, null, ±inf, -0.0, one value."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np
from hypothesis import strategies as st

SPECIAL = [0.0, -0.0, 1.0, -1.0, math.inf, -math.inf, 1e308, -1e308, 5e-324]
# Few distinct values make ties (and duplicate quantile edges) likely.
numbers = st.one_of(
    st.sampled_from(SPECIAL),
    st.integers(-3, 3).map(float),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
)
missing = st.sampled_from([math.nan, None])
numeric_values = st.lists(st.one_of(numbers, numbers, numbers, missing), min_size=1, max_size=60)
text_values = st.lists(
    st.one_of(st.sampled_from(["a", "b", "", "é", "a\x00b", " a", "1"]), st.none()),
    min_size=1,
    max_size=60,
)
probabilities = st.lists(
    st.one_of(st.sampled_from([0.0, 0.1, 0.5, 0.9, 1.0, 1 / 3]), st.floats(0, 1)),
    min_size=1,
    max_size=12,
)


def present(values: Sequence[float | None]) -> np.ndarray:
    """The non-missing values as float64."""
    array = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    return array[~np.isnan(array)]


def reference_quantiles(values: Sequence[float | None], probs: Sequence[float]) -> np.ndarray:
    """What every engine must answer: numpy's linear quantile of the non-missing values."""
    with np.errstate(invalid="ignore"):
        return np.asarray(np.quantile(present(values), np.asarray(probs, dtype=np.float64)))


def reference_bins(values: Sequence[float | None], edges: np.ndarray) -> np.ndarray:
    """searchsorted(side="right") bins (the DESIGN.md definition), then the missing count."""
    array = np.array([math.nan if v is None else v for v in values], dtype=np.float64)
    nan = np.isnan(array)
    index = np.searchsorted(edges, array[~nan], side="right")
    counts = np.bincount(index, minlength=edges.size + 1)
    return np.append(counts, nan.sum()).astype(np.int64)


def reference_categories(values: Sequence[object]) -> tuple[dict[str, int], int]:
    """Counts by `str(value)`, and the missing (None) values."""
    counts = Counter(str(v) for v in values if v is not None)
    return dict(counts), sum(v is None for v in values)


def edges_of(values: Sequence[float | None], bins: int) -> np.ndarray:
    """Quantile edges as the drift gate makes them (duplicates removed, NaN-free)."""
    # numpy overflows (and says so) between values ±1e308 apart (found by hypothesis): the
    # edges are what numpy gives, as the drift gate's are.
    with np.errstate(invalid="ignore", over="ignore"):
        edges = np.unique(np.quantile(present(values), np.arange(1, bins) / bins))
    kept: np.ndarray = edges[~np.isnan(edges)]
    return kept


def assert_same_floats(actual: np.ndarray, expected: np.ndarray) -> None:
    """Equal element by element, NaN equal to NaN (-0.0 equal to 0.0, as numpy compares)."""
    np.testing.assert_array_equal(np.asarray(actual, dtype=np.float64), expected)
