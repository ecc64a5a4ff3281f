"""`latency` gate: per-call inference time of the shipped ONNX artifact on CPU or CUDA.

How and why it measures what it does is in docs/latency.md. For a generation model it times the
model's requests to its endpoint instead: gates/request_latency.py (docs/llm.md).
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates import request_latency

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.gates.latency_calls import Prepared
    from mlops_gate.gates.latency_timing import Advance, Call, Timing
    from mlops_gate.loaders.models import LoadedModel
    from mlops_gate.metrics.latency import LatencySummary
    from mlops_gate.results import GateResult, Verdict


class Config(request_latency.RequestFields):
    """Latency percentile after warm-up; against a baseline, interleaved calls and their ratio.

    `max_ms`, `warn_ms` and `1 + max_regression` are inclusive limits, compared with a tolerance
    of a few ulps (`gates/base.py`). For a generation model (docs/llm.md): the percentile of its
    requests' times, with `max_cost`, `max_cost_per_request` and `min_tokens_per_s`; id
    `latency:endpoint:p<percentile>`.
    """

    type: Literal["latency"]
    machine_dependent = True  # a timing: reused only on the same machine and runtime
    run_alone = True  # nothing else may run beside a timing
    device: Literal["cpu", "cuda"] = "cpu"
    batch_size: int = Field(default=1, ge=1, le=1_000_000)
    percentile: float = Field(default=95, gt=0, le=100)
    max_ms: float | None = Field(
        default=None, gt=0, description="Fail if the percentile is above this."
    )
    warn_ms: float | None = Field(
        default=None, gt=0, description="Warn if the percentile is above this."
    )
    max_regression: float | None = Field(
        default=None,
        ge=0,
        description="Fail if candidate/baseline percentile ratio exceeds 1 + this.",
    )
    runs: int = Field(default=200, ge=10, le=1_000_000, description="Timed calls (per model).")
    warmup: int = Field(default=20, ge=0, le=100_000, description="Untimed calls first.")
    threads: int | None = Field(
        default=1,
        ge=1,
        description="ONNX Runtime intra-op threads (inter-op 1, sequential); null: ORT's own "
        "default (every core).",
    )
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
        if self.max_ms is None and self.max_regression is None and not self.request_limits():
            raise ValueError(
                "set max_ms, max_regression or both (a generation model: or max_cost, "
                "max_cost_per_request, min_tokens_per_s)"
            )
        if self.warn_ms is not None and self.max_ms is not None and self.warn_ms > self.max_ms:
            raise ValueError("warn_ms is greater than max_ms")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Time the model (interleaved with the baseline when `max_regression` is set); gate on it."""
    from mlops_gate.errors import GateError
    from mlops_gate.gates.latency_calls import prepare
    from mlops_gate.results import GateResult, Verdict

    if context.task == "generation":  # the model's requests to its endpoint, not an ONNX session
        return request_latency.evaluate(config, context)
    model = _checked(context.model("model"), config)
    try:
        model = _on_device(model, config)
    except GateError as exc:
        # Only a missing (or fallen-back) CUDA provider raises GateError here: onnx_runtime.py.
        if config.if_device_missing != "skip":
            raise
        message = f"{exc} (if_device_missing: skip)"
        return GateResult(
            id=config.gate_id, type=config.type, verdict=Verdict.SKIP, message=message
        )
    models = [model]
    first_run = None  # a registry baseline alias that nothing holds yet: no ratio to gate on
    if config.max_regression is not None:
        if context.has_baseline():
            models.append(_on_device(_checked(context.model("baseline"), config), config))
        else:
            first_run = context.baseline_note()
            if first_run is None:
                raise GateError("max_regression needs a `baseline` in the policy")
            if config.max_ms is None:
                return GateResult(
                    id=config.gate_id, type=config.type, verdict=Verdict.SKIP, message=first_run
                )
    batch = _batch(context.head("eval", config.batch_size), config.batch_size)
    roles: list[Role] = ["model", "baseline"]
    prepared = [
        prepare(m, batch, context.model_features(role), config)
        for m, role in zip(models, roles[: len(models)], strict=True)
    ]
    with context.progress.task(f"timing {config.gate_id}", total=config.runs) as advance:
        timing = _measure([p.call for p in prepared], config, advance)
    result = _result(config, timing, prepared)
    if first_run is not None:
        result = dataclasses.replace(result, message=f"{result.message} ({first_run})")
    return result


def _checked(model: LoadedModel, config: Config) -> LoadedModel:
    """`model` if this gate can time it on the configured device, else a GateError."""
    from mlops_gate.errors import GateError
    from mlops_gate.loaders.models import OnnxModel, SklearnModel

    if config.device == "cuda" and not isinstance(model, OnnxModel):
        raise GateError(f"{model.path}: device: cuda times ONNX models only, not {model.kind}")
    if not isinstance(model, OnnxModel | SklearnModel):
        raise GateError(f"{model.path}: cannot time a {model.kind} model")
    return model


def _on_device(model: LoadedModel, config: Config) -> LoadedModel:
    """The model on the configured device and thread count (a fresh session where they differ)."""
    from mlops_gate.loaders.models import OnnxModel

    if isinstance(model, OnnxModel) and (config.device == "cuda" or config.threads is not None):
        return model.with_device(config.device, config.threads)
    return model


def _batch(frame: pd.DataFrame, batch_size: int) -> pd.DataFrame:
    """The first `batch_size` rows, cycled when the data set is smaller."""
    import numpy as np

    from mlops_gate.errors import GateError

    if len(frame) == 0:
        raise GateError("the eval data set has no rows to time the model on")
    return frame.iloc[np.arange(batch_size) % len(frame)]


