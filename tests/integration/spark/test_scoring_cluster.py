"""The model scored on separate executor processes (issue 15, item 3): `mlops-gate check` of the
metric, bias and prediction-drift gates on a standalone cluster on 127.0.0.1 (a master and two
workers, `cluster.py`), and through Spark Connect, against the pandas engine on the same files.

The model and the champion (the same file name in two folders, the champion's weights in an
external data file) travel with the job (`shipping.py`); each worker's executor fetches them.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.spark.cluster import (
    check_variant,
    connect_server,
    standalone_cluster,
)
from tests.integration.spark.test_scoring import champion_onnx
from tests.support import basic_project, binary_frame

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GATES: list[dict[str, Any]] = [
    {"type": "metric", "id": "f1", "metric": "f1", "min": 0.5, "max_drop": 1.0},
    {"type": "metric", "id": "auc", "metric": "roc_auc", "min": 0.5, "confidence": 0.9,
     "n_resamples": 200},
    {"type": "metric", "id": "acc_ci", "metric": "accuracy", "min": 0.5, "confidence": 0.9,
     "n_resamples": 200, "max_drop": 1.0},
    {"type": "bias", "id": "dp", "sensitive": "group", "max": 1.0},
    {"type": "drift", "id": "scores", "columns": ["f0"], "predictions": True, "max": 10.0},
]  # fmt: skip
POINTS = {"value", "baseline_value"}


def _project(root: Path) -> Path:
    policy = basic_project(root, GATES, n=2000)
    champion_onnx(binary_frame(2000, seed=7), root / "champion" / "model.onnx")
    document = yaml.safe_load(policy.read_text())
    document["baseline"] = {"path": "champion/model.onnx", "features": ["f0", "f1"]}
    policy.write_text(yaml.safe_dump(document, sort_keys=False))
    return policy


def _check(policy: Path, changes: dict[str, Any], name: str) -> dict[str, Any]:
    return check_variant(policy, changes, name, timeout=900, codes=(0,))


def _same_as_pandas(policy: Path, spark: dict[str, Any], name: str) -> None:
    pandas = {g["id"]: g for g in _check(policy, {}, "pandas")["gates"]}
    ours = {
        g["id"]: g
        for g in _check(policy, {"data": {"engine": "spark"}, "spark": spark}, name)["gates"]
    }
    for gate, result in ours.items():
        theirs = pandas[gate]
        assert result["verdict"] == theirs["verdict"] == "pass", result["message"]
        for key in POINTS:
            if theirs.get(key) is not None:
                assert math.isclose(result[key], theirs[key], abs_tol=1e-9), (gate, key)
    assert ours["dp"]["details"]["groups"] == pandas["dp"]["details"]["groups"]
    assert math.isclose(
        ours["scores"]["details"]["columns"]["prediction"],
        pandas["scores"]["details"]["columns"]["prediction"],
        abs_tol=1e-9,
    )
    for gate in ("auc", "acc_ci"):
        mine, theirs = ours[gate]["details"], pandas[gate]["details"]
        width = theirs["ci_high"] - theirs["ci_low"]
        assert abs(mine["ci_low"] - theirs["ci_low"]) < 0.3 * width, gate
        assert abs(mine["ci_high"] - theirs["ci_high"]) < 0.3 * width, gate


def test_scoring_on_a_standalone_cluster(tmp_path: Path) -> None:
    policy = _project(tmp_path / "project")
    with standalone_cluster(tmp_path / "cluster") as cluster:
        spark = cluster.policy_spark()
        _same_as_pandas(policy, spark, "cluster")
    # each worker's executor fetched both models and the champion's external data
    for work in sorted((tmp_path / "cluster").glob("work-*")):
        fetched = {path.name for path in work.rglob("*") if path.is_file()}
        assert sum(name.endswith(".onnx") for name in fetched) == 2, fetched
        assert any(name.endswith("-coefficients.bin") for name in fetched), fetched


def test_scoring_through_spark_connect(tmp_path: Path) -> None:
    """Spark Connect has no SparkContext: the model files travel as artifacts."""
    policy = _project(tmp_path / "project")
    with connect_server(tmp_path / "connect") as url:
        _same_as_pandas(policy, {"remote": url}, "connect")
