"""`mlops-gate check POLICY --artifacts dist/`: every built artifact gated, a column per variant.

Real build (skl2onnx + ONNX Runtime quantization), the real CLI in a subprocess, real ORT sessions.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from sklearn.neural_network import MLPClassifier

from mlops_gate.api import build
from mlops_gate.fsutil import sha256_file
from tests.integration.artifacts.helpers import NUMERIC, mixed_frame, project
from tests.support import run_cli

pytestmark = pytest.mark.integration

METRIC = {
    "type": "metric",
    "metric": "accuracy",
    "min": 0.6,
    "max_drop_vs_float": 0.02,
}
DRIFT = {"type": "drift", "max": 5.0, "columns": NUMERIC}  # reads no model: runs once
SIZE = {"type": "size", "max_mb": 50}


@pytest.fixture
def dist(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An MLP built into dist/ with an int8 variant; the policy gates metric, drift and size."""
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")
    mlp = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0)
    policy = project(
        tmp_path,
        mlp,
        NUMERIC,
        gates=[METRIC, DRIFT, SIZE],
        artifacts={"quantize": [{"method": "dynamic", "weight_type": "int8"}]},
    )
    build(policy, tmp_path / "dist")
    return tmp_path / "dist"


def _check(folder: Path, *extra: str) -> tuple[int, str, dict[str, object]]:
    root = folder.parent
    done = run_cli(
        "check",
        str(root / "mlops-gate.yaml"),
        "--artifacts",
        str(folder),
        "--json",
        str(root / "out" / "results.json"),
        "--markdown",
        str(root / "out" / "report.md"),
        "--html",
        str(root / "out" / "report.html"),
        "--evidence",
        str(root / "out" / "evidence.json"),
        "--no-cache",
        *extra,
        cwd=root,
    )
    assert "Traceback" not in done.stdout + done.stderr
    results = root / "out" / "results.json"
    document = json.loads(results.read_text(encoding="utf-8")) if results.exists() else {}
    return done.returncode, done.stdout + done.stderr, document


def test_every_artifact_is_gated_with_a_column_each(dist: Path) -> None:
    code, output, results = _check(dist)

    assert code == 0, output
    assert results["verdict"] == "pass"
    variants = results["variants"]
    assert isinstance(variants, list)
    assert [v["variant"] for v in variants] == ["float", "int8"]
    for variant, name in zip(variants, ["model.onnx", "model.int8.onnx"], strict=True):
        assert variant["sha256"] == sha256_file(dist / name)
        assert [g["id"] for g in variant["gates"]] == ["metric:accuracy", "drift", "size"]
    # The top-level gates are the float model's (the results JSON schema is unchanged).
    assert results["model"] == {"path": str(dist / "model.onnx"), "sha256": variants[0]["sha256"]}
    assert [g["verdict"] for g in results["gates"]] == [g["verdict"] for g in variants[0]["gates"]]
    float_metric, int8_metric = variants[0]["gates"][0], variants[1]["gates"][0]
    assert float_metric["details"]["vs_float"].startswith("the *_vs_float limits apply")
    assert int8_metric["details"]["float_value"] == float_metric["value"]
    assert abs(int8_metric["details"]["delta_vs_float"]) < 0.02
    # drift reads no model: evaluated once, shared; size measured on each file.
    assert [g["shared"] for g in variants[1]["gates"]] == [False, True, False]
    assert variants[1]["gates"][1]["duration_s"] == variants[0]["gates"][1]["duration_s"]
    for variant, name in zip(variants, ["model.onnx", "model.int8.onnx"], strict=True):
        assert variant["gates"][2]["details"]["bytes"] == (dist / name).stat().st_size

    evidence = json.loads((dist.parent / "out" / "evidence.json").read_text(encoding="utf-8"))
    inputs = evidence["inputs"]
    assert inputs["artifacts.float"]["sha256"] == sha256_file(dist / "model.onnx")
    assert inputs["artifacts.int8"]["sha256"] == sha256_file(dist / "model.int8.onnx")
    assert inputs["artifacts.manifest"]["sha256"] == sha256_file(dist / "build.json")
    assert evidence["results"]["variants"] == variants

    markdown = (dist.parent / "out" / "report.md").read_text(encoding="utf-8")
    assert "### Artifacts" in markdown
    assert f"| gate | float · {variants[0]['sha256'][:12]} | int8 · " in markdown
    assert "a failing variant fails the check" in markdown
    html = (dist.parent / "out" / "report.html").read_text(encoding="utf-8")
    assert "<h2>Artifacts</h2>" in html
    assert f"int8 · {variants[1]['sha256'][:12]}" in html
    assert "artifacts" in output
    assert "a failing variant fails the check" in output

    # `report` re-renders a results JSON with variants (its verdict is checked against them).
    again = run_cli(
        "report",
        str(dist.parent / "out" / "results.json"),
        "--markdown",
        str(dist.parent / "out" / "again.md"),
        cwd=dist.parent,
    )
    assert again.returncode == 0, again.stderr
    assert (dist.parent / "out" / "again.md").read_text(encoding="utf-8") == markdown


