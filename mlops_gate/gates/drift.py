"""`drift` gate: Population Stability Index per column (and on prediction scores), reference vs eval."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """PSI as DESIGN.md defines it; the gate value is the largest PSI over the columns."""

    type: Literal["drift"]
    method: Literal["psi"] = "psi"
    bins: int = Field(default=10, ge=2, le=1000, description="Quantile bins from the reference.")
    max: float = Field(gt=0, description="Fail if any column's PSI is above this.")
    warn: float | None = Field(default=None, gt=0, description="Warn if any column's PSI is above this.")
    columns: Literal["all"] | list[str] = Field(
        default="all", description="`all` (the features) or a list of columns."
    )
    predictions: bool = Field(default=False, description="Also compare the model's scores on both sets.")
    epsilon: float = Field(default=1e-6, gt=0, lt=0.01, description="Lower clip for bin shares.")

    requires = frozenset({"reference", "eval"})

    def required_inputs(self) -> frozenset[str]:
        return self.requires | ({"model"} if self.predictions else set())

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn is not None and self.warn > self.max:
            raise ValueError("warn is greater than max")
        if isinstance(self.columns, list) and not self.columns:
            raise ValueError("columns is empty: list at least one column, or use `all`")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
