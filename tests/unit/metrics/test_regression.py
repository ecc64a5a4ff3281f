"""Regression metrics against scikit-learn on random inputs, plus r2's force_finite cases."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlops_gate.metrics import regression as reg
from mlops_gate.metrics.errors import MetricUndefined

finite = st.floats(-1e4, 1e4, allow_nan=False, allow_subnormal=False)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(1, 50))
    y_true = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    y_pred = np.array(draw(st.lists(finite, min_size=n, max_size=n)))
    return y_true, y_pred


@settings(deadline=None)
@given(data=pairs())
def test_mae_and_rmse_match_sklearn(data: tuple[np.ndarray, np.ndarray]) -> None:
    y_true, y_pred = data
    mae, rmse = reg.mae(y_true, y_pred), reg.rmse(y_true, y_pred)
    assert mae == pytest.approx(sk.mean_absolute_error(y_true, y_pred), rel=1e-12, abs=1e-9)
    assert rmse == pytest.approx(sk.root_mean_squared_error(y_true, y_pred), rel=1e-12, abs=1e-9)
    # The mean is at most the quadratic mean (slack: squares of errors below 1e-154 underflow).
    assert 0.0 <= mae <= rmse * (1 + 1e-12) + 1e-150


@settings(deadline=None)
@given(data=pairs())
def test_r2_matches_sklearn(data: tuple[np.ndarray, np.ndarray]) -> None:
    y_true, y_pred = data
    # A spread near float rounding of the mean makes both sides mostly noise; see the next tests.
    assume(np.ptp(y_true) > 1e-6 * (1.0 + np.abs(y_true).max()))
    expected = sk.r2_score(y_true, y_pred)
    assert reg.r2(y_true, y_pred) == pytest.approx(expected, rel=1e-9, abs=1e-9)
    assert reg.r2(y_true, y_pred) <= 1.0
    assert reg.r2(y_true, y_true) == 1.0


@settings(deadline=None)
@given(level=st.integers(-1000, 1000), n=st.integers(2, 20), data=st.data())
def test_r2_of_a_constant_target_is_forced_finite_like_sklearn(
    level: int, n: int, data: st.DataObject
) -> None:
    y_true = np.full(n, float(level))  # integers: scikit-learn's mean is exact, its variance 0
    y_pred = np.array(data.draw(st.lists(finite, min_size=n, max_size=n)))
    assert reg.r2(y_true, y_pred) == sk.r2_score(y_true, y_pred)
    assert reg.r2(y_true, y_true) == sk.r2_score(y_true, y_true) == 1.0


def test_r2_treats_an_inexact_constant_as_constant() -> None:
    # scikit-learn's mean of three 0.1 is 0.10000000000000002, so its "variance" is ~1e-34 and r2
    # about -1.7e31; force_finite means 0.0 for an imperfect prediction of a constant target.
    y_true, y_pred = np.full(3, 0.1), np.array([0.1, 0.2, 0.1])
    assert sk.r2_score(y_true, y_pred) < -1e30
    assert reg.r2(y_true, y_pred) == 0.0


def test_known_values() -> None:
    y_true, y_pred = np.array([3.0, -0.5, 2.0, 7.0]), np.array([2.5, 0.0, 2.0, 8.0])
    assert reg.mae(y_true, y_pred) == pytest.approx(0.5)
    assert reg.rmse(y_true, y_pred) == pytest.approx(np.sqrt(0.375))
    assert reg.r2(y_true, y_pred) == pytest.approx(1 - 1.5 / 29.1875)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        ([1.0, np.nan], [1.0, 2.0], "NaN or infinite"),
        ([1.0, 2.0], [1.0, np.inf], "NaN or infinite"),
        ([], [], "non-empty"),
        (["a", "b"], [1.0, 2.0], "not numeric"),
        (np.array(["1.5", "2"], dtype=object), [1.0, 2.0], "not numeric"),
        ([1.0, 2.0, 3.0], [1.0, 2.0], "rows"),
    ],
)
def test_undecidable_inputs_raise(y_true: object, y_pred: object, message: str) -> None:
    for metric in (reg.mae, reg.rmse, reg.r2):
        with pytest.raises(MetricUndefined, match=message):
            metric(y_true, y_pred)  # type: ignore[arg-type]


def test_r2_of_one_row_is_undefined() -> None:
    with pytest.raises(MetricUndefined, match="at least 2 rows"):
        reg.r2([1.0], [1.0])


# -- mape (issue 16): scikit-learn's mean_absolute_percentage_error, with bootstrap weights --------
@settings(deadline=None)
@given(data=pairs(), seed=st.integers(0, 2**32 - 1))
def test_mape_matches_sklearn_with_bootstrap_weights(
    data: tuple[np.ndarray, np.ndarray], seed: int
) -> None:
    from mlops_gate.metrics import bootstrap

    y_true, y_pred = data
    expected = sk.mean_absolute_percentage_error(y_true, y_pred)
    assert reg.mape(y_true, y_pred) == pytest.approx(expected, rel=1e-12, abs=1e-12)
    statistic = reg.regression_statistic("mape", y_true, y_pred)
    (weights,) = bootstrap._weights(len(y_true), 3, seed, bootstrap.MAX_CELLS)
    for row, value in zip(weights, statistic(weights), strict=True):
        oracle = sk.mean_absolute_percentage_error(y_true, y_pred, sample_weight=row)
        assert value == pytest.approx(oracle, rel=1e-12, abs=1e-12)


def test_mape_of_a_zero_target_is_huge_but_finite_like_sklearn() -> None:
    y_true, y_pred = np.array([0.0, 1.0, 2.0]), np.array([1e-3, 1.0, 2.0])
    assert reg.mape(y_true, y_pred) == sk.mean_absolute_percentage_error(y_true, y_pred)
    assert np.isfinite(reg.mape(y_true, y_pred))


def test_mape_refuses_nan_and_empty_input() -> None:
    with pytest.raises(MetricUndefined):
        reg.mape(np.array([1.0, np.nan]), np.array([1.0, 1.0]))
    with pytest.raises(MetricUndefined):
        reg.mape(np.array([]), np.array([]))
