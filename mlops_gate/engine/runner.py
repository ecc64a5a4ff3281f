"""Evaluate a policy's gates in order and turn every outcome, exceptions included, into a result."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate import paths
from mlops_gate.engine.context import EvaluationContext
from mlops_gate.errors import MlopsGateError
from mlops_gate.fsutil import atomic_write_text
from mlops_gate.gates.registry import gate_types
from mlops_gate.results import GateResult, Verdict

if TYPE_CHECKING:
    from mlops_gate.engine.cache import GateCache
    from mlops_gate.gates.base import GateConfig

CRASH_DIR = paths.LOGS
MAX_DEFAULT_JOBS = 2  # issue #8: "concurrently where that helps on 2 cores"
# Threads pay only where NumPy, Parquet decoding and ONNX Runtime hold the work (they release the
# GIL): measured 0.83x the sequential time with 2M eval rows, but 1.0-1.36x on the example's
# 1,000 rows, where imports and Python code hold the GIL (issue 16; benchmarks/README.md,
# "Gates in parallel"). Below this many eval rows the default is one gate at a time.
PARALLEL_MIN_ROWS = 1_000_000
SHARED_LIBRARIES = ("numpy", "pandas", "pyarrow", "pyarrow.parquet", "onnxruntime")


def default_jobs(context: EvaluationContext | None = None) -> int:
    """Gates evaluated at once by default: 1, or the CPUs (at most 2) for a large eval set.

    `jobs=2` never made a policy slower where the eval set had PARALLEL_MIN_ROWS rows or more;
    below that it did (GIL-bound work only switches between threads), so one gate at a time.
    """
    if context is None or _eval_rows(context) < PARALLEL_MIN_ROWS:
        return 1
    return max(1, min(MAX_DEFAULT_JOBS, os.cpu_count() or 1))


def _eval_rows(context: EvaluationContext) -> int:
    """Rows of the eval set in memory (0 where there is none, where it cannot be read (its gates
    say why) or where Spark holds it: counting would be a Spark job, and threads there are
    unmeasured)."""
    if context.loaded.policy.data.eval is None or context.engine_name != "pandas":
        return 0
    try:
        return context.row_count("eval")
    except MlopsGateError:
        return 0


def run_gates(
    context: EvaluationContext, cache: GateCache | None = None, jobs: int | None = None
) -> list[GateResult]:
    """Every gate's result, in policy order; a cached result is reused when its inputs are unchanged.

    Up to `jobs` gates (default `default_jobs()`) are evaluated at once in threads: the heavy
    work (numpy, ONNX Runtime, Parquet decoding) releases the GIL, and the context computes each
    shared input once (per-key locks). Latency gates run afterwards, one at a time with nothing
    else running, so no other gate disturbs their timings. Great Expectations validations run
    one at a time (gx_runner). A streamed (larger than memory) data set runs one gate at a time,
    so that two gates' column copies never add up.
    """
    loaded = context.loaded
    results: list[GateResult | None] = []
    pending: list[int] = []
    keys: list[str | None] = []
    for index in range(len(loaded.policy.gates)):
        key = cache.key(index) if cache is not None else None
        keys.append(key)
        hit = cache.load(key) if cache is not None and key is not None else None
        results.append(None if hit is None else _finish(hit, index, context, cached=True))
        if hit is None:
            pending.append(index)

    def run(index: int) -> None:
        result = results[index] = evaluate_gate(index, context)
        if cache is not None and (key := keys[index]) is not None:
            cache.store(key, result)

    # Scheduling is declared by each gate's config class (`run_alone`, `start_first`).
    gates = loaded.policy.gates
    alone = [i for i in pending if gates[i].run_alone]
    shared = sorted(
        (i for i in pending if not gates[i].run_alone), key=lambda i: not gates[i].start_first
    )
    workers = 1 if context.streams_data() else jobs
    if workers is None and len(shared) > 1:
        workers = default_jobs(context)
    if workers is None or workers <= 1 or len(shared) <= 1:
        for index in shared:
            run(index)
    else:
        _import_libraries([gates[i] for i in shared])
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="gate") as pool:
            list(pool.map(run, shared))  # list(): re-raises a worker's exception, if any
    for index in alone:
        run(index)
    return [result for result in results if result is not None]


def _import_libraries(gates: list[GateConfig]) -> None:
    """Import what the gates use before the threads start, one import at a time.

    Two threads importing overlapping packages (Great Expectations imports pandas and pyarrow
    while a loader does) wait on each other's module locks, and Python raises a deadlock error
    where the waits cross; and an import is Python bytecode holding the GIL, so a multi-second
    one (Great Expectations: 3-4 s) run beside other gates only slows them: the example took
    1.36x longer with 2 jobs than with 1, 0.95x with Great Expectations imported first (issue 16).
    A gate module names its own heavy imports with `import_libraries(config)`, which the runner
    calls here (errors are left to the gate's own evaluation to report).
    """
    import importlib

    for name in SHARED_LIBRARIES:
        try:
            importlib.import_module(name)
        except ImportError:
            continue  # an optional extra: the gate that needs it reports it
    modules = gate_types()
    for gate in gates:
        hook = getattr(modules[gate.type], "import_libraries", None)
        if hook is not None:
            with contextlib.suppress(Exception):
                hook(gate)


def evaluate_gate(index: int, context: EvaluationContext) -> GateResult:
    """The result of the policy's gate `index` on `context`, timed; never raises.

    The one way a gate is evaluated: `check`, `check --artifacts` and the pytest plugin's items
    all call this, so each gets the same id, line, timing and error handling.
    """
    gate = context.loaded.policy.gates[index]
    started = time.perf_counter()
    result = _evaluate(gate, context)
    result = dataclasses.replace(result, duration_s=round(time.perf_counter() - started, 4))
    return _finish(result, index, context)


def _finish(
    result: GateResult, index: int, context: EvaluationContext, *, cached: bool = False
) -> GateResult:
    gate = context.loaded.policy.gates[index]
    return dataclasses.replace(
        result,
        id=gate.gate_id,  # made by the loader; a plugin gate's own id cannot diverge from it
        type=gate.type,
        policy_line=context.loaded.gate_line(index),
        cached=cached or result.cached,
    )


def _evaluate(gate: GateConfig, context: EvaluationContext) -> GateResult:
    """The gate's result; its exceptions become `error` results (a bug is flagged internal)."""
    gate_id = gate.gate_id
    try:
        return gate_types()[gate.type].evaluate(gate, context)
    except MlopsGateError as exc:
        return GateResult(id=gate_id, type=gate.type, verdict=Verdict.ERROR, message=str(exc))
    except Exception as exc:
        log = _write_crash_log(gate_id)
        return GateResult(
            id=gate_id,
            type=gate.type,
            verdict=Verdict.ERROR,
            message=f"internal error: {type(exc).__name__}: {exc} (traceback in {log})",
            internal_error=True,
        )


def _write_crash_log(gate_id: str) -> Path:
    path = (
        CRASH_DIR
        / f"crash-{time.strftime('%Y%m%d-%H%M%S')}-{gate_id.replace('/', '_').replace(':', '_')}.log"
    )
    try:
        atomic_write_text(path, traceback.format_exc())
    except OSError:
        return Path("<unwritable>")
    return path
