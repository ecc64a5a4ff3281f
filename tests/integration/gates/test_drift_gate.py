"""The `drift` gate on real Parquet data and real ONNX models, checked against PSI computed here.

The expected numbers come straight from DESIGN.md's text with numpy's searchsorted and bincount (or
a Counter for categories), and the expected scores from an ONNX Runtime session opened in the test:
neither goes through the gate, the evaluation context or mlops_gate.metrics.
"""

from __future__ import annotations

import math
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest

from mlops_gate.results import Verdict
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    evaluate_one_gate,
    regression_frame,
    train_onnx,
    write_table,
)

pytestmark = pytest.mark.integration


evaluate = evaluate_one_gate


def expected_psi(ref: np.ndarray, cur: np.ndarray, bins: int = 10, eps: float = 1e-6) -> float:
    """DESIGN.md's numeric PSI for data without NaN."""
    edges = np.unique(np.quantile(ref, [i / bins for i in range(1, bins)]))

    def shares(x: np.ndarray) -> np.ndarray:
        index = np.searchsorted(edges, x, side="right")
        return np.maximum(np.bincount(index, minlength=edges.size + 1) / x.size, eps)

    r, c = shares(ref), shares(cur)
    return float(np.sum((c - r) * np.log(c / r)))


def expected_categorical_psi(ref: list[Any], cur: list[Any], eps: float = 1e-6) -> float:
    ref_counts, cur_counts = Counter(ref), Counter(cur)
    total = 0.0
    for category in set(ref) | set(cur):
        r = max(ref_counts[category] / len(ref), eps)
        c = max(cur_counts[category] / len(cur), eps)
        total += (c - r) * math.log(c / r)
    return total


def onnx_output(model: Path, frame: pd.DataFrame, output: str) -> np.ndarray:
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    (values,) = session.run([output], {"X": frame[FEATURES].to_numpy(dtype=np.float32)})
    return np.asarray(values, dtype=np.float64)


def frames(directory: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    return pd.read_parquet(directory / "reference.parquet"), pd.read_parquet(
        directory / "eval.parquet"
    )


def test_same_distribution_passes_with_the_psi_of_every_feature(tmp_path: Path) -> None:
    result = evaluate(basic_project(tmp_path, [{"type": "drift", "max": 0.2, "warn": 0.1}]))
    reference, current = frames(tmp_path)
    expected = {c: expected_psi(reference[c].to_numpy(), current[c].to_numpy()) for c in FEATURES}
    assert result.verdict == Verdict.PASS, result.message
    assert result.details["columns"] == {c: pytest.approx(v, abs=1e-6) for c, v in expected.items()}
    assert result.value == pytest.approx(max(expected.values()), rel=1e-9)
    assert result.threshold == 0.2
    assert result.details["comparator"] == "≤"
    deciles = np.quantile(reference["f0"], np.arange(1, 10) / 10)
    assert result.details["bins"]["f0"]["edges"] == pytest.approx(deciles.tolist(), rel=1e-15)
    assert result.details["bins"]["f0"]["reference"] == pytest.approx([0.1] * 10)
    assert result.message.startswith("largest PSI")
    assert "0 of 4 columns above warn 0.1" in result.message


def test_shifted_eval_fails_and_names_the_worst_columns(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2}])
    write_table(binary_frame(2000, seed=2, shift=1.0), tmp_path / "eval.parquet")
    result = evaluate(policy)
    reference, current = frames(tmp_path)
    expected = {c: expected_psi(reference[c].to_numpy(), current[c].to_numpy()) for c in FEATURES}
    worst = max(expected, key=lambda c: expected[c])
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(expected[worst], rel=1e-9)
    assert result.value > 0.5
    assert result.message.startswith(f"PSI {expected[worst]:.3g} on {worst}")
    assert "(> 0.2)" in result.message
    assert "4 of 4 columns above max 0.2" in result.message


