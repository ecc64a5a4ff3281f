"""The local canary end to end: real uvicorn model servers, the real router process, real ONNX
challengers (tests/integration/deploy/models.py) and real traffic on 127.0.0.1.

Every test checks the client's own counts (each request sent got exactly one answer, none lost,
through rollbacks too) and that every process the canary started is gone when it returns.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.canary import CanaryEvent, CanaryOutcome, Settings, run_local_canary
from mlops_gate.deploy.local.errors import DeployError
from mlops_gate.deploy.local.servers import get_json
from mlops_gate.deploy.local.traffic import requests_from_frame
from mlops_gate.policy.deploy import CanarySpec
from tests.integration.deploy.models import write_model
from tests.support import FEATURES, REPO, binary_frame

pytestmark = pytest.mark.integration
SETTINGS = Settings(threads=4, tick_s=0.2, step_timeout_s=20, drain_s=0.5)
STEPS = [20, 50, 100]


@dataclass(frozen=True)
class Models:
    stable: Path
    good: Path
    erroring: Path
    slow: Path


@dataclass
class Recorder:
    """The events of one run, plus an optional hook called on each."""

    hook: Callable[[CanaryEvent], None] | None = None
    events: list[CanaryEvent] = field(default_factory=list)

    def __call__(self, event: CanaryEvent) -> None:
        self.events.append(event)
        if self.hook:
            self.hook(event)

    def kinds(self) -> list[str]:
        return [e.kind for e in self.events if e.kind != "tick"]

    def pids(self) -> dict[str, int]:
        return next(e.pids for e in self.events if e.kind == "started")


@pytest.fixture(scope="module")
def models(tmp_path_factory: pytest.TempPathFactory) -> Models:
    root = tmp_path_factory.mktemp("canary-models")
    return Models(
        stable=write_model(root / "stable.onnx", seed=1),
        good=write_model(root / "good.onnx", seed=3),
        erroring=write_model(root / "erroring.onnx", seed=3, fault="erroring", threshold=1.5),
        slow=write_model(root / "slow.onnx", seed=3, fault="slow"),
    )


@pytest.fixture(scope="module")
def traffic() -> list[dict[str, Any]]:
    return requests_from_frame(binary_frame(400, seed=2), FEATURES)


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return binary_frame(2000, seed=1)


def canary(**fields: Any) -> CanarySpec:
    document = {"steps": STEPS, "step_duration": 0.5, "min_requests": 50, **fields}
    return CanarySpec.model_validate(document)


def run(
    spec: CanarySpec,
    models: Models,
    challenger: Path,
    traffic: list[dict[str, Any]],
    state_dir: Path,
    recorder: Recorder,
    reference: pd.DataFrame | None = None,
) -> CanaryOutcome:
    try:
        return run_local_canary(
            spec,
            models.stable,
            challenger,
            features=FEATURES,
            requests=traffic,
            reference=reference,
            state_dir=state_dir,
            on_event=recorder,
            settings=SETTINGS,
        )
    finally:
        started = [e for e in recorder.events if e.kind == "started"]
        if started:
            assert_stopped(started[0].pids)


def assert_stopped(pids: dict[str, int]) -> None:
    for name, pid in pids.items():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert name


def assert_no_request_lost(outcome: CanaryOutcome) -> None:
    counts = outcome.requests
    assert counts.sent > 0
    assert (counts.sent, counts.failed, counts.lost) == (counts.answered, 0, 0)
    # The router saw exactly the client's requests, and answered each one from a healthy server.
    assert outcome.router["requests"] == counts.sent
    assert outcome.router["answered"] == counts.sent
    assert outcome.router["failed"] == 0


def test_good_challenger_reaches_100_percent(
    models: Models, traffic: list[dict[str, Any]], reference: pd.DataFrame, tmp_path: Path
) -> None:
    analysis = {
        "max_error_rate": 0.01,
        "max_p95_ms": 1000,
        "min_agreement": 0.8,
        "drift": {"max": 0.3, "min_rows": 200},
    }
    recorder = Recorder()
    outcome = run(
        canary(analysis=analysis), models, models.good, traffic, tmp_path, recorder, reference
    )

    assert outcome.status == "promoted", outcome.message
    assert outcome.exit_code == 0
    assert outcome.final_weight == 100
    assert [(s.weight, s.verdict) for s in outcome.steps] == [(w, "pass") for w in STEPS]
    assert recorder.kinds() == ["started", "step", "step", "step", "finished"]
    for step in outcome.steps:
        assert step.analysis is not None
        assert step.duration_s >= 0.5
        assert {c.name: c.verdict for c in step.analysis.criteria} == dict.fromkeys(
            ["requests", "error_rate", "p95_ms", "agreement", "drift"], "pass"
        )
        assert step.window["backends"]["canary"]["requests"] >= 50
    assert outcome.router["by_canary"] > 0
    assert_no_request_lost(outcome)
    written = state.read_status(tmp_path)
    assert (written["status"], written["weight"], written["alive"]) == ("promoted", 100, True)
    assert len(written["results"]) == 3
    json.dumps(outcome.to_dict(), allow_nan=False)


def test_erroring_challenger_rolls_back_and_loses_no_request(
    models: Models, traffic: list[dict[str, Any]], tmp_path: Path
) -> None:
    recorder = Recorder()
    spec = canary(analysis={"max_error_rate": 0.01})
    outcome = run(spec, models, models.erroring, traffic, tmp_path, recorder)

    assert outcome.status == "rolled_back", outcome.message
    assert outcome.exit_code == 1
    assert outcome.final_weight == 0
    failed = outcome.steps[-1]
    assert failed.verdict == "fail"
    assert failed.analysis is not None
    assert [c.name for c in failed.analysis.failed] == ["error_rate"]
    assert failed.window["backends"]["canary"]["statuses"].get("500", 0) > 0
    assert "rolled back to 0%" in outcome.message
    assert recorder.kinds()[-2:] == ["rollback", "finished"]
    # Each canary 500 was retried on stable: the client never saw one.
    assert_no_request_lost(outcome)
    assert state.read_status(tmp_path)["status"] == "rolled_back"


def test_slow_challenger_fails_the_p95_analysis(
    models: Models, traffic: list[dict[str, Any]], tmp_path: Path
) -> None:
    spec = canary(analysis={"max_p95_ms": 40, "max_p95_ratio": 3.0}, min_requests=30)
    outcome = run(spec, models, models.slow, traffic, tmp_path, Recorder())

    assert outcome.status == "rolled_back", outcome.message
    assert outcome.steps[-1].analysis is not None
    failed = {c.name: c.value for c in outcome.steps[-1].analysis.failed}
    assert "p95_ms" in failed
    assert failed["p95_ms"] is not None
    assert failed["p95_ms"] > 40
    assert_no_request_lost(outcome)


def test_shadow_canary_never_answers_a_client(
    models: Models, traffic: list[dict[str, Any]], tmp_path: Path
) -> None:
    spec = canary(mode="shadow", analysis={"max_error_rate": 0.01})
    outcome = run(spec, models, models.erroring, traffic, tmp_path, Recorder())

    assert outcome.status == "rolled_back", outcome.message
    window = outcome.steps[-1].window
    assert window["mode"] == "shadow"
    assert window["backends"]["canary"]["errors"] > 0
    assert outcome.router["by_canary"] == 0
    assert_no_request_lost(outcome)


def test_router_killed_mid_step_is_an_error_and_stable_keeps_serving(
    models: Models, traffic: list[dict[str, Any]], tmp_path: Path
) -> None:
    probes: dict[str, Any] = {}

    def hook(event: CanaryEvent) -> None:
        if event.kind == "tick" and event.requests.sent > 200 and "killed" not in probes:
            os.kill(event.pids["router"], signal.SIGKILL)
            probes["killed"] = event.requests.sent
        if event.kind == "finished":  # before the canary stops its servers
            probes["stable"] = get_json(
                event.urls["stable"], "/predict", timeout=5, body=traffic[0]
            )

    spec = canary(step_duration=5.0, analysis={"max_error_rate": 0.01})
    recorder = Recorder(hook)
    outcome = run(spec, models, models.good, traffic, tmp_path, recorder)

    assert outcome.status == "error", outcome.message
    assert outcome.exit_code == 2
    assert outcome.message.startswith("step 1 (20%): the router process (pid ")
    assert "exited with -9" in outcome.message
    assert outcome.stable_serving is True
    status, answer = probes["stable"]
    assert status == 200
    assert len(answer["labels"]) == 1
    assert outcome.router == {}  # nobody left to ask
    assert "rollback" not in recorder.kinds()  # the weight could not move: no rollback claimed
    assert state.read_status(tmp_path)["status"] == "error"


def test_stable_killed_mid_step_is_an_error_and_the_canary_answers_meanwhile(
    models: Models, traffic: list[dict[str, Any]], tmp_path: Path
) -> None:
    killed: list[int] = []

    def hook(event: CanaryEvent) -> None:
        if event.kind == "tick" and event.requests.sent > 200 and not killed:
            os.kill(event.pids["stable"], signal.SIGKILL)
            killed.append(event.pids["stable"])

    spec = canary(step_duration=5.0)
    recorder = Recorder(hook)
    outcome = run(spec, models, models.good, traffic, tmp_path, recorder)

    assert outcome.status == "error", outcome.message
    assert f"the stable process (pid {killed[0]}) exited with -9" in outcome.message
    assert "exited with -9" in outcome.message
    assert outcome.message.endswith(
        "the canary keeps 20% (stable is down, nothing to roll back to)"
    )
    assert outcome.stable_serving is False
    # Requests the dead stable could not answer were retried on the canary.
    assert_no_request_lost(outcome)


def _control(state_dir: Path, action: str) -> dict[str, Any]:
    """`request_control` from another process, as `mlops-gate deploy --abort` runs it."""
    code = (
        "import json, sys; from pathlib import Path; "
        "from mlops_gate.deploy.local.display import status_lines; "
        "from mlops_gate.deploy.local.state import read_status, request_control; "
        "before = read_status(Path(sys.argv[1])); lines = status_lines(Path(sys.argv[1])); "
        "after = request_control(Path(sys.argv[1]), sys.argv[2]); "
        "print(json.dumps({'before': before, 'lines': lines, 'after': after}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(state_dir), action],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    result: dict[str, Any] = json.loads(done.stdout)
    return result


@pytest.mark.parametrize(
    ("action", "status", "weight"), [("abort", "aborted", 0), ("promote-now", "promoted", 100)]
)
def test_abort_and_promote_now_from_another_process(
    models: Models,
    traffic: list[dict[str, Any]],
    tmp_path: Path,
    action: str,
    status: str,
    weight: int,
) -> None:
    ticking = threading.Event()
    recorder = Recorder(lambda e: ticking.set() if e.kind == "tick" else None)
    spec = canary(step_duration=60.0)
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(run, spec, models, models.good, traffic, tmp_path, recorder)
        assert ticking.wait(timeout=60)
        with pytest.raises(DeployError, match="already running"):
            run_local_canary(
                spec,
                models.stable,
                models.good,
                features=FEATURES,
                requests=traffic,
                reference=None,
                state_dir=tmp_path,
            )
        control = _control(tmp_path, action)
        outcome = future.result(timeout=60)

    assert control["before"]["status"] == "running"
    assert control["before"]["alive"] is True
    assert control["before"]["step"] == 0
    assert control["lines"][0].startswith(f"local canary: running (pid {os.getpid()}); step 1/3")
    assert control["lines"][1].startswith("  now: canary requests ")
    assert control["after"]["control"]["action"] == action
    assert (outcome.status, outcome.final_weight) == (status, weight)
    assert outcome.steps[-1].verdict == action
    assert_no_request_lost(outcome)
