"""mlops-gate's side of the latency benchmark (project venv), on the example's ONNX models.

    latency_gate.py overhead ROUNDS RUNS   # the gate's p50 vs a bare loop on the same session
    latency_gate.py ratio RUNS             # one interleaved candidate/baseline run, as the gate runs it

`overhead` alternates, round by round, one gate evaluation (batch 1, RUNS timed calls after 20
warm-up calls) with a bare `session.run` loop of the same length on the very same ONNX Runtime
session and inputs; both loops run with the cyclic GC off (the gate turns it off, so the bare
loop does too: the difference left is the gate's own). `ratio` is one `check`-like evaluation of
a latency gate with `max_regression` against the champion (RUNS timed calls each; 200 is the
gate's default). `mlops_gate` is whatever `PYTHONPATH` puts first: `bench_latency.py --before
TREE` runs this same worker on an earlier checkout to measure before and after side by side.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
from _worker import emit

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.gates import latency
from mlops_gate.gates.registry import load_policy

POLICY = Path(__file__).resolve().parents[2] / "examples" / "credit-risk" / "mlops-gate.yaml"
WARMUP = 20


def bare_p50_ms(session: Any, feeds: dict[str, Any], runs: int) -> float:
    """The simplest timing loop: warm up, then time `runs` calls of `session.run`."""
    clock = time.perf_counter_ns
    timings = [0] * runs
    gc.disable()
    try:
        for _ in range(WARMUP):
            session.run(None, feeds)
        for i in range(runs):
            begin = clock()
            session.run(None, feeds)
            timings[i] = clock() - begin
    finally:
        gc.enable()
    return float(np.percentile(timings, 50)) / 1e6


def overhead(rounds: int, runs: int) -> dict[str, Any]:
    """ROUNDS rounds of gate vs bare loop on the same session, alternating which goes first."""
    context = EvaluationContext(load_policy(POLICY))
    config = latency.Config(
        type="latency", batch_size=1, percentile=50, max_ms=1000, runs=runs, warmup=WARMUP
    )
    model = context.model("model")
    batch = context.dataset("eval").iloc[:1]
    feeds = model.feeds(batch, context.model_features("model"))
    gate_p50: list[float] = []
    bare_p50: list[float] = []
    for index in range(rounds):
        first_gate = index % 2 == 0
        if not first_gate:
            bare_p50.append(bare_p50_ms(model.session, feeds, runs))
        gate_p50.append(latency.evaluate(config, context).details["p50_ms"])
        if first_gate:
            bare_p50.append(bare_p50_ms(model.session, feeds, runs))
    paired = [g / b for g, b in zip(gate_p50, bare_p50, strict=True)]
    return {
        "paired_ratio_median": statistics.median(paired),
        "gate_p50_ms": gate_p50,
        "bare_p50_ms": bare_p50,
        "gate_median_ms": statistics.median(gate_p50),
        "bare_median_ms": statistics.median(bare_p50),
    }


def interleaved(context: EvaluationContext, runs: int) -> dict[str, float]:
    """The same interleaved A, B, A, B... timing, kept raw to try other ratio estimators on it."""
    calls = []
    for role in ("model", "baseline"):
        model = context.model(role)
        feeds = model.feeds(context.dataset("eval").iloc[:1], context.model_features(role))
        calls.append((model.session, feeds))
    timings = np.zeros((2, runs))
    clock = time.perf_counter_ns
    gc.disable()
    try:
        for i in range(-WARMUP, runs):
            for j, (session, feeds) in enumerate(calls):
                begin = clock()
                session.run(None, feeds)
                if i >= 0:
                    timings[j, i] = clock() - begin
    finally:
        gc.enable()
    candidate, baseline = timings
    return {
        "p95_ratio": float(np.percentile(candidate, 95) / np.percentile(baseline, 95)),
        "p50_ratio": float(np.percentile(candidate, 50) / np.percentile(baseline, 50)),
        "paired_median_ratio": float(np.median(candidate / baseline)),
    }


def ratio(runs: int) -> dict[str, Any]:
    """The example's latency gate plus `max_regression`: interleaved with the champion."""
    context = EvaluationContext(load_policy(POLICY))
    config = latency.Config(
        type="latency",
        device="cpu",
        batch_size=1,
        percentile=95,
        max_ms=100,
        max_regression=10,
        runs=runs,
    )
    details = latency.evaluate(config, context).details
    keys = ("ratio", "p95_ms", "p50_ms", "baseline_p95_ms", "runs", "pairs", "percentile_ratio")
    found = {key: details[key] for key in keys}
    # Added by issue 16 (absent when this worker runs an earlier tree: `bench_latency --before`).
    for key in ("timed_s", "stopped", "pinned_cpu", "pinning", "ort", "threads"):
        found[key] = details.get(key)
    found["estimators"] = interleaved(context, runs)
    return found


if __name__ == "__main__":
    if sys.argv[1] == "overhead":
        emit(overhead(int(sys.argv[2]), int(sys.argv[3])))
    else:
        emit(ratio(int(sys.argv[2])))
