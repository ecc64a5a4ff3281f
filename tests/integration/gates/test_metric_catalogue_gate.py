"""The metric gate's catalogue (issue 16): new metrics, `threshold`, `_pct` limits, custom metrics.

Expected numbers come from scikit-learn on outputs that the test reads from ONNX Runtime itself.
The custom metric is a real installed distribution: a module and its `.dist-info` (with an
`entry_points.txt`) in a temp folder put on `sys.path`, found by `importlib.metadata`.
"""

from __future__ import annotations

import itertools
import sys
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from sklearn import metrics as sk

from mlops_gate.engine.runner import run_gates
from mlops_gate.errors import PolicyError
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
_names = (f"policy-{i}.yaml" for i in itertools.count())
PLUGIN = """
import numpy as np

def youden(y_true, y_pred, y_score):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tpr = np.mean(y_pred[y_true == 1] == 1)
    tnr = np.mean(y_pred[y_true == 0] == 0)
    return tpr + tnr - 1

def plain_accuracy(y_true, y_pred, y_score):
    return float(np.mean(np.asarray(y_true) == np.asarray(y_pred)))

def mean_score(y_true, y_pred, y_score):
    return float(np.mean(y_score))

def squared_error(y_true, y_pred, y_score):
    return float(np.mean((np.asarray(y_true) - np.asarray(y_pred)) ** 2))
squared_error.lower_is_better = True

def broken(y_true, y_pred, y_score):
    raise RuntimeError("the plugin is broken")
"""
ENTRY_POINTS = "[mlops_gate.metrics]\n" + "".join(
    f"{name} = m1_tiny_metrics:{name}\n"
    for name in ("youden", "plain_accuracy", "mean_score", "squared_error", "broken")
)


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metric-catalogue")
    basic_project(root, [{"type": "metric", "metric": "f1", "min": 0.5}])
    train_onnx(binary_frame(2000, seed=1), root / "weak.onnx", features=["f0"])
    train_onnx(
        regression_frame(1000, seed=1), root / "reg.onnx", target="target", task="regression"
    )
    write_table(regression_frame(1000, seed=2), root / "reg_eval.parquet")
    return root


