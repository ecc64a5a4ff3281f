"""The `metric` gate end to end: real ONNX models, real data files, the runner's verdicts.

Expected numbers come from scikit-learn on outputs that the test reads from ONNX Runtime itself,
not through mlops-gate's loaders or metrics.
"""

from __future__ import annotations

import itertools
import json
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from onnx import TensorProto, helper, numpy_helper
from sklearn import metrics as sk

from mlops_gate.engine.runner import run_gates
from mlops_gate.results import GateResult, Verdict
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    load_context,
    regression_frame,
    train_onnx,
    write_policy,
    write_table,
)

pytestmark = pytest.mark.integration

EVAL = binary_frame(2000, seed=2)  # basic_project's eval set
WEAK = {"path": "baseline.onnx", "features": ["f0"]}  # a one-feature model: worse than model.onnx
_policy_names = (f"policy-{i}.yaml" for i in itertools.count())


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """basic_project plus a worse baseline, broken eval sets, a regression and a 3-class model."""
    root = tmp_path_factory.mktemp("metric-gate")
    basic_project(root, [{"type": "metric", "metric": "f1", "min": 0.5}])
    train_onnx(binary_frame(2000, seed=1), root / "baseline.onnx", features=["f0"])
    write_table(EVAL[EVAL["label"] == 0], root / "negatives.parquet")
    write_table(EVAL.iloc[:0], root / "empty.parquet")
    write_table(
        EVAL.assign(label=EVAL["label"].astype(float).mask(EVAL.index == 3)),
        root / "nan_target.parquet",
    )
    write_table(EVAL.assign(f0=EVAL["f0"].mask(EVAL.index == 5)), root / "nan_feature.parquet")
    write_table(
        EVAL.assign(label=EVAL["label"].map({0: "no", 1: "yes"})), root / "text_target.parquet"
    )
    train_onnx(
        regression_frame(1000, seed=1), root / "reg.onnx", target="target", task="regression"
    )
    write_table(regression_frame(1000, seed=2), root / "reg_eval.parquet")
    train_onnx(three_classes(binary_frame(2000, seed=1)), root / "multi.onnx")
    write_table(three_classes(EVAL), root / "multi_eval.parquet")
    onnx.save_model(labels_only_model(), str(root / "labels_only.onnx"))
    return root


