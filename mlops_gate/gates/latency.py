"""`latency` gate: per-call inference time of the shipped ONNX artifact on CPU or CUDA."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    from mlops_gate.context import EvaluationContext
    from mlops_gate.results import GateResult


class Config(GateConfig):
    """Latency percentile after warm-up; against the baseline, calls interleave and the ratio is gated."""

    type: Literal["latency"]
    device: Literal["cpu", "cuda"] = "cpu"
    batch_size: int = Field(default=1, ge=1, le=1_000_000)
    percentile: float = Field(default=95, gt=0, le=100)
    max_ms: float | None = Field(default=None, gt=0, description="Fail if the percentile is above this.")
    warn_ms: float | None = Field(default=None, gt=0, description="Warn if the percentile is above this.")
    max_regression: float | None = Field(
        default=None, ge=0, description="Fail if candidate/baseline percentile ratio exceeds 1 + this."
    )
    runs: int = Field(default=200, ge=10, le=1_000_000, description="Timed calls (per model).")
    warmup: int = Field(default=20, ge=0, le=100_000, description="Untimed calls first.")
    threads: int | None = Field(default=None, ge=1, description="ONNX Runtime intra-op threads (default: ORT's).")
    if_device_missing: Literal["error", "skip"] = "error"

    def default_id(self) -> str:
        return f"latency:{self.device}:p{self.percentile:g}"

    def required_inputs(self) -> frozenset[str]:
        needs = {"model", "eval"}
        if self.max_regression is not None:
            needs.add("baseline")
        return frozenset(needs)

    @model_validator(mode="after")
    def _limits(self) -> Config:
        if self.max_ms is None and self.max_regression is None:
            raise ValueError("set max_ms, max_regression or both")
        if self.warn_ms is not None and self.max_ms is not None and self.warn_ms > self.max_ms:
            raise ValueError("warn_ms is greater than max_ms")
        return self


def evaluate(config: Config, context: EvaluationContext) -> GateResult:
    raise NotImplementedError
