"""What the expectations gate validates on Spark: the table where it lives, never on the driver.

Great Expectations' Spark datasource validates the DataFrame itself and `spark_counts` runs the
custom checks as aggregations (issue 15); the gate's `_data` step returns the same triple in memory.
`validate` is Great Expectations' run as an engine step, so its Spark jobs run under the check's
deadline too (hooks.py).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.expectations import Expectation, Outcome
    from mlops_gate.gates.expectations import Config


def expectations_data(config: Config, context: EvaluationContext) -> tuple[Any, Any, int]:
    """(the DataFrame GX validates, what the custom checks count, its rows)."""
    from mlops_gate.engine.data.spark.engine import SparkData
    from mlops_gate.expectations.spark_counts import SparkCounts

    engine = context.data
    assert isinstance(engine, SparkData)  # the hook is registered for the spark engine only
    table = engine.table(config.data)
    guard = functools.partial(engine.errors, config.data)
    return table, SparkCounts(table, guard), context.row_count(config.data)


def validate(
    config: Config, context: EvaluationContext, frame: Any, expectations: list[Expectation]
) -> list[Outcome]:
    """Great Expectations' results on the Spark table (`gx_runner.validate`)."""
    from mlops_gate.expectations import gx_runner

    return gx_runner.validate(frame, expectations)