def labels_only_model() -> onnx.ModelProto:
    """A real classifier without probabilities: label = argmax(X @ W)."""
    weights = np.array([[-2.0, 2.0], [1.5, -1.5], [0.0, 0.0], [0.0, 0.0]], dtype=np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["X", "W"], ["scores"]),
            helper.make_node("ArgMax", ["scores"], ["label"], axis=1, keepdims=0),
        ],
        "argmax",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, len(FEATURES)])],
        [helper.make_tensor_value_info("label", TensorProto.INT64, [None])],
        initializer=[numpy_helper.from_array(weights, name="W")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def three_classes(frame: pd.DataFrame) -> pd.DataFrame:
    score = 2.0 * frame["f0"] - 1.5 * frame["f1"]
    return frame.assign(label=np.digitize(score, [-1.0, 1.0]))


def check(project: Path, gate: dict[str, Any], **policy: Any) -> GateResult:
    """Run one metric gate on the project, with top-level policy keys replaced by `policy`."""
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document.update(policy)
    document["gates"] = [{"type": "metric", **gate}]
    (result,) = run_gates(load_context(write_policy(project, document, next(_policy_names))))
    assert not result.internal_error, result.message
    if result.verdict is not Verdict.ERROR:  # the results JSON must hold plain numbers only
        assert json.loads(json.dumps(result.to_json(), allow_nan=False)) == result.to_json()
    return result


def onnx_outputs(path: Path, frame: pd.DataFrame) -> list[np.ndarray]:
    """The model's raw outputs from ONNX Runtime (label, probabilities; or values)."""
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    width = session.get_inputs()[0].shape[1]
    features = frame[FEATURES[:width]].to_numpy(dtype=np.float32)
    return [np.asarray(out) for out in session.run(None, {session.get_inputs()[0].name: features})]


def data_with(eval_file: str) -> dict[str, Any]:
    return {"eval": eval_file, "target": "label", "ignore": ["id", "group"]}


# -- pass and fail --------------------------------------------------------------------------------
def test_f1_passes_with_sklearns_number_and_reports_the_baseline(project: Path) -> None:
    result = check(project, {"metric": "f1", "min": 0.8}, baseline=WEAK)
    model_labels, _ = onnx_outputs(project / "model.onnx", EVAL)
    baseline_labels, _ = onnx_outputs(project / "baseline.onnx", EVAL)
    assert result.verdict is Verdict.PASS, result.message
    assert result.value == pytest.approx(sk.f1_score(EVAL["label"], model_labels), abs=1e-12)
    expected_baseline = sk.f1_score(EVAL["label"], baseline_labels)
    assert result.baseline_value == pytest.approx(expected_baseline, abs=1e-12)
    assert result.threshold == 0.8
    assert result.details["comparator"] == "≥"
    assert result.details["delta"] == pytest.approx(result.value - result.baseline_value)
    assert result.details["pos_label"] == 1


def test_accuracy_below_min_fails_saying_by_how_much(project: Path) -> None:
    result = check(project, {"metric": "accuracy", "min": 0.99})
    labels, _ = onnx_outputs(project / "model.onnx", EVAL)
    expected = sk.accuracy_score(EVAL["label"], labels)
    assert result.verdict is Verdict.FAIL
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.message == f"accuracy {expected:.6g} is below min 0.99 by {0.99 - expected:.3g}"


def test_max_drop_passes_for_a_better_model_and_fails_for_a_worse_one(project: Path) -> None:
    better = check(project, {"metric": "recall", "max_drop": 0.0}, baseline=WEAK)
    assert better.verdict is Verdict.PASS, better.message
    assert better.threshold == pytest.approx(better.baseline_value)  # baseline - max_drop
    worse = check(
        project,
        {"metric": "recall", "max_drop": 0.01},
        model=WEAK,
        baseline={"path": "model.onnx"},
    )
    good, _ = onnx_outputs(project / "model.onnx", EVAL)
    poor, _ = onnx_outputs(project / "baseline.onnx", EVAL)
    drop = sk.recall_score(EVAL["label"], good) - sk.recall_score(EVAL["label"], poor)
    assert worse.verdict is Verdict.FAIL
    assert worse.details["delta"] == pytest.approx(-drop, abs=1e-12)
    assert worse.message.startswith(f"recall drop {drop:.3g} from baseline")
    assert f"exceeds max_drop 0.01 by {drop - 0.01:.3g}" in worse.message


# -- confidence -----------------------------------------------------------------------------------
def test_confidence_turns_a_borderline_min_into_a_failure(project: Path) -> None:
    probe = check(project, {"metric": "f1", "min": 0.0, "confidence": 0.95, "seed": 3})
    low, value = probe.details["ci_low"], probe.value
    assert low < value < probe.details["ci_high"]
    limit = round((low + value) / 2, 6)  # above the lower bound, below the point value
    plain = check(project, {"metric": "f1", "min": limit})
    pessimistic = check(project, {"metric": "f1", "min": limit, "confidence": 0.95, "seed": 3})
    assert plain.verdict is Verdict.PASS, plain.message
    assert pessimistic.verdict is Verdict.FAIL
    assert pessimistic.message.startswith(f"f1 (95% bound) {low:.6g} is below min {limit:g}")
    assert {"ci_low", "ci_high", "confidence", "n_resamples", "seed"} <= set(pessimistic.details)
    assert (pessimistic.details["n_resamples"], pessimistic.details["seed"]) == (1000, 3)


def test_confidence_checks_max_increase_on_the_paired_upper_bound(project: Path) -> None:
    gate = {"metric": "log_loss", "max_increase": 0.0, "confidence": 0.9}
    swapped = {"model": WEAK, "baseline": {"path": "model.onnx"}}
    probe = check(project, gate, **swapped)
    increase, upper = probe.details["delta"], probe.details["delta_ci_high"]
    assert 0 < probe.details["delta_ci_low"] < increase < upper
    limit = round((increase + upper) / 2, 6)
    assert (
        check(project, {**gate, "confidence": None, "max_increase": limit}, **swapped).verdict
        is Verdict.PASS
    )
    result = check(project, {**gate, "max_increase": limit}, **swapped)
    assert result.verdict is Verdict.FAIL
    assert f"log_loss increase (90% bound) {upper:.3g}" in result.message


# -- errors, never a pass -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("gate", "eval_file", "message"),
    [
        ({"metric": "roc_auc", "min": 0.5}, "negatives.parquet", "single class"),
        ({"metric": "f1", "min": 0.5}, "nan_target.parquet", "missing values"),
        ({"metric": "roc_auc", "min": 0.5}, "nan_feature.parquet", "NaN"),
        ({"metric": "accuracy", "min": 0.5}, "empty.parquet", "empty"),
        ({"metric": "f1", "min": 0.5}, "text_target.parquet", "cannot be compared"),
        ({"metric": "log_loss", "max": 1.0}, "text_target.parquet", "not among the classes"),
    ],
    ids=["single-class", "nan-target", "nan-scores", "empty", "text-target", "text-log-loss"],
)
def test_undecidable_inputs_are_errors(
    project: Path, gate: dict[str, Any], eval_file: str, message: str
) -> None:
    result = check(project, gate, data=data_with(eval_file))
    assert result.verdict is Verdict.ERROR
    assert message in result.message