def test_a_small_shift_warns(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2, "warn": 0.1}])
    write_table(binary_frame(2000, seed=2, shift=0.3), tmp_path / "eval.parquet")
    result = evaluate(policy)
    reference, current = frames(tmp_path)
    expected = {c: expected_psi(reference[c].to_numpy(), current[c].to_numpy()) for c in FEATURES}
    assert 0.1 < max(expected.values()) <= 0.2  # the data is what this test says it is
    assert result.verdict == Verdict.WARN
    assert result.value == pytest.approx(max(expected.values()), rel=1e-9)
    above = sum(v > 0.1 for v in expected.values())
    assert f"{above} of 4 columns above warn 0.1" in result.message


def test_categorical_column_drift(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2, "columns": ["group"]}])
    current = binary_frame(2000, seed=2)
    rng = np.random.default_rng(5)
    current["group"] = rng.choice(["a", "b", "c"], p=[0.2, 0.7, 0.1], size=len(current))
    current.loc[:9, "group"] = None  # missing values are a category of their own
    write_table(current, tmp_path / "eval.parquet")
    result = evaluate(policy)
    reference, current = frames(tmp_path)
    expected = expected_categorical_psi(reference["group"].tolist(), current["group"].tolist())
    bins = result.details["bins"]["group"]
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(expected, rel=1e-9)
    assert bins["categories"] == ["a", "b", "c", None]
    assert bins["current"][3] == 10 / 2000
    assert bins["reference"][2:] == [0.0, 0.0]
    assert "on group" in result.message


def test_prediction_drift_compares_the_positive_class_probability(tmp_path: Path) -> None:
    policy = basic_project(
        tmp_path, [{"type": "drift", "max": 0.5, "columns": ["f0"], "predictions": True}]
    )
    write_table(binary_frame(2000, seed=2, shift=1.0), tmp_path / "eval.parquet")
    result = evaluate(policy)
    reference, current = frames(tmp_path)
    model = tmp_path / "model.onnx"
    expected = expected_psi(
        onnx_output(model, reference, "probabilities")[:, 1],
        onnx_output(model, current, "probabilities")[:, 1],
    )
    assert set(result.details["columns"]) == {"f0", "prediction"}
    assert result.details["columns"]["prediction"] == pytest.approx(expected, abs=1e-6)
    assert expected > 0.05  # the shift moves the scores too


def test_multiclass_prediction_drift_has_one_column_per_class(tmp_path: Path) -> None:
    policy = basic_project(
        tmp_path, [{"type": "drift", "max": 5, "columns": ["f0"], "predictions": True}]
    )
    reference, current = binary_frame(1500, seed=1), binary_frame(1500, seed=2, shift=0.5)
    for frame in (reference, current):
        frame["label"] = np.digitize(frame["f0"] - frame["f1"], [-0.7, 0.7])
    train_onnx(reference, tmp_path / "model.onnx")
    write_table(reference, tmp_path / "reference.parquet")
    write_table(current, tmp_path / "eval.parquet")
    result = evaluate(policy)
    model = tmp_path / "model.onnx"
    ref_proba = onnx_output(model, reference, "probabilities")
    cur_proba = onnx_output(model, current, "probabilities")
    expected = {
        f"prediction[{k}]": expected_psi(ref_proba[:, k], cur_proba[:, k]) for k in range(3)
    }
    scores = {k: v for k, v in result.details["columns"].items() if k != "f0"}
    assert scores == {k: pytest.approx(v, abs=1e-6) for k, v in expected.items()}


def test_regression_prediction_drift_compares_predicted_values(tmp_path: Path) -> None:
    policy = basic_project(
        tmp_path,
        [{"type": "drift", "max": 5, "columns": ["f0"], "predictions": True}],
        model={"path": "model.onnx", "task": "regression"},
        data={"eval": "eval.parquet", "reference": "reference.parquet", "target": "target"},
    )
    reference, current = regression_frame(1000, seed=1), regression_frame(1000, seed=2)
    current["f0"] += 0.5
    train_onnx(reference, tmp_path / "model.onnx", target="target", task="regression")
    write_table(reference, tmp_path / "reference.parquet")
    write_table(current, tmp_path / "eval.parquet")
    result = evaluate(policy)
    model = tmp_path / "model.onnx"
    expected = expected_psi(
        onnx_output(model, reference, "variable").reshape(-1),
        onnx_output(model, current, "variable").reshape(-1),
    )
    assert result.details["columns"]["prediction"] == pytest.approx(expected, abs=1e-6)
    assert result.verdict == Verdict.PASS


