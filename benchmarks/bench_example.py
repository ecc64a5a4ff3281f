"""The whole example policy (examples/credit-risk/mlops-gate.yaml), cold and warm.

    python benchmarks/bench_example.py [--repeats N]     # needs `make example-models example-build`

Each repeat uses a new temp working directory (so `.mlops-gate/`, the result cache and the embedded
MLflow store start empty) and runs two `mlops-gate check` processes in it: **cold** (imports, data,
models, every gate, reports, evidence, and the policy's MLflow run logged in a new embedded store)
and **warm** (the same, unchanged: every gate from the result cache, the run already recorded).
Wall time and peak RSS from GNU time, each gate's own duration from the cold results JSON.
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
    """Time `repeats` cold + warm pairs and write the rows."""
    walls, peaks, per_gate, warm = [], [], [], []
    for _ in range(repeats):
        with tempfile.TemporaryDirectory(prefix="mlops-gate-example-") as folder:
            seconds, peak, gates = one_run(Path(folder))
            walls.append(seconds)
            peaks.append(peak)
            per_gate.append(gates)
            warm.append(one_run(Path(folder))[0])
    result = BenchResult("example")
    middle = walls.index(statistics.median_low(walls))
    result.raw = {
        "wall_s": summary(walls),
        "warm_wall_s": summary(warm),
        "peak_rss_mb": summary(peaks),
        "repeats": repeats,
        "gates_s_of_median_run": per_gate[middle],
    }
    result.add("cold `check` of the example policy (median)", statistics.median(walls), "s")
    result.add(
        "warm `check`, unchanged: every gate cached (median)",
        statistics.median(warm),
        "s",
        note="target < 1 s",
    )
    result.add("peak RSS of that process (max)", max(peaks), "MB")
    slowest = max(per_gate[middle].items(), key=lambda item: item[1])
    result.add(f"slowest gate: {slowest[0]}", slowest[1], "s")
    result.add("sum of gate durations", sum(per_gate[middle].values()), "s")
    write_result(result)


if __name__ == "__main__":
    main(int(sys.argv[sys.argv.index("--repeats") + 1]) if "--repeats" in sys.argv else 3)
