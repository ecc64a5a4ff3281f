"""The whole example policy (examples/credit-risk/mlops-gate.yaml), cold: a fresh `check` process.

    python benchmarks/bench_example.py [--repeats N]

Each run is a new `mlops-gate check` process (imports, data, models, every gate, reports,
evidence) in a temp working directory; wall time and peak RSS from GNU time, and each gate's own
duration from the results JSON. There is no result cache yet (issue 8 item 3), so there is no
warm figure to report: a second run does all the work again.
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
from pathlib import Path

from _common import PROJECT_PYTHON, REPO, BenchResult, summary, timed_command, write_result

POLICY = REPO / "examples" / "credit-risk" / "mlops-gate.yaml"
CLI = str(PROJECT_PYTHON.parent / "mlops-gate")


def one_run(workdir: Path) -> tuple[float, float, dict[str, float]]:
    """Wall seconds, peak RSS (MB) and per-gate seconds of one cold `check`."""
    results = workdir / "results.json"
    command = [
        CLI,
        "check",
        str(POLICY),
        "--quiet",
        "--json",
        str(results),
        "--evidence",
        str(workdir / "evidence.json"),
    ]
    seconds, peak, code = timed_command(command, cwd=workdir)
    if code != 0:
        raise RuntimeError(f"mlops-gate check exited {code} on the example policy")
    gates = json.loads(results.read_text())["gates"]
    return seconds, peak, {g["id"]: float(g["duration_s"]) for g in gates}


def main(repeats: int) -> None:
    """Time `repeats` cold runs and write the rows."""
    walls, peaks, per_gate = [], [], []
    with tempfile.TemporaryDirectory(prefix="mlops-gate-example-") as folder:
        for _ in range(repeats):
            seconds, peak, gates = one_run(Path(folder))
            walls.append(seconds)
            peaks.append(peak)
            per_gate.append(gates)
    result = BenchResult("example")
    middle = walls.index(statistics.median_low(walls))
    result.raw = {
        "wall_s": summary(walls),
        "peak_rss_mb": summary(peaks),
        "repeats": repeats,
        "gates_s_of_median_run": per_gate[middle],
    }
    result.add(
        "cold `check` of the example policy (median)",
        statistics.median(walls),
        "s",
        note="no cache yet: cold only",
    )
    result.add("peak RSS of that process (max)", max(peaks), "MB")
    slowest = max(per_gate[middle].items(), key=lambda item: item[1])
    result.add(f"slowest gate: {slowest[0]}", slowest[1], "s")
    result.add("sum of gate durations", sum(per_gate[middle].values()), "s")
    write_result(result)


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3)
