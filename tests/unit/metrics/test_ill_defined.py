"""`Statistic.ill_defined`: where scikit-learn warns that a label metric is ill-defined.

scikit-learn is the oracle: with `zero_division="warn"` (its default) it raises an
`UndefinedMetricWarning` and reports 0.0 where a precision, recall or f1 has a 0/0. The value
stays scikit-learn's (`test_classification.py`); `ill_defined` says why it measures nothing, and
the metric gate turns it into `error` (issue 13). Binary scores are also refused when y_true holds
no row of the positive class: precision and f1 are then 0 whatever the model does.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk
from sklearn.exceptions import UndefinedMetricWarning

from mlops_gate.metrics import classification as cls

SK = {"precision": sk.precision_score, "recall": sk.recall_score, "f1": sk.f1_score}


def sklearn_warns(metric: str, y_true: list[Any], y_pred: list[Any], **options: Any) -> bool:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SK[metric](y_true, y_pred, **options)
    return any(issubclass(w.category, UndefinedMetricWarning) for w in caught)


def labels(values: tuple[Any, ...], n_max: int = 12) -> st.SearchStrategy[list[Any]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=n_max)


@settings(deadline=None, max_examples=300)
@given(
    y_true=labels((0, 1, 2, 3)),
    y_pred=labels((0, 1, 2, 3)),
    metric=st.sampled_from(sorted(SK)),
    average=st.sampled_from(["macro", "weighted", "micro"]),
)
def test_multiclass_ill_defined_exactly_where_sklearn_warns(
    y_true: list[int], y_pred: list[int], metric: str, average: str
) -> None:
    n = min(len(y_true), len(y_pred))
    y_true, y_pred = y_true[:n], y_pred[:n]
    statistic = cls.label_statistic(
        metric,  # type: ignore[arg-type]
        np.array(y_true),
        np.array(y_pred),
        average=average,  # type: ignore[arg-type]
    )
    assert (statistic.ill_defined is not None) == sklearn_warns(
        metric, y_true, y_pred, average=average
    ), statistic.ill_defined


@settings(deadline=None, max_examples=300)
@given(
    y_true=labels((0, 1)),
    y_pred=labels((0, 1)),
    metric=st.sampled_from(sorted(SK)),
    pos_label=st.sampled_from([0, 1]),
)
def test_binary_ill_defined_where_sklearn_warns_or_the_positive_class_is_absent(
    y_true: list[int], y_pred: list[int], metric: str, pos_label: int
) -> None:
    n = min(len(y_true), len(y_pred))
    y_true, y_pred = y_true[:n], y_pred[:n]
    statistic = cls.label_statistic(
        metric,  # type: ignore[arg-type]
        np.array(y_true),
        np.array(y_pred),
        average="binary",
        pos_label=pos_label,
    )
    warns = sklearn_warns(metric, y_true, y_pred, average="binary", pos_label=pos_label)
    expected = warns or pos_label not in y_true
    assert (statistic.ill_defined is not None) == expected, statistic.ill_defined
    # The number itself is still scikit-learn's.
    assert statistic.point() == SK[metric](
        y_true, y_pred, average="binary", pos_label=pos_label, zero_division=0.0
    )


def test_accuracy_is_never_ill_defined() -> None:
    statistic = cls.label_statistic("accuracy", np.array([0, 0]), np.array([1, 1]))
    assert statistic.ill_defined is None


def test_messages_say_why() -> None:
    no_positive = cls.label_statistic(
        "f1", np.array([0, 0, 0]), np.array([0, 1, 0]), average="binary", pos_label=1
    )
    assert (
        no_positive.ill_defined
        == "y_true has no row of the positive class 1: f1 needs both classes"
    )
    never_predicted = cls.label_statistic(
        "precision", np.array([0, 1, 1]), np.array([0, 0, 0]), average="binary", pos_label=1
    )
    assert never_predicted.ill_defined == (
        "precision is ill-defined: the model predicts no row as 1 (0/0)"
    )
    macro = cls.label_statistic(
        "recall", np.array(["a", "b", "a"]), np.array(["a", "b", "c"]), average="macro"
    )
    assert macro.ill_defined == "recall is ill-defined for labels y_true has no row of: ['c']"