@pytest.fixture
def plugin(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A tiny installed distribution that registers metrics under `mlops_gate.metrics`."""
    site = tmp_path / "site"
    info = site / "m1_tiny_metrics-0.1.dist-info"
    info.mkdir(parents=True)
    (site / "m1_tiny_metrics.py").write_text(PLUGIN, encoding="utf-8")
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: m1-tiny-metrics\nVersion: 0.1\n", encoding="utf-8"
    )
    (info / "entry_points.txt").write_text(ENTRY_POINTS, encoding="utf-8")
    monkeypatch.syspath_prepend(str(site))
    monkeypatch.delitem(sys.modules, "m1_tiny_metrics", raising=False)
    return site


def check(project: Path, gate: dict[str, Any], **policy: Any) -> GateResult:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document.update(policy)
    document["gates"] = [{"type": "metric", **gate}]
    (result,) = run_gates(load_context(write_policy(project, document, next(_names))))
    assert not result.internal_error, result.message
    return result


def outputs(path: Path, frame: pd.DataFrame, width: int = len(FEATURES)) -> list[np.ndarray]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    features = frame[FEATURES[:width]].to_numpy(dtype=np.float32)
    return [np.asarray(out) for out in session.run(None, {session.get_inputs()[0].name: features})]


REGRESSION = {
    "model": {"path": "reg.onnx", "task": "regression"},
    "data": {"eval": "reg_eval.parquet", "target": "target", "features": FEATURES},
}


# -- the catalogue: scikit-learn's numbers ---------------------------------------------------------
@pytest.mark.parametrize(
    ("metric", "limit", "oracle"),
    [
        ("balanced_accuracy", {"min": 0.5}, lambda y, lab, p: sk.balanced_accuracy_score(y, lab)),
        ("matthews", {"min": 0.5}, lambda y, lab, p: sk.matthews_corrcoef(y, lab)),
        ("average_precision", {"min": 0.5}, lambda y, lab, p: sk.average_precision_score(y, p)),
        # float64 scores: scikit-learn >= 1.8 sums float32 outputs in float32 (7 digits).
        ("brier", {"max": 0.2}, lambda y, lab, p: sk.brier_score_loss(y, p.astype(np.float64))),
    ],
)
def test_new_classification_metrics_equal_sklearn(
    project: Path, metric: str, limit: dict[str, float], oracle: Any
) -> None:
    result = check(project, {"metric": metric, **limit, "confidence": 0.9, "n_resamples": 200})
    labels, proba = outputs(project / "model.onnx", EVAL)
    assert result.verdict is Verdict.PASS, result.message
    assert result.value == pytest.approx(oracle(EVAL["label"], labels, proba[:, 1]), abs=1e-12)
    assert result.details["ci_low"] <= result.value <= result.details["ci_high"]


def test_mape_equals_sklearn_and_is_lower_is_better(project: Path) -> None:
    frame = regression_frame(1000, seed=2)
    (values,) = outputs(project / "reg.onnx", frame)
    expected = sk.mean_absolute_percentage_error(frame["target"], values.reshape(-1))
    result = check(project, {"metric": "mape", "max": expected / 2}, **REGRESSION)
    assert result.verdict is Verdict.FAIL
    assert result.value == pytest.approx(expected, rel=1e-12)
    assert result.details["comparator"] == "≤"


# -- threshold --------------------------------------------------------------------------------------
def test_threshold_predicts_the_positive_class_at_or_above_it(project: Path) -> None:
    _, proba = outputs(project / "model.onnx", EVAL)
    at = float(np.sort(proba[:, 1])[1500])  # a probability a row has exactly: that row is positive
    decided = (proba[:, 1] >= at).astype(int)
    assert decided.sum() == 500  # ">=": the row at the threshold counts
    result = check(project, {"metric": "recall", "min": 0.1, "threshold": at})
    assert result.value == pytest.approx(sk.recall_score(EVAL["label"], decided), abs=1e-12)
    assert result.details["decision_threshold"] == at
    default = check(project, {"metric": "recall", "min": 0.1})
    assert default.value != result.value


def test_threshold_on_a_probability_metric_is_a_policy_error(project: Path) -> None:
    with pytest.raises(PolicyError, match="threshold decides labels"):
        check(project, {"metric": "roc_auc", "min": 0.5, "threshold": 0.3})


# -- relative limits ---------------------------------------------------------------------------------
def test_max_drop_pct_is_a_fraction_of_the_baselines_value(project: Path) -> None:
    weak = {"path": "weak.onnx", "features": ["f0"], "task": "classification"}
    strong = {"path": "model.onnx"}
    labels, _ = outputs(project / "model.onnx", EVAL)
    weak_labels, _ = outputs(project / "weak.onnx", EVAL, width=1)
    champion, candidate = (
        sk.f1_score(EVAL["label"], labels),
        sk.f1_score(EVAL["label"], weak_labels),
    )
    fraction = (champion - candidate) / champion
    gate = {"metric": "f1", "max_drop_pct": round(fraction + 0.005, 3)}
    assert check(project, gate, model=weak, baseline=strong).verdict is Verdict.PASS
    failed = check(
        project, {**gate, "max_drop_pct": round(fraction - 0.005, 3)}, model=weak, baseline=strong
    )
    assert failed.verdict is Verdict.FAIL
    assert "exceeds max_drop_pct" in failed.message
    assert failed.threshold == pytest.approx(champion * (1 - round(fraction - 0.005, 3)))


# -- custom metrics ----------------------------------------------------------------------------------
@pytest.mark.usefixtures("plugin")
def test_a_custom_metric_from_an_entry_point_is_scored_and_bootstrapped(project: Path) -> None:
    labels, _ = outputs(project / "model.onnx", EVAL)
    youden = (
        sk.recall_score(EVAL["label"], labels)
        + sk.recall_score(EVAL["label"], labels, pos_label=0)
        - 1
    )
    result = check(project, {"metric": "youden", "min": 0.5})
    assert result.verdict is Verdict.PASS, result.message
    assert result.value == pytest.approx(youden, abs=1e-12)
    confident = {"min": 0.5, "confidence": 0.9, "n_resamples": 100, "seed": 3}
    custom = check(project, {"metric": "plain_accuracy", **confident})
    builtin = check(project, {"metric": "accuracy", **confident})
    assert custom.value == pytest.approx(builtin.value, abs=1e-15)
    assert custom.details["ci_low"] == pytest.approx(builtin.details["ci_low"], abs=1e-12)
    assert custom.details["ci_high"] == pytest.approx(builtin.details["ci_high"], abs=1e-12)


@pytest.mark.usefixtures("plugin")
def test_a_custom_metric_gets_scores_and_may_be_lower_is_better(project: Path) -> None:
    _, proba = outputs(project / "model.onnx", EVAL)
    scored = check(project, {"metric": "mean_score", "max": 1.0})
    assert scored.value == pytest.approx(float(np.mean(proba[:, 1])), rel=1e-6)
    frame = regression_frame(1000, seed=2)
    (values,) = outputs(project / "reg.onnx", frame)
    result = check(project, {"metric": "squared_error", "max": 1.0}, **REGRESSION)
    assert result.value == pytest.approx(sk.mean_squared_error(frame["target"], values.reshape(-1)))
    assert result.details["comparator"] == "≤"
    with pytest.raises(PolicyError, match="use max_increase, not max_drop"):
        check(project, {"metric": "squared_error", "max_drop": 0.1}, **REGRESSION)


@pytest.mark.usefixtures("plugin")
def test_a_failing_custom_metric_is_an_error_never_a_pass(project: Path) -> None:
    result = check(project, {"metric": "broken", "min": 0.0})
    assert result.verdict is Verdict.ERROR
    assert "the plugin is broken" in result.message


def test_an_unknown_metric_is_a_policy_error_listing_the_valid_ones(project: Path) -> None:
    with pytest.raises(PolicyError, match=r"unknown metric 'f11'.*balanced_accuracy"):
        check(project, {"metric": "f11", "min": 0.5})


def test_threshold_on_a_three_class_model_is_an_error(project: Path) -> None:
    frame = binary_frame(600, seed=1)
    frame = frame.assign(label=np.digitize(2.0 * frame["f0"] - 1.5 * frame["f1"], [-1.0, 1.0]))
    train_onnx(frame, project / "multi.onnx")
    write_table(frame, project / "multi_eval.parquet")
    data = {"eval": "multi_eval.parquet", "target": "label", "ignore": ["id", "group"]}
    model = {"path": "multi.onnx", "task": "classification"}
    result = check(project, {"metric": "f1", "min": 0.5, "threshold": 0.5}, model=model, data=data)
    assert result.verdict is Verdict.ERROR
    assert "threshold decides between two classes; the model has 3 classes" in result.message
    balanced = check(project, {"metric": "balanced_accuracy", "min": 0.5}, model=model, data=data)
    labels, _ = outputs(project / "multi.onnx", frame)
    assert balanced.value == pytest.approx(sk.balanced_accuracy_score(frame["label"], labels))
    brier = check(project, {"metric": "brier", "max": 1.0}, model=model, data=data)
    _, proba = outputs(project / "multi.onnx", frame)
    rows = proba.astype(np.float64)
    rows /= rows.sum(axis=1, keepdims=True)  # float32 rows sum to 1 within 1e-7, not 1e-8
    expected = sk.brier_score_loss(frame["label"], rows, labels=[0, 1, 2])
    assert brier.value == pytest.approx(expected, rel=1e-6)
    average_precision = check(
        project, {"metric": "average_precision", "min": 0.5}, model=model, data=data
    )
    assert average_precision.verdict is Verdict.ERROR
    assert "binary model" in average_precision.message


@pytest.mark.usefixtures("plugin")
def test_a_custom_metric_result_is_never_reused_from_the_cache() -> None:
    from mlops_gate.gates.metric import Config

    assert Config(type="metric", metric="f1", min=0.5).cacheable
    assert not Config(type="metric", metric="youden", min=0.5).cacheable
