"""One `run_gates` of the example policy with JOBS gates at once (project venv), timed.

    parallel_gates.py JOBS       # a number, or `default` (the runner's own choice)

A fresh process per call, as `check` is: the clock runs from building the evaluation context to
the last result, so imports of the gates' libraries (Great Expectations, ONNX Runtime, sklearn)
and loading the data and models count, as they do in a cold `check --no-cache`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from _worker import emit

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy

POLICY = Path(__file__).resolve().parents[2] / "examples" / "credit-risk" / "mlops-gate.yaml"


def main(jobs: int | None) -> None:
    start = time.perf_counter()
    results = run_gates(EvaluationContext(load_policy(POLICY)), jobs=jobs)
    wall = time.perf_counter() - start
    emit(
        {
            "jobs": "default" if jobs is None else jobs,
            "wall_s": wall,
            "verdicts": [r.verdict.value for r in results],
            "gates_s": {r.id: r.duration_s for r in results},
            "errors": {r.id: r.message for r in results if r.verdict.value == "error"},
        }
    )


if __name__ == "__main__":
    main(None if sys.argv[1] == "default" else int(sys.argv[1]))