def _measure(calls: list[Call], config: Config, advance: Advance) -> Timing:
    """Time the calls (`latency_timing.measure`); against a baseline, until the ratio is precise."""
    from mlops_gate.errors import InputError
    from mlops_gate.gates.latency_timing import measure

    precise = _precise if config.max_regression is not None else None
    try:
        return measure(calls, config.runs, config.warmup, advance, precise)
    except Exception as exc:  # ORT and sklearn raise their own types; this is bad input, not a bug
        text = (str(exc).strip().splitlines() or [""])[0][:300]
        raise InputError(f"inference failed while timing: {type(exc).__name__}: {text}") from None


def _precise(timings: list[list[int]]) -> bool:
    """Whether the paired ratio's 95% interval is within PAIRED_PRECISION of it."""
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.latency import PAIRED_PRECISION, paired_ratio_precision

    try:
        return paired_ratio_precision(timings[0], timings[1]) <= PAIRED_PRECISION
    except MetricUndefined:
        return True  # more pairs will not define it; _result reports it


def _result(config: Config, timing: Timing, prepared: list[Prepared]) -> GateResult:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.latency import summarize
    from mlops_gate.results import GateResult

    timings = timing.timings
    try:
        summaries = [summarize(t, config.percentile, config.batch_size) for t in timings]
        paired = _paired_details(config, timings) if len(timings) == 2 else None
    except MetricUndefined as exc:
        raise GateError(f"latency is undefined: {exc}") from None
    value = summaries[0].value_ms
    details = _summary_details(summaries[0], prepared[0].provider)
    details.update(config.model_dump(include={"device", "batch_size", "runs", "warmup", "threads"}))
    details.update(_how_timed(timing, prepared[0]))
    details["percentile"] = float(config.percentile)
    details.update(comparator="≤", unit="ms")
    message = f"p{config.percentile:g} {value:.4g} ms on {prepared[0].provider}"
    if config.max_ms is not None:
        message += f" (max {config.max_ms:g} ms)"
    baseline_value, ratio = None, None
    if paired is not None:
        baseline_value, ratio = summaries[1].value_ms, paired["ratio"]
        details.update(_summary_details(summaries[1], prepared[1].provider, prefix="baseline_"))
        details.update(paired, baseline_ort=prepared[1].ort)
        limit = 1 + (config.max_regression or 0.0)
        message += (
            f"; {ratio:.3g}x the baseline per call (median of {len(timings[0])} interleaved "
            f"pairs; baseline p{config.percentile:g} {baseline_value:.4g} ms; max {limit:.3g}x)"
        )
    return GateResult(
        id=config.gate_id,
        type=config.type,
        verdict=_verdict(value, config, ratio),
        value=value,
        threshold=config.max_ms,
        baseline_value=baseline_value,
        message=message,
        details=details,
    )


def _paired_details(config: Config, timings: list[list[int]]) -> dict[str, Any]:
    """The candidate/baseline ratio, its interval, and the ratio of percentiles beside it."""
    from mlops_gate.metrics.latency import paired_ratio, paired_ratio_interval, regression_ratio

    low, high = paired_ratio_interval(timings[0], timings[1])
    return {
        "ratio": paired_ratio(timings[0], timings[1]),
        "ratio_interval": [low, high],
        "ratio_method": "median of per-pair ratios",
        "max_regression": config.max_regression,
        "interleaved": True,
        "pairs": len(timings[0]),
        "percentile_ratio": regression_ratio(timings[0], timings[1], config.percentile),
    }


def _how_timed(timing: Timing, prepared: Prepared) -> dict[str, Any]:
    """What the timing ran under: a reader of the result can tell a pinned run from another."""
    return {
        "calls": len(timing.timings[0]),
        "timed_s": round(timing.timed_s, 4),
        "stopped": timing.stopped,
        "pinned_cpu": timing.pinned_cpu,
        "pinning": timing.pinning,
        "gc_disabled": True,
        "ort": prepared.ort,
    }


def _summary_details(summary: LatencySummary, provider: str, prefix: str = "") -> dict[str, Any]:
    keys = ("p50_ms", "p95_ms", "p99_ms", "mean_ms", "throughput_rps")
    fields = {key: getattr(summary, key) for key in keys} | {"provider": provider}
    if prefix:
        fields["value_ms"] = summary.value_ms
    return {prefix + key: value for key, value in fields.items()}


def _verdict(value_ms: float, config: Config, ratio: float | None) -> Verdict:
    """The worst of the absolute check and the baseline-ratio check."""
    from mlops_gate.gates.base import is_above, verdict_at_most
    from mlops_gate.results import Verdict

    verdicts = [Verdict.ERROR if math.isnan(value_ms) else Verdict.PASS]
    if config.max_ms is not None:
        verdicts.append(verdict_at_most(value_ms, config.max_ms, config.warn_ms))
    elif config.warn_ms is not None and is_above(value_ms, config.warn_ms):
        verdicts.append(Verdict.WARN)
    if ratio is not None and config.max_regression is not None:
        verdicts.append(verdict_at_most(ratio, 1 + config.max_regression))
    order = [Verdict.PASS, Verdict.WARN, Verdict.FAIL, Verdict.ERROR]
    return max(verdicts, key=order.index)


# Report pieces, found by name by the reporters (mlops_gate/reports/pieces.py).

VIEW = "mlops_gate.gates.views.latency"
"""Where reports/pieces.py finds this gate's charts, breakdown and facts."""
