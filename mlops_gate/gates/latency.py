"""`latency` gate: per-call inference time of the shipped ONNX artifact on CPU or CUDA.

How and why it measures what it does is in docs/latency.md.
"""

from __future__ import annotations

import dataclasses
import functools
import gc
import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from pydantic import Field, model_validator

from mlops_gate.gates.base import GateConfig

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.context import GateContext, Role
    from mlops_gate.loaders.models import LoadedModel
    from mlops_gate.metrics.latency import LatencySummary
    from mlops_gate.results import GateResult, Verdict

Call = Callable[[], object]
Advance = Callable[[float], None]
SKLEARN_PROVIDER = "python:sklearn"
# Progress updates per measurement: often enough to move, rare enough to cost nothing.
PROGRESS_STEPS = 20
# Against a baseline, timed rounds may grow to this many times `runs` while the ratio is imprecise.
MAX_ROUNDS_FACTOR = 5


class Config(GateConfig):
    """Latency percentile after warm-up; against a baseline, interleaved calls and their ratio.

    `max_ms`, `warn_ms` and `1 + max_regression` are inclusive limits, compared with a tolerance
    of a few ulps (`gates/base.py`).
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
        default=None, ge=1, description="ONNX Runtime intra-op threads (default: ORT's)."
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
        if self.max_ms is None and self.max_regression is None:
            raise ValueError("set max_ms, max_regression or both")
        if self.warn_ms is not None and self.max_ms is not None and self.warn_ms > self.max_ms:
            raise ValueError("warn_ms is greater than max_ms")
        return self


def evaluate(config: Config, context: GateContext) -> GateResult:
    """Time the model (interleaved with the baseline when `max_regression` is set); gate on it."""
    from mlops_gate.errors import GateError
    from mlops_gate.results import GateResult, Verdict

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
        _prepare(m, batch, context.model_features(role), config)
        for m, role in zip(models, roles[: len(models)], strict=True)
    ]
    with context.progress.task(f"timing {config.gate_id}", total=config.runs) as advance:
        timings = _measure([call for call, _ in prepared], config, advance)
    result = _result(config, timings, [provider for _, provider in prepared])
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


def _prepare(
    model: LoadedModel, batch: pd.DataFrame, features: list[str], config: Config
) -> tuple[Call, str]:
    """A no-argument call running one inference on prepared inputs, and the provider it runs on."""
    from mlops_gate.errors import InputError
    from mlops_gate.loaders.models import OnnxModel, SklearnModel

    if isinstance(model, OnnxModel):
        feeds = model.feeds(batch, features)  # converted once: the gate times inference, not pandas
        provider = str(model.session.get_providers()[0])
        if config.device == "cuda":
            return _bound_call(model.session, feeds), provider
        names = [output.name for output in model.session.get_outputs()]  # not rebuilt per call
        return functools.partial(model.session.run, names, feeds), provider
    assert isinstance(model, SklearnModel)  # _checked let nothing else through
    missing = [c for c in features if c not in batch.columns]
    if missing:
        raise InputError(f"{model.path}: feature columns missing from the data: {missing}")
    estimator = model.estimator
    classifier = model.task == "classification" and hasattr(estimator, "predict_proba")
    method = estimator.predict_proba if classifier else estimator.predict
    return functools.partial(method, batch[features]), SKLEARN_PROVIDER


def _bound_call(session: Any, feeds: dict[str, Any]) -> Call:
    """`run_with_iobinding` with inputs copied to the GPU once and tensor outputs left there."""
    from mlops_gate.loaders.onnx_runtime import onnxruntime

    ort = onnxruntime()
    session.disable_fallback()  # a failing CUDA run must raise, never rerun on the CPU unnoticed
    binding = session.io_binding()
    for name, array in feeds.items():
        binding.bind_ortvalue_input(name, ort.OrtValue.ortvalue_from_numpy(array, "cuda", 0))
    for output in session.get_outputs():
        # Maps and sequences (e.g. ZipMap) cannot live on the GPU; ORT fills them on the host.
        binding.bind_output(output.name, "cuda" if output.type.startswith("tensor(") else "cpu")
    return functools.partial(session.run_with_iobinding, binding)


def _measure(calls: list[Call], config: Config, advance: Advance) -> list[list[int]]:
    """Warm up, then time `config.runs` rounds of one call per model, interleaved.

    Against a baseline, pairs alternate their order (A B, B A, ...) so that neither model always
    runs right after the other, and rounds are added, `runs` at a time up to MAX_ROUNDS_FACTOR x
    `runs`, while the paired ratio is less precise than PAIRED_PRECISION (docs/latency.md).
    """
    from mlops_gate.errors import InputError

    timings = [[0] * config.runs for _ in calls]
    step = max(1, config.runs // PROGRESS_STEPS)
    gc_was_enabled = gc.isenabled()
    gc.disable()  # a cyclic-GC pass inside a timed call is noise, not latency (timeit does this)
    try:
        _timed_rounds(calls, [[0] * config.warmup for _ in calls], 0, config.warmup)
        for start in range(0, config.runs, step):
            stop = min(start + step, config.runs)
            _timed_rounds(calls, timings, start, stop)
            advance(stop - start)
        while len(calls) == 2 and _imprecise(timings, config):
            more = [[0] * config.runs for _ in calls]
            _timed_rounds(calls, more, 0, config.runs)
            for done, extra in zip(timings, more, strict=True):
                done.extend(extra)
    except Exception as exc:  # ORT and sklearn raise their own types; this is bad input, not a bug
        text = (str(exc).strip().splitlines() or [""])[0][:300]
        raise InputError(f"inference failed while timing: {type(exc).__name__}: {text}") from None
    finally:
        if gc_was_enabled:
            gc.enable()
    return timings


def _imprecise(timings: list[list[int]], config: Config) -> bool:
    """Whether the paired ratio needs more rounds (and may have them)."""
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.latency import PAIRED_PRECISION, paired_ratio_precision

    if config.max_regression is None or len(timings[0]) >= config.runs * MAX_ROUNDS_FACTOR:
        return False
    try:
        return paired_ratio_precision(timings[0], timings[1]) > PAIRED_PRECISION
    except MetricUndefined:
        return False  # _result reports it


def _timed_rounds(calls: list[Call], timings: list[list[int]], start: int, stop: int) -> None:
    """The timed loop: only the call sits between the two clock reads; odd rounds reversed."""
    clock = time.perf_counter_ns
    pairs = list(zip(calls, timings, strict=True))
    orders = (pairs, pairs[::-1])
    for i in range(start, stop):
        for call, out in orders[i & 1]:
            begin = clock()
            call()
            out[i] = clock() - begin


def _result(config: Config, timings: list[list[int]], providers: list[str]) -> GateResult:
    from mlops_gate.errors import GateError
    from mlops_gate.metrics.errors import MetricUndefined
    from mlops_gate.metrics.latency import paired_ratio, regression_ratio, summarize
    from mlops_gate.results import GateResult

    try:
        summaries = [summarize(t, config.percentile, config.batch_size) for t in timings]
        paired = len(timings) == 2
        ratio = paired_ratio(timings[0], timings[1]) if paired else None
        percentile_ratio = (
            regression_ratio(timings[0], timings[1], config.percentile) if paired else None
        )
    except MetricUndefined as exc:
        raise GateError(f"latency is undefined: {exc}") from None
    value = summaries[0].value_ms
    details = _summary_details(summaries[0], providers[0])
    details.update(config.model_dump(include={"device", "batch_size", "runs", "warmup", "threads"}))
    details["percentile"] = float(config.percentile)
    details.update(comparator="≤", unit="ms")
    message = f"p{config.percentile:g} {value:.4g} ms on {providers[0]}"
    if config.max_ms is not None:
        message += f" (max {config.max_ms:g} ms)"
    baseline_value = None
    if ratio is not None:
        baseline_value = summaries[1].value_ms
        details.update(_summary_details(summaries[1], providers[1], prefix="baseline_"))
        details.update(ratio=ratio, max_regression=config.max_regression, interleaved=True)
        details.update(
            ratio_method="median of per-pair ratios",
            pairs=len(timings[0]),
            percentile_ratio=percentile_ratio,
        )
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
