"""An unchanged re-run of `check` (every gate from the cache) is not logged to MLflow twice: the
earlier run is named instead, which keeps a warm check fast; a changed result, or --no-cache, is
logged again."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.integration.mlflow_server import MlflowServer
from tests.support import basic_project, run_cli

pytestmark = pytest.mark.integration


def _runs(uri: str, name: str) -> int:
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=uri)
    experiment = client.get_experiment_by_name(f"mlops-gate/{name}")
    assert experiment is not None
    return len(client.search_runs([experiment.experiment_id]))


def test_same_results_are_recorded_once(registry_env: MlflowServer, tmp_path: Path) -> None:
    name = f"once-{uuid.uuid4().hex[:8]}"
    gates = [{"type": "metric", "metric": "accuracy", "min": 0.7}, {"type": "size", "max_mb": 5}]
    policy = basic_project(tmp_path, gates, n=400, name=name, promote={"model_name": name})
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}

    first = run_cli("check", str(policy), cwd=tmp_path, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    run_id = first.stdout.split("recorded run ")[1].split()[0]
    again = run_cli("check", str(policy), cwd=tmp_path, env=env)
    assert again.returncode == 0, again.stderr
    assert f"same results as recorded run {run_id}" in again.stdout
    forced = run_cli("check", str(policy), "--no-cache", cwd=tmp_path, env=env)
    assert forced.returncode == 0, forced.stderr
    assert "recorded run " in forced.stdout
    assert run_id not in forced.stdout
    assert _runs(registry_env.uri, name) == 2
