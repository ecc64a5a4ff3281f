"""mlops-gate's side of the expectations benchmark (project venv), taking turns with its anchors.

    expect_mlops.py DIR ROUNDS

Great Expectations is imported and the data loaded (through the evaluation context, as `check`
does) before any clock starts. Then, ROUNDS times, in a rotating order: one
`gates.expectations.evaluate` of the suite; GX's own sequence on the very same DataFrame
(expect_gx.validate_once: context, batch, suite, validate; and `batch.validate` alone inside it);
the same checks as plain pandas (expect_pandas.CHECKS). Round 0 (GX's first validation in a
process pays its lazy set-up) is reported but left out of the ratios, which are medians of the
per-round ratios: taking turns in one process keeps the shared machine's load out of them.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from _worker import emit, timed
from expect_gx import validate_once
from expect_pandas import CHECKS

POLICY = """\
version: 1
name: bench-expectations
data:
  eval: expectations.parquet
gates:
  - {type: expectations, data: eval, suite: expectations_suite.json}
"""


def gate_outcomes(details: dict[str, Any]) -> list[dict[str, Any]]:
    """The gate's per-expectation details in the shape every side reports."""
    keys = ("type", "success", "unexpected_count", "observed_value")
    return [
        {**{k: e[k] for k in keys}, "column": e["kwargs"].get("column")}
        for e in details["expectations"]
    ]


class Setup(NamedTuple):
    """The three ways to check the suite, ready to time; the frame; GX import and load seconds."""

    run: dict[str, Callable[[], Any]]
    frame: Any
    import_s: float
    load_s: float


def runners(directory: Path) -> Setup:
    """Import GX, load the data through the evaluation context, build the three runners."""
    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.expectations import gx_runner
    from mlops_gate.gates import expectations
    from mlops_gate.gates.registry import load_policy

    _, import_s = timed(gx_runner.expectation_types)  # imports GX: kept out of the timings
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx

    path = directory / "bench-expectations.yaml"
    path.write_text(POLICY)
    loaded = load_policy(path)
    context = EvaluationContext(loaded)
    frame, load_s = timed(lambda: context.dataset("eval"))
    suite = json.loads((directory / "expectations_suite.json").read_text())
    gate = loaded.policy.gates[0]
    found = {
        "gate": lambda: gate_outcomes(expectations.evaluate(gate, context).details),
        "gx": lambda: validate_once(gx, frame, suite),
        "pandas": lambda: [CHECKS[e["type"]](frame, e["kwargs"]) for e in suite["expectations"]],
    }
    return Setup(found, frame, import_s, load_s)


def main(directory: Path, rounds: int) -> dict[str, Any]:
    """ROUNDS rounds of gate, GX and pandas in a rotating order; per-round ratios."""
    run, _, import_s, load_s = runners(directory)
    names = list(run)
    times: dict[str, list[float]] = {name: [] for name in [*names, "gx_validate"]}
    outcomes: dict[str, Any] = {}
    for index in range(rounds):
        for name in names[index % 3 :] + names[: index % 3]:
            outcomes[name], seconds = timed(run[name])
            times[name].append(seconds)
        outcomes["gx"], validate_s = outcomes["gx"]
        times["gx_validate"].append(validate_s)
    suite = json.loads((directory / "expectations_suite.json").read_text())["expectations"]
    for expectation, found in zip(suite, outcomes["pandas"], strict=True):
        found.update(type=expectation["type"], column=expectation["kwargs"].get("column"))

    def ratio(other: str) -> float:
        pairs = zip(times["gate"][1:], times[other][1:], strict=True)
        return statistics.median(g / o for g, o in pairs)

    return {
        "gx_import_s": import_s,
        "load_s": load_s,
        "times_s": times,
        "ratio_to": {name: ratio(name) for name in ("gx", "gx_validate", "pandas")},
        "outcomes": outcomes,
    }


if __name__ == "__main__":
    emit(main(Path(sys.argv[1]), int(sys.argv[2])))
