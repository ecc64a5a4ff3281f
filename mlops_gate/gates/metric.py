"""`metric` gate: a model quality metric on the eval set, against limits and the baseline."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult

MetricName = Literal["accuracy", "precision", "recall", "f1", "roc_auc", "log_loss", "mae", "rmse", "r2"]
CLASSIFICATION = frozenset({"accuracy", "precision", "recall", "f1", "roc_auc", "log_loss"})
LOWER_IS_BETTER = frozenset({"log_loss", "mae", "rmse"})


class Config(GateConfig):
    """Gate on a scikit-learn-defined metric; `confidence` makes every limit pessimistic."""

    type: Literal["metric"]
    metric: MetricName
    min: float | None = Field(default=None, description="Fail below this value.")
    max: float | None = Field(default=None, description="Fail above this value.")
    max_drop: float | None = Field(
        default=None, ge=0, description="Fail if the metric is this much below the baseline's (higher-is-better metrics)."
    )
    max_increase: float | None = Field(
        default=None, ge=0, description="Fail if the metric is this much above the baseline's (lower-is-better metrics)."
    )
    confidence: float | None = Field(
        default=None, gt=0.5, lt=1, description="Gate on this bootstrap confidence bound instead of the point value."
    )
    n_resamples: int = Field(default=1000, ge=100, le=100_000, description="Bootstrap resamples.")
    seed: int = Field(default=0, description="Bootstrap seed (reported).")
    average: Literal["macro", "micro", "weighted"] = Field(default="macro", description="Multiclass averaging.")
    pos_label: int | str | bool | None = Field(default=None, description="Overrides model.pos_label.")

    def default_id(self) -> str:
        return f"metric:{self.metric}"

    def required_inputs(self) -> frozenset[str]:
        needs = {"model", "eval", "target"}
        if self.max_drop is not None or self.max_increase is not None:
            needs.add("baseline")
        return frozenset(needs)

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if all(v is None for v in (self.min, self.max, self.max_drop, self.max_increase)):
            raise ValueError("set at least one of min, max, max_drop, max_increase")
        if self.max_drop is not None and self.metric in LOWER_IS_BETTER:
            raise ValueError(f"{self.metric} is lower-is-better: use max_increase, not max_drop")
        if self.max_increase is not None and self.metric not in LOWER_IS_BETTER:
            raise ValueError(f"{self.metric} is higher-is-better: use max_drop, not max_increase")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
