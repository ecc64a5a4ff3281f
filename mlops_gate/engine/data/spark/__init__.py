"""The Spark data engine (issue 15): `data.engine: spark`. PySpark is imported only when a
session starts, so `mlops-gate validate` and pandas policies never load it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_gate.engine.data.spark.engine import SparkData

if TYPE_CHECKING:
    from mlops_gate.gates.context import ProgressLike
    from mlops_gate.policy.loader import LoadedPolicy

__all__ = ["SparkData", "from_policy"]


def from_policy(loaded: LoadedPolicy, progress: ProgressLike) -> SparkData:
    """The engine over the policy's data (`data.eval`, `data.reference`) and `spark:` section,
    its session's start and jobs bounded by `spark.timeout_s` seconds in all."""
    from mlops_gate.engine.data.spark.reading import locate

    data = loaded.policy.data
    locations = {
        name: None if value is None else locate(value, loaded.resolve(value))
        for name, value in (("eval", data.eval), ("reference", data.reference))
    }
    return SparkData(locations, progress, loaded.policy.spark)
