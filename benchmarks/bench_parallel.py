"""The example policy's gates one at a time, two at a time, and as the runner chooses (issue 16).

    python benchmarks/bench_parallel.py [--repeats N]

Fresh processes, taking turns (jobs=1, jobs=2, the default; the order rotates each repeat, so a
slow spell of the shared machine hits every setting), each timing `run_gates` of
examples/credit-risk/mlops-gate.yaml cold (no cache): imports, data, models and every gate.
Reports the medians and ranges, and each setting against jobs=1; the verdicts must be the same.
"""

from __future__ import annotations

import statistics
import sys
from typing import Any

from _common import PROJECT_PYTHON, BenchResult, run_worker, write_result

SETTINGS = ("1", "2", "default")


def main(repeats: int) -> None:
    runs: dict[str, list[dict[str, Any]]] = {jobs: [] for jobs in SETTINGS}
    for index in range(repeats):
        shift = index % len(SETTINGS)
        for jobs in SETTINGS[shift:] + SETTINGS[:shift]:
            runs[jobs].append(run_worker(PROJECT_PYTHON, "parallel_gates.py", jobs))
    walls = {jobs: [float(r["wall_s"]) for r in found] for jobs, found in runs.items()}
    result = BenchResult("parallel")
    result.raw = {"runs": runs}
    one = statistics.median(walls["1"])
    for jobs, found in walls.items():
        median = statistics.median(found)
        span = f"{min(found):.2f} to {max(found):.2f} s"
        result.add(f"example policy, cold run_gates, jobs={jobs} (median)", median, "s", note=span)
        if jobs != "1":
            note = f"{repeats} runs each, taking turns"
            result.add(f"jobs={jobs} / jobs=1 (medians)", median / one, "x", note=note)
    verdicts = {tuple(r["verdicts"]) for found in runs.values() for r in found}
    result.agreement.append(f"same verdicts in every run: {len(verdicts) == 1}")
    write_result(result)


if __name__ == "__main__":
    count = int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 5
    main(count)
