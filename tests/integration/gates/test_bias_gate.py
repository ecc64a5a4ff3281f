"""The `bias` gate on real Parquet data and real ONNX models, checked against fairlearn.

The expected numbers come from fairlearn 0.15 on labels predicted by an ONNX Runtime session
opened in the test, so neither the predictions nor the gap go through the gate's own code.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
from fairlearn import metrics as fl

from mlops_gate.results import Verdict
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    evaluate_one_gate,
    write_table,
)

pytestmark = pytest.mark.integration


evaluate = evaluate_one_gate


def project(tmp_path: Path, gate: dict[str, Any], current: pd.DataFrame | None = None) -> Path:
    """basic_project with one bias gate, and `current` as the eval set when given."""
    policy = basic_project(tmp_path, [{"type": "bias", "sensitive": "group", **gate}])
    if current is not None:
        write_table(current, tmp_path / "eval.parquet")
    return policy


def predicted_labels(tmp_path: Path, frame: pd.DataFrame) -> np.ndarray:
    session = ort.InferenceSession(str(tmp_path / "model.onnx"), providers=["CPUExecutionProvider"])
    (labels,) = session.run(["label"], {"X": frame[FEATURES].to_numpy(dtype=np.float32)})
    return np.asarray(labels).reshape(-1)


def fairlearn(name: str, y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # none expected from fairlearn on 0/1 labels
        return float(getattr(fl, name)(y_true, y_pred, sensitive_features=groups))


def eval_arrays(tmp_path: Path) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    frame = pd.read_parquet(tmp_path / "eval.parquet")
    return frame, frame["label"].to_numpy(), predicted_labels(tmp_path, frame)


def test_demographic_parity_passes_with_fairlearns_number(tmp_path: Path) -> None:
    result = evaluate(project(tmp_path, {"max": 0.1}))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    groups = frame["group"].to_numpy()
    expected = fairlearn("demographic_parity_difference", y_true, y_pred, groups)
    assert result.verdict == Verdict.PASS, result.message
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.threshold == 0.1
    assert result.details["comparator"] == "≤"
    for group in ("a", "b"):
        rows = groups == group
        detail = result.details["groups"][group]
        assert detail["rows"] == int(rows.sum())
        assert detail["selection_rate"] == pytest.approx(
            float((y_pred[rows] == 1).mean()), abs=1e-6
        )
        assert detail["tpr"] is None  # demographic parity does not read the labels
        assert detail["excluded"] is False


def test_groups_tied_to_a_feature_fail(tmp_path: Path) -> None:
    current = binary_frame(2000, seed=2)
    current["group"] = np.where(current["f0"] > 0, "a", "b")
    result = evaluate(project(tmp_path, {"max": 0.1, "warn": 0.05}, current))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    expected = fairlearn("demographic_parity_difference", y_true, y_pred, frame["group"].to_numpy())
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert expected > 0.3
    assert result.message.startswith(f"demographic_parity_difference {expected:.3g} (> 0.1)")
    assert "for a vs" in result.message
    assert result.message.endswith("for b")


def test_equalized_odds_uses_true_and_false_positive_rates(tmp_path: Path) -> None:
    result = evaluate(project(tmp_path, {"max": 0.01, "metric": "equalized_odds_difference"}))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    groups = frame["group"].to_numpy()
    expected = fairlearn("equalized_odds_difference", y_true, y_pred, groups)
    assert expected > 0.01  # the data is what this test says it is
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(expected, abs=1e-12)
    by_group = fl.MetricFrame(
        metrics={"tpr": fl.true_positive_rate, "fpr": fl.false_positive_rate},
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    ).by_group
    for group in ("a", "b"):
        details = result.details["groups"][group]
        assert details["tpr"] == pytest.approx(by_group.loc[group, "tpr"], abs=1e-6)
        assert details["fpr"] == pytest.approx(by_group.loc[group, "fpr"], abs=1e-6)
    gaps = by_group.max() - by_group.min()
    assert result.details["rate"] == gaps.idxmax()  # the larger of the two gaps is the value
    assert result.message.startswith(
        f"equalized_odds_difference {expected:.3g} (> 0.01): {gaps.idxmax()}"
    )


def test_pos_label_override_gates_the_other_class(tmp_path: Path) -> None:
    gate = {"max": 0.5, "metric": "equal_opportunity_difference", "pos_label": 0}
    result = evaluate(project(tmp_path, gate))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    expected = fairlearn(
        "equal_opportunity_difference",
        (y_true == 0).astype(int),
        (y_pred == 0).astype(int),
        frame["group"].to_numpy(),
    )
    assert result.value == pytest.approx(expected, abs=1e-12)


def test_small_groups_are_reported_by_name_and_left_out_of_the_gap(tmp_path: Path) -> None:
    current = binary_frame(2000, seed=2)
    current.loc[:14, "group"] = "c"  # 15 rows
    current.loc[15:19, "group"] = None  # 5 rows with no value
    result = evaluate(project(tmp_path, {"max": 0.2, "min_group_size": 20}, current))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    gated = frame["group"].isin(["a", "b"]).to_numpy()
    expected = fairlearn(
        "demographic_parity_difference",
        y_true[gated],
        y_pred[gated],
        frame["group"].to_numpy()[gated],
    )
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.details["groups"]["c"] == {
        "rows": 15,
        "selection_rate": pytest.approx(float((y_pred[:15] == 1).mean()), abs=1e-6),
        "tpr": None,
        "fpr": None,
        "excluded": True,
    }
    assert result.details["groups"]["(missing)"]["rows"] == 5
    assert result.details["excluded"] == ["(missing)", "c"]
    assert "not gated, fewer than 20 rows: (missing) (5 rows), c (15 rows)" in result.message


def test_fewer_than_two_gated_groups_is_an_error(tmp_path: Path) -> None:
    result = evaluate(project(tmp_path, {"max": 0.2, "min_group_size": 5000}))
    assert result.verdict == Verdict.ERROR
    assert "fewer than 2 groups of 'group' have at least 5000 rows" in result.message


def test_listed_group_without_rows_is_an_error(tmp_path: Path) -> None:
    result = evaluate(project(tmp_path, {"max": 0.2, "groups": ["a", "b", "z"]}))
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith("sensitive group 'z' has no rows")


def test_unused_category_listed_as_a_group_is_an_error(tmp_path: Path) -> None:
    current = binary_frame(2000, seed=2)
    current["group"] = pd.Categorical(current["group"], categories=["a", "b", "z"])
    result = evaluate(project(tmp_path, {"max": 0.2, "groups": ["z"]}, current))
    assert pd.read_parquet(tmp_path / "eval.parquet")["group"].cat.categories.tolist() == [
        "a",
        "b",
        "z",
    ]
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith("sensitive group 'z' has no rows")


def test_missing_sensitive_column_is_an_error_naming_it(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "bias", "sensitive": "gender", "max": 0.1}])
    result = evaluate(policy)
    assert result.verdict == Verdict.ERROR
    assert result.message == f"sensitive column 'gender' not found in {tmp_path / 'eval.parquet'}"


def test_a_group_without_positive_labels_makes_opportunity_undefined(tmp_path: Path) -> None:
    current = binary_frame(2000, seed=2)
    positive = current["label"].to_numpy() == 1
    current["group"] = np.where(positive, np.where(current["f2"] > 0, "a", "b"), "c")
    result = evaluate(
        project(tmp_path, {"max": 0.2, "metric": "equal_opportunity_difference"}, current)
    )
    assert result.verdict == Verdict.ERROR
    assert "tpr is undefined for group 'c' (no positive labels)" in result.message


def test_boolean_groups_are_named_and_listed_as_in_yaml(tmp_path: Path) -> None:
    current = binary_frame(2000, seed=2)
    current["group"] = current["id"] % 3 == 0
    result = evaluate(project(tmp_path, {"max": 0.2, "groups": [True, False]}, current))
    frame, y_true, y_pred = eval_arrays(tmp_path)
    expected = fairlearn("demographic_parity_difference", y_true, y_pred, frame["group"].to_numpy())
    assert set(result.details["groups"]) == {"True", "False"}
    assert result.details["groups"]["True"]["rows"] == 667
    assert result.value == pytest.approx(expected, abs=1e-12)
