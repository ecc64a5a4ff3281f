"""The bias gate on the Spark engine: the pandas engine's groups and numbers, and fairlearn's.

Group rates come from one Spark aggregate over the scored eval table (`spark/fairness.py`); the
expected numbers are fairlearn's `MetricFrame` on labels predicted by an ONNX Runtime session
opened here, and the pandas engine's result on the same files.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pandas as pd
import pytest
import yaml
from fairlearn import metrics as fl
from pyspark.sql import SparkSession

from mlops_gate.engine.runner import run_gates
from mlops_gate.results import GateResult, Verdict
from tests.support import (
    FEATURES,
    basic_project,
    binary_frame,
    load_context,
    write_policy,
    write_table,
)

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def _eval_frame() -> pd.DataFrame:
    frame = binary_frame(900, seed=2)
    rng = np.random.default_rng(5)
    frame["region"] = rng.choice(["north", "south", "east"], size=len(frame))
    frame["band"] = rng.choice([1, 2], size=len(frame)).astype("float64")
    frame.loc[frame.index % 97 == 0, "band"] = np.nan  # a (missing) group, as pandas names it
    return frame


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bias-spark")
    gates = [
        {"type": "bias", "id": "dp", "sensitive": "group", "max": 1.0},
        {
            "type": "bias",
            "id": "eo",
            "sensitive": "region",
            "metric": "equalized_odds_difference",
            "max": 1.0,
        },
        {
            "type": "bias",
            "id": "opp",
            "sensitive": "region",
            "metric": "equal_opportunity_difference",
            "max": 1.0,
        },
        {
            "type": "bias",
            "id": "ratio",
            "sensitive": "group",
            "metric": "demographic_parity_ratio",
            "min": 0.0,
        },
        {"type": "bias", "id": "band", "sensitive": "band", "max": 1.0, "min_group_size": 5},
        {
            "type": "bias",
            "id": "both",
            "sensitive": ["group", "region"],
            "max": 1.0,
            "min_group_size": 5,
        },
    ]
    basic_project(root, gates, n=900)
    write_table(_eval_frame(), root / "eval.parquet")
    document = yaml.safe_load((root / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["ignore"] = ["id", "group", "region", "band"]
    write_policy(root, document)
    return root


def _run(project: Path, engine: str) -> dict[str, GateResult]:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["engine"] = engine
    results = run_gates(load_context(write_policy(project, document, f"{engine}.yaml")), jobs=1)
    for result in results:
        assert not result.internal_error, result.message
    return {r.id: r for r in results}


def _fairlearn(name: str, y: np.ndarray, pred: np.ndarray, groups: Any) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return float(getattr(fl, name)(y, pred, sensitive_features=groups))


def test_group_rates_equal_pandas_and_fairlearn(spark_session: SparkSession, project: Path) -> None:
    pandas, spark = _run(project, "pandas"), _run(project, "spark")
    frame = pd.read_parquet(project / "eval.parquet")
    session = ort.InferenceSession(str(project / "model.onnx"), providers=["CPUExecutionProvider"])
    (pred,) = session.run(["label"], {"X": frame[FEATURES].to_numpy(dtype=np.float32)})
    y = frame["label"].to_numpy()
    expected = {
        "dp": _fairlearn("demographic_parity_difference", y, pred, frame["group"]),
        "eo": _fairlearn("equalized_odds_difference", y, pred, frame["region"]),
        "opp": _fairlearn("equal_opportunity_difference", y, pred, frame["region"]),
        "ratio": _fairlearn("demographic_parity_ratio", y, pred, frame["group"]),
    }
    for gate, value in expected.items():
        assert spark[gate].verdict is Verdict.PASS, spark[gate].message
        assert spark[gate].value == pytest.approx(value, abs=1e-9), gate
    for gate, result in spark.items():
        assert result.verdict == pandas[gate].verdict, (gate, result.message)
        assert result.value == pytest.approx(pandas[gate].value, abs=1e-9), gate
        assert result.details["groups"] == pandas[gate].details["groups"], gate
        assert result.message == pandas[gate].message, gate
    rates = fl.MetricFrame(
        metrics={"selection_rate": fl.selection_rate, "tpr": fl.true_positive_rate},
        y_true=y,
        y_pred=pred,
        sensitive_features=frame["region"],
    ).by_group
    for group, row in rates.iterrows():
        ours = spark["eo"].details["groups"][str(group)]
        assert ours["selection_rate"] == pytest.approx(row["selection_rate"], abs=1e-6)
        assert ours["tpr"] == pytest.approx(row["tpr"], abs=1e-6)
    assert "(missing)" in spark["band"].details["groups"]


def test_what_spark_does_not_do_is_an_error(spark_session: SparkSession, project: Path) -> None:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"]["engine"] = "spark"
    document["gates"] = [
        {"type": "bias", "id": "ci", "sensitive": "group", "max": 1.0, "confidence": 0.9},
        {"type": "bias", "id": "absent", "sensitive": "nope", "max": 1.0},
    ]
    results = {r.id: r for r in run_gates(load_context(write_policy(project, document, "no.yaml")))}
    assert results["ci"].verdict is Verdict.ERROR
    assert "data.engine: pandas" in results["ci"].message
    assert results["absent"].verdict is Verdict.ERROR
    assert "sensitive column 'nope' not found" in results["absent"].message
