"""The metric keys a check run carries beside its per-gate keys: the names MLflow users know.

A run of `mlflow.evaluate` logs `accuracy_score`, `f1_score`, `roc_auc`, `r2_score`,
`root_mean_squared_error`... (MLflow's default evaluators); the MLflow UI compares runs by those
keys. A check run logs the same names for the same numbers (scikit-learn's definitions in both),
so a team's charts and `mlflow.search_runs` filters cover both kinds of runs. Drift, bias,
latency and size get dotted names of their own (`drift.psi.<column>`, ...). docs/registry.md
holds the table; `tests/unit/registry/test_metric_names.py` keeps the two equal.

The per-gate keys (`gate.<gate id>`, `.baseline`, `.threshold`) stay as they were, so nothing that
read them (dashboards, older runs) loses its numbers. When two gates would give one name (two
`f1` gates on different slices, say), the name goes to the first gate without a slice and the
others keep only their per-gate key: one name, one number.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import Any

from mlops_gate.results import GateResult

# mlops-gate metric name -> the key MLflow's default evaluator logs for the same number.
EVALUATE_NAMES = {
    "accuracy": "accuracy_score",
    "precision": "precision_score",
    "recall": "recall_score",
    "f1": "f1_score",
    "roc_auc": "roc_auc",
    "log_loss": "log_loss",
    "average_precision": "precision_recall_auc",
    "mae": "mean_absolute_error",
    "rmse": "root_mean_squared_error",
    "r2": "r2_score",
    "mape": "mean_absolute_percentage_error",
}
LATENCY_KEYS = ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "throughput_rps")
# MLflow accepts letters, digits, `_`, `-`, `.`, ` `, `/` and `:` in a key, up to 250 characters.
_KEY_CHARS = re.compile(r"[^A-Za-z0-9_.:/ -]")
MAX_KEY = 250


def key_part(text: object) -> str:
    """A column, group or metric name as part of a metric key (other characters become `_`)."""
    return _KEY_CHARS.sub("_", str(text))[:100]


def known_metrics(gates: Iterable[GateResult]) -> dict[str, float]:
    """The recognisable keys of every gate, the first gate winning a name; non-finite numbers
    are left out (MLflow stores them, but a NaN ranks nowhere in a chart)."""
    found: dict[str, float] = {}
    for gate in gates:
        for key, value in _gate_metrics(gate):
            if key not in found and _finite(value) and len(key) <= MAX_KEY:
                found[key] = float(value)
    return found


def _gate_metrics(gate: GateResult) -> list[tuple[str, Any]]:
    details = gate.details
    if gate.type == "metric" and not _sliced(gate):
        metric = str(details.get("metric") or gate.id.removeprefix("metric:").split("#")[0])
        name = EVALUATE_NAMES.get(metric, key_part(metric))
        return [(name, gate.value), (f"{name}.baseline", gate.baseline_value)]
    if gate.type == "drift":
        method = key_part(details.get("method", "psi"))
        columns = details.get("columns")
        pairs = [(f"drift.{method}", gate.value)]
        if isinstance(columns, dict):
            pairs += [(f"drift.{method}.{key_part(c)}", v) for c, v in columns.items()]
        return pairs
    if gate.type == "bias":
        metric = key_part(details.get("metric", "bias"))
        sensitive = details.get("sensitive")
        if isinstance(sensitive, list | tuple):
            sensitive = "+".join(map(str, sensitive))
        name = f"bias.{metric}" + (f".{key_part(sensitive)}" if sensitive else "")
        return [(name, gate.value)]
    if gate.type == "latency":
        return [(f"latency.{key}", details.get(key)) for key in LATENCY_KEYS]
    if gate.type == "size":
        return [("model_size_bytes", details.get("bytes"))]
    return []


def _sliced(gate: GateResult) -> bool:
    """A metric on a slice (`slice`, `slice_by`) is not the model's metric on the eval set."""
    return "[" in gate.id or any(key in gate.details for key in ("slice", "slice_by", "slices"))


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
