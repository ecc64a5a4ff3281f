"""What every gate module provides, and the shared threshold logic.

`GateConfig` lives in the leaf `mlops_gate.config` (the policy models share its base) and is
re-exported here, where gate authors look for it.

Thresholds, for every gate (DESIGN.md "Thresholds"): `min`/`max` limits are inclusive, and a value
within a few ulps of its limit is at the limit. A measured value is the end of a float computation
(a difference of two metrics, a mean, a ratio): `0.85 - 0.84` is `0.010000000000000009`, so a drop
exactly equal to `max_drop: 0.01` would fail "by 8.67e-18" under a bare `>` (issue 13). Every
gate's limit comparison goes through `is_above`/`is_below` (or the verdicts built on them), so the
boundary is defined here once.
"""

from __future__ import annotations

import math
import sys
from typing import TYPE_CHECKING, Protocol

from mlops_gate.config import GateConfig

if TYPE_CHECKING:
    from mlops_gate.gates.context import GateContext
    from mlops_gate.results import GateResult, Verdict

__all__ = [
    "GateConfig",
    "GateModule",
    "is_above",
    "is_below",
    "tolerance",
    "verdict_at_least",
    "verdict_at_most",
]

# How many machine epsilons (relative to the largest magnitude involved) still count as "at the
# limit": a handful of roundings, far below any difference a policy can mean.
ULPS = 4
EPS = sys.float_info.epsilon


class GateModule(Protocol):
    """A gate type: `Config` (its policy model) and `evaluate`.

    A module may also have report pieces, found by name by the reporters (`reports/pieces.py`) on
    the module its `VIEW` names (`mlops_gate/gates/views/<type>.py`), else on itself:
    `charts(result) -> list[str]` (SVG), `breakdown(result)` (a titled table for Markdown) and
    `facts(result) -> list[str]` (one-line numbers for the HTML section).
    """

    Config: type[GateConfig]

    @staticmethod
    def evaluate(config: GateConfig, context: GateContext) -> GateResult: ...


def tolerance(limit: float, scale: float = 0.0) -> float:
    """How far a value may lie past `limit` and still be at it: `ULPS` epsilons of the largest of
    1, |limit| and `scale` (the magnitude of the numbers the value was computed from, e.g. the
    two metrics whose difference is a drop)."""
    return ULPS * EPS * max(1.0, abs(limit), abs(scale))


def is_above(value: float, limit: float, scale: float = 0.0) -> bool:
    """Whether `value` breaks an inclusive maximum `limit` (beyond the tolerance). NaN breaks it."""
    if math.isnan(value) or math.isnan(limit):
        return True
    if not (math.isfinite(value) and math.isfinite(limit)):
        return value > limit
    return value - limit > tolerance(limit, max(abs(value), abs(scale)))


def is_below(value: float, limit: float, scale: float = 0.0) -> bool:
    """Whether `value` breaks an inclusive minimum `limit` (beyond the tolerance). NaN breaks it."""
    return is_above(-value, -limit, scale)


def verdict_at_most(
    value: float, limit: float, warn: float | None = None, *, scale: float = 0.0
) -> Verdict:
    """`fail` above `limit`, `warn` above `warn`, else `pass` (lower is better); NaN is `error`."""
    from mlops_gate.results import Verdict

    if math.isnan(value):
        return Verdict.ERROR
    if is_above(value, limit, scale):
        return Verdict.FAIL
    if warn is not None and is_above(value, warn, scale):
        return Verdict.WARN
    return Verdict.PASS


def verdict_at_least(
    value: float, limit: float, warn: float | None = None, *, scale: float = 0.0
) -> Verdict:
    """`fail` below `limit`, `warn` below `warn`, else `pass` (higher is better); NaN is `error`."""
    from mlops_gate.results import Verdict

    if math.isnan(value):
        return Verdict.ERROR
    if is_below(value, limit, scale):
        return Verdict.FAIL
    if warn is not None and is_below(value, warn, scale):
        return Verdict.WARN
    return Verdict.PASS
