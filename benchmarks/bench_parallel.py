"""The example policy's gates one at a time vs two at a time (issue #8, item 4).

    python benchmarks/bench_parallel.py [--repeats N]

Fresh processes, alternating jobs=1 and jobs=2 (so a slow spell of the shared machine hits both),
each timing `run_gates` of examples/credit-risk/mlops-gate.yaml cold (no cache): imports, data,
models and every gate. Reports the medians and their ratio; the verdicts must be the same.
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from _common import PROJECT_PYTHON, BenchResult, run_worker, write_result


def main(repeats: int) -> None:
    runs: dict[int, list[dict[str, Any]]] = {1: [], 2: []}
    for index in range(repeats):
        for jobs in (1, 2) if index % 2 == 0 else (2, 1):
            runs[jobs].append(run_worker(PROJECT_PYTHON, "parallel_gates.py", str(jobs)))
    walls = {jobs: [float(r["wall_s"]) for r in found] for jobs, found in runs.items()}
    result = BenchResult("parallel")
    result.raw = {"runs": runs}
    one, two = statistics.median(walls[1]), statistics.median(walls[2])
    result.add("example policy, cold run_gates, jobs=1 (median)", one, "s")
    result.add("example policy, cold run_gates, jobs=2 (median)", two, "s")
    result.add("jobs=2 / jobs=1", two / one, "x", note=f"{repeats} runs each, alternating")
    verdicts = {tuple(r["verdicts"]) for found in runs.values() for r in found}
    result.agreement.append(f"same verdicts in every run: {len(verdicts) == 1}")
    write_result(result)


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 5
    main(count)
