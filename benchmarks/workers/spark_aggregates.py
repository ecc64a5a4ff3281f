"""One side of bench_spark.py: the drift gate's aggregates of every column, by one engine.

    spark_aggregates.py engine|floor|pandas DIR [MASTER]

For each of the 18 numeric columns: the reference's decile edges (numpy.quantile's linear method,
duplicates removed), then bin counts (`bin_index`'s bins plus the missing count) on the reference
and on the eval set; for `segment`, category counts on both. `engine` asks mlops-gate's Spark
engine (`SparkData`, the path the drift gate takes with `data.engine: spark`), `pandas` the
streaming pandas engine, `floor` a hand-written PySpark job computing the same aggregates
(Spark's exact `percentile`, then one pass of conditional sums per data set). Prints the
timings, the driver process's own peak RSS (the JVM is another process) and the aggregates.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _worker import emit

PROBS = [i / 10 for i in range(1, 10)]
NUMERIC = [f"x{i:02d}" for i in range(18)]
CONF = {"spark.sql.shuffle.partitions": "8", "spark.ui.enabled": "false"}
if os.environ.get("BENCH_SPARK_DRIVER_MEMORY"):  # both Spark sides: the same heap (default 1g)
    CONF["spark.driver.memory"] = os.environ["BENCH_SPARK_DRIVER_MEMORY"]


def with_engine(name: str, directory: Path, master: str) -> dict[str, Any]:
    from mlops_gate.engine.data import data_engine
    from mlops_gate.gates.registry import load_policy
    from mlops_gate.progress import NoProgress

    policy = directory / f"bench-{name}.yaml"
    # A day for the Spark work: the benchmark measures it, however long it takes.
    spark = (
        f"spark: {{master: '{master}', conf: {CONF}, timeout_s: 86400}}\n"
        if name == "spark"
        else ""
    )
    policy.write_text(
        "version: 1\nname: bench\n"
        f"data: {{engine: {name}, eval: eval.parquet, reference: reference.parquet}}\n{spark}"
        "gates: [{type: drift, columns: all, max: 0.2}]\n"
    )
    start = time.perf_counter()
    engine = data_engine(name, load_policy(policy), NoProgress())
    if name == "spark":
        engine.session  # noqa: B018 - started here, so its cost is reported apart
    started = time.perf_counter()
    found: dict[str, Any] = {}
    for column in NUMERIC:
        edges = np.unique(engine.column_quantiles("reference", column, PROBS))
        found[column] = {
            "edges": edges.tolist(),
            "reference": engine.column_bin_counts("reference", column, edges).tolist(),
            "eval": engine.column_bin_counts("eval", column, edges).tolist(),
        }
    found["segment"] = {
        side: engine.column_category_counts(side, "segment")[0] for side in ("reference", "eval")
    }
    return {"start_s": started - start, "work_s": time.perf_counter() - started, "found": found}


def floor(directory: Path, master: str) -> dict[str, Any]:
    from pyspark.sql import SparkSession
    from pyspark.sql import functions as F

    start = time.perf_counter()
    builder = SparkSession.builder.master(master).appName("bench-floor")
    for key, value in CONF.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    started = time.perf_counter()
    reference = session.read.parquet(str(directory / "reference.parquet"))
    current = session.read.parquet(str(directory / "eval.parquet"))
    edges = {}
    for column in NUMERIC:  # one column per job: percentile holds every distinct value
        (row,) = reference.agg(F.percentile(column, F.lit(PROBS))).collect()
        edges[column] = np.unique(np.array(row[0], dtype=np.float64))
    found: dict[str, Any] = {c: {"edges": edges[c].tolist()} for c in NUMERIC}
    for side, table in (("reference", reference), ("eval", current)):
        (row,) = table.agg(*_bin_sums(F, edges)).collect()
        for column in NUMERIC:
            found[column][side] = [int(row[f"{column}_{k}"]) for k in range(len(edges[column]) + 2)]
    found["segment"] = {
        side: {str(r[0]): int(r[1]) for r in table.groupBy("segment").count().collect()}
        for side, table in (("reference", reference), ("eval", current))
    }
    return {"start_s": started - start, "work_s": time.perf_counter() - started, "found": found}


def _bin_sums(F: Any, edges: dict[str, np.ndarray]) -> list[Any]:
    """Per column: count of rows in each `searchsorted(side="right")` bin, then the missing."""
    sums = []
    for column, cuts in edges.items():
        value = F.col(column)
        missing = value.isNull() | F.isnan(value)
        bucket = sum((value >= float(cut)).cast("int") for cut in cuts)
        for k in range(len(cuts) + 1):
            hit = F.when(~missing & (bucket == k), 1).otherwise(0)
            sums.append(F.sum(hit).alias(f"{column}_{k}"))
        sums.append(F.sum(F.when(missing, 1).otherwise(0)).alias(f"{column}_{len(cuts) + 1}"))
    return sums


def main() -> None:
    side, directory = sys.argv[1], Path(sys.argv[2])
    master = sys.argv[3] if len(sys.argv) > 3 else "local[2]"
    if side == "floor":
        result = floor(directory, master)
    else:
        result = with_engine("spark" if side == "engine" else "pandas", directory, master)
    emit({"side": side, **result})


if __name__ == "__main__":
    main()
