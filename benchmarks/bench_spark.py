"""The Spark engine's cost (issue 15, item 5): the drift aggregates of every column, by mlops-gate's
Spark engine (local[2]) vs a hand-written PySpark job computing the same aggregates (the floor)
vs the streaming pandas engine, on the large-data benchmark's Parquet (large_parquet.py).

    python benchmarks/bench_spark.py [--dir DIR]
    BENCH_SPARK_ROWS=10000000,20000000,50000000   eval rows per size (reference: a fifth)
    BENCH_SPARK_RUNS=3                            rounds per size, the sides interleaved
    BENCH_SPARK_FLOOR_RUNS=3                      of those rounds, how many run the floor too
                                                  (it takes ~6x the engine's time at 10M rows)
    BENCH_SPARK_PANDAS=1                          also time the streaming pandas engine
    BENCH_SPARK_MASTER=local[2]
    BENCH_SPARK_DRIVER_MEMORY=4g                  the heap of both Spark sides (default: Spark's 1g)

Each side runs in a fresh process (workers/spark_aggregates.py), so each pays its own JVM start;
the ratio engine/floor is taken per round on the Spark work only (session start reported
apart), and its range over the rounds is the figure (target ≤ 1.3x). The driver's peak RSS is
the Python process's own (VmHWM, `workers/_worker.py`; the JVM is a child process): target
< 1 GB. Before a figure is kept, the sides must agree: the same edges (within 1e-12) and the
same counts.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
from _common import PROJECT_PYTHON, BenchResult, run_worker, summary, write_result
from large_parquet import write_parquet

TARGET_RATIO = 1.3
TARGET_RSS_MB = 1024.0


def ensure(directory: Path, rows: int) -> Path:
    """eval.parquet (`rows`) and reference.parquet (a fifth) of large_parquet's task."""
    where = directory / str(rows)
    where.mkdir(parents=True, exist_ok=True)
    if not (where / "reference.parquet").exists():
        print(f"bench_spark: writing {rows:,} + {rows // 5:,} rows", file=sys.stderr)
        write_parquet(where / "eval.parquet", rows, seed=2, shift=0.2)
        write_parquet(where / "reference.parquet", rows // 5, seed=1, shift=0.0)
    return where


def agree(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """Where two sides' aggregates differ (empty when they agree)."""
    problems = []
    for column, found in left.items():
        other = right[column]
        if column == "segment":
            if found != other:
                problems.append(f"{column}: category counts differ")
            continue
        if not np.allclose(found["edges"], other["edges"], rtol=1e-12, atol=0.0):
            problems.append(f"{column}: edges differ")
        elif (found["reference"], found["eval"]) != (other["reference"], other["eval"]):
            problems.append(f"{column}: bin counts differ")
    return problems


def measure(
    where: Path, rounds: int, sides: list[str], master: str, floor_rounds: int
) -> tuple[dict[str, list[Any]], dict[str, str]]:
    """Each side's runs, round by round (the floor only in the first `floor_rounds` rounds), and
    why a side failed: a failed side is reported and not run again; the others go on."""
    runs: dict[str, list[Any]] = {side: [] for side in sides}
    failed: dict[str, str] = {}
    for round_ in range(rounds):
        here = [s for s in sides if (s != "floor" or round_ < floor_rounds) and s not in failed]
        order = here if round_ % 2 == 0 else list(reversed(here))  # alternate who goes first
        for side in order:
            try:
                found = run_worker(PROJECT_PYTHON, "spark_aggregates.py", side, str(where),
                                   master, timeout=7200)  # fmt: skip
            except RuntimeError as exc:  # e.g. the JVM's OutOfMemoryError: a figure in itself
                failed[side] = cause(str(exc))
                print(f"bench_spark: {where.name} {side}: failed: {failed[side]}", file=sys.stderr)
                continue
            print(f"bench_spark: {where.name} {side}: start {found['start_s']:.1f} s, work "
                  f"{found['work_s']:.1f} s, driver {found['peak_rss_mb']:.0f} MB",
                  file=sys.stderr)  # fmt: skip
            runs[side].append(found)
    return runs, failed


def cause(text: str) -> str:
    """The root cause in a failed worker's output: the JVM's error, else the last line."""
    jvm = re.findall(r"java\.lang\.\w+Error: [^\n]*", text)
    found = jvm or re.findall(r"\w+(?:Error|Exception): [^\n]*", text)
    return (found[0] if jvm else found[-1] if found else text.strip().splitlines()[-1])[:200]


def report(
    result: BenchResult, rows: int, runs: dict[str, list[Any]], failed: dict[str, str]
) -> None:
    heap = os.environ.get("BENCH_SPARK_DRIVER_MEMORY") or "1g (Spark's default)"
    label = f"{rows:,} eval + {rows // 5:,} reference rows x 19 columns, heap {heap}"
    for side, why in failed.items():
        result.add(f"{side}: failed, {label}", 0.0, "", note=why)
        result.raw[f"{rows}/{side}/failed"] = why
    if not runs["engine"]:
        return
    engine, floor = runs["engine"], runs["floor"]
    # Per round, side by side: the floor's rounds are the first ones of the engine's.
    ratios = [e["work_s"] / f["work_s"] for e, f in zip(engine, floor, strict=False)]
    rss = max(e["peak_rss_mb"] for e in engine)
    if ratios:  # BENCH_SPARK_FLOOR_RUNS=0: the engine's scaling alone
        result.add(
            f"Spark engine / hand-written PySpark job, {label} (range over {len(ratios)} rounds)",
            max(ratios), "x", target=f"≤ {TARGET_RATIO}x", ok=max(ratios) <= TARGET_RATIO,
            note=f"{min(ratios):.2f}-{max(ratios):.2f}x",
        )  # fmt: skip
    result.add(f"driver (Python) peak RSS, Spark engine, {label}", rss, "MB",
               target="< 1024 MB", ok=rss < TARGET_RSS_MB)  # fmt: skip
    runs = {side: found for side, found in runs.items() if found}
    for side, found in runs.items():
        work = summary([f["work_s"] for f in found])
        start = summary([f["start_s"] for f in found])
        result.add(f"{side}: work (median), {label}", work["median"], "s",
                   note=f"range {work['min']:.1f}-{work['max']:.1f} s; session start "
                   f"{start['median']:.1f} s")  # fmt: skip
        result.raw[f"{rows}/{side}"] = [{k: v for k, v in f.items() if k != "found"} for f in found]
    for side, found in runs.items():
        problems = agree(engine[0]["found"], found[0]["found"])
        result.agreement.append(
            f"{rows:,} rows, engine vs {side}: " + ("; ".join(problems) or "same edges and counts")
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=None)
    args = parser.parse_args()
    directory = args.dir or Path(tempfile.gettempdir()) / "mlops-gate-bench-spark"
    sizes = [int(s) for s in os.environ.get("BENCH_SPARK_ROWS", "10000000").split(",")]
    rounds = int(os.environ.get("BENCH_SPARK_RUNS", "3"))
    floor_rounds = int(os.environ.get("BENCH_SPARK_FLOOR_RUNS", str(rounds)))
    sides = ["engine", "floor"] + (["pandas"] if os.environ.get("BENCH_SPARK_PANDAS") else [])
    master = os.environ.get("BENCH_SPARK_MASTER", "local[2]")
    result = BenchResult("spark")
    for rows in sizes:
        where = ensure(directory, rows)
        report(result, rows, *measure(where, rounds, sides, master, floor_rounds))
    write_result(result)
    for row in result.rows:
        print(f"{row.measure}: {row.value:.3g} {row.unit} {row.verdict} {row.note}")
    print("\n".join(result.agreement))
    return 0


if __name__ == "__main__":
    sys.exit(main())