def test_roc_auc_needs_probabilities_and_accuracy_does_not(project: Path) -> None:
    policy = {"model": {"path": "labels_only.onnx"}}
    (labels,) = onnx_outputs(project / "labels_only.onnx", EVAL)
    accuracy = check(project, {"metric": "accuracy", "min": 0.5}, **policy)
    assert accuracy.verdict is Verdict.PASS
    assert accuracy.value == pytest.approx(sk.accuracy_score(EVAL["label"], labels), abs=1e-12)
    auc = check(project, {"metric": "roc_auc", "min": 0.5}, **policy)
    assert auc.verdict is Verdict.ERROR
    assert "no probability output" in auc.message


# -- other metrics --------------------------------------------------------------------------------
def test_log_loss_matches_sklearn_on_widened_float32_probabilities(project: Path) -> None:
    result = check(project, {"metric": "log_loss", "max": 0.3})
    _, proba = onnx_outputs(project / "model.onnx", EVAL)
    with warnings.catch_warnings():  # float32 rows sum to 1 within 1e-7, not float64's 1.5e-8
        warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")
        expected = sk.log_loss(EVAL["label"], proba.astype(np.float64), labels=[0, 1])
    assert result.verdict is Verdict.PASS
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.details["comparator"] == "≤"


def test_regression_metrics_match_sklearn(project: Path) -> None:
    frame = regression_frame(1000, seed=2)
    (values,) = onnx_outputs(project / "reg.onnx", frame)
    y, predicted = frame["target"].to_numpy(), values.reshape(-1).astype(np.float64)
    policy = {
        "model": {"path": "reg.onnx", "task": "regression"},
        "data": {"eval": "reg_eval.parquet", "target": "target", "features": FEATURES},
    }
    expected = {
        "mae": (sk.mean_absolute_error(y, predicted), {"max": 0.5}, Verdict.PASS),
        "rmse": (sk.root_mean_squared_error(y, predicted), {"max": 0.05}, Verdict.FAIL),
        "r2": (sk.r2_score(y, predicted), {"min": 0.99, "confidence": 0.95}, Verdict.PASS),
    }
    for metric, (number, limits, verdict) in expected.items():
        result = check(project, {"metric": metric, **limits}, **policy)
        assert result.verdict is verdict, result.message
        assert result.value == pytest.approx(number, rel=1e-9), metric
    assert check(project, {"metric": "r2", "min": 0.99}, **policy).details["metric"] == "r2"


def test_multiclass_averages_macro_and_scores_roc_auc_one_vs_rest(project: Path) -> None:
    frame = three_classes(EVAL)
    labels, proba = onnx_outputs(project / "multi.onnx", frame)
    policy = {"model": {"path": "multi.onnx"}, "data": data_with("multi_eval.parquet")}
    f1 = check(project, {"metric": "f1", "min": 0.5}, **policy)
    assert f1.value == pytest.approx(
        sk.f1_score(frame["label"], labels, average="macro"), abs=1e-12
    )
    assert f1.details["average"] == "macro"
    auc = check(project, {"metric": "roc_auc", "min": 0.5}, **policy)
    expected = sk.roc_auc_score(frame["label"], proba.astype(np.float64), multi_class="ovr")
    assert auc.verdict is Verdict.PASS
    assert auc.value == pytest.approx(expected, abs=1e-12)


def test_pos_label_and_bootstrap_settings_are_honoured(project: Path) -> None:
    gate = {"metric": "precision", "min": 0.5, "max": 1.0, "pos_label": 0}
    result = check(project, {**gate, "confidence": 0.9, "n_resamples": 200, "seed": 11})
    labels, _ = onnx_outputs(project / "model.onnx", EVAL)
    expected = sk.precision_score(EVAL["label"], labels, pos_label=0)
    assert result.value == pytest.approx(expected, abs=1e-12)
    assert result.threshold == 0.5
    details = result.details
    assert (details["pos_label"], details["min"], details["max"]) == (0, 0.5, 1.0)
    assert (details["confidence"], details["n_resamples"], details["seed"]) == (0.9, 200, 11)
    assert details["ci_low"] <= result.value <= details["ci_high"]
