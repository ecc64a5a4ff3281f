"""The gate types: a literal table of built-ins, plus the `mlops_gate.gates` entry-point group.

Knowing every gate type, the registry is also what turns a policy file into the full model
(`policy_model`, `load_policy`): the policy package parses against whatever model it is given.
"""

from __future__ import annotations

import functools
import importlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, cast

from mlops_gate.gates.base import GateModule
from mlops_gate.plugins import registered

if TYPE_CHECKING:
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.policy.model import Policy

BUILTIN_GATES: dict[str, str] = {
    "metric": "mlops_gate.gates.metric",
    "latency": "mlops_gate.gates.latency",
    "bias": "mlops_gate.gates.bias",
    "size": "mlops_gate.gates.size",
    "drift": "mlops_gate.gates.drift",
    "expectations": "mlops_gate.gates.expectations",
    "equivalence": "mlops_gate.gates.equivalence",
    "pytest": "mlops_gate.gates.pytest_gate",
    "text": "mlops_gate.gates.text",
    "assertions": "mlops_gate.gates.assertions",
    "judge": "mlops_gate.gates.judge",
}

ENTRY_POINT_GROUP = "mlops_gate.gates"


@functools.cache
def gate_types() -> dict[str, GateModule]:
    """Every gate type by name; built-ins cannot be shadowed by plugins."""
    found = registered(ENTRY_POINT_GROUP, BUILTIN_GATES)
    return {name: cast(GateModule, importlib.import_module(path)) for name, path in found.items()}


def policy_model() -> type[Policy]:
    """The `Policy` model with `gates` as the discriminated union of every registered gate type."""
    from mlops_gate.policy.model import policy_model_for

    return policy_model_for(tuple(module.Config for module in gate_types().values()))


def load_policy(path: Path, env: Mapping[str, str] | None = None) -> LoadedPolicy:
    """Read and validate the policy at `path` (once); a `PolicyError` lists every problem."""
    from mlops_gate.policy.loader import parse_policy

    return parse_policy(path, policy_model(), env)