def test_missing_values_get_their_own_bin(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2, "columns": ["f1"]}])
    current = binary_frame(2000, seed=2)
    current.loc[:199, "f1"] = np.nan
    write_table(current, tmp_path / "eval.parquet")
    result = evaluate(policy)
    bins = result.details["bins"]["f1"]
    assert bins["missing"] is True
    assert bins["reference"][-1] == 0.0
    assert bins["current"][-1] == 0.1
    assert result.verdict == Verdict.FAIL  # 10% of rows in a bin that had none


def test_reference_and_eval_with_different_columns_is_an_error(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2}])
    reference = binary_frame(2000, seed=1).drop(columns=["f3"]).assign(extra=1.0)
    write_table(reference, tmp_path / "reference.parquet")
    result = evaluate(policy)
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith("reference and eval columns differ")
    assert f"missing from {tmp_path / 'reference.parquet'}: f3" in result.message
    assert f"missing from {tmp_path / 'eval.parquet'}: extra" in result.message


def test_a_column_numeric_in_one_set_only_is_an_error(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2, "columns": ["f2"]}])
    reference = binary_frame(2000, seed=1)
    reference["f2"] = reference["f2"].round(1).astype(str)
    write_table(reference, tmp_path / "reference.parquet")
    result = evaluate(policy)
    assert result.verdict == Verdict.ERROR
    assert "column 'f2' is categorical in reference" in result.message
    assert "but numeric in eval" in result.message


def test_integer_nullable_boolean_and_category_columns(tmp_path: Path) -> None:
    columns = ["count", "maybe", "flag", "tier"]
    policy = basic_project(tmp_path, [{"type": "drift", "max": 10, "columns": columns}])
    rng = np.random.default_rng(11)
    for name, size in (("reference", 2000), ("eval", 2000)):
        frame = binary_frame(size, seed=1 if name == "reference" else 2)
        frame["count"] = rng.poisson(3 if name == "reference" else 4, size=size)
        frame["maybe"] = pd.array(rng.integers(0, 5, size=size), dtype="Int64")
        frame.loc[: (0 if name == "reference" else 99), "maybe"] = pd.NA
        frame["flag"] = rng.random(size) < (0.3 if name == "reference" else 0.5)
        frame["tier"] = pd.Categorical(rng.choice(["gold", "silver"], size=size))
        write_table(frame, tmp_path / f"{name}.parquet")
    result = evaluate(policy)
    reference, current = frames(tmp_path)
    psi = result.details["columns"]
    assert psi["count"] == pytest.approx(
        expected_psi(reference["count"].to_numpy(float), current["count"].to_numpy(float)), abs=1e-6
    )
    assert result.details["bins"]["maybe"]["missing"] is True
    assert result.details["bins"]["maybe"]["current"][-1] == 100 / 2000
    assert result.details["bins"]["flag"]["categories"] == ["False", "True"]
    assert psi["flag"] == pytest.approx(
        expected_categorical_psi(reference["flag"].tolist(), current["flag"].tolist()), abs=1e-6
    )
    assert result.details["bins"]["tier"]["categories"] == ["gold", "silver"]
    assert psi["tier"] == pytest.approx(
        expected_categorical_psi(reference["tier"].tolist(), current["tier"].tolist()), abs=1e-6
    )


def test_a_column_psi_cannot_bin_is_an_error_naming_it(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, [{"type": "drift", "max": 0.2, "columns": ["when"]}])
    for name in ("reference", "eval"):
        frame = binary_frame(100, seed=1).assign(when=pd.Timestamp("2024-01-01"))
        write_table(frame, tmp_path / f"{name}.parquet")
    result = evaluate(policy)
    assert result.verdict == Verdict.ERROR
    assert result.message.startswith("column 'when' has nothing drift can bin in either set")
    assert "add it to data.ignore" in result.message
