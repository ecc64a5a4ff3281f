"""Latency gate overhead and stability, on the credit-risk example's ONNX models (batch 1, CPU).

    python benchmarks/bench_latency.py

1. Overhead: the gate's p50 vs a bare `session.run` loop on the same session, alternated round by
   round in one process; the figure is the median over rounds of gate p50 / bare p50 (paired, so
   slow drifts of the shared machine cancel). Target: within 5%. A bare loop in the anchors venv
   (own process, own session) is reported beside it.
2. Stability: 5 fresh processes each run the gate with `max_regression` against the champion
   (interleaved calls); the spread (max - min) / median of the candidate/baseline ratio, target
   <= 3%, beside the spread of the absolute p95. Once with the gate's default 200 timed calls,
   once with 2,000. The gate's ratio is the median of per-pair ratios over alternating-order
   pairs, with more pairs while it is imprecise (docs/latency.md); the worker's own A-B loop
   beside it computes the previous estimator (ratio of p95s) and others, for comparison.
"""

from __future__ import annotations

import statistics
from typing import Any

from _common import (
    ANCHORS_PYTHON,
    PROJECT_PYTHON,
    REPO,
    BenchResult,
    run_worker,
    spread,
    write_result,
)

EXAMPLE = REPO / "examples" / "credit-risk"
ROUNDS, RUNS = "20", "1000"
PROCESSES = 5


def overhead(result: BenchResult) -> None:
    """Gate p50 vs bare loop p50 on one session; a bare loop in the anchors venv beside it."""
    found = run_worker(PROJECT_PYTHON, "latency_gate.py", "overhead", ROUNDS, RUNS)
    bare = run_worker(
        ANCHORS_PYTHON,
        "latency_bare.py",
        str(EXAMPLE / "models" / "model.onnx"),
        str(EXAMPLE / "data" / "eval.parquet"),
        RUNS,
    )
    result.raw["overhead"] = found
    result.raw["bare_anchors"] = bare
    paired = found["paired_ratio_median"]
    add = result.add
    add("gate p50, batch 1 (median of rounds)", found["gate_median_ms"] * 1e3, "us")
    add("bare session.run loop p50, same session", found["bare_median_ms"] * 1e3, "us")
    add(
        "gate p50 / bare p50 (median of paired rounds)",
        paired,
        "x",
        "within 5%",
        abs(paired - 1) <= 0.05,
    )
    add("bare ORT loop p50, anchors venv, own process", bare["p50_ms"] * 1e3, "us")


def stability(result: BenchResult, runs: str, with_target: bool) -> None:
    """Spread of the gate's baseline ratio (and of other estimators) over fresh processes."""
    found: list[dict[str, Any]] = [
        run_worker(PROJECT_PYTHON, "latency_gate.py", "ratio", runs) for _ in range(PROCESSES)
    ]
    result.raw[f"ratio_runs_{runs}"] = found
    ratio_spread = spread([f["ratio"] for f in found])
    p95_spread = spread([f["p95_ms"] for f in found])
    label = f"{PROCESSES} processes, {runs} timed calls each"
    result.add(
        f"spread of the baseline ratio ({label})",
        ratio_spread * 100,
        "%",
        "<= 3%" if with_target else "",
        ratio_spread <= 0.03 if with_target else None,
    )
    result.add(f"spread of the absolute p95 ({label})", p95_spread * 100, "%")
    result.add(
        f"pairs the gate timed (median; {runs} asked, more while imprecise) ({label})",
        statistics.median(f["pairs"] for f in found),
        "pairs",
    )
    notes = {
        "p95_ratio": "the gate's estimator before issue 8's fix (candidate p95 / baseline p95)",
        "p50_ratio": "candidate estimator, not what the gate computes",
        "paired_median_ratio": "median of per-pair ratios, A-B order only, no extra pairs",
    }
    for name, note in notes.items():
        other = spread([f["estimators"][name] for f in found])
        result.add(
            f"spread of {name}, the bench's own interleaved loop ({label})",
            other * 100,
            "%",
            note=note,
        )


def main() -> None:
    """Overhead, then stability at the default 200 and at 2,000 timed calls."""
    result = BenchResult("latency")
    overhead(result)
    stability(result, "200", with_target=True)
    stability(result, "2000", with_target=False)
    write_result(result)


if __name__ == "__main__":
    main()
