"""The Spark engine's quantiles are read off two order statistics and interpolated as numpy does
(issue 15: exact, not approximate): the replica of numpy's linear method must be bit-identical,
ties, infinities, -0.0 and a single value included. No Spark needed for this part."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.engine.data.spark.exact import linear_ranks, quantiles_of_sorted
from tests.unit.engine.data.support import assert_same_floats, numbers, probabilities

values = st.lists(numbers, min_size=1, max_size=200)


@settings(max_examples=500, deadline=None)
@given(values=values, probs=probabilities)
def test_numpy_linear_quantiles_from_order_statistics(
    values: list[float], probs: list[float]
) -> None:
    array = np.array(values, dtype=np.float64)
    wanted = np.array(probs, dtype=np.float64)
    # numpy overflows (and says so) between values ±1e308 apart; the same numbers are wanted.
    with np.errstate(invalid="ignore", over="ignore"):
        expected = np.quantile(array, wanted)
        found = quantiles_of_sorted(np.sort(array), wanted)
    assert_same_floats(found, expected)


def test_values_a_float_range_apart_give_numpys_numbers() -> None:
    """Found by hypothesis: [1e308, -1e308] overflows in numpy's own interpolation."""
    array = np.array([-1e308, 1e308])
    wanted = np.array([0.0, 0.5, 1.0])
    with np.errstate(invalid="ignore", over="ignore"):
        assert_same_floats(quantiles_of_sorted(array, wanted), np.quantile(array, wanted))


@settings(max_examples=200, deadline=None)
@given(n=st.integers(1, 10**12), probs=probabilities)
def test_ranks_are_order_statistics_of_n_values(n: int, probs: list[float]) -> None:
    below, above, gamma = linear_ranks(n, np.array(probs, dtype=np.float64))
    assert bool(np.all((below >= 0) & (below <= above) & (above <= n - 1)))
    assert bool(np.all(above - below <= 1))
    assert bool(np.all(np.isfinite(gamma)))


def test_interpolation_rounds_as_numpy_near_the_upper_value() -> None:
    """From gamma 0.5 on numpy computes b - (b-a)(1-t): a naive a + (b-a)t differs in the last
    bit here, which would move a value across a bin edge."""
    array = np.array([0.1, 0.7, 1e16, 3.0, math.pi])
    probs = np.linspace(0, 1, 101)
    assert_same_floats(quantiles_of_sorted(np.sort(array), probs), np.quantile(array, probs))
