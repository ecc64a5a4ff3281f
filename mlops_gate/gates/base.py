"""What every gate module provides, and the shared threshold logic."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Protocol

from pydantic import Field

from mlops_gate.policy.strict import StrictModel

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult, Verdict

ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"


class GateConfig(StrictModel):
    """Fields every gate has. Subclasses add `type: Literal[...]` and their own settings."""

    id: str | None = Field(
        default=None, pattern=ID_PATTERN, description="Stable name in reports (default: derived)."
    )
    type: str

    # What the gate reads, checked against the policy before anything runs:
    # "model", "baseline", "target", "eval", "reference".
    requires: ClassVar[frozenset[str]] = frozenset()
    # Whether a result may be reused while the config and the files it reads are unchanged, and
    # whether it also depends on the machine (a timing).
    cacheable: ClassVar[bool] = True
    machine_dependent: ClassVar[bool] = False

    def default_id(self) -> str:
        return self.type

    def required_inputs(self) -> frozenset[str]:
        """Inputs this configuration needs (may depend on its settings)."""
        return self.requires

    def input_paths(self) -> dict[str, str]:
        """Files of its own the gate reads, by key path (`suite`, `source.path`), policy-relative.

        The existence check, the evidence file and the result cache all read this.
        """
        return {}


class GateModule(Protocol):
    """A gate type: `Config` (its policy model) and `evaluate`."""

    Config: type[GateConfig]

    @staticmethod
    def evaluate(config: GateConfig, context: EvaluationContext) -> GateResult: ...


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
