"""`mlops-gate deploy --target local` and `mlops-gate run` through the CLI, against a real `mlflow
server`: the canary moves the serving alias only when it reaches 100%, the pipeline ships only when
every gate passed, and a re-run resumes instead of shipping twice (issue #6, items 2, 5, 6).
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.integration.deploy.models import write_model
from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, run_cli

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CANARY = {
    "target": "local",
    "steps": [50, 100],
    "step_duration": 0.5,
    "min_requests": 40,
    "stable": "stable.onnx",
    "analysis": {"max_error_rate": 0.01, "max_p95_ms": 2000},
}


_STAGES_DONE = [
    ("build", "done"),
    ("check", "done"),
    ("image", "skipped"),
    ("promote", "done"),
    ("deploy", "done"),
]


def _project(
    tmp_path: Path, gates: list[dict[str, Any]], canary: dict[str, Any] = CANARY, **extra: Any
) -> tuple[Path, str]:
    name = f"ship-{uuid.uuid4().hex[:8]}"
    write_model(tmp_path / "stable.onnx", seed=1)
    policy = basic_project(
        tmp_path,
        gates,
        n=600,
        name=name,
        promote={"model_name": name, "alias": "champion"},
        deploy={"canary": canary},
        **extra,
    )
    return policy, name


def _version_tags(uri: str, name: str, version: str) -> dict[str, str]:
    from mlflow import MlflowClient

    return dict(MlflowClient(tracking_uri=uri).get_model_version(name, version).tags)


def _alias(uri: str, name: str, alias: str) -> str | None:
    from mlflow import MlflowClient
    from mlflow.exceptions import MlflowException

    try:
        return str(MlflowClient(tracking_uri=uri).get_model_version_by_alias(name, alias).version)
    except MlflowException:
        return None


def test_local_deploy_moves_the_serving_alias_only_at_100_percent(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    policy, name = _project(tmp_path, [{"type": "metric", "metric": "accuracy", "min": 0.7}])
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert run_cli("check", str(policy), "-q", cwd=tmp_path, env=env).returncode == 0
    assert run_cli("promote", str(policy), cwd=tmp_path, env=env).returncode == 0

    done = run_cli("deploy", str(policy), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "canary promoted" in done.stdout
    assert " 0 lost" in done.stdout
    assert f"promoted: {name}@production -> version 1" in done.stdout
    assert "step" in done.stderr  # live progress
    assert _alias(registry_env.uri, name, "production") == "1"
    assert _version_tags(registry_env.uri, name, "1")["mlops_gate.canary.status"] == "promoted"
    record = json.loads((tmp_path / ".mlops-gate" / "deploy.json").read_text())
    assert record["status"] == "promoted"
    assert record["canary"]["requests"]["lost"] == 0

    again = run_cli("deploy", str(policy), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert f"already holds {name}@production" in again.stdout
    history = run_cli("history", str(policy), "--alias", "production", cwd=tmp_path, env=env)
    assert history.returncode == 0, history.stderr
    assert f"{name}@production" in history.stdout
    assert "local canary reached 100%" in history.stdout
    status = run_cli("deploy", str(policy), "--status", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert "local canary: promoted" in status.stdout


def test_run_ships_only_when_every_gate_passes_and_resumes(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    gates = [{"type": "metric", "metric": "accuracy", "min": 0.7}, {"type": "size", "max_mb": 5}]
    policy, name = _project(
        tmp_path,
        gates,
        model={"path": "dist/model.onnx", "task": "classification"},
        artifacts={"source": {"path": "model.onnx"}, "image": {"runtime": "fastapi"}},
    )
    env = {"MLFLOW_TRACKING_URI": registry_env.uri, "MLOPS_GATE_ENGINE": "none"}

    first = run_cli("run", str(policy), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    for stage, status in _STAGES_DONE:
        assert re.search(rf"^{stage} +{status} ", first.stdout, re.MULTILINE), first.stdout
        assert f"{stage}: {status}" in first.stderr  # live, as each stage ends
    assert f"run {name}: shipped (exit 0)" in first.stdout
    assert _alias(registry_env.uri, name, "champion") == "1"
    assert _alias(registry_env.uri, name, "production") == "1"
    summary = json.loads((tmp_path / ".mlops-gate" / "run.json").read_text())
    assert [s["status"] for s in summary["stages"]] == [
        "done",
        "done",
        "skipped",
        "done",
        "done",
    ]

    again = run_cli("run", str(policy), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    for stage in ("build", "promote", "deploy"):
        assert re.search(rf"^{stage} +up to date ", again.stdout, re.MULTILINE), again.stdout


def test_run_stops_at_a_failing_gate_and_ships_nothing(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    policy, name = _project(tmp_path, [{"type": "metric", "metric": "accuracy", "min": 0.999}])
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}

    stopped = run_cli("run", str(policy), cwd=tmp_path, env=env)
    assert stopped.returncode == 1, stopped.stdout + stopped.stderr
    assert re.search(r"^check +failed ", stopped.stdout, re.MULTILINE), stopped.stdout
    assert "accuracy" in stopped.stdout  # which gate stopped it
    for stage in ("image", "promote", "deploy"):
        assert re.search(rf"^{stage} +not run$", stopped.stdout, re.MULTILINE), stopped.stdout
    assert f"run {name}: stopped (exit 1)" in stopped.stdout
    assert _alias(registry_env.uri, name, "champion") is None
    assert not (tmp_path / ".mlops-gate" / "deploy.json").exists()


def test_local_deploy_rolls_back_an_erroring_canary_and_moves_nothing(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    """A challenger that passes every offline gate (the eval rows never reach its fault) but fails
    on live inputs with f0 > 10: rolled back, the serving alias unchanged, no request lost."""
    canary = {**CANARY, "requests": "traffic.jsonl", "min_requests": 60}
    policy, name = _project(
        tmp_path, [{"type": "metric", "metric": "accuracy", "min": 0.7}], canary=canary
    )
    write_model(tmp_path / "model.onnx", seed=3, fault="erroring", threshold=10.0)
    rows = [{"f0": 20.0 if i % 10 == 0 else 0.1 * (i % 7), "f1": 0.2, "f2": -0.1, "f3": 0.0}
            for i in range(400)]  # fmt: skip
    (tmp_path / "traffic.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    assert run_cli("check", str(policy), "-q", cwd=tmp_path, env=env).returncode == 0
    assert run_cli("promote", str(policy), cwd=tmp_path, env=env).returncode == 0

    done = run_cli("deploy", str(policy), cwd=tmp_path, env=env)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "canary rolled_back" in done.stdout
    assert "error rate" in done.stdout
    assert f"{name}@production unchanged" in done.stdout
    assert _alias(registry_env.uri, name, "production") is None
    # The release did not ship: its promotion is given back (the first one: to no champion).
    assert _alias(registry_env.uri, name, "champion") is None
    assert f"rolled back: {name}@champion -> no version (was 1)" in done.stdout
    assert _version_tags(registry_env.uri, name, "1")["mlops_gate.canary.status"] == "rolled_back"
    counts = json.loads((tmp_path / ".mlops-gate" / "deploy.json").read_text())["canary"][
        "requests"
    ]
    assert counts["sent"] == counts["answered"] > 0
    assert counts["lost"] == 0
