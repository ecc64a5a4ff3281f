"""The metric gate on the Spark engine gives the pandas engine's numbers on the same files.

Each policy runs every metric as a gate on both engines (one context each, as `check` does);
point values must agree within 1e-9 and with scikit-learn on the model's outputs read straight
from ONNX Runtime. Intervals come from different bootstraps (multinomial in memory, seeded
Poisson on Spark: `metrics/poisson_bootstrap.py`), so they agree within Monte Carlo error.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import yaml
from pyspark.sql import SparkSession
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

pytestmark = [pytest.mark.integration, pytest.mark.slow]
EVAL = binary_frame(600, seed=2)
BINARY = ["accuracy", "precision", "recall", "f1", "balanced_accuracy", "matthews"]
PROBABILITY = ["roc_auc", "log_loss", "brier"]
REGRESSION = ["mae", "rmse", "r2", "mape"]
LOWER = {"log_loss", "brier", "mae", "rmse", "mape"}


def _gate(metric: str, **extra: Any) -> dict[str, Any]:
    limit = {"max": 1e9} if metric in LOWER else {"min": -1.0}
    return {
        "type": "metric",
        "id": f"{metric}{extra.pop('suffix', '')}",
        "metric": metric,
        **limit,
        **extra,
    }


def three_classes(frame: Any) -> Any:
    score = 2.0 * frame["f0"] - 1.5 * frame["f1"]
    return frame.assign(label=np.digitize(score, [-1.0, 1.0]))


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("metric-spark")
    gates = [_gate(m) for m in BINARY + PROBABILITY]
    gates.append(_gate("f1", suffix="_ci", confidence=0.9, n_resamples=400, max_drop=1.0, seed=3))
    gates.append(_gate("log_loss", suffix="_ci", confidence=0.9, n_resamples=400))
    gates.append(_gate("roc_auc", suffix="_ci", confidence=0.9, n_resamples=400))
    basic_project(root, gates, n=600, baseline={"path": "baseline.onnx", "features": ["f0"]})
    train_onnx(binary_frame(600, seed=1), root / "baseline.onnx", features=["f0"])
    train_onnx(three_classes(binary_frame(600, seed=1)), root / "multi.onnx")
    write_table(three_classes(EVAL), root / "multi_eval.parquet")
    train_onnx(regression_frame(500, seed=1), root / "reg.onnx", target="target", task="regression")
    write_table(regression_frame(500, seed=2), root / "reg_eval.parquet")
    return root


def _both(
    project: Path, name: str, **changes: Any
) -> tuple[dict[str, GateResult], dict[str, GateResult]]:
    """Every gate of the policy on pandas, then on spark."""
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document.update(changes)
    out = []
    for engine in ("pandas", "spark"):
        document["data"] = {**document["data"], "engine": engine}
        policy = write_policy(project, document, f"{name}-{engine}.yaml")
        results = run_gates(load_context(policy), jobs=1)
        for result in results:
            assert not result.internal_error, result.message
        out.append({r.id: r for r in results})
    return out[0], out[1]


def _quiet_log_loss(y: Any, proba: Any) -> float:
    """scikit-learn's log_loss; float32 rows widened to float64 sum to 1 within numpy's allclose
    (what the gate accepts, as scikit-learn's roc_auc does), which log_loss warns about."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="The y_prob values do not sum to one")
        return float(sk.log_loss(y, proba))


def _ort(path: Path, frame: Any) -> list[Any]:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    x = frame[FEATURES].to_numpy(dtype=np.float32)
    return list(session.run(None, {session.get_inputs()[0].name: x}))


def test_binary_metrics_equal_pandas_and_sklearn(
    spark_session: SparkSession, project: Path
) -> None:
    pandas, spark = _both(project, "binary")
    labels, proba = _ort(project / "model.onnx", EVAL)
    proba = proba.astype(np.float64)  # as the gate scores float32 outputs: in float64
    y = EVAL["label"].to_numpy()
    sklearn = {
        "accuracy": sk.accuracy_score(y, labels),
        "precision": sk.precision_score(y, labels),
        "recall": sk.recall_score(y, labels),
        "f1": sk.f1_score(y, labels),
        "balanced_accuracy": sk.balanced_accuracy_score(y, labels),
        "matthews": sk.matthews_corrcoef(y, labels),
        "roc_auc": sk.roc_auc_score(y, proba[:, 1]),
        "log_loss": _quiet_log_loss(y, proba),
        "brier": sk.brier_score_loss(y, proba[:, 1]),
    }
    for metric, expected in sklearn.items():
        assert spark[metric].verdict is Verdict.PASS, spark[metric].message
        assert spark[metric].value == pytest.approx(pandas[metric].value, abs=1e-9), metric
        assert spark[metric].value == pytest.approx(expected, abs=1e-9), metric
        assert spark[metric].details.get("pos_label") == pandas[metric].details.get("pos_label")


def test_intervals_and_the_paired_delta(spark_session: SparkSession, project: Path) -> None:
    pandas, spark = _both(project, "binary-ci")
    for gate in ("f1_ci", "log_loss_ci", "roc_auc_ci"):
        ours, theirs = spark[gate].details, pandas[gate].details
        width = theirs["ci_high"] - theirs["ci_low"]
        assert ours["ci_low"] < spark[gate].value < ours["ci_high"]
        assert abs(ours["ci_low"] - theirs["ci_low"]) < 0.25 * width
        assert abs(ours["ci_high"] - theirs["ci_high"]) < 0.25 * width
    ours, theirs = spark["f1_ci"].details, pandas["f1_ci"].details
    assert spark["f1_ci"].baseline_value == pytest.approx(pandas["f1_ci"].baseline_value, abs=1e-9)
    assert ours["delta"] == pytest.approx(theirs["delta"], abs=1e-9)
    delta_width = theirs["delta_ci_high"] - theirs["delta_ci_low"]
    assert abs(ours["delta_ci_low"] - theirs["delta_ci_low"]) < 0.3 * delta_width
    assert ours["delta_ci_low"] < ours["delta"] < ours["delta_ci_high"]


def test_multiclass_metrics(spark_session: SparkSession, project: Path) -> None:
    gates = [
        _gate("accuracy"),
        _gate("f1"),
        _gate("f1", suffix="_weighted", average="weighted"),
        _gate("matthews"),
        _gate("roc_auc"),
        _gate("log_loss"),
    ]
    pandas, spark = _both(
        project,
        "multi",
        model={"path": "multi.onnx", "task": "classification"},
        data={"eval": "multi_eval.parquet", "target": "label", "ignore": ["id", "group"]},
        gates=gates,
        baseline=None,
    )
    for name, result in spark.items():
        assert result.verdict is Verdict.PASS, result.message
        assert result.value == pytest.approx(pandas[name].value, abs=1e-9), name
    _, proba = _ort(project / "multi.onnx", EVAL)
    y = three_classes(EVAL)["label"].to_numpy()
    assert spark["roc_auc"].value == pytest.approx(
        sk.roc_auc_score(y, proba, multi_class="ovr"), abs=1e-9
    )


def test_regression_metrics_and_interval(spark_session: SparkSession, project: Path) -> None:
    gates = [_gate(m) for m in REGRESSION]
    gates.append(_gate("r2", suffix="_ci", confidence=0.9, n_resamples=400))
    pandas, spark = _both(
        project,
        "regression",
        model={"path": "reg.onnx", "task": "regression"},
        data={"eval": "reg_eval.parquet", "target": "target"},
        gates=gates,
        baseline=None,
    )
    for name, result in spark.items():
        assert result.verdict is Verdict.PASS, result.message
        assert result.value == pytest.approx(pandas[name].value, abs=1e-9), name
    ours, theirs = spark["r2_ci"].details, pandas["r2_ci"].details
    width = theirs["ci_high"] - theirs["ci_low"]
    assert abs(ours["ci_low"] - theirs["ci_low"]) < 0.25 * width


def test_refusals_match_pandas(spark_session: SparkSession, project: Path) -> None:
    """A single class in y_true and a too-small eval set: the pandas engine's errors, word for word."""
    write_table(EVAL[EVAL["label"] == 0], project / "negatives.parquet")
    gates = [_gate("roc_auc"), _gate("recall"), _gate("accuracy", suffix="_rows", min_rows=10_000)]
    pandas, spark = _both(
        project, "refusals", data={**_data(project), "eval": "negatives.parquet"}, gates=gates
    )
    for name, result in spark.items():
        assert result.verdict is Verdict.ERROR, name
        assert result.message == pandas[name].message, name


def _data(project: Path) -> dict[str, Any]:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    return dict(document["data"])


@pytest.mark.parametrize("case", ["nan_target", "empty"])
def test_hostile_eval_sets_match_pandas(
    spark_session: SparkSession, project: Path, case: str
) -> None:
    """A missing target value and an empty eval set: an error on both engines, one line."""
    broken = (
        EVAL.iloc[:0]
        if case == "empty"
        else EVAL.assign(label=EVAL["label"].astype(float).mask(EVAL.index == 3))
    )
    write_table(broken, project / f"{case}.parquet")
    pandas, spark = _both(
        project, case, data={**_data(project), "eval": f"{case}.parquet"}, gates=[_gate("f1")]
    )
    assert spark["f1"].verdict is pandas["f1"].verdict is Verdict.ERROR
    if case == "empty":  # the pandas engine refuses the empty file as it reads it
        assert spark["f1"].message.endswith("empty.parquet: the eval set has no rows")
    else:
        assert spark["f1"].message == pandas["f1"].message


def test_a_nan_score_is_refused_as_in_memory(spark_session: SparkSession, project: Path) -> None:
    """A feature the model turns into a NaN probability: every probability metric is an error
    on both engines, in the same words (Spark sorts NaN above every score, so roc_auc counted it
    as the best score and reported a number)."""
    write_table(EVAL.assign(f0=EVAL["f0"].mask(EVAL.index == 3)), project / "nan_score.parquet")
    gates = [_gate(metric) for metric in [*PROBABILITY, "average_precision"]]
    pandas, spark = _both(
        project, "nan_score", data={**_data(project), "eval": "nan_score.parquet"}, gates=gates
    )
    for name, result in spark.items():
        assert pandas[name].verdict is Verdict.ERROR, (name, pandas[name].message)
        assert result.verdict is Verdict.ERROR, (name, result.value)
        assert result.message == pandas[name].message, name
    assert "NaN or infinite" in spark["roc_auc"].message
