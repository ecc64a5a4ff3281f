"""Gates run concurrently (issue #8): results in policy order, latency timed alone, inputs once."""

from __future__ import annotations

import itertools
import json
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.engine import runner
from mlops_gate.loaders.models import OnnxModel
from mlops_gate.results import GateResult
from tests.support import basic_project, load_context, run_cli

pytestmark = pytest.mark.integration

GATES: list[dict[str, Any]] = [
    {"type": "metric", "metric": "accuracy", "min": 0.5},
    {"type": "latency", "max_ms": 10_000, "runs": 20, "warmup": 2},
    {"type": "drift", "max": 50, "predictions": True},
    {"type": "bias", "sensitive": "group", "max": 1},
    {"type": "metric", "metric": "roc_auc", "min": 0.5},
    {"type": "size", "max_mb": 100},
    {"type": "latency", "id": "latency:again", "max_ms": 10_000, "runs": 10, "warmup": 1},
    {"type": "metric", "metric": "log_loss", "max": 5},
]


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    return basic_project(tmp_path, GATES)


def test_results_come_back_in_policy_order_with_the_sequential_values(policy: Path) -> None:
    sequential = runner.run_gates(load_context(policy), jobs=1)
    parallel = runner.run_gates(load_context(policy), jobs=2)
    assert [r.id for r in parallel] == [r.id for r in sequential]
    assert [r.type for r in parallel] == [g["type"] for g in GATES]
    for before, after in zip(sequential, parallel, strict=True):
        assert after.verdict == before.verdict, after.message
        if after.type != "latency":
            assert after.value == before.value
            assert after.details == before.details


def test_latency_gates_run_with_nothing_beside_them(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    spans: list[tuple[str, str, float, float]] = []
    evaluate = runner._evaluate

    def recorded(gate: Any, context: Any) -> GateResult:
        start = time.monotonic()
        try:
            return evaluate(gate, context)
        finally:
            spans.append((gate.gate_id, gate.type, start, time.monotonic()))

    monkeypatch.setattr(runner, "_evaluate", recorded)
    runner.run_gates(load_context(policy), jobs=2)
    assert len(spans) == len(GATES)
    timed = [s for s in spans if s[1] == "latency"]
    assert len(timed) == 2
    for gate_id, _, start, end in timed:
        overlapping = [s[0] for s in spans if s[0] != gate_id and s[2] < end and s[3] > start]
        assert overlapping == [], f"{gate_id} ran beside {overlapping}"
    # And something did run concurrently, or this test would prove nothing.
    others = sorted((s for s in spans if s[1] != "latency"), key=lambda s: s[2])
    assert any(b[2] < a[3] for a, b in itertools.pairwise(others))


def test_shared_predictions_are_computed_once_under_concurrency(
    policy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    predict = OnnxModel.predict

    def slow_predict(self: OnnxModel, frame: Any, features: list[str]) -> Any:
        calls.append(threading.current_thread().name)
        time.sleep(0.2)  # widen the window in which another gate asks for the same predictions
        return predict(self, frame, features)

    monkeypatch.setattr(OnnxModel, "predict", slow_predict)
    results = runner.run_gates(load_context(policy), jobs=2)
    assert all(r.verdict in ("pass", "warn") for r in results), [r.message for r in results]
    assert len(calls) == 2  # the eval and the reference set, once each


def test_memo_computes_a_key_once_for_many_threads(policy: Path) -> None:
    context = load_context(policy)
    computed: list[int] = []
    start = threading.Barrier(8)

    def compute() -> int:
        computed.append(1)
        time.sleep(0.05)
        return 42

    def ask() -> None:
        start.wait()
        assert context._once(("test", "key"), compute) == 42

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert computed == [1]


def test_default_jobs_is_at_most_two() -> None:
    assert 1 <= runner.default_jobs() <= 2


def test_progress_shows_one_task_at_a_time() -> None:
    from collections.abc import Iterator
    from contextlib import contextmanager

    from mlops_gate.progress import OneAtATime

    shown: list[str] = []

    class Recording:
        @contextmanager
        def task(self, description: str, total: float | None = None) -> Iterator[Any]:
            shown.append(description)
            yield lambda amount: None

    progress = OneAtATime(Recording())
    with progress.task("first") as advance:
        advance(1)
        with progress.task("beside it"):  # e.g. another gate's thread: runs, unshown
            pass
    with progress.task("after"):
        pass
    assert shown == ["first", "after"]


def test_cli_jobs_option(policy: Path, tmp_path: Path) -> None:
    sequential = run_cli("check", str(policy), "--jobs", "1", "--json", "one.json", cwd=tmp_path)
    parallel = run_cli(
        "check", str(policy), "-j", "2", "--no-cache", "--json", "two.json", cwd=tmp_path
    )
    assert sequential.returncode == parallel.returncode == 0, sequential.stderr + parallel.stderr
    one, two = (json.loads((tmp_path / name).read_text()) for name in ("one.json", "two.json"))
    assert [(g["id"], g["verdict"]) for g in one["gates"]] == [
        (g["id"], g["verdict"]) for g in two["gates"]
    ]
    refused = run_cli("check", str(policy), "--jobs", "0", cwd=tmp_path)
    assert refused.returncode == 2
    assert "--jobs" in refused.stderr
