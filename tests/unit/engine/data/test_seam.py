"""The context exposes the engine's aggregates under the same names (issue 15), and the policy
chooses the engine: `data.engine` (pandas by default), Spark-only locations refused elsewhere."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mlops_gate.errors import PolicyError
from mlops_gate.gates.registry import load_policy
from tests.support import binary_frame, load_context, write_policy, write_table

DRIFT = [{"type": "drift", "max": 0.2}]


def _policy(folder: Path, data: dict[str, object], **extra: object) -> Path:
    document = {"version": 1, "name": "seam", "data": data, "gates": DRIFT, **extra}
    return write_policy(folder, document)


def test_context_delegates_to_the_pandas_engine(tmp_path: Path) -> None:
    frame = binary_frame(200, seed=3)
    write_table(frame, tmp_path / "eval.parquet")
    write_table(frame, tmp_path / "reference.parquet")
    context = load_context(
        _policy(tmp_path, {"eval": "eval.parquet", "reference": "reference.parquet"})
    )
    assert context.engine_name == "pandas"
    assert context.row_count("reference") == 200
    column = frame.columns[0]
    assert context.column_kind("eval", column) == "numeric"
    values = frame[column].to_numpy(dtype=np.float64)
    np.testing.assert_array_equal(
        context.column_quantiles("eval", column, [0.1, 0.5]), np.quantile(values, [0.1, 0.5])
    )
    edges = np.quantile(values, [0.25, 0.5, 0.75])
    counts = context.column_bin_counts("eval", column, edges)
    assert counts.sum() == 200
    assert counts[-1] == 0
    categories, missing = context.column_category_counts("eval", "group")
    assert sum(categories.values()) + missing == 200


@pytest.mark.parametrize(
    ("location", "message"),
    [
        ("table:ml.credit.train", "'table:ml.credit.train' is read by Spark only"),
        ("s3a://lake/eval/", "set data.engine: spark"),
        ("hdfs://nn/eval", "set data.engine: spark"),
    ],
)
def test_spark_locations_need_the_spark_engine(tmp_path: Path, location: str, message: str) -> None:
    path = _policy(tmp_path, {"eval": "eval.parquet", "reference": location})
    with pytest.raises(PolicyError) as caught:
        load_policy(path)
    text = str(caught.value)
    assert "data.reference" in text
    assert message in text
    assert f"{path.name}:5:14: data.reference: " in text  # positioned at the key (file:line:col)


@pytest.mark.parametrize("bad", ["table:", "table:a.b.c.d", "table:x;drop", "table:1abc"])
def test_table_names_are_checked(tmp_path: Path, bad: str) -> None:
    path = _policy(tmp_path, {"engine": "spark", "eval": bad})
    with pytest.raises(
        PolicyError, match=r"is not a table name: use table:<catalog\.schema\.name>"
    ):
        load_policy(path)


def test_spark_policy_validates_without_starting_spark(tmp_path: Path) -> None:
    path = _policy(
        tmp_path,
        {
            "engine": "spark",
            "eval": "table:ml.credit.eval",
            "reference": "s3a://lake/credit/train/",
            "prediction": "score",
        },
        spark={"master": "local[2]", "conf": {"spark.sql.shuffle.partitions": 4}},
    )
    policy = load_policy(path).policy
    assert policy.data.engine == "spark"
    assert policy.data.prediction == "score"
    assert policy.spark is not None
    assert policy.spark.conf == {"spark.sql.shuffle.partitions": 4}


def test_master_and_remote_exclude_each_other(tmp_path: Path) -> None:
    spark = {"master": "local[2]", "remote": "sc://localhost"}
    path = _policy(tmp_path, {"engine": "spark", "eval": "e"}, spark=spark)
    with pytest.raises(PolicyError, match="set master or remote, not both"):
        load_policy(path)
