"""Classification metrics against scikit-learn on random inputs, plus their own properties.

scikit-learn is the oracle (DESIGN.md: "scikit-learn's definitions"): label metrics with
`zero_division=0.0` (the value its default returns, without the warning), binary ROC AUC through
`roc_curve(pos_label=...)` + `auc` (the trapezoid, not our rank formula), multiclass through
`roc_auc_score(multi_class="ovr")`, and `log_loss(labels=...)`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlops_gate.metrics import classification as cls
from mlops_gate.metrics.errors import MetricUndefined

BINARY_LABELS = [(0, 1), (-1, 1), (2, 7), ("no", "yes"), ("cat", "dog")]
MULTI_LABELS = [(0, 1, 2), (1, 2, 3, 4, 5), ("a", "b", "c", "d")]
SK_LABEL_METRICS = {
    "precision": sk.precision_score,
    "recall": sk.recall_score,
    "f1": sk.f1_score,
}
APPROX = {"rel": 1e-12, "abs": 1e-12}


@st.composite
def labelled(draw: st.DrawFn, label_sets: list[tuple[Any, ...]]) -> tuple[Any, ...]:
    """(labels, y_true, y_pred) drawn from one label set; object dtype now and then."""
    labels = draw(st.sampled_from(label_sets))
    n = draw(st.integers(1, 60))
    picks = st.lists(st.integers(0, len(labels) - 1), min_size=n, max_size=n)
    dtype = object if draw(st.booleans()) else None
    y_true = np.array([labels[i] for i in draw(picks)], dtype=dtype)
    y_pred = np.array([labels[i] for i in draw(picks)], dtype=dtype)
    return labels, y_true, y_pred


def proba_matrix(draw: st.DrawFn, n: int, k: int) -> np.ndarray:
    """Rows of small integer weights over their sum: many ties, exact zeros, rows sum to 1."""
    cells = st.lists(st.integers(0, 3), min_size=n * k, max_size=n * k)
    counts = np.array(draw(cells), dtype=float).reshape(n, k)
    counts[counts.sum(axis=1) == 0, 0] = 1.0
    return counts / counts.sum(axis=1, keepdims=True)


# -- label metrics --------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=labelled(BINARY_LABELS), which=st.integers(0, 1))
def test_binary_label_metrics_match_sklearn(data: tuple[Any, ...], which: int) -> None:
    labels, y_true, y_pred = data
    pos = labels[which]
    truth, guess = y_true.tolist(), y_pred.tolist()  # sklearn calls object arrays "unknown"
    assert cls.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(truth, guess), **APPROX)
    for name, oracle in SK_LABEL_METRICS.items():
        ours = getattr(cls, name)(y_true, y_pred, average="binary", pos_label=pos)
        expected = oracle(truth, guess, average="binary", pos_label=pos, zero_division=0.0)
        assert ours == pytest.approx(expected, **APPROX), name
        assert 0.0 <= ours <= 1.0


@settings(deadline=None)
@given(data=labelled(MULTI_LABELS), average=st.sampled_from(["macro", "micro", "weighted"]))
def test_multiclass_label_metrics_match_sklearn(data: tuple[Any, ...], average: str) -> None:
    _, y_true, y_pred = data
    truth, guess = y_true.tolist(), y_pred.tolist()
    assert cls.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(truth, guess), **APPROX)
    for name, oracle in SK_LABEL_METRICS.items():
        ours = getattr(cls, name)(y_true, y_pred, average=average)
        expected = oracle(truth, guess, average=average, zero_division=0.0)
        assert ours == pytest.approx(expected, **APPROX), (name, average)


def test_pos_label_absent_from_a_single_label_scores_zero_like_sklearn() -> None:
    y = np.array([0, 0, 0])
    assert cls.precision(y, y, pos_label=1) == 0.0
    assert sk.precision_score(y, y, pos_label=1, zero_division=0.0) == 0.0


def test_micro_average_equals_accuracy() -> None:
    y_true, y_pred = np.array([0, 1, 2, 2, 1, 0, 2]), np.array([0, 2, 2, 1, 1, 0, 0])
    assert cls.f1(y_true, y_pred, average="micro") == pytest.approx(4 / 7)
    assert cls.precision(y_true, y_pred, average="micro") == cls.accuracy(y_true, y_pred)


# -- roc_auc --------------------------------------------------------------------------------------
@settings(deadline=None)
@given(data=labelled(BINARY_LABELS), which=st.integers(0, 1), st_data=st.data())
def test_binary_roc_auc_matches_sklearn_with_ties(
    data: tuple[Any, ...], which: int, st_data: st.DataObject
) -> None:
    labels, y_true, _ = data
    pos = labels[which]
    assume(0 < int(np.sum(y_true == pos)) < len(y_true))
    steps = st.lists(st.integers(0, 4), min_size=len(y_true), max_size=len(y_true))
    scores = np.array(st_data.draw(steps)) / 4.0  # five distinct scores: ties everywhere
    fpr, tpr, _ = sk.roc_curve(y_true.tolist(), scores, pos_label=pos)
    ours = cls.roc_auc(y_true, scores, pos_label=pos)
    assert ours == pytest.approx(sk.auc(fpr, tpr), **APPROX)
    # Reversing the ranking mirrors the area, ties included.
    assert cls.roc_auc(y_true, -scores, pos_label=pos) == pytest.approx(1.0 - ours, **APPROX)


@settings(deadline=None)
@given(labels=st.sampled_from(MULTI_LABELS), n=st.integers(5, 40), st_data=st.data())
def test_multiclass_roc_auc_matches_sklearn_ovr_macro(
    labels: tuple[Any, ...], n: int, st_data: st.DataObject
) -> None:
    k = len(labels)
    codes = st_data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    assume(len(set(codes)) == k)
    y_true = np.array([labels[c] for c in codes])
    proba = proba_matrix(st_data.draw, n, k)
    expected = sk.roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels)
    assert cls.roc_auc(y_true, proba, classes=labels) == pytest.approx(expected, **APPROX)


def test_two_column_proba_scores_the_pos_label_column() -> None:
    y_true = np.array(["no", "yes", "yes", "no", "yes"])
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.5, 0.5], [0.3, 0.7]])
    fpr, tpr, _ = sk.roc_curve(y_true, proba[:, 0], pos_label="no")
    ours = cls.roc_auc(y_true, proba, pos_label="no", classes=["no", "yes"])
    assert ours == pytest.approx(sk.auc(fpr, tpr), **APPROX)


@pytest.mark.parametrize(
    ("y_true", "scores", "message"),
    [
        ([1, 1, 1], [0.1, 0.5, 0.9], "single class"),
        ([0, 0], [0.1, 0.5], "single class"),
        ([0, 1, 1], [0.1, np.nan, 0.9], "NaN"),
        ([0, 1, 1], [0.1, np.inf, 0.9], "NaN or infinite"),
        ([0, 1], [0.1, 0.5, 0.9], "rows"),
        ([0, 1, 2], [0.1, 0.5, 0.9], "at most 2 labels"),
        ([], [], "empty"),
    ],
)
def test_undefined_roc_auc_raises(y_true: list[Any], scores: list[float], message: str) -> None:
    with pytest.raises(MetricUndefined, match=message):
        cls.roc_auc(np.array(y_true), np.array(scores), pos_label=1)


def test_multiclass_roc_auc_needs_every_class_and_probabilities() -> None:
    proba = np.array([[0.2, 0.3, 0.5], [0.6, 0.2, 0.2], [0.1, 0.8, 0.1]])
    with pytest.raises(MetricUndefined, match="class 2"):
        cls.roc_auc(np.array([0, 1, 1]), proba, classes=[0, 1, 2])
    with pytest.raises(MetricUndefined, match="sum to 1"):
        cls.roc_auc(np.array([0, 1, 2]), proba * 2 / 3, classes=[0, 1, 2])
    with pytest.raises(MetricUndefined, match="not among the classes"):
        cls.roc_auc(np.array([0, 1, 9]), proba, classes=[0, 1, 2])


# -- log_loss -------------------------------------------------------------------------------------
@settings(deadline=None)
@given(
    labels=st.sampled_from(BINARY_LABELS + MULTI_LABELS), n=st.integers(1, 40), st_data=st.data()
)
def test_log_loss_matches_sklearn_with_clipping(
    labels: tuple[Any, ...], n: int, st_data: st.DataObject
) -> None:
    k = len(labels)
    codes = st_data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    y_true = np.array([labels[c] for c in codes])
    proba = proba_matrix(st_data.draw, n, k)  # exact 0 and 1 exercise the clipping
    expected = sk.log_loss(y_true, proba, labels=list(labels))
    ours = cls.log_loss(y_true, proba, labels)
    assert ours == pytest.approx(expected, **APPROX)
    assert ours >= 0.0


def test_log_loss_of_a_certain_wrong_answer_is_minus_log_eps() -> None:
    eps = np.finfo(np.float64).eps
    assert cls.log_loss([1], [[1.0, 0.0]], [0, 1]) == pytest.approx(-np.log(eps))


# -- refused inputs -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("y_true", "y_pred", "message"),
    [
        (np.array([0, 1]), np.array(["0", "1"]), "cannot be compared"),
        (np.array([0.0, 1.0]), np.array([np.nan, 1.0]), "NaN or infinite"),
        (np.array([0, 1], dtype=object), np.array([0, "1"], dtype=object), "mixes label types"),
        (np.array([], dtype=int), np.array([], dtype=int), "empty"),
        (np.array([0, 1, 1]), np.array([0, 1]), "rows"),
    ],
)
def test_label_metrics_refuse_undecidable_inputs(
    y_true: np.ndarray, y_pred: np.ndarray, message: str
) -> None:
    with pytest.raises(MetricUndefined, match=message):
        cls.f1(y_true, y_pred, average="macro")


def test_binary_average_refuses_three_labels_and_a_foreign_pos_label() -> None:
    with pytest.raises(MetricUndefined, match="at most 2 labels"):
        cls.f1(np.array([0, 1, 2]), np.array([0, 1, 2]))
    with pytest.raises(MetricUndefined, match="pos_label='yes'"):
        cls.recall(np.array([0, 1]), np.array([1, 0]), pos_label="yes")
