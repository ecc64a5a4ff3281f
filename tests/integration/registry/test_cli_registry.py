"""check → promote → history → rollback through the CLI, as a user runs it (issue #4, item 8)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, binary_frame, run_cli, train_onnx

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_cli_check_promote_history_rollback(registry_env: MlflowServer, tmp_path: Path) -> None:
    name = f"cli-{uuid.uuid4().hex[:8]}"
    gates = [
        {"type": "metric", "metric": "f1", "min": 0.8, "max_drop": 0.05},
        {"type": "size", "max_mb": 1},
    ]
    policy = basic_project(
        tmp_path,
        gates,
        name=name,
        baseline={"path": f"models:/{name}@champion"},
        promote={"model_name": name, "alias": "champion"},
    )
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}

    first = run_cli("check", str(policy), cwd=tmp_path, env=env)  # first run: no champion yet
    assert first.returncode == 0, first.stdout + first.stderr
    assert "recorded run" in first.stdout
    promoted = run_cli("promote", str(policy), cwd=tmp_path, env=env)
    assert promoted.returncode == 0, promoted.stderr
    assert f"promoted: {name}@champion -> version 1" in promoted.stdout

    train_onnx(binary_frame(2000, seed=7), tmp_path / "model.onnx")  # a new challenger
    refused = run_cli("promote", str(policy), cwd=tmp_path, env=env)
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: ")
    assert "model differs from the one checked" in refused.stderr
    assert run_cli("check", str(policy), cwd=tmp_path, env=env).returncode == 0
    again = run_cli("--timeout", "60", "promote", str(policy), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr

    history = run_cli("history", str(policy), cwd=tmp_path, env=env)
    assert history.returncode == 0
    assert "held by version 2" in history.stdout
    back = run_cli("promote", "--rollback", str(policy), cwd=tmp_path, env=env)
    assert back.returncode == 0, back.stderr
    assert f"rolled back: {name}@champion -> version 1 (was 2)" in back.stdout
