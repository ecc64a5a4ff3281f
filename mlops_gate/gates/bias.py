"""`bias` gate: a fairness gap across the groups of a sensitive column (fairlearn's definitions)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult

BiasMetric = Literal[
    "demographic_parity_difference", "equalized_odds_difference", "equal_opportunity_difference"
]


class Config(GateConfig):
    """Largest gap between groups of `sensitive`; groups below `min_group_size` are reported and left out."""

    type: Literal["bias"]
    sensitive: str = Field(description="Column holding the sensitive attribute.")
    metric: BiasMetric = "demographic_parity_difference"
    max: float = Field(ge=0, le=1, description="Fail if the gap is above this.")
    warn: float | None = Field(default=None, ge=0, le=1, description="Warn if the gap is above this.")
    min_group_size: int = Field(default=1, ge=1, description="Groups with fewer rows are reported, not gated.")
    groups: list[int | str | bool] | None = Field(
        default=None, description="Groups that must be present; an absent or empty one is an error."
    )
    pos_label: int | str | bool | None = Field(default=None, description="Overrides model.pos_label.")

    requires = frozenset({"model", "eval", "target"})

    def default_id(self) -> str:
        return f"bias:{self.sensitive}"

    def required_inputs(self) -> frozenset[str]:
        if self.metric == "demographic_parity_difference":
            return frozenset({"model", "eval"})
        return self.requires

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn is not None and self.warn > self.max:
            raise ValueError("warn is greater than max")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
