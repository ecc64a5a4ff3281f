"""The gate types: a literal table of built-ins, plus the `mlops_gate.gates` entry-point group."""

from __future__ import annotations

import functools
import importlib
from importlib.metadata import entry_points
from typing import cast

from mlops_gate.gates.base import GateModule

BUILTIN_GATES: dict[str, str] = {
    "metric": "mlops_gate.gates.metric",
    "latency": "mlops_gate.gates.latency",
    "bias": "mlops_gate.gates.bias",
    "size": "mlops_gate.gates.size",
    "drift": "mlops_gate.gates.drift",
    "expectations": "mlops_gate.gates.expectations",
    "equivalence": "mlops_gate.gates.equivalence",
    "pytest": "mlops_gate.gates.pytest_gate",
}

ENTRY_POINT_GROUP = "mlops_gate.gates"


@functools.cache
def gate_types() -> dict[str, GateModule]:
    """Every gate type by name; built-ins cannot be shadowed by plugins."""
    found: dict[str, str] = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    found.update(BUILTIN_GATES)
    return {
        name: cast(GateModule, importlib.import_module(path))
        for name, path in sorted(found.items())
    }