def test_a_variant_that_lost_accuracy_fails_the_check(dist: Path) -> None:
    """A variant file swapped for a weaker model (and build.json updated): max_drop_vs_float."""
    from tests.support import train_onnx

    weak = mixed_frame(400, seed=5)
    weak["label"] = weak["label"].sample(frac=1, random_state=0).to_numpy()  # labels shuffled
    train_onnx(weak, dist / "model.int8.onnx", features=NUMERIC)
    manifest = json.loads((dist / "build.json").read_text(encoding="utf-8"))
    manifest["artifacts"][1]["sha256"] = sha256_file(dist / "model.int8.onnx")
    (dist / "build.json").write_text(json.dumps(manifest), encoding="utf-8")

    code, output, results = _check(dist)

    assert code == 1, output
    assert results["verdict"] == "fail"
    assert all(g["verdict"] == "pass" for g in results["gates"])  # the float model passes
    variants = results["variants"]
    assert isinstance(variants, list)
    assert [v["verdict"] for v in variants] == ["pass", "fail"]
    message = variants[1]["gates"][0]["message"]
    assert "exceeds max_drop_vs_float 0.02" in message
    assert "fail int8 metric:accuracy: accuracy drop" in " ".join(output.split())
    markdown = (dist.parent / "out" / "report.md").read_text(encoding="utf-8")
    assert "❌ **FAIL**" in markdown
    assert "- **int8** metric:accuracy (fail): accuracy drop" in markdown


def test_an_artifact_changed_since_the_build_is_refused(dist: Path) -> None:
    (dist / "model.int8.onnx").write_bytes(b"not the built file")

    code, output, _ = _check(dist)

    assert code == 2
    assert "model.int8.onnx: its sha256 is not the one" in output
    assert "run build again" in output


def test_a_data_only_policy_evaluates_its_gates_once(dist: Path) -> None:
    policy = dist.parent / "mlops-gate.yaml"
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["gates"] = [DRIFT]
    policy.write_text(yaml.safe_dump(document), encoding="utf-8")

    code, output, results = _check(dist)

    assert code == 0, output
    variants = results["variants"]
    assert isinstance(variants, list)
    assert variants[0]["gates"][0]["shared"] is True
    assert variants[1]["gates"][0] == variants[0]["gates"][0]


def test_confidence_bounds_the_drop_against_the_float_model(dist: Path) -> None:
    from mlops_gate import api

    policy = dist.parent / "mlops-gate.yaml"
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    gate = {**METRIC, "confidence": 0.9, "n_resamples": 200}
    document["gates"] = [gate]
    policy.write_text(yaml.safe_dump(document), encoding="utf-8")

    report = api.check(policy, api.Outputs(evidence=None), use_cache=False, artifacts=dist)

    int8 = report.variants[1].gates[0]
    details = int8.details
    assert details["delta_vs_float_ci_low"] <= details["delta_vs_float"]
    assert details["delta_vs_float"] <= details["delta_vs_float_ci_high"]
    assert details["float_value"] == report.gates[0].value
    assert int8.verdict.value == ("fail" if -details["delta_vs_float_ci_low"] > 0.02 else "pass")


def test_a_folder_without_build_json_is_refused(tmp_path: Path, dist: Path) -> None:
    code, output, _ = _check(tmp_path / "nothing")
    assert code == 2
    assert "build.json: not found (run `mlops-gate build --out" in output
