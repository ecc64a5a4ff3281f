"""average_precision and brier against scikit-learn, point values and bootstrap resamples.

scikit-learn is the oracle: `average_precision_score` and `brier_score_loss` (1.7+ semantics:
multiclass Brier, halved for two classes), each resample checked against the same function
with `sample_weight` = that resample's draw counts.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlops_gate.metrics import bootstrap
from mlops_gate.metrics import probability as prob
from mlops_gate.metrics.errors import MetricUndefined

APPROX = {"rel": 1e-12, "abs": 1e-12}


@st.composite
def scored(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, int]:
    """(y_true, positive-class scores with many ties, seed): both classes present."""
    n = draw(st.integers(2, 60))
    y_true = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    assume(0 < y_true.sum() < n)
    scores = np.array(draw(st.lists(st.integers(0, 10), min_size=n, max_size=n))) / 10
    return y_true, scores, draw(st.integers(0, 2**32 - 1))


def resamples(n: int, seed: int) -> np.ndarray:
    (weights,) = bootstrap._weights(n, 4, seed, bootstrap.MAX_CELLS)
    return weights


@settings(deadline=None)
@given(data=scored())
def test_average_precision_matches_sklearn_with_bootstrap_weights(
    data: tuple[np.ndarray, np.ndarray, int],
) -> None:
    y_true, scores, seed = data
    statistic = prob.average_precision_statistic(y_true, scores)
    assert statistic.point() == pytest.approx(sk.average_precision_score(y_true, scores), **APPROX)
    weights = resamples(len(y_true), seed)
    for row, value in zip(weights, statistic(weights), strict=True):
        if not (row * y_true).any():
            assert np.isnan(value)  # no positive drawn: undefined, the bootstrap refuses it
            continue
        expected = sk.average_precision_score(y_true, scores, sample_weight=row)
        assert value == pytest.approx(expected, **APPROX)


@pytest.mark.parametrize("labels", [(0, 1), ("no", "yes"), (-1, 1)])
def test_average_precision_scores_the_given_pos_label(labels: tuple[Any, Any]) -> None:
    rng = np.random.default_rng(3)
    codes = rng.integers(0, 2, 200)
    y_true = np.array([labels[c] for c in codes])
    scores = np.clip(codes * 0.3 + rng.random(200) * 0.7, 0, 1)
    ours = prob.average_precision(y_true, scores, pos_label=labels[1])
    assert ours == pytest.approx(
        sk.average_precision_score(y_true, scores, pos_label=labels[1]), **APPROX
    )
    flipped = prob.average_precision(y_true, 1 - scores, pos_label=labels[0])
    expected = sk.average_precision_score(y_true, 1 - scores, pos_label=labels[0])
    assert flipped == pytest.approx(expected, **APPROX)


def test_average_precision_without_a_positive_row_is_refused() -> None:
    with pytest.raises(MetricUndefined, match="no row of the positive class"):
        prob.average_precision(np.zeros(10, dtype=int), np.linspace(0, 1, 10))


@st.composite
def probabilities(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, list[int], int]:
    k = draw(st.integers(2, 4))
    n = draw(st.integers(1, 50))
    y_true = np.array(draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n)))
    cells = np.array(draw(st.lists(st.integers(0, 4), min_size=n * k, max_size=n * k)), float)
    cells = cells.reshape(n, k)
    cells[cells.sum(axis=1) == 0, 0] = 1.0
    return y_true, cells / cells.sum(axis=1, keepdims=True), list(range(k)), draw(st.integers(0, 9))


@settings(deadline=None)
@given(data=probabilities())
def test_brier_matches_sklearn_with_bootstrap_weights(
    data: tuple[np.ndarray, np.ndarray, list[int], int],
) -> None:
    y_true, proba, classes, seed = data
    oracle = (
        (lambda **kw: sk.brier_score_loss(y_true, proba[:, 1], pos_label=1, **kw))
        if len(classes) == 2
        else (lambda **kw: sk.brier_score_loss(y_true, proba, labels=classes, **kw))
    )
    statistic = prob.brier_statistic(y_true, proba, classes)
    assert statistic.point() == pytest.approx(oracle(), **APPROX)
    weights = resamples(len(y_true), seed)
    for row, value in zip(weights, statistic(weights), strict=True):
        assert value == pytest.approx(oracle(sample_weight=row), **APPROX)


def test_brier_refuses_what_is_not_a_probability() -> None:
    with pytest.raises(MetricUndefined, match="sum to 1"):
        prob.brier(np.array([0, 1]), np.array([[0.5, 0.6], [0.5, 0.5]]), [0, 1])
    with pytest.raises(MetricUndefined, match="NaN"):
        prob.brier(np.array([0, 1]), np.array([[np.nan, 1.0], [0.5, 0.5]]), [0, 1])
    with pytest.raises(MetricUndefined, match="not among the classes"):
        prob.brier(np.array([0, 2]), np.array([[0.5, 0.5], [0.5, 0.5]]), [0, 1])


def test_brier_of_a_perfect_and_a_worst_model() -> None:
    y_true = np.array([0, 1, 1])
    perfect = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    assert prob.brier(y_true, perfect, [0, 1]) == 0.0
    assert prob.brier(y_true, perfect[:, ::-1], [0, 1]) == 1.0
