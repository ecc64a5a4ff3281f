"""Every Spark job of a check runs under the check's deadline (`spark.timeout_s`, issue 15).

A job slower than the budget is cancelled when the budget is spent: each gate that needed Spark
says it ran out of time, in one line, with no number (exit 2), within the deadline plus a small
margin, and the session stays usable. The budget's clock runs only while Spark work does.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from pyspark.sql import SparkSession

from mlops_gate.deadline import Budget
from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import Verdict, overall_exit_code
from tests.support import write_policy

TIMEOUT_S = 3.0
MARGIN_S = 8.0  # the gates' local work (not charged), the cancel, a busy 2-core runner


def test_the_budget_runs_only_while_its_work_does() -> None:
    budget = Budget(10.0)
    time.sleep(0.05)
    assert budget.remaining() == 10.0  # nothing charged between pieces of work
    started = time.monotonic()
    with budget.charging():
        other = threading.Thread(target=lambda: _charge(budget, 0.2))
        other.start()
        time.sleep(0.2)
        other.join()
    wall = time.monotonic() - started
    spent = 10.0 - budget.remaining()
    assert 0.2 <= spent <= wall  # two threads at once: charged their union, not their sum
    time.sleep(0.05)
    assert budget.remaining() == 10.0 - spent
    assert not budget.expired()


def _charge(budget: Budget, seconds: float) -> None:
    with budget.charging():
        time.sleep(seconds)


@pytest.mark.integration
def test_a_slow_spark_job_ends_at_the_deadline(
    spark_session: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pyspark.sql import functions as F

    monkeypatch.chdir(tmp_path)  # the Spark log goes to ./.mlops-gate/logs

    # 100 rows a partition at 0.2 s a row: 20 s a scan (a lambda: shipped by value to workers)
    slow = F.udf(lambda value: time.sleep(0.2) or float(value), "double")  # type: ignore[func-returns-value]
    spark_session.range(0, 200, numPartitions=2).select(
        slow("id").alias("x")
    ).createOrReplaceTempView("mlops_gate_slow")
    spark_session.range(0, 200).selectExpr("cast(id as double) as x").createOrReplaceTempView(
        "mlops_gate_fast"
    )
    drift = {"type": "drift", "columns": ["x"], "max": 10.0}
    document = {
        "version": 1,
        "name": "slow",
        "data": {
            "engine": "spark",
            "eval": "table:mlops_gate_fast",
            "reference": "table:mlops_gate_slow",
        },
        "spark": {"master": "local[2]", "timeout_s": TIMEOUT_S},
        "gates": [{**drift, "id": "first"}, {**drift, "id": "second"}],
    }
    context = EvaluationContext(load_policy(write_policy(tmp_path, document)))
    started = time.monotonic()
    results = run_gates(context, jobs=1)
    elapsed = time.monotonic() - started

    assert elapsed < TIMEOUT_S + MARGIN_S, elapsed
    assert overall_exit_code(results) == 2
    for result in results:  # the second gate finds the budget spent: no job starts
        assert result.verdict is Verdict.ERROR, result.message
        assert not result.internal_error
        assert "ran out of time" in result.message
        assert f"may take {TIMEOUT_S:g} s in all (spark.timeout_s)" in result.message
        assert "\n" not in result.message
        assert result.value is None
    # The session is still usable, and no tag of the check is left on this thread.
    started = time.monotonic()
    assert spark_session.range(10).count() == 10
    assert time.monotonic() - started < MARGIN_S
    tags = spark_session.sparkContext.getJobTags()
    assert not [tag for tag in tags if tag.startswith("mlops-gate-")]
