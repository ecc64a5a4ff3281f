"""The local target's first deploy (issue 14, item 2): nothing to compare the canary with, so the
new model server is smoke-tested alone (health, ready, the eval rows answered in the expected
shape) and then takes 100%, as Argo Rollouts and Flagger do on a first rollout. Real processes.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.deploy.local import state
from mlops_gate.deploy.local.canary import CanaryEvent, Settings, first_deploy
from mlops_gate.deploy.local.display import status_lines
from mlops_gate.deploy.local.outcome import FIRST_DEPLOY
from mlops_gate.deploy.local.traffic import requests_from_frame
from mlops_gate.policy.deploy import CanarySpec
from tests.integration.deploy.models import write_model
from tests.support import FEATURES, binary_frame

pytestmark = pytest.mark.integration
SPEC = CanarySpec.model_validate({"steps": [10, 50, 100], "step_duration": 0.5})


def _first_deploy(model: Path, state_dir: Path, rows: int = 1200) -> tuple[Any, list[CanaryEvent]]:
    events: list[CanaryEvent] = []
    outcome = first_deploy(
        SPEC,
        model,
        features=FEATURES,
        requests=requests_from_frame(binary_frame(rows, seed=2), FEATURES),
        state_dir=state_dir,
        on_event=events.append,
        settings=Settings(start_timeout_s=60),
    )
    (started,) = [e for e in events if e.kind == "started"]
    assert list(started.pids) == ["canary"]  # the new server alone: no stable, no router
    for pid in started.pids.values():
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # stopped before first_deploy returned
    return outcome, events


def test_first_deploy_is_smoke_tested_then_takes_100_percent(tmp_path: Path) -> None:
    outcome, events = _first_deploy(write_model(tmp_path / "model.onnx", seed=3), tmp_path / "c")

    assert (outcome.status, outcome.exit_code, outcome.final_weight) == ("promoted", 0, 100)
    assert outcome.message == FIRST_DEPLOY
    assert [(s.weight, s.verdict) for s in outcome.steps] == [(100, "pass")]
    counts = outcome.requests  # 1200 rows in batches of 500
    assert (counts.sent, counts.answered, counts.lost) == (3, 3, 0)
    assert [e.kind for e in events] == ["started", "finished"]
    written = state.read_status(tmp_path / "c")
    assert (written["status"], written["weight"], written["steps"]) == ("promoted", 100, [100])
    lines = status_lines(tmp_path / "c")
    assert lines[0] == "local canary: promoted; step 1/1 at 100%; 3 sent, 0 lost"
    assert lines[-1] == f"  {FIRST_DEPLOY}"


def test_first_deploy_failing_its_smoke_test_never_takes_traffic(tmp_path: Path) -> None:
    """Rows with f0 > 1.5 make this model fail (HTTP 500): found before any traffic moves."""
    model = write_model(tmp_path / "model.onnx", seed=3, fault="erroring", threshold=1.5)
    outcome, _ = _first_deploy(model, tmp_path / "c", rows=400)

    assert (outcome.status, outcome.exit_code, outcome.final_weight) == ("rolled_back", 1, 0)
    assert outcome.message == (
        "first deploy: smoke test failed: /predict answered 500 to 400 rows; it never took traffic"
    )
    assert [(s.weight, s.verdict) for s in outcome.steps] == [(100, "fail")]
    assert state.read_status(tmp_path / "c")["status"] == "rolled_back"
