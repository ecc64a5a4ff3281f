"""Closeness of outputs against numpy's `isclose`/`allclose` (mlops_gate.metrics.closeness)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from mlops_gate.metrics.closeness import closeness
from mlops_gate.metrics.errors import MetricUndefined

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
tolerances = st.floats(min_value=0, max_value=0.1, allow_nan=False)
shapes = hnp.array_shapes(min_dims=1, max_dims=2, min_side=1, max_side=20)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    """A reference and an output near it (noise of any scale, so both sides of the limit)."""
    shape = draw(shapes)
    desired = draw(hnp.arrays(np.float64, shape, elements=finite))
    scale = draw(st.sampled_from([0.0, 1e-9, 1e-6, 1e-3, 1.0]))
    noise = draw(hnp.arrays(np.float64, shape, elements=st.floats(-1, 1)))
    return desired + noise * (scale * (1 + np.abs(desired))), desired


@given(pairs(), tolerances, tolerances)
def test_a_row_is_within_tolerance_where_numpy_isclose_holds_for_all_its_outputs(
    pair: tuple[np.ndarray, np.ndarray], rtol: float, atol: float
) -> None:
    actual, desired = pair
    close = closeness(actual, desired, rtol, atol)
    rows = actual.shape[0]
    used = close.used
    # Away from the boundary (a rounding away from it, either side), the verdicts are numpy's.
    assume(np.all(np.abs(used - 1) > 1e-9) or not np.isfinite(used).all())
    expected = np.isclose(actual, desired, rtol=rtol, atol=atol).reshape(rows, -1).all(axis=1)
    np.testing.assert_array_equal(used <= 1, expected)
    assert (close.max_used <= 1) == np.allclose(actual, desired, rtol=rtol, atol=atol)


@given(pairs(), tolerances, tolerances)
def test_gaps_are_numpys(pair: tuple[np.ndarray, np.ndarray], rtol: float, atol: float) -> None:
    actual, desired = pair
    close = closeness(actual, desired, rtol, atol)
    diff = np.abs(actual - desired)
    assert close.max_abs_diff == diff.max()
    nonzero = desired != 0
    with np.errstate(over="ignore"):  # 1e-9 / 5e-324 is inf, for numpy as for closeness
        expected_rel = (diff[nonzero] / np.abs(desired[nonzero])).max(initial=0.0)
    assert close.max_rel_diff == pytest.approx(expected_rel, rel=1e-12, abs=0)
    assert close.worst_abs_diff <= close.max_abs_diff
    assert close.rows == actual.shape[0]
    assert not close.nonfinite.any()


def test_the_issue_16_regressor_gap_is_within_the_relative_tolerance() -> None:
    """An XGBRegressor export on targets ~25-346: float32 rounding, 1.1e-6 relative."""
    desired = np.array([25.0, 151.0, 346.0])
    actual = (desired * (1 + 1.1e-6)).astype(np.float32).astype(np.float64)
    assert closeness(actual, desired, rtol=0, atol=1e-4).max_used > 1  # the old absolute rule
    found = closeness(actual, desired, rtol=1e-5, atol=1e-4)
    assert found.max_used < 0.2
    assert found.worst_row is not None
    assert found.worst_allowed == pytest.approx(1e-4 + 1e-5 * desired[found.worst_row])


def test_exact_match_with_zero_tolerance_uses_none_and_any_gap_uses_infinitely_much() -> None:
    assert closeness([1.0, 0.0], [1.0, 0.0], 0, 0).max_used == 0
    assert closeness([1.0, 1e-300], [1.0, 0.0], 0, 0).max_used == np.inf


def test_the_boundary_is_inclusive() -> None:
    # |a - b| == atol + rtol * |b| exactly (0.5 + 0.25 * 2 == 1.0): within, as numpy says.
    found = closeness([3.0], [2.0], rtol=0.25, atol=0.5)
    assert found.max_used == 1.0
    assert bool(np.isclose(3.0, 2.0, rtol=0.25, atol=0.5))


def test_rows_with_nan_or_inf_on_either_side_are_counted_apart() -> None:
    actual = np.array([[0.2, 0.8], [np.nan, 0.5], [0.3, 0.7], [0.1, 0.9]])
    desired = np.array([[0.2, 0.8], [0.5, 0.5], [0.3, np.inf], [0.1, 0.9005]])
    found = closeness(actual, desired, rtol=0, atol=1e-3)
    assert found.nonfinite.tolist() == [False, True, True, False]
    assert found.worst_row == 3
    assert found.max_abs_diff == pytest.approx(5e-4)
    assert found.max_used == pytest.approx(0.5)


def test_every_row_nonfinite_has_no_worst_row() -> None:
    found = closeness([np.nan, np.inf], [1.0, 2.0], 1e-5, 1e-4)
    assert found.worst_row is None
    assert found.max_used == 0
    assert found.nonfinite.all()


def test_empty_outputs_compare_as_nothing() -> None:
    found = closeness(np.empty(0), np.empty(0), 1e-5, 1e-4)
    assert (found.rows, found.worst_row, found.max_used, found.max_abs_diff) == (0, None, 0, 0)


def test_huge_values_do_not_overflow_into_a_false_pass() -> None:
    found = closeness([1e308], [-1e308], 1e-5, 1e-4)  # the difference overflows to inf
    assert found.max_used > 1


@pytest.mark.parametrize(
    ("actual", "desired", "rtol", "atol", "match"),
    [
        ([1.0, 2.0], [1.0], 0, 0, "different shapes"),
        (1.0, 1.0, 0, 0, "scalar"),
        ([1.0], [1.0], -1e-5, 0, "rtol and atol"),
        ([1.0], [1.0], 0, float("nan"), "rtol and atol"),
    ],
)
def test_inputs_that_cannot_be_compared_are_undefined(
    actual: object, desired: object, rtol: float, atol: float, match: str
) -> None:
    with pytest.raises(MetricUndefined, match=match):
        closeness(actual, desired, rtol, atol)  # type: ignore[arg-type]
