"""`deploy --target kubernetes --dry-run` before any promotion (issue 14): the manifests can be
reviewed in the pull request that introduces them. The version is a placeholder, said in the
output and in an annotation; what is known (the model's sha256, the reference profile) is real;
every object validates. A real promotion's dry run is tests/integration/test_deploy_cli.py's."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
import yaml

from tests.support import basic_project, run_cli
from tests.unit.deploy_k8s.manifests import CHECK_IMAGE, all_problems, by_kind

pytestmark = [pytest.mark.integration, pytest.mark.slow]

CANARY = {
    "target": "kubernetes",
    "steps": [10, 50, 100],
    "step_duration": 60,
    "analysis": {"max_p95_ms": 120, "min_agreement": 0.98, "drift": {"max": 0.2, "bins": 5}},
    "kubernetes": {"image": "ghcr.io/acme/model:1", "namespace": "ml", "check_image": CHECK_IMAGE},
}


def test_dry_run_renders_before_any_promotion(tmp_path: Path) -> None:
    policy = basic_project(
        tmp_path,
        [{"type": "size", "max_mb": 5}],
        name="churn",
        promote={"model_name": "churn"},
        deploy={"canary": CANARY},
    )
    done = run_cli("deploy", str(policy), "--dry-run", "--out", "k8s", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "nothing applied (--dry-run)" in done.stdout
    (note,) = [line for line in done.stdout.splitlines() if line.startswith("model version:")]
    assert note.startswith("model version: unpromoted, a placeholder: rendered before a gated")
    assert "Traceback" not in done.stderr

    objects = list(yaml.safe_load_all((tmp_path / "k8s" / "all.yaml").read_text()))
    assert all_problems(objects) == {}
    rollout = by_kind(objects)["Rollout"][0]
    annotations = rollout["metadata"]["annotations"]
    assert annotations["mlops-gate.io/model-version"] == "unpromoted"
    assert annotations["mlops-gate.io/placeholder"].startswith("rendered before a gated promotion")
    model_sha = hashlib.sha256((tmp_path / "model.onnx").read_bytes()).hexdigest()
    assert annotations["mlops-gate.io/model-sha256"] == model_sha
    assert annotations["mlops-gate.io/evidence-sha256"] == "unknown"  # no check ran yet
    config = json.loads(by_kind(objects)["ConfigMap"][0]["data"]["live-check.json"])
    assert set(config["drift"]["columns"]) == {"f0", "f1", "f2", "f3"}  # from reference.parquet
    assert len(config["drift"]["columns"]["f0"]["edges"]) == 4  # 5 bins
