"""The report's curves against scikit-learn's on generated data, and their size bound."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve

from mlops_gate.metrics import curves


def _data(seed: int, n: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    positive = rng.random(n) < 0.3
    scores = np.clip(rng.normal(0.35 + 0.3 * positive, 0.2), 0, 1).round(3)  # ties on purpose
    positive[0], positive[1] = True, False  # both classes present
    return positive, scores


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3000))
def test_roc_points_lie_on_sklearns_curve(seed: int, n: int) -> None:
    positive, scores = _data(seed, n)
    fpr, tpr, _ = roc_curve(positive, scores, drop_intermediate=False)
    mine = curves.roc(positive, scores)
    assert len(mine["fpr"]) <= curves.MAX_POINTS
    theirs = set(zip(np.round(fpr, 5).tolist(), np.round(tpr, 5).tolist(), strict=True))
    assert set(zip(mine["fpr"], mine["tpr"], strict=True)) <= theirs
    assert (mine["fpr"][0], mine["tpr"][0]) == (0.0, 0.0)
    assert (mine["fpr"][-1], mine["tpr"][-1]) == (1.0, 1.0)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(2, 3000))
def test_pr_points_lie_on_sklearns_curve(seed: int, n: int) -> None:
    positive, scores = _data(seed, n)
    precision, recall, _ = precision_recall_curve(positive, scores)
    mine = curves.precision_recall(positive, scores)
    assert len(mine["recall"]) <= curves.MAX_POINTS
    theirs = set(zip(np.round(recall, 5).tolist(), np.round(precision, 5).tolist(), strict=True))
    assert set(zip(mine["recall"], mine["precision"], strict=True)) <= theirs
    assert mine["recall"][-1] == 1.0


def test_calibration_matches_sklearn() -> None:
    positive, scores = _data(7, 5000)
    observed, predicted = calibration_curve(positive, scores, n_bins=10, strategy="uniform")
    mine = curves.calibration(positive, scores)
    np.testing.assert_allclose(mine["predicted"], predicted, atol=1e-5)
    np.testing.assert_allclose(mine["observed"], observed, atol=1e-5)
    assert sum(mine["rows"]) == 5000


def test_confusion_matches_sklearn_with_strings_and_unknowns() -> None:
    rng = np.random.default_rng(3)
    target = rng.choice(["a", "b", "c"], 400)
    labels = rng.choice(["a", "b", "c", "zz"], 400)
    classes = ["a", "b", "c"]
    theirs = confusion_matrix(target, labels, labels=classes)
    assert curves.confusion(target, labels, classes) == theirs.tolist()
    assert curves.confusion(np.array([]), np.array([]), classes) == [[0] * 3] * 3


def test_residuals_are_bounded_and_sum_to_the_rows() -> None:
    rng = np.random.default_rng(5)
    actual = rng.normal(size=10_000)
    predicted = actual + rng.normal(scale=0.1, size=10_000)
    found = curves.residuals(actual, predicted)
    assert len(found["actual"]) == curves.MAX_POINTS
    assert found["actual"] == sorted(found["actual"])
    assert sum(found["residual_counts"]) == 10_000
    counts, edges = np.histogram(predicted - actual, bins=20)
    assert found["residual_counts"] == counts.tolist()
    np.testing.assert_allclose(found["residual_edges"], edges, atol=1e-5)


def test_one_row_and_single_class() -> None:
    one = curves.roc(np.array([True]), np.array([0.4]))
    assert one == {"fpr": [0.0, 0.0], "tpr": [0.0, 1.0]}
    only_negatives = curves.precision_recall(np.array([False, False]), np.array([0.2, 0.9]))
    assert only_negatives["precision"][-1] == 0.0
