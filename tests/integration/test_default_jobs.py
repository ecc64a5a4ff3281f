"""How many gates run at once by default, and what is imported before the threads (issue 16).

Threads only pay where NumPy, Parquet decoding and ONNX Runtime hold the work (benchmarks/README.md,
"Gates in parallel"): the default is one gate at a time below `runner.PARALLEL_MIN_ROWS` eval
rows. The threshold is lowered here so a small real project stands for a large one.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.engine import runner
from mlops_gate.gates import size
from mlops_gate.results import GateResult
from tests.support import basic_project, load_context

pytestmark = pytest.mark.integration

GATES: list[dict[str, Any]] = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "size", "max_mb": 100},
    {"type": "drift", "max": 50},
]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return basic_project(tmp_path, GATES, n=500)


def test_a_small_eval_set_runs_one_gate_at_a_time(policy: Path) -> None:
    assert runner.default_jobs(load_context(policy)) == 1
    assert runner.default_jobs() == 1  # no policy at hand: the safe choice


def test_a_large_eval_set_runs_on_up_to_two_cpus(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "PARALLEL_MIN_ROWS", 500)
    assert runner.default_jobs(load_context(policy)) == min(2, os.cpu_count() or 1)
    monkeypatch.setattr(runner, "PARALLEL_MIN_ROWS", 501)
    assert runner.default_jobs(load_context(policy)) == 1


def test_an_unreadable_eval_set_counts_as_small(tmp_path: Path) -> None:
    policy = basic_project(tmp_path, GATES, n=500)
    (tmp_path / "eval.parquet").write_bytes(b"not parquet")
    assert runner.default_jobs(load_context(policy)) == 1  # its gates report the file


def test_the_default_runs_gates_in_the_calling_thread_for_a_small_eval_set(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads: list[str] = []
    evaluate = runner._evaluate

    def recorded(gate: Any, context: Any) -> GateResult:
        threads.append(threading.current_thread().name)
        return evaluate(gate, context)

    monkeypatch.setattr(runner, "_evaluate", recorded)
    runner.run_gates(load_context(policy))
    assert threads == [threading.current_thread().name] * len(GATES)


def test_gate_modules_import_their_libraries_before_the_threads_start(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    events: list[tuple[str, str]] = []
    evaluate = runner._evaluate

    def import_libraries(config: Any) -> None:
        events.append(("import", threading.current_thread().name))

    def recorded(gate: Any, context: Any) -> GateResult:
        events.append(("evaluate", threading.current_thread().name))
        return evaluate(gate, context)

    monkeypatch.setattr(size, "import_libraries", import_libraries, raising=False)
    monkeypatch.setattr(runner, "_evaluate", recorded)
    results = runner.run_gates(load_context(policy), jobs=2)
    assert [r.verdict.value for r in results] == ["pass"] * len(GATES)
    assert events[0] == ("import", threading.current_thread().name)
    assert [e for e, _ in events].count("import") == 1  # one size gate, one call
    assert all(name.startswith("gate") for e, name in events if e == "evaluate")


def test_a_failing_import_hook_leaves_the_gate_to_report(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(config: Any) -> None:
        raise ImportError("no such extra")

    monkeypatch.setattr(size, "import_libraries", broken, raising=False)
    results = runner.run_gates(load_context(policy), jobs=2)
    assert [r.verdict.value for r in results] == ["pass"] * len(GATES)
