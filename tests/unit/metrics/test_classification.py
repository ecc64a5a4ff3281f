"""Classification metrics against scikit-learn on random inputs, plus their own properties.

scikit-learn is the oracle (DESIGN.md: "scikit-learn's definitions"): label metrics with
`zero_division=0.0` (the value its default returns, without the warning), binary ROC AUC through
`roc_curve(pos_label=...)` + `auc` (the trapezoid, not our rank formula), multiclass through
`roc_auc_score(multi_class="ovr")`, and `log_loss(labels=...)`.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlops_gate.metrics import bootstrap
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


# -- compact inputs (issue #8): float32 scores, small integer codes, slices -----------------------
LABEL_KINDS = [(0, 1), (-3, 4), (False, True), ("no", "yes"), (0.0, 1.0)]


@st.composite
def compact_binary(draw: st.DrawFn) -> tuple[Any, np.ndarray, np.ndarray]:
    """(pos_label, y_true, float32 scores with many ties), int labels as int8 now and then."""
    labels = draw(st.sampled_from(LABEL_KINDS))
    n = draw(st.integers(2, 80))
    picks = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    assume(0 < sum(picks) < n)
    y_true = np.array([labels[i] for i in picks])
    if y_true.dtype.kind == "i" and draw(st.booleans()):
        y_true = y_true.astype(np.int8)
    steps = draw(st.lists(st.integers(0, 6), min_size=n, max_size=n))
    scores = (np.array(steps) / np.float32(7)).astype(np.float32)
    return labels[1], y_true, scores


@settings(deadline=None, max_examples=150)
@given(data=compact_binary(), chunk=st.sampled_from([1, 2, 3, 7, 1 << 20]))
def test_float32_roc_auc_matches_sklearn_whatever_the_slices(
    data: tuple[Any, np.ndarray, np.ndarray], chunk: int
) -> None:
    pos, y_true, scores = data
    expected = sk.roc_auc_score(y_true == pos, scores)
    proba = np.stack([1 - scores, scores], axis=1).astype(np.float32)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bootstrap, "CHUNK", chunk)
        patch.setattr(cls, "CHUNK", chunk)
        assert cls.roc_auc(y_true, scores, pos_label=pos) == pytest.approx(expected, **APPROX)
        two_columns = cls.roc_auc(y_true, proba, pos_label=pos, classes=sorted({*y_true.tolist()}))
        assert two_columns == pytest.approx(expected, **APPROX)
        # The bootstrap's walk in score order (tie groups straddling slices) at unit weights.
        statistic = cls.roc_auc_statistic(y_true, scores, pos_label=pos)
        walked = statistic(np.ones((2, len(y_true))))
        assert walked.tolist() == pytest.approx([expected] * 2, **APPROX)


@settings(deadline=None, max_examples=100)
@given(
    data=labelled([*BINARY_LABELS, (False, True), (0.0, 1.0)]),
    which=st.integers(0, 1),
    chunk=st.sampled_from([1, 5, 1 << 20]),
)
def test_label_metrics_on_codes_match_sklearn_whatever_the_slices(
    data: tuple[Any, ...], which: int, chunk: int
) -> None:
    labels, y_true, y_pred = data
    if y_true.dtype.kind == "i":
        y_true, y_pred = y_true.astype(np.int8), y_pred.astype(np.int64)  # mixed widths
    pos = labels[which]
    truth, guess = y_true.tolist(), y_pred.tolist()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(bootstrap, "CHUNK", chunk)
        patch.setattr(cls, "CHUNK", chunk)
        accuracy = cls.accuracy(y_true, y_pred)
        assert accuracy == pytest.approx(sk.accuracy_score(truth, guess), **APPROX)
        for name, oracle in SK_LABEL_METRICS.items():
            ours = getattr(cls, name)(y_true, y_pred, average="binary", pos_label=pos)
            expected = oracle(truth, guess, average="binary", pos_label=pos, zero_division=0.0)
            assert ours == pytest.approx(expected, **APPROX), name
        statistic = cls.label_statistic("f1", y_true, y_pred, pos_label=pos)
        assert statistic(np.ones((1, len(truth))))[0] == pytest.approx(statistic.point(), **APPROX)


@settings(deadline=None, max_examples=60)
@given(labels=st.sampled_from(MULTI_LABELS), n=st.integers(5, 40), st_data=st.data())
def test_float32_multiclass_roc_auc_and_macro_f1_match_sklearn(
    labels: tuple[Any, ...], n: int, st_data: st.DataObject
) -> None:
    k = len(labels)
    codes = st_data.draw(st.lists(st.integers(0, k - 1), min_size=n, max_size=n))
    assume(len(set(codes)) == k)
    y_true = np.array([labels[c] for c in codes])
    proba = proba_matrix(st_data.draw, n, k).astype(np.float32)
    expected = sk.roc_auc_score(y_true, proba, multi_class="ovr", average="macro", labels=labels)
    assert cls.roc_auc(y_true, proba, classes=labels) == pytest.approx(expected, **APPROX)
    y_pred = np.array(labels)[proba.argmax(axis=1)]
    expected_f1 = sk.f1_score(y_true, y_pred, average="macro", zero_division=0.0)
    assert cls.f1(y_true, y_pred, average="macro") == pytest.approx(expected_f1, **APPROX)


def test_float32_probabilities_just_over_one_are_ranked_as_given() -> None:
    # ORT's float32 sigmoid returns 1.0000001 for some rows of a 50M-row set (issue #8).
    over = np.float32(1.0000001)
    assert over > 1
    scores = np.array([0.2, 0.7, over, 1.0, 0.9, 0.1], dtype=np.float32)
    proba = np.stack([np.maximum(1 - scores, 0), scores], axis=1)
    y_true = np.array([0, 1, 1, 0, 1, 0], dtype=np.int8)
    expected = sk.roc_auc_score(y_true, scores)
    assert cls.roc_auc(y_true, proba, classes=[0, 1]) == pytest.approx(expected, **APPROX)
    assert cls.roc_auc(y_true, proba.astype(np.float64), classes=[0, 1]) == pytest.approx(expected)
    assert np.isfinite(cls.log_loss(y_true, proba, [0, 1]))
    with pytest.raises(MetricUndefined, match=r"lie in \[0, 1\]"):
        cls.roc_auc(y_true, np.stack([1 - scores, scores * 1.01], axis=1), classes=[0, 1])
    with pytest.raises(MetricUndefined, match=r"lie in \[0, 1\]"):
        cls.roc_auc(np.array([0, 1]), np.array([[-1e-4, 1.0], [0.5, 0.5]]), classes=[0, 1])


@pytest.mark.parametrize(
    "y_true",
    [np.zeros(5, dtype=np.int8), np.ones(5, dtype=bool), np.array(["yes"] * 5)],
    ids=["int8", "bool", "str"],
)
def test_compact_single_class_roc_auc_is_undefined(y_true: np.ndarray) -> None:
    pos = y_true[0].item()
    scores = np.linspace(0, 1, 5, dtype=np.float32)
    with pytest.raises(MetricUndefined, match="single class"):
        cls.roc_auc(y_true, scores, pos_label=pos)
    with pytest.raises(MetricUndefined, match="never or always true"):
        cls.roc_auc(y_true, np.full((5, 3), 1 / 3, dtype=np.float32), classes=[pos, "x", "z"])


@settings(deadline=None, max_examples=100)
@given(
    values=st.one_of(
        st.lists(st.integers(-128, 127), min_size=1, max_size=50).map(
            lambda v: np.array(v, dtype=np.int8)
        ),
        st.lists(st.integers(-(2**40), 2**40), min_size=1, max_size=50).map(np.array),
        st.lists(st.booleans(), min_size=1, max_size=50).map(np.array),
        st.lists(st.sampled_from(["a", "bb", "c"]), min_size=1, max_size=50).map(np.array),
        st.lists(st.floats(-2, 2, allow_nan=False), min_size=1, max_size=50).map(np.array),
    ),
    chunk=st.sampled_from([1, 3, 1 << 20]),
)
def test_codes_are_numpy_unique_inverse(values: np.ndarray, chunk: int) -> None:
    expected, inverse = np.unique(values, return_inverse=True)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cls, "CHUNK", chunk)
        found = cls.distinct(values)
        codes = cls.codes_of(values, found)
    np.testing.assert_array_equal(found, expected)
    assert found.dtype == expected.dtype
    np.testing.assert_array_equal(codes, inverse.reshape(-1))


@pytest.mark.parametrize("n_labels", [3, 64, 65, 300])
def test_many_labels_match_sklearn_on_both_counting_paths(n_labels: int) -> None:
    # Up to 64 labels a confusion matrix is counted; beyond, three label-code arrays.
    rng = np.random.default_rng(n_labels)
    y_true = rng.integers(0, n_labels, 400)
    y_pred = np.where(rng.random(400) < 0.5, y_true, rng.integers(0, n_labels, 400))
    assert cls.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))
    for average in ("macro", "micro", "weighted"):
        for name, oracle in SK_LABEL_METRICS.items():
            ours = getattr(cls, name)(y_true, y_pred, average=average)
            expected = oracle(y_true, y_pred, average=average, zero_division=0.0)
            assert ours == pytest.approx(expected, **APPROX), (name, average)
            statistic = cls.label_statistic(name, y_true, y_pred, average=average)
            weighted = statistic(np.ones((3, 400)))
            assert weighted.tolist() == pytest.approx([expected] * 3, **APPROX)


# -- balanced_accuracy and matthews (issue 16): scikit-learn's numbers, with bootstrap weights -----
WHOLE_METRICS = {
    "balanced_accuracy": (cls.balanced_accuracy, sk.balanced_accuracy_score),
    "matthews": (cls.matthews, sk.matthews_corrcoef),
}


@settings(deadline=None)
@given(
    data=labelled(BINARY_LABELS + MULTI_LABELS),
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(sorted(WHOLE_METRICS)),
)
def test_balanced_accuracy_and_matthews_match_sklearn_with_bootstrap_weights(
    data: tuple[Any, ...], seed: int, name: str
) -> None:
    """Point values, and each resample's value equal to sklearn's with `sample_weight` = the
    resample's draw counts (a weighted resample is a resample)."""
    _, y_true, y_pred = data
    truth, guess = y_true.tolist(), y_pred.tolist()
    function, oracle = WHOLE_METRICS[name]
    assume(len(set(truth)) > 1 or name == "balanced_accuracy")  # matthews refuses one class
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "y_pred contains classes not in y_true"
        assert function(y_true, y_pred) == pytest.approx(oracle(truth, guess), **APPROX)
        statistic = cls.label_statistic(name, y_true, y_pred)
        (weights,) = bootstrap._weights(len(truth), 3, seed, bootstrap.MAX_CELLS)
        for row, value in zip(weights, statistic(weights), strict=True):
            expected = oracle(truth, guess, sample_weight=row)
            assert value == pytest.approx(expected, **APPROX), (name, row)


def test_matthews_of_a_single_true_class_is_refused_but_keeps_sklearns_number() -> None:
    y_true, y_pred = np.zeros(40, dtype=int), np.r_[np.zeros(20), np.ones(20)].astype(int)
    statistic = cls.label_statistic("matthews", y_true, y_pred)
    assert statistic.point() == sk.matthews_corrcoef(y_true, y_pred) == 0.0
    assert statistic.ill_defined is not None
    assert "single class" in statistic.ill_defined


def test_matthews_of_a_constant_prediction_is_zero_like_sklearn() -> None:
    y_true, y_pred = np.r_[np.zeros(20), np.ones(20)].astype(int), np.ones(40, dtype=int)
    assert cls.matthews(y_true, y_pred) == sk.matthews_corrcoef(y_true, y_pred) == 0.0
    assert cls.balanced_accuracy(y_true, y_pred) == sk.balanced_accuracy_score(y_true, y_pred)
