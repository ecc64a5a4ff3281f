"""The serving image, built by a real buildah (vfs storage, chroot isolation), only with evidence.

buildah is installed by `.ci/run` where missing (`apt-get install -y buildah`); these tests skip,
saying so, only where it cannot be. No registry is reachable: the base image is committed locally
from this machine's interpreter and packages (`buildah_base.py`).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from sklearn.linear_model import LogisticRegression

from mlops_gate.api import build
from mlops_gate.artifacts.build import build_image_from
from mlops_gate.artifacts.engine import BUILDAH, Engine, detect, image_labels
from mlops_gate.fsutil import sha256_file
from tests.integration.artifacts.buildah_base import TAG, buildah, cannot_run, make_base
from tests.integration.artifacts.helpers import NUMERIC, project

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        shutil.which("buildah") is None,
        reason="buildah is not installed (.ci/run installs it: apt-get install -y buildah)",
    ),
]


@pytest.fixture
def built(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A build folder whose Dockerfile starts FROM the local base image; engine: buildah."""
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "buildah")
    image = {"runtime": "fastapi", "name": "localhost/mlops-gate-test", "base": TAG}
    policy = project(tmp_path, LogisticRegression(), NUMERIC, artifacts={"image": image})
    build(policy, tmp_path / "dist", image=False)
    return tmp_path / "dist"


def _evidence(path: Path, model_sha: str, verdict: str) -> Path:
    document = {
        "evidence_schema": 1,
        "inputs": {"model": {"sha256": model_sha}},
        "results": {"verdict": verdict},
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def test_image_build_is_refused_without_passing_evidence(built: Path, tmp_path: Path) -> None:
    float_sha = sha256_file(built / "model.onnx")
    assert detect() == Engine("buildah")
    refusals = [
        build_image_from(built, tmp_path / "absent.json"),
        build_image_from(built, None),
        build_image_from(built, _evidence(tmp_path / "failed.json", float_sha, "fail")),
        build_image_from(built, _evidence(tmp_path / "other.json", "0" * 64, "pass")),
    ]
    for line in refusals:
        assert line.startswith("image not built: no passing evidence for these artifacts")
        assert "(run check, or --force)" in line
    assert 'io.mlops-gate.evidence.sha256="none"' in (built / "image" / "Dockerfile").read_text()


@pytest.mark.slow
def test_buildah_builds_the_gated_image_with_its_labels(built: Path, tmp_path: Path) -> None:
    manifest = json.loads((built / "build.json").read_text(encoding="utf-8"))
    tag = manifest["image"]["tag"]
    float_sha = manifest["artifacts"][0]["sha256"]
    evidence = _evidence(tmp_path / "evidence.json", float_sha, "pass")
    reason = cannot_run()
    if reason is not None:
        pytest.skip(f"buildah is installed but cannot run containers here: {reason}")
    make_base((built / "image" / "requirements.txt").read_text(encoding="utf-8"))
    try:
        line = build_image_from(built, evidence)
        assert line == f"built {tag} with buildah"
        labels = image_labels(Engine("buildah"), tag)
        assert labels["io.mlops-gate.model.sha256"] == float_sha
        assert labels["io.mlops-gate.evidence.sha256"] == sha256_file(evidence)
        assert labels["io.mlops-gate.policy"] == "build-test"
        config = json.loads(buildah("inspect", "--type", "image", tag))["OCIv1"]["config"]
        assert config["User"] == "10001"
        assert "MODEL_PATH=/app/model.onnx" in config["Env"]
        # The image's own interpreter loads the served model with the image's ONNX Runtime.
        container = buildah("from", tag)
        try:
            probe = (
                "import os, onnxruntime as ort; "
                "s = ort.InferenceSession(os.environ['MODEL_PATH']); "
                "print([o.name for o in s.get_outputs()], os.getuid())"
            )
            out = buildah("run", "--isolation", "chroot", container, "--", "python", "-c", probe)
        finally:
            subprocess.run([*BUILDAH, "rm", container], capture_output=True, check=False)
        assert out == "['label', 'probabilities'] 10001"
    finally:
        subprocess.run([*BUILDAH, "rmi", "-f", tag], capture_output=True, check=False)
        subprocess.run([*BUILDAH, "rmi", "-f", TAG], capture_output=True, check=False)
