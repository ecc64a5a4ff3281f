"""The bias gate's bootstrap statistic against fairlearn: each resample, and the interval.

A resample is a row of draw counts (metrics/bootstrap.py); the statistic's value on it must be
fairlearn's number on the rows drawn, and the percentile interval must agree with fairlearn's own
bootstrap (`MetricFrame(n_boot=..., ci_quantiles=...)`, rows drawn with replacement) within Monte
Carlo error, as both resample rows the same way with different random streams.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from fairlearn import metrics as fl
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.metrics import fairness
from mlops_gate.metrics.bootstrap import bootstrap_ci
from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.fairness_bootstrap import disparity_statistic

GROUPS = np.array(["a", "b", "c"])
METRICS: tuple[Any, ...] = (
    "demographic_parity_difference",
    "equalized_odds_difference",
    "equal_opportunity_difference",
    "demographic_parity_ratio",
    "equalized_odds_ratio",
    "equal_opportunity_ratio",
)
rows = st.lists(st.tuples(st.integers(0, 2), st.booleans(), st.booleans()), min_size=2, max_size=60)


def statistic(codes: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, metric: Any) -> Any:
    actual = None if metric.startswith("demographic") else y_true == 1
    return disparity_statistic(codes, y_pred == 1, actual, len(GROUPS), metric)


def ours_or_nan(codes: np.ndarray, y_true: np.ndarray, y_pred: np.ndarray, metric: Any) -> float:
    try:
        return getattr(fairness, metric)(y_true, y_pred, sensitive_features=GROUPS[codes])
    except MetricUndefined:
        return float("nan")


@pytest.mark.parametrize("metric", METRICS)
@settings(max_examples=60, deadline=None)
@given(data=rows)
def test_unit_weights_give_the_point_value(metric: Any, data: list[tuple[int, bool, bool]]) -> None:
    codes, y_true, y_pred = (np.array(c) for c in zip(*data, strict=True))
    y_true, y_pred = y_true.astype(int), y_pred.astype(int)
    expected = ours_or_nan(codes, y_true, y_pred, metric)
    stat = statistic(codes, y_true, y_pred, metric)
    value = stat(np.ones((1, len(codes))))[0]
    if len(set(codes.tolist())) < len(GROUPS):
        assert np.isnan(value)  # a group of the table without rows: undefined, as in a resample
        return
    np.testing.assert_allclose(value, expected, rtol=0, atol=1e-15, equal_nan=True)


@pytest.mark.parametrize("metric", METRICS)
def test_each_resample_is_fairlearns_number_on_the_rows_drawn(metric: Any) -> None:
    rng = np.random.default_rng(7)
    codes = rng.integers(0, 3, size=300)
    y_true = rng.integers(0, 2, size=300)
    y_pred = np.where(rng.random(300) < 0.7 + 0.1 * codes, y_true, 1 - y_true)
    stat = statistic(codes, y_true, y_pred, metric)
    draws = rng.integers(0, 300, size=(20, 300))
    weights = np.stack([np.bincount(d, minlength=300) for d in draws]).astype(float)
    values = stat(weights)
    for index, value in zip(draws, values.tolist(), strict=True):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            expected = getattr(fl, metric)(
                y_true[index], y_pred[index], sensitive_features=GROUPS[codes[index]]
            )
        assert value == pytest.approx(expected, abs=1e-12)


@pytest.mark.slow
def test_interval_agrees_with_fairlearns_bootstrap() -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 3, size=2000)
    y_pred = (rng.random(2000) < 0.4 + 0.05 * codes).astype(int)
    frame = fl.MetricFrame(  # fairlearn's bootstrap is slow (a pandas groupby per resample)
        metrics=fl.selection_rate,
        y_true=y_pred,
        y_pred=y_pred,
        sensitive_features=GROUPS[codes],
        n_boot=400,
        ci_quantiles=[0.05, 0.95],
        random_state=1,
    )
    for metric, method in (
        ("demographic_parity_difference", "difference"),
        ("demographic_parity_ratio", "ratio"),
    ):
        stat = statistic(codes, y_pred, y_pred, metric)
        ours = bootstrap_ci(stat, confidence=0.9, n_resamples=2000, seed=1)
        low, high = getattr(frame, f"{method}_ci")()
        assert ours.point == pytest.approx(getattr(frame, method)(), abs=1e-12)
        # Monte Carlo error of the 5% quantiles (400 and 2000 resamples) here is ~0.004.
        assert ours.low == pytest.approx(float(low), abs=0.015), metric
        assert ours.high == pytest.approx(float(high), abs=0.015), metric
        assert ours.low < ours.point < ours.high


def test_a_group_missing_from_a_resample_makes_the_interval_undefined() -> None:
    codes = np.array([0] * 50 + [1] * 50 + [2])  # group c: one row, absent from most resamples
    y_pred = np.tile([0, 1], 51)[:101]
    stat = statistic(codes, y_pred, y_pred, "demographic_parity_difference")
    with pytest.raises(MetricUndefined, match="undefined in"):
        bootstrap_ci(stat, confidence=0.95, n_resamples=200, seed=0)


def test_same_seed_same_interval() -> None:
    rng = np.random.default_rng(0)
    codes, y_pred = rng.integers(0, 3, 500), rng.integers(0, 2, 500)
    stat = statistic(codes, y_pred, y_pred, "demographic_parity_ratio")
    first = bootstrap_ci(stat, confidence=0.95, n_resamples=300, seed=5)
    assert bootstrap_ci(stat, confidence=0.95, n_resamples=300, seed=5) == first
    assert bootstrap_ci(stat, confidence=0.95, n_resamples=300, seed=6) != first
