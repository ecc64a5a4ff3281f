"""The `bias` gate's ratios, confidence intervals and baseline comparison on real ONNX models.

Expected numbers come from fairlearn 0.15 on labels predicted by ONNX Runtime sessions opened in
the test, so neither the predictions nor the number go through the gate's own code.
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
    run_cli,
    train_onnx,
    write_table,
)

pytestmark = pytest.mark.integration


def project(
    tmp_path: Path, gate: dict[str, Any], current: pd.DataFrame | None = None, **policy: Any
) -> Path:
    path = basic_project(tmp_path, [{"type": "bias", "sensitive": "group", **gate}], **policy)
    if current is not None:
        write_table(current, tmp_path / "eval.parquet")
    return path


def with_baseline(tmp_path: Path, gate: dict[str, Any], current: pd.DataFrame) -> Path:
    """A project whose baseline model reads only f0."""
    train_onnx(binary_frame(2000, seed=1), tmp_path / "baseline.onnx", features=["f0"])
    baseline = {"path": "baseline.onnx", "features": ["f0"]}
    return project(tmp_path, gate, current, baseline=baseline)


def predicted(path: Path, frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    (labels,) = session.run(["label"], {"X": frame[features].to_numpy(dtype=np.float32)})
    return np.asarray(labels).reshape(-1)


def fairlearn(name: str, frame: pd.DataFrame, y_pred: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        function = getattr(fl, name)
        return float(function(frame["label"], y_pred, sensitive_features=frame["group"]))


def tied_to_f0(seed: int = 2) -> pd.DataFrame:
    current = binary_frame(2000, seed=seed)
    current["group"] = np.where(current["f0"] > 0, "a", "b")
    return current


def random_sites(seed: int = 0) -> pd.DataFrame:
    current = binary_frame(2000, seed=2)
    current["group"] = np.random.default_rng(seed).choice(["s1", "s2", "s3", "s4"], 2000)
    return current


@pytest.mark.parametrize(
    "metric", ["demographic_parity_ratio", "equalized_odds_ratio", "equal_opportunity_ratio"]
)
def test_ratio_with_min_passes_with_fairlearns_number(tmp_path: Path, metric: str) -> None:
    result = evaluate_one_gate(project(tmp_path, {"metric": metric, "min": 0.7}))
    frame = pd.read_parquet(tmp_path / "eval.parquet")
    expected = fairlearn(metric, frame, predicted(tmp_path / "model.onnx", frame, FEATURES))
    assert result.verdict == Verdict.PASS, result.message
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert 0.7 < expected <= 1
    assert (result.threshold, result.details["comparator"]) == (0.7, "≥")
    assert result.details["limits"] == {"min": 0.7}
    assert result.message.startswith(f"{metric} {expected:.3g} (≥ 0.7): ")


def test_four_fifths_rule_fails_groups_tied_to_a_feature(tmp_path: Path) -> None:
    gate = {"metric": "demographic_parity_ratio", "min": 0.8, "warn": 0.9}
    result = evaluate_one_gate(project(tmp_path, gate, tied_to_f0()))
    frame = pd.read_parquet(tmp_path / "eval.parquet")
    y_pred = predicted(tmp_path / "model.onnx", frame, FEATURES)
    expected = fairlearn("demographic_parity_ratio", frame, y_pred)
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert expected < 0.8
    assert result.message.startswith(f"demographic_parity_ratio {expected:.3g} (< 0.8): ")
    rates = {g: float((y_pred[frame["group"] == g] == 1).mean()) for g in ("a", "b")}
    top = max(rates.values())
    for group, rate in rates.items():
        assert result.details["groups"][group]["ratio"] == pytest.approx(rate / top, abs=1e-6)


def test_warn_on_a_ratio_between_warn_and_min(tmp_path: Path) -> None:
    result = evaluate_one_gate(
        project(tmp_path, {"metric": "demographic_parity_ratio", "min": 0.5, "warn": 0.999})
    )
    assert result.verdict == Verdict.WARN, result.message


def test_a_random_site_fails_on_its_point_value_and_passes_with_confidence(tmp_path: Path) -> None:
    current = random_sites()
    gate = {"max": 0.03}
    point = evaluate_one_gate(project(tmp_path, gate, current))
    frame = pd.read_parquet(tmp_path / "eval.parquet")
    expected = fairlearn(
        "demographic_parity_difference", frame, predicted(tmp_path / "model.onnx", frame, FEATURES)
    )
    assert expected > 0.03  # noise alone breaks the limit: the data is what the test says
    assert point.verdict == Verdict.FAIL
    result = evaluate_one_gate(project(tmp_path, {**gate, "confidence": 0.95}, current))
    assert result.verdict == Verdict.PASS, result.message
    assert result.value == pytest.approx(expected, abs=1e-12)
    interval = result.details["interval"]
    assert interval["low"] <= 0.03 < expected <= interval["high"]
    assert (interval["confidence"], interval["n_resamples"], interval["seed"]) == (0.95, 1000, 0)
    assert interval["gated"] == "low"
    assert "not told apart from noise" in result.message


def test_a_real_disparity_still_fails_with_confidence(tmp_path: Path) -> None:
    gate = {"max": 0.1, "confidence": 0.95}
    result = evaluate_one_gate(project(tmp_path, gate, tied_to_f0()))
    assert result.verdict == Verdict.FAIL
    assert result.details["interval"]["low"] > 0.1
    assert "(95% CI lower end)" in result.message or "lower end > 0.1" in result.message


def test_confidence_interval_is_the_same_for_the_same_seed(tmp_path: Path) -> None:
    gate = {"metric": "equalized_odds_ratio", "min": 0.5, "confidence": 0.9, "seed": 3}
    first = evaluate_one_gate(project(tmp_path, gate))
    again = evaluate_one_gate(project(tmp_path, gate))
    assert first.details["interval"] == again.details["interval"]
    assert first.details["interval"]["gated"] == "high"
    assert first.details["interval"]["low"] <= first.value <= first.details["interval"]["high"]


def test_max_increase_compares_with_the_baseline_on_the_same_rows(tmp_path: Path) -> None:
    # Groups tied to f1: the baseline reads only f0, so the candidate (f0..f3) is the one
    # whose selection rate follows the group.
    current = binary_frame(2000, seed=2)
    current["group"] = np.where(current["f1"] > 0, "a", "b")
    result = evaluate_one_gate(with_baseline(tmp_path, {"max_increase": 0.05}, current))
    frame = pd.read_parquet(tmp_path / "eval.parquet")
    name = "demographic_parity_difference"
    ours = fairlearn(name, frame, predicted(tmp_path / "model.onnx", frame, FEATURES))
    theirs = fairlearn(name, frame, predicted(tmp_path / "baseline.onnx", frame, ["f0"]))
    assert ours - theirs > 0.05  # the data is what the test says
    assert result.verdict == Verdict.FAIL
    assert result.value == pytest.approx(ours, abs=1e-12)
    assert result.baseline_value == pytest.approx(theirs, abs=1e-12)
    assert result.details["delta"] == pytest.approx(ours - theirs, abs=1e-12)
    assert result.threshold == pytest.approx(theirs + 0.05)
    assert f"{name} increase {ours - theirs:.3g} from baseline {theirs:.6g}" in result.message
    assert "exceeds max_increase 0.05" in result.message
    share = evaluate_one_gate(with_baseline(tmp_path, {"max_increase_pct": 1.0}, current))
    expected = Verdict.FAIL if ours - theirs > theirs else Verdict.PASS
    assert share.verdict == expected, share.message
    loose = evaluate_one_gate(with_baseline(tmp_path, {"max_increase": 0.9}, current))
    assert loose.verdict == Verdict.PASS, loose.message


def test_paired_interval_of_the_change_with_confidence(tmp_path: Path) -> None:
    gate = {"metric": "demographic_parity_ratio", "max_drop": 0.2, "confidence": 0.9}
    result = evaluate_one_gate(with_baseline(tmp_path, gate, tied_to_f0()))
    change = result.details["delta_interval"]
    assert change["low"] <= result.details["delta"] <= change["high"]
    assert result.verdict in (Verdict.PASS, Verdict.FAIL)
    assert result.details["baseline"]["value"] == result.baseline_value


@pytest.mark.parametrize(
    ("gate", "message"),
    [
        (
            {"metric": "demographic_parity_ratio", "max": 0.2},
            "use min (min: 0.8 is the four-fifths rule), not max",
        ),
        ({"min": 0.8}, "is a difference (0 is parity, lower is better): use max, not min"),
        (
            {"metric": "demographic_parity_ratio", "max_increase": 0.1},
            "use max_drop, not max_increase",
        ),
        ({"max_drop": 0.1}, "use max_increase, not max_drop"),
        ({}, "set at least one of max, max_increase, max_increase_pct"),
        ({"max": 1.5}, "a gap between two rates is at most 1"),
        ({"sensitive": ["group", "group"], "max": 0.1}, "sensitive lists 'group' more than once"),
        ({"bins": {"age": 4}, "max": 0.1}, "bins names 'age', which is not a sensitive column"),
        ({"bins": [3, 2], "max": 0.1}, "edges must be strictly increasing"),
        (
            {"metric": "mae_difference", "max": 0.1},
            "'mae_difference' does not apply to a classification model",
        ),
    ],
)
def test_policy_errors_name_the_keys_to_change(
    tmp_path: Path, gate: dict[str, Any], message: str
) -> None:
    project(tmp_path, gate)
    run = run_cli("validate", str(tmp_path / "mlops-gate.yaml"))
    assert run.returncode == 2, run.stdout + run.stderr
    assert message in run.stdout + run.stderr
    assert "Traceback" not in run.stderr
