"""The metric gate's catalogue: which metrics exist, for which task, and which way is better.

Built-ins are scikit-learn's (docs/gates/metrics.md names the function each one equals). A
custom metric is a function `f(y_true, y_pred, y_score) -> float` registered under the
entry-point group `mlops_gate.metrics` (`mlops_gate.plugins.registered`: it may add a name,
never shadow a built-in). It is higher-is-better unless the function has the attribute
`lower_is_better = True`; its interval comes from the same bootstrap, one call per resample.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, cast

ENTRY_POINT_GROUP = "mlops_gate.metrics"

BuiltinMetric = Literal[
    "accuracy",
    "precision",
    "recall",
    "f1",
    "roc_auc",
    "log_loss",
    "balanced_accuracy",
    "average_precision",
    "brier",
    "matthews",
    "mae",
    "rmse",
    "r2",
    "mape",
]
# Scored from the model's labels (a `threshold` applies); the others from its probabilities.
LABEL = frozenset({"accuracy", "precision", "recall", "f1", "balanced_accuracy", "matthews"})
PROBABILITY = frozenset({"roc_auc", "log_loss", "average_precision", "brier"})
CLASSIFICATION = LABEL | PROBABILITY
REGRESSION = frozenset({"mae", "rmse", "r2", "mape"})
BUILTIN = CLASSIFICATION | REGRESSION
LOWER_IS_BETTER = frozenset({"log_loss", "brier", "mae", "rmse", "mape"})

CustomMetric = Callable[[Any, Any, Any], float]


def custom_metrics() -> dict[str, str]:
    """Registered custom metrics: name -> `module:function` (built-in names excluded)."""
    from mlops_gate.plugins import registered

    found = registered(ENTRY_POINT_GROUP, dict.fromkeys(BUILTIN, ""))
    return {name: target for name, target in found.items() if name not in BUILTIN}


def custom_metric(name: str) -> CustomMetric:
    """The registered function of `name`; a ValueError naming the valid metrics when unknown."""
    from mlops_gate.plugins import load_object

    found = custom_metrics()
    if name not in found:
        valid = ", ".join(sorted(BUILTIN | set(found)))
        raise ValueError(f"unknown metric {name!r}: valid metrics are {valid}")
    function = load_object(found[name])
    if not callable(function):
        raise ValueError(f"metric {name!r} ({found[name]}) is not a function")
    return cast(CustomMetric, function)


def lower_is_better(name: str) -> bool:
    """Which way is better for `name` (a custom metric says so by its attribute)."""
    if name in BUILTIN:
        return name in LOWER_IS_BETTER
    return bool(getattr(custom_metric(name), "lower_is_better", False))
