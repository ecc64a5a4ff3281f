"""Data expectations, 1,000,000 rows, 6 expectations: mlops-gate's gate vs GX's own validate vs pandas.

    python benchmarks/bench_expectations.py [--data DIR]

One project-venv process takes turns, round by round, between mlops-gate's expectations gate,
GX's own validation of the same suite on the very same DataFrame (same GX 1.24.1 and pandas as
the gate, so the difference is the gate's own), and the same checks in plain vectorised pandas
(workers/expect_mlops.py). A second process runs GX in the anchors venv (pandas 2), as a user
installs it. GX's import and the data load are timed apart and left out of every ratio.
Target (issue 8): gate <= 1.2x GX's validate time.
"""

from __future__ import annotations

import math
import shutil
import statistics
import sys
from typing import Any

from _common import (
    ANCHORS_PYTHON,
    PROJECT_PYTHON,
    BenchResult,
    data_dir,
    ensure_data,
    run_worker,
    write_result,
)

ROUNDS = "7"
ANCHOR_REPEATS = "3"
TARGET = 1.2


def keyed(outcomes: list[dict[str, Any]]) -> dict[tuple[str, Any], dict[str, Any]]:
    """Outcomes by (type, column): GX returns them in its own order."""
    return {(o["type"], o["column"]): o for o in outcomes}


def same_outcome(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Same success, same unexpected count, same observed value (where both report one)."""
    if a["success"] != b["success"]:
        return False
    counts = a["unexpected_count"], b["unexpected_count"]
    if None not in counts and counts[0] != counts[1]:
        return False
    observed = a["observed_value"], b["observed_value"]
    if None in observed:
        return True
    return math.isclose(float(observed[0]), float(observed[1]), rel_tol=1e-9)


def compare(result: BenchResult, paired: dict[str, Any], anchor: dict[str, Any]) -> None:
    """The gate's outcomes against GX's (both venvs) and plain pandas'."""
    gate = keyed(paired["outcomes"]["gate"])
    others = {
        "GX (project venv)": paired["outcomes"]["gx"],
        "GX (anchors venv, pandas 2)": anchor["outcomes"],
        "plain pandas": paired["outcomes"]["pandas"],
    }
    for name, outcomes in others.items():
        other = keyed(outcomes)
        differing = [k for k in gate if k not in other or not same_outcome(gate[k], other[k])]
        state = "OK" if not differing and len(other) == len(gate) else f"DIFFERENT: {differing}"
        result.agreement.append(
            f"gate vs {name}: success, unexpected_count and observed_value of all"
            f" {len(gate)} expectations ({state})"
        )


def rows(result: BenchResult, paired: dict[str, Any], anchor: dict[str, Any]) -> None:
    """The table rows: times, the two readings of the target, pandas."""
    times, ratio = paired["times_s"], paired["ratio_to"]
    add = result.add
    rounds = f"median of rounds 1-{len(times['gate']) - 1}"
    add(f"mlops-gate expectations gate ({rounds})", median(times["gate"]), "s")
    add("GX context + batch + validate (same process, same frame)", median(times["gx"]), "s")
    add("GX batch.validate alone (inside the above)", median(times["gx_validate"]), "s")
    add(
        "gate / GX context + batch + validate (median of per-round ratios)",
        ratio["gx"],
        "x",
        f"<= {TARGET}x",
        ratio["gx"] <= TARGET,
    )
    add(
        "gate / GX batch.validate alone (strict reading)",
        ratio["gx_validate"],
        "x",
        f"<= {TARGET}x",
        ratio["gx_validate"] <= TARGET,
    )
    add("plain vectorised pandas, same 6 checks", median(times["pandas"]), "s")
    add("gate / plain pandas", ratio["pandas"], "x")
    add(
        "GX context + batch + validate, anchors venv (pandas 2, best of 3)",
        min(anchor["times_s"]),
        "s",
    )
    add("GX import (not in the ratios)", paired["gx_import_s"], "s")


def median(values: list[float]) -> float:
    """Median without round 0 (GX's first validation in a process pays its lazy set-up)."""
    return statistics.median(values[1:])


def main() -> None:
    """Run both workers on one data set and write the result."""
    directory, owned = data_dir(sys.argv)
    try:
        ensure_data(directory, "expectations")
        folder = str(directory)
        paired = run_worker(PROJECT_PYTHON, "expect_mlops.py", folder, ROUNDS)
        anchor = run_worker(ANCHORS_PYTHON, "expect_gx.py", folder, ANCHOR_REPEATS)
        result = BenchResult("expectations")
        result.raw = {
            "paired": {k: v for k, v in paired.items() if k != "outcomes"},
            "anchors_venv": {k: v for k, v in anchor.items() if k != "outcomes"},
        }
        rows(result, paired, anchor)
        compare(result, paired, anchor)
        write_result(result)
    finally:
        if owned:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
