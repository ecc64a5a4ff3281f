"""`mlops-gate deploy` as a user runs it: refused without a gated promotion; after check →
promote, the kubernetes manifests (--dry-run) and a GitHub Deployment, against a real `mlflow
server` and the fake GitHub (issue #6, items 3-6).
"""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.integration.github.conftest import DEPLOY_TOKEN, REPOSITORY
from tests.integration.github.conftest import github as github  # the fixture
from tests.integration.github.fake_github import FakeGitHub
from tests.integration.mlflow_server import MlflowServer
from tests.report_samples import SHA
from tests.support import basic_project, run_cli
from tests.unit.deploy_k8s.manifests import problems

pytestmark = [pytest.mark.integration, pytest.mark.slow]

GATES = [{"type": "metric", "metric": "accuracy", "min": 0.7}, {"type": "size", "max_mb": 5}]


def _project(tmp_path: Path, canary: dict[str, Any]) -> tuple[Path, str]:
    name = f"deploy-{uuid.uuid4().hex[:8]}"
    policy = basic_project(
        tmp_path,
        GATES,
        name=name,
        promote={"model_name": name, "alias": "champion"},
        deploy={"canary": canary},
    )
    return policy, name


def _checked(policy: Path, cwd: Path, env: dict[str, str]) -> None:
    done = run_cli("check", str(policy), "-q", cwd=cwd, env=env)
    assert done.returncode == 0, done.stdout + done.stderr


def test_deploy_is_refused_until_a_gated_promotion(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    canary = {
        "target": "kubernetes",
        "kubernetes": {"image": "ghcr.io/acme/model:1", "namespace": "ml"},
    }
    policy, name = _project(tmp_path, canary)
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}

    unchecked = run_cli("deploy", str(policy), cwd=tmp_path, env=env)  # --dry-run renders anyway
    assert unchecked.returncode == 2
    assert "evidence file not found" in unchecked.stderr

    _checked(policy, tmp_path, env)
    refused = run_cli("deploy", str(policy), cwd=tmp_path, env=env)
    assert refused.returncode == 2, refused.stdout + refused.stderr
    assert "deploy needs a gated promotion first" in refused.stderr
    assert f"is not registered as {name}" in refused.stderr
    assert "Traceback" not in refused.stderr
    assert not (tmp_path / "k8s").exists()


def test_kubernetes_dry_run_writes_valid_manifests_of_the_promoted_version(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    canary = {
        "target": "kubernetes",
        "steps": [10, 50, 100],
        "step_duration": 60,
        "analysis": {"max_error_rate": 0.01, "max_p95_ms": 120, "min_agreement": 0.99},
        "kubernetes": {"provider": "argo", "image": "ghcr.io/acme/model:1", "namespace": "ml"},
    }
    canary["kubernetes"]["check_image"] = "ghcr.io/acme/mlops-gate:1"  # judges min_agreement
    policy, name = _project(tmp_path, canary)
    env = {"MLFLOW_TRACKING_URI": registry_env.uri}
    _checked(policy, tmp_path, env)
    promoted = run_cli("promote", str(policy), cwd=tmp_path, env=env)
    assert promoted.returncode == 0, promoted.stderr

    done = run_cli("deploy", str(policy), "--dry-run", "--out", "k8s", cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing applied (--dry-run)" in done.stdout
    assert f"first deploy? no version holds {name}@production in the registry" in done.stdout
    objects = list(yaml.safe_load_all((tmp_path / "k8s" / "all.yaml").read_text()))
    assert [obj["kind"] for obj in objects][-2:] == ["PodMonitor", "Rollout"]  # issue 14
    for obj in objects:
        assert problems(obj) == [], obj["kind"]
    rollout = objects[-1]
    evidence = json.loads((tmp_path / ".mlops-gate" / "evidence.json").read_text())
    model_sha = evidence["inputs"]["model"]["sha256"]
    assert rollout["metadata"]["annotations"]["mlops-gate.io/model-sha256"] == model_sha
    assert rollout["metadata"]["annotations"]["mlops-gate.io/model-version"] == "1"
    weights = [
        s["setWeight"] for s in rollout["spec"]["strategy"]["canary"]["steps"] if "setWeight" in s
    ]
    assert weights == [10, 50, 100]
    record = json.loads((tmp_path / ".mlops-gate" / "deploy.json").read_text())
    assert (record["target"], record["status"], record["model"]["version"]) == (
        "kubernetes",
        "rendered",
        "1",
    )
    assert record["model"]["name"] == name


def test_github_target_creates_the_canary_deployment(
    registry_env: MlflowServer, github: FakeGitHub, tmp_path: Path
) -> None:
    policy, name = _project(tmp_path, {"target": "github", "steps": [25, 100]})
    env = {
        "MLFLOW_TRACKING_URI": registry_env.uri,
        "GITHUB_TOKEN": DEPLOY_TOKEN,
        "GITHUB_API_URL": github.base_url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_SHA": SHA,
    }
    _checked(policy, tmp_path, env)
    assert run_cli("promote", str(policy), cwd=tmp_path, env=env).returncode == 0

    done = run_cli("deploy", str(policy), cwd=tmp_path, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    (deployment,) = github.state.deployments.values()
    assert deployment["environment"] == "canary"
    assert deployment["payload"]["model"] == name
    assert deployment["payload"]["version"] == "1"
    assert deployment["payload"]["weight"] == 25
    record = json.loads((tmp_path / ".mlops-gate" / "deploy.json").read_text())
    assert deployment["payload"]["evidence_sha256"] == record["evidence"]["sha256"]
    assert record["first_deploy"] is True  # said, with what a first rollout does: docs/deploy.md
    assert "a GitHub Deployment leaves it to your CD" in done.stdout
    assert done.stdout.rstrip().endswith("at 25%")  # the summary line stays last

    status = run_cli("deploy", str(policy), "--status", cwd=tmp_path, env=env)
    assert status.returncode == 0, status.stderr
    assert "25%" in status.stdout
    promoted = run_cli("deploy", str(policy), "--promote-now", cwd=tmp_path, env=env)
    assert promoted.returncode == 0, promoted.stderr
    assert deployment["_statuses"][-1]["state"] == "success"
