"""A custom metric function as a bootstrap statistic: one call per resample, the same resamples.

The reference is the built-in of the same definition: a plain-numpy accuracy written as a user
would gets the built-in accuracy's point value and, resample for resample, its interval.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from mlops_gate.metrics import bootstrap
from mlops_gate.metrics.classification import label_statistic
from mlops_gate.metrics.custom import custom_statistic
from mlops_gate.metrics.errors import MetricUndefined


def user_accuracy(y_true: Any, y_pred: Any, y_score: Any) -> float:
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))


def test_a_custom_accuracy_has_the_builtins_value_and_interval() -> None:
    rng = np.random.default_rng(0)
    y_true, y_pred = rng.integers(0, 2, 300), rng.integers(0, 2, 300)
    custom = custom_statistic("acc", user_accuracy, y_true, y_pred, None)
    builtin = label_statistic("accuracy", y_true, y_pred)
    assert custom.point() == pytest.approx(builtin.point(), abs=1e-15)
    ours = bootstrap.bootstrap_ci(custom, confidence=0.9, n_resamples=200, seed=4)
    theirs = bootstrap.bootstrap_ci(builtin, confidence=0.9, n_resamples=200, seed=4)
    assert (ours.low, ours.high) == pytest.approx((theirs.low, theirs.high), abs=1e-12)


def test_the_score_column_reaches_the_function_resampled_with_the_rows() -> None:
    seen: list[tuple[int, float]] = []

    def record(y_true: Any, y_pred: Any, y_score: Any) -> float:
        seen.append((len(y_true), float(np.sum(y_score))))
        return float(np.mean(y_score))

    scores = np.array([0.1, 0.2, 0.3, 0.4])
    statistic = custom_statistic("mean_score", record, np.arange(4), None, scores)
    weights = np.array([[4.0, 0, 0, 0], [0, 0, 2.0, 2.0]])
    assert statistic(weights).tolist() == pytest.approx([0.1, 0.35])
    assert seen == [(4, pytest.approx(0.4)), (4, pytest.approx(1.4))]


@pytest.mark.parametrize(
    ("function", "message"),
    [
        (lambda t, p, s: 1 / 0, "ZeroDivisionError"),
        (lambda t, p, s: "high", "could not convert"),
        (lambda t, p, s: None, "failed"),
    ],
)
def test_a_failing_or_non_numeric_custom_metric_is_undefined(function: Any, message: str) -> None:
    statistic = custom_statistic("bad", function, np.arange(5), np.arange(5), None)
    with pytest.raises(MetricUndefined, match=message):
        statistic.point()


def test_a_nan_custom_metric_is_undefined() -> None:
    statistic = custom_statistic("nan", lambda t, p, s: float("nan"), np.arange(5), None, None)
    with pytest.raises(MetricUndefined, match="undefined"):
        statistic.point()
