"""`mlops-gate check` against real Spark processes (issue 15, item 3): a standalone cluster on
127.0.0.1 (a master and two workers from pyspark's own launcher, so the jobs run in executor
JVMs and Python workers apart from the driver) and a Spark Connect server. Each gives the pandas
engine's verdicts and numbers on the same files."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from tests.integration.spark.cluster import (
    check_variant,
    connect_server,
    standalone_cluster,
)
from tests.support import basic_project

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GATES: list[dict[str, Any]] = [
    # Scored on the executors: the ONNX file shipped with the job, one session per Python worker.
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "metric", "metric": "roc_auc", "min": 0.5},
    {"type": "drift", "bins": 10, "max": 0.5, "warn": 0.2, "columns": "all"},
    {
        "type": "expectations",
        "data": "eval",
        "expect": [
            {"expect_table_row_count_to_be_between": {"min_value": 1000}},
            {"expect_column_values_to_not_be_null": {"column": "f0"}},
            {"expect_column_mean_to_be_between": {"column": "f1", "min_value": -1, "max_value": 1}},
            {"expect_column_values_to_be_in_set": {"column": "group", "value_set": ["a", "b"]}},
            {"expect_column_value_shares_to_be_between": {"column": "label", "min_value": 0.3}},
            {"expect_table_duplicate_row_share_to_be_between": {"max_value": 0.0}},
        ],
    },
]


def _check(policy: Path, changes: dict[str, Any], name: str) -> dict[str, Any]:
    return check_variant(policy, changes, name, timeout=600, codes=(0, 1))


def _numbers(gate: dict[str, Any]) -> dict[str, Any]:
    """What must be equal across engines: verdict, value and the per-type numbers."""
    details = gate["details"]
    kept: dict[str, Any] = {"verdict": gate["verdict"], "value": gate["value"]}
    if gate["type"] == "drift":
        kept["columns"] = details["columns"]  # PSI per column (and its per-column details)
    if gate["type"] == "expectations":
        kept["expectations"] = [
            {key: e[key] for key in ("success", "observed_value", "unexpected_count")}
            for e in details["expectations"]
        ]
        kept["rows"] = details["rows"]
    return kept


def _assert_close(ours: Any, theirs: Any, where: str = "") -> None:
    if isinstance(ours, float) and isinstance(theirs, float):
        assert math.isclose(ours, theirs, rel_tol=1e-9, abs_tol=1e-12), where
    elif isinstance(ours, dict):
        assert ours.keys() == theirs.keys(), where
        for key in ours:
            _assert_close(ours[key], theirs[key], f"{where}.{key}")
    elif isinstance(ours, list):
        assert len(ours) == len(theirs), where
        for index, (left, right) in enumerate(zip(ours, theirs, strict=True)):
            _assert_close(left, right, f"{where}[{index}]")
    else:
        assert ours == theirs, where


def _same_as_pandas(policy: Path, spark: dict[str, Any], name: str) -> dict[str, Any]:
    on_pandas = _check(policy, {}, "pandas")
    on_spark = _check(policy, {"data": {"engine": "spark"}, "spark": spark}, name)
    assert on_spark["verdict"] == on_pandas["verdict"]
    assert [g["id"] for g in on_spark["gates"]] == [g["id"] for g in on_pandas["gates"]]
    for ours, theirs in zip(on_pandas["gates"], on_spark["gates"], strict=True):
        assert theirs["verdict"] != "error", theirs["message"]
        _assert_close(_numbers(ours), _numbers(theirs), ours["id"])
    return on_spark


def test_check_on_a_standalone_cluster_equals_pandas(tmp_path: Path) -> None:
    policy = basic_project(tmp_path / "project", GATES, n=3000)
    with standalone_cluster(tmp_path / "cluster") as cluster:
        spark = cluster.policy_spark()
        on_spark = _same_as_pandas(policy, spark, "cluster")
        executors = _executors_seen(tmp_path / "cluster")
    assert executors == 2, "the jobs must have run on both workers' executors"
    drift = next(g for g in on_spark["gates"] if g["type"] == "drift")
    assert set(drift["details"]["columns"]) >= {"f0", "f1", "f2"}


def _executors_seen(logs: Path) -> int:
    """Workers that launched an executor for the check (their work dir holds its stderr)."""
    return sum(1 for work in logs.glob("work-*") if any(work.rglob("stderr")))


def test_check_through_spark_connect_equals_pandas(tmp_path: Path) -> None:
    """`spark.remote: sc://...` (what SPARK_REMOTE and Databricks Connect speak): the installed
    pyspark ships the Connect server jar, so a real server runs here (local[2] behind it)."""
    policy = basic_project(tmp_path / "project", GATES, n=3000)
    with connect_server(tmp_path / "connect") as url:
        on_spark = _same_as_pandas(policy, {"remote": url}, "connect")
    assert {g["type"] for g in on_spark["gates"]} == {"metric", "drift", "expectations"}
