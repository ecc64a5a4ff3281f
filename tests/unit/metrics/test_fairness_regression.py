"""Group error gaps of regression models against fairlearn's `MetricFrame` with scikit-learn's
`mean_absolute_error` / `root_mean_squared_error` (`.difference()`, between groups)."""

from __future__ import annotations

import numpy as np
import pytest
from fairlearn.metrics import MetricFrame
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import mean_absolute_error, root_mean_squared_error

from mlops_gate.metrics import fairness_regression as fr
from mlops_gate.metrics.errors import MetricUndefined

GROUPS = np.array(["a", "b", "c"])
SKLEARN = {"mae_difference": mean_absolute_error, "rmse_difference": root_mean_squared_error}
finite = st.floats(-1e6, 1e6, allow_nan=False)
rows = st.lists(st.tuples(st.integers(0, 2), finite, finite), min_size=2, max_size=60)


def frame_gap(metric: str, y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> float:
    frame = MetricFrame(
        metrics=SKLEARN[metric], y_true=y_true, y_pred=y_pred, sensitive_features=groups
    )
    return float(frame.difference())


@pytest.mark.parametrize("metric", sorted(SKLEARN))
@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_gaps_match_fairlearn_metricframe(
    metric: str, data: list[tuple[int, float, float]]
) -> None:
    codes, y_true, y_pred = (np.array(c) for c in zip(*data, strict=True))
    groups = GROUPS[codes]
    ours = getattr(fr, metric)
    if len(set(codes.tolist())) < 2:
        with pytest.raises(MetricUndefined, match="at least 2 groups"):
            ours(y_true, y_pred, sensitive_features=groups)
        return
    expected = frame_gap(metric, y_true, y_pred, groups)
    value = ours(y_true, y_pred, sensitive_features=groups)
    assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize("metric", sorted(SKLEARN))
def test_each_resample_is_fairlearns_gap_on_the_rows_drawn(metric: str) -> None:
    rng = np.random.default_rng(11)
    codes = rng.integers(0, 3, size=400)
    y_true = rng.normal(size=400) * 10
    y_pred = y_true + rng.normal(scale=1 + codes, size=400)
    stat = fr.error_gap_statistic(codes, y_true - y_pred, 3, metric)  # type: ignore[arg-type]
    assert stat.point() == pytest.approx(frame_gap(metric, y_true, y_pred, GROUPS[codes]))
    draws = rng.integers(0, 400, size=(15, 400))
    weights = np.stack([np.bincount(d, minlength=400) for d in draws]).astype(float)
    for index, value in zip(draws, stat(weights).tolist(), strict=True):
        expected = frame_gap(metric, y_true[index], y_pred[index], GROUPS[codes[index]])
        assert value == pytest.approx(expected, rel=1e-9)


def test_groups_name_both_ends_and_count_rows() -> None:
    groups = np.array(["x", "x", "y", "y", "y"])
    errors = fr.group_errors([1.0, 2.0, 0.0, 0.0, 0.0], [1.0, 0.0, 3.0, -3.0, 0.0], groups)
    assert errors.rows.tolist() == [2, 3]
    np.testing.assert_allclose(errors.error("mae"), [1.0, 2.0])
    np.testing.assert_allclose(errors.error("rmse"), [np.sqrt(2.0), np.sqrt(6.0)])
    gap = fr.error_gap(errors, "mae_difference")
    assert (gap.value, gap.error, gap.highest, gap.lowest) == (1.0, "mae", "y", "x")


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_infinite_values_are_refused(bad: float) -> None:
    with pytest.raises(MetricUndefined, match="NaN or infinite"):
        fr.mae_difference([1.0, bad], [1.0, 2.0], sensitive_features=["a", "b"])
    with pytest.raises(MetricUndefined, match="NaN or infinite"):
        fr.rmse_difference([1.0, 2.0], [bad, 2.0], sensitive_features=["a", "b"])


def test_empty_and_mismatched_inputs_are_refused() -> None:
    with pytest.raises(MetricUndefined, match="no rows"):
        fr.mae_difference([], [], sensitive_features=[])
    with pytest.raises(ValueError, match="2 targets, 1 predictions"):
        fr.mae_difference([1.0, 2.0], [1.0], sensitive_features=["a", "b"])
