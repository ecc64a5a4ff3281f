"""`size` gate: bytes on disk of each shipped artifact (ONNX external data included)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """Artifact size in MB (1 MB = 1,000,000 bytes)."""

    type: Literal["size"]
    max_mb: float = Field(gt=0, description="Fail above this many megabytes (10^6 bytes).")
    warn_mb: float | None = Field(default=None, gt=0, description="Warn above this many megabytes.")

    requires = frozenset({"model"})

    @model_validator(mode="after")
    def _warn_below_max(self) -> Config:
        if self.warn_mb is not None and self.warn_mb > self.max_mb:
            raise ValueError("warn_mb is greater than max_mb")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
