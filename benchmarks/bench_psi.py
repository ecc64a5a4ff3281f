"""PSI drift, 1,000,000 rows x 20 numeric + 3 categorical columns: mlops-gate vs Evidently and the floor.

    python benchmarks/bench_psi.py [--data DIR]

mlops-gate's drift gate (project venv) and Evidently 0.7's DataDriftPreset(method="psi") (anchors
venv) each run in a process of their own, so that each peak RSS is its own side's. The floor (one
sort per reference column + one searchsorted pass) takes turns with the gate on the numeric
columns in one process, on the same frames. Imports and data loading are timed apart and left
out of the ratios. Targets (issue 8): >= 20x faster than Evidently, <= half its peak memory,
<= 2x the floor.
"""

from __future__ import annotations

import shutil
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

THRESHOLD = 0.1  # Evidently's default PSI drift threshold; mlops-gate's `warn` in the policy
GATE_DIGITS_TOLERANCE = 1e-6  # the gate reports PSI rounded to 6 digits


def compare(result: BenchResult, sides: dict[str, dict[str, Any]]) -> None:
    """The agreement checks: same definition → same numbers; different binning → explained."""
    gate, floor = sides["mlops-gate"]["psi"], sides["mlops-gate numeric"]["floor_psi"]
    evidently, rebuilt = sides["evidently"]["psi"], sides["crosscheck"]["psi"]
    worst_floor = max(abs(gate[c] - floor[c]) for c in floor)
    result.agreement.append(
        f"gate vs floor (same definition), 20 numeric columns: max |diff| {worst_floor:.2g}"
        f" ({'OK' if worst_floor <= GATE_DIGITS_TOLERANCE else 'DIFFERENT'})"
    )
    worst_formula = max(
        abs(evidently[c] - rebuilt[c]) / max(abs(rebuilt[c]), 1e-12) for c in rebuilt
    )
    result.agreement.append(
        "Evidently's numeric PSI = mlops-gate's psi_from_shares on Evidently's own sturges bins:"
        f" max rel diff {worst_formula:.2g} ({'OK' if worst_formula <= 1e-9 else 'DIFFERENT'})"
    )
    categorical = [c for c in evidently if c.startswith("c")]
    worst_cat = max(abs(gate[c] - evidently[c]) for c in categorical)
    result.agreement.append(
        f"categorical PSI (same bins in both tools), {len(categorical)} columns: max |diff|"
        f" {worst_cat:.2g} ({'OK' if worst_cat <= GATE_DIGITS_TOLERANCE else 'DIFFERENT'})"
    )
    ours = sorted(c for c, v in gate.items() if v > THRESHOLD)
    theirs = sorted(c for c, v in evidently.items() if v >= THRESHOLD)
    same = "the same" if ours == theirs else "DIFFERENT"
    result.agreement.append(
        f"columns over {THRESHOLD}: mlops-gate {ours}, Evidently {theirs} ({same})"
    )
    result.raw["psi_by_column"] = {
        c: {"mlops-gate": gate[c], "evidently": evidently[c]} for c in evidently
    }


def rows(result: BenchResult, sides: dict[str, dict[str, Any]]) -> None:
    """The table rows: the three targets and the figures behind them."""
    gate, numeric = sides["mlops-gate"], sides["mlops-gate numeric"]
    evidently = sides["evidently"]
    speedup = evidently["times_s"][0] / gate["times_s"][0]
    memory = gate["peak_rss_mb"] / evidently["peak_rss_mb"]
    floor_s = min(numeric["floor_times_s"])
    to_floor = min(numeric["times_s"]) / floor_s
    add = result.add
    add("mlops-gate drift gate, 23 columns (first run)", gate["times_s"][0], "s")
    add("Evidently DataDriftPreset(psi), 23 columns", evidently["times_s"][0], "s")
    add("speed-up vs Evidently", speedup, "x", ">= 20x", speedup >= 20)
    add("peak RSS mlops-gate", gate["peak_rss_mb"], "MB")
    add("peak RSS Evidently", evidently["peak_rss_mb"], "MB")
    add("peak RSS ratio (mlops-gate / Evidently)", memory, "x", "<= 0.5x", memory <= 0.5)
    add("mlops-gate drift gate, 20 numeric columns (min)", min(numeric["times_s"]), "s")
    add("floor: sort + searchsorted, 20 numeric columns (min)", floor_s, "s")
    add("ratio to the floor (numeric columns)", to_floor, "x", "<= 2x", to_floor <= 2)
    add("Evidently import (not in the ratios)", evidently["import_s"], "s")
    add("mlops-gate data load (not in the ratios)", gate["load_s"], "s")


def main() -> None:
    """Run every side on one data set and write the result."""
    directory, owned = data_dir(sys.argv)
    try:
        ensure_data(directory, "psi")
        folder = str(directory)
        sides = {
            "mlops-gate": run_worker(PROJECT_PYTHON, "psi_mlops.py", folder, "2", "all"),
            "mlops-gate numeric": run_worker(
                PROJECT_PYTHON, "psi_mlops.py", folder, "4", "numeric"
            ),
            "evidently": run_worker(ANCHORS_PYTHON, "psi_evidently.py", folder),
            "crosscheck": run_worker(PROJECT_PYTHON, "psi_crosscheck.py", folder),
        }
        result = BenchResult("psi")
        result.raw = {
            k: {n: v for n, v in s.items() if not n.endswith("psi")} for k, s in sides.items()
        }
        result.raw["evidently_version"] = sides["evidently"]["version"]
        rows(result, sides)
        compare(result, sides)
        write_result(result)
    finally:
        if owned:
            shutil.rmtree(directory, ignore_errors=True)


if __name__ == "__main__":
    main()
