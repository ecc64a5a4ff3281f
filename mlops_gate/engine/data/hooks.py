"""A data engine's own code for the few gate steps that would pull a whole table into the driver.

Gates and the context ask `engine_hook(engine, step)`: None for an engine that answers with the
gates' in-memory code (pandas), else the engine's function for that step, which returns exactly
what the in-memory step returns. A new engine registers its steps here; gates keep one dispatch
line each and never name an engine.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable
from typing import Any

ENGINE_HOOKS: dict[str, dict[str, str]] = {
    "spark": {
        "metric.measure": "mlops_gate.engine.data.spark.statistics:measure",
        "metric.slice_rows": "mlops_gate.engine.data.spark.slices:slice_rows",
        "metric.measure_rows": "mlops_gate.engine.data.spark.slices:measure_rows",
        "bias.grouping": "mlops_gate.engine.data.spark.fairness:grouping",
        "bias.group_rates": "mlops_gate.engine.data.spark.fairness:group_rates_of",
        "drift.prediction_scores": "mlops_gate.engine.data.spark.prediction_drift:prediction_scores",
        "feature_health": "mlops_gate.engine.data.spark.features:feature_health",
        "expectations.data": "mlops_gate.engine.data.spark.expectations_data:expectations_data",
        "expectations.validate": "mlops_gate.engine.data.spark.expectations_data:validate",
    },
}


ENGINE_ERRORS: dict[str, str] = {"spark": "mlops_gate.engine.data.spark.engine:step_work"}
"""Each engine's guard (a context manager taking what is being done and the step's arguments):
whatever its jobs raise, a failed Python worker included, becomes one line (exit 2), never an
internal error; on Spark its jobs also run under the check's deadline (`--timeout`)."""


def engine_hook(engine: str, step: str) -> Callable[..., Any] | None:
    """The function `engine` runs for `step`, inside the engine's error guard; None: the gate's
    own code."""
    target = ENGINE_HOOKS.get(engine, {}).get(step)
    if target is None:
        return None
    function: Callable[..., Any] = _load(target)
    guard = ENGINE_ERRORS.get(engine)
    if guard is None:
        return function
    errors = _load(guard)

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        with errors(f"{step} on {engine}", *args):
            return function(*args, **kwargs)

    return guarded


def _load(target: str) -> Any:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)
