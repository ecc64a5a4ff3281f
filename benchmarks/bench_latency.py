"""Latency gate overhead and stability, on the credit-risk example's ONNX models (batch 1, CPU).

    python benchmarks/bench_latency.py [--before TREE] [--series N] [--spread-only]

1. Overhead: the gate's p50 vs a bare `session.run` loop on the same session, alternated round by
   round in one process; the figure is the median over rounds of gate p50 / bare p50 (paired, so
   slow drifts of the shared machine cancel). Target: within 5%. A bare loop in the anchors venv
   (own process, own session) is reported beside it. `--spread-only` skips this part.
2. Stability: 5 fresh processes each run the gate with `max_regression` against the champion
   (interleaved calls); the spread (max - min) / median of the candidate/baseline ratio, target
   <= 3%, beside the spread of the absolute p95. Once with the gate's default 200 timed calls,
   once with 2,000. `--series N` repeats the 5 processes N times and reports the range of the
   spreads. `--before TREE` (an earlier checkout, e.g. `git worktree add /tmp/before HEAD~1`)
   runs the same worker on TREE's `mlops_gate` in alternate processes, so before and after are
   measured in the same minutes of the same machine (issue 16: see "Latency spread" in
   benchmarks/README.md).
"""

from __future__ import annotations

import os
import statistics
import sys
from pathlib import Path
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


def ratios(runs: str, tree: Path | None) -> dict[str, Any]:
    """One process: the gate's ratio, on this checkout or on `tree`'s mlops_gate."""
    saved = os.environ.get("PYTHONPATH")
    if tree is not None:
        os.environ["PYTHONPATH"] = str(tree)
    try:
        return run_worker(PROJECT_PYTHON, "latency_gate.py", "ratio", runs)
    finally:
        if tree is not None:
            os.environ.pop("PYTHONPATH")
            if saved is not None:
                os.environ["PYTHONPATH"] = saved


def stability(result: BenchResult, runs: str, before: Path | None, series: int) -> None:
    """Spread of the gate's baseline ratio over fresh processes (before and after, alternating)."""
    trees: dict[str, Path | None] = {"after": None} | ({"before": before} if before else {})
    found: dict[str, list[list[dict[str, Any]]]] = {name: [] for name in trees}
    for index in range(series):
        batch: dict[str, list[dict[str, Any]]] = {name: [] for name in trees}
        for process in range(PROCESSES):
            names = list(trees) if (index + process) % 2 == 0 else list(trees)[::-1]
            for name in names:
                batch[name].append(ratios(runs, trees[name]))
        for name in trees:
            found[name].append(batch[name])
    result.raw[f"ratio_runs_{runs}"] = found
    label = f"{PROCESSES} processes, {runs} timed calls asked"
    for name, runs_of in found.items():
        spreads = [spread([f["ratio"] for f in one]) * 100 for one in runs_of]
        ok = max(spreads) <= 3
        result.add(
            f"spread of the baseline ratio, {name} ({label}; worst of {series} series)",
            max(spreads),
            "%",
            "<= 3%" if name == "after" else "",
            ok if name == "after" else None,
            note="series: " + ", ".join(f"{s:.1f}%" for s in spreads),
        )
        p95 = [spread([f["p95_ms"] for f in one]) * 100 for one in runs_of]
        result.add(f"spread of the absolute p95, {name} ({label})", max(p95), "%")
        pairs = [f["pairs"] for one in runs_of for f in one]
        result.add(
            f"pairs the gate timed, {name} ({label}): median",
            statistics.median(pairs),
            "pairs",
            note=f"{min(pairs)} to {max(pairs)}",
        )
    _estimators(result, found["after"][0], label)


def _estimators(result: BenchResult, found: list[dict[str, Any]], label: str) -> None:
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


def main(argv: list[str]) -> None:
    """Overhead, then stability at the default 200 and at 2,000 timed calls."""
    before = Path(argv[argv.index("--before") + 1]).resolve() if "--before" in argv else None
    series = int(argv[argv.index("--series") + 1]) if "--series" in argv else 1
    result = BenchResult("latency")
    if "--spread-only" not in argv:
        overhead(result)
    stability(result, "200", before, series)
    stability(result, "2000", before, series)
    write_result(result)


if __name__ == "__main__":
    main(sys.argv[1:])
