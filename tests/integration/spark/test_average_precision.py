"""average_precision on the Spark engine: scikit-learn's number (within 1e-12) from per-score
counts, ties included, however the distinct scores are bucketed; the in-memory engine's words
where it is undefined (no positive row, a score that is not finite)."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from sklearn import metrics as sk

from mlops_gate.engine.data.spark.precision import _refusal, exact_average_precision
from mlops_gate.engine.data.spark.scoring import PROBA, scored
from mlops_gate.errors import GateError
from mlops_gate.gates.metric import Config
from mlops_gate.gates.metric_scoring import measure
from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.probability import average_precision_statistic
from tests.support import basic_project, binary_frame, load_context, write_policy, write_table

pytestmark = [pytest.mark.integration, pytest.mark.slow]
AP = Config(type="metric", metric="average_precision", min=0.0)
ENGINES = ("pandas", "spark")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("average-precision")
    basic_project(root, [{"type": "metric", "metric": "average_precision", "min": 0.0}], n=400)
    return root


def _policy(project: Path, name: str, engine: str, **data: Any) -> Path:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"].update(engine=engine, **data)
    document["data"]["ignore"] = [*document["data"]["ignore"], "score"]
    return write_policy(project, document, f"{name}-{engine}.yaml")


def test_equal_to_sklearn_with_ties_in_any_buckets(
    spark_session: SparkSession, project: Path
) -> None:
    frame = binary_frame(600, seed=5)
    logits = 1.5 * frame["f0"] - frame["f1"] + np.random.default_rng(0).normal(size=len(frame))
    frame["score"] = np.round(1 / (1 + np.exp(-logits)), 2)  # ~100 distinct scores: ties
    write_table(frame, project / "scored.parquet")
    policy = _policy(project, "ties", "spark", eval="scored.parquet", prediction="score")
    context = load_context(policy)
    _, value, info = measure(AP, context, "model")

    y, score = frame["label"].to_numpy(), frame["score"].to_numpy()
    assert info["pos_label"] == 1
    assert value == pytest.approx(sk.average_precision_score(y, score), abs=1e-12)
    in_memory = average_precision_statistic(y, score, pos_label=1).point()
    assert value == pytest.approx(in_memory, abs=1e-12)

    # The same sum whatever the buckets: one per ~5 distinct scores, then one for all.
    table = scored(context, "model")
    score_column, hit = F.element_at(F.col(PROBA), 2), F.col("label") == F.lit(1)
    refuse = _refusal((0, 1), 1)
    for size in (5, 10**6):
        again = exact_average_precision(table.frame, score_column, hit, refuse, bucket_scores=size)
        assert again == pytest.approx(value, abs=1e-12)


def test_undefined_where_the_in_memory_statistic_is(spark_session: SparkSession) -> None:
    refuse = _refusal((0, 1), 1)
    rows = pd.DataFrame({"s": [0.2, 0.7, 0.7, 0.9], "y": [0, 0, 0, 0]})
    negatives = spark_session.createDataFrame(rows)
    with pytest.raises(MetricUndefined) as spark_error:
        exact_average_precision(negatives, F.col("s"), F.col("y") == 1, refuse)
    with pytest.raises(MetricUndefined) as memory_error:
        average_precision_statistic(rows["y"], rows["s"], pos_label=1)
    assert str(spark_error.value) == str(memory_error.value)
    assert "no row of the positive class 1" in str(spark_error.value)

    broken = pd.DataFrame({"s": [0.2, math.nan, 0.7], "y": [0, 1, 1]})
    with pytest.raises(MetricUndefined) as spark_error:
        exact_average_precision(
            spark_session.createDataFrame(broken), F.col("s"), F.col("y") == 1, refuse
        )
    with pytest.raises(MetricUndefined) as memory_error:
        average_precision_statistic(broken["y"], broken["s"], pos_label=1)
    assert str(spark_error.value) == str(memory_error.value)


def test_the_model_gives_the_pandas_engine_number(
    spark_session: SparkSession, project: Path
) -> None:
    values = [measure(AP, load_context(_policy(project, "model", e)), "model") for e in ENGINES]
    (_, on_pandas, info_pandas), (_, on_spark, info_spark) = values
    assert on_spark == pytest.approx(on_pandas, abs=1e-12)
    assert info_spark == info_pandas

    # One class in y_true: an error on both engines, in the same words.
    write_table(binary_frame(200, seed=3).assign(label=0), project / "negatives.parquet")
    messages = []
    for engine in ENGINES:
        context = load_context(_policy(project, "negatives", engine, eval="negatives.parquet"))
        with pytest.raises(GateError) as caught:
            measure(AP, context, "model")
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    assert messages[1].startswith("average_precision of the model: y_true has no row of")
