"""mlops-gate's side of the PSI benchmark (project venv): the drift gate, as `check` runs it.

    psi_mlops.py DIR REPEATS all       # the gate on all 23 columns (its own process: its peak RSS)
    psi_mlops.py DIR REPEATS numeric   # the gate on the 20 numeric columns, alternating with the floor

Loads the data through the evaluation context (timed apart), then times `gates.drift.evaluate`
REPEATS times on the same context: the first run is what a CI job pays, the minimum the steady
state. With `numeric`, each repeat also times the floor (psi_floor.py) on the very same frames,
gate and floor taking turns to go first.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from _worker import emit, timed
from psi_floor import floor_psi

NUMERIC = [f"x{i:02d}" for i in range(20)]
POLICY = """\
version: 1
name: bench-psi
data:
  eval: psi_current.parquet
  reference: psi_reference.parquet
gates:
  - {{type: drift, method: psi, bins: 10, max: 0.2, warn: 0.1, columns: {columns}}}
"""


def write_policy(directory: Path, scope: str) -> Path:
    """A one-gate policy next to the data (paths in a policy are relative to it)."""
    columns = "all" if scope == "all" else "[" + ", ".join(NUMERIC) + "]"
    path = directory / f"bench-psi-{scope}.yaml"
    path.write_text(POLICY.format(columns=columns))
    return path


def main(directory: Path, repeats: int, scope: str) -> dict[str, Any]:
    """Import and load (timed apart), then REPEATS gate runs (and floor runs for `numeric`)."""

    def imports() -> Any:
        from mlops_gate.engine.context import EvaluationContext
        from mlops_gate.gates import drift
        from mlops_gate.gates.registry import load_policy

        return EvaluationContext, drift, load_policy

    (context_type, drift, load_policy), import_s = timed(imports)
    loaded = load_policy(write_policy(directory, scope))
    context = context_type(loaded)
    (reference, current), load_s = timed(
        lambda: (context.dataset("reference"), context.dataset("eval"))
    )
    gate = loaded.policy.gates[0]
    times: list[float] = []
    floor_times: list[float] = []
    result = None
    floor: dict[str, float] = {}
    for index in range(repeats):
        if scope == "numeric" and index % 2:
            floor, seconds = timed(lambda: floor_psi(reference, current, NUMERIC))
            floor_times.append(seconds)
        result, seconds = timed(lambda: drift.evaluate(gate, context))
        times.append(seconds)
        if scope == "numeric" and not index % 2:
            floor, seconds = timed(lambda: floor_psi(reference, current, NUMERIC))
            floor_times.append(seconds)
    assert result is not None
    return {
        "import_s": import_s,
        "load_s": load_s,
        "times_s": times,
        "floor_times_s": floor_times,
        "psi": result.details["columns"],
        "floor_psi": floor,
        "verdict": str(result.verdict),
    }


if __name__ == "__main__":
    emit(main(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]))
