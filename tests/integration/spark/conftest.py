"""One real local Spark session for the whole test session (issue 15): `spark_session`.

local[2] (two executor threads, so partitioning and shuffles are real), four shuffle partitions
and no web UI keep each job small. Tests of other areas (Great Expectations on Spark, scoring on
the executors) reuse this fixture by name; the engine reuses the active session too.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from mlops_gate.engine.data.spark.session import DEFAULTS

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

TEST_CONF = {
    **DEFAULTS,
    "spark.sql.shuffle.partitions": "4",
    "spark.default.parallelism": "2",
    # Not `spark-warehouse/` in the checkout (the engine puts it under .mlops-gate/ the same way);
    # one per pytest-xdist worker, whose sessions would otherwise share it.
    "spark.sql.warehouse.dir": str(
        Path(tempfile.gettempdir())
        / f"mlops-gate-test-warehouse-{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    ),
}


@pytest.fixture(scope="session")
def spark_session() -> Iterator[SparkSession]:
    from pyspark.sql import SparkSession

    # Workers run this interpreter, as the engine arranges for a local master: Spark's default,
    # `python3` on PATH, is the venv's only when it is activated (not under `make test`). The
    # context reads PYSPARK_PYTHON once, at its start; the variable is put back afterwards so the
    # CLI's subprocesses in other tests see the environment the user's shell gives them.
    previous = os.environ.get("PYSPARK_PYTHON")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    try:
        builder = SparkSession.builder.master("local[2]").appName("mlops-gate-tests")
        for key, value in TEST_CONF.items():
            builder = builder.config(key, value)
        session = builder.getOrCreate()
    finally:
        if previous is None:
            os.environ.pop("PYSPARK_PYTHON", None)
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()
