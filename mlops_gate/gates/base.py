"""What every gate module provides, and the shared threshold logic.

`GateConfig` lives in the leaf `mlops_gate.config` (the policy models share its base) and is
re-exported here, where gate authors look for it.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Protocol

from mlops_gate.config import GateConfig

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult, Verdict

__all__ = ["GateConfig", "GateModule", "verdict_at_least", "verdict_at_most"]


class GateModule(Protocol):
    """A gate type: `Config` (its policy model) and `evaluate`.

    A module may also carry its own report pieces, found by name by the reporters
    (`reports/pieces.py`): `charts(result) -> list[str]` (SVG), `breakdown(result)` (a titled
    table for Markdown) and `facts(result) -> list[str]` (one-line numbers for the HTML section).
    """

    Config: type[GateConfig]

    @staticmethod
    def evaluate(config: GateConfig, context: GateContext) -> GateResult: ...


def verdict_at_most(value: float, limit: float, warn: float | None = None) -> Verdict:
    """`fail` above `limit`, `warn` above `warn`, else `pass` (lower is better)."""
    from mlops_gate.results import Verdict

    if math.isnan(value):
        return Verdict.ERROR
    if value > limit:
        return Verdict.FAIL
    if warn is not None and value > warn:
        return Verdict.WARN
    return Verdict.PASS


def verdict_at_least(value: float, limit: float, warn: float | None = None) -> Verdict:
    """`fail` below `limit`, `warn` below `warn`, else `pass` (higher is better)."""
    from mlops_gate.results import Verdict

    if math.isnan(value):
        return Verdict.ERROR
    if value < limit:
        return Verdict.FAIL
    if warn is not None and value < warn:
        return Verdict.WARN
    return Verdict.PASS
