"""Check runs recorded in MLflow, and models read from registry URIs (issue #4, items 1, 2, 6)."""

from __future__ import annotations

import json
import os
import pickle
import uuid
from pathlib import Path

import pytest
from mlflow import MlflowClient

from mlops_gate import api as commands
from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.gates.registry import load_policy
from mlops_gate.loaders.models import load_model
from mlops_gate.policy.model import ModelRef
from mlops_gate.registry.from_policy import registry_configured
from mlops_gate.registry.mlflow_client import RegistrySettings, open_registry
from mlops_gate.registry.uris import resolve
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict
from tests.integration.mlflow_server import MlflowServer
from tests.unit.registry.support import make_project, write_evidence_for

pytestmark = pytest.mark.integration


def test_check_run_holds_values_tags_and_reports(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    project = make_project(tmp_path, f"record-{uuid.uuid4().hex[:8]}")
    evidence = write_evidence_for(project, baseline_version="3")
    report = CheckReport(
        policy_name=project.name,
        policy_path=str(project.policy),
        policy_sha256=sha256_file(project.policy),
        gates=[
            GateResult(
                id="metric:f1",
                type="metric",
                verdict=Verdict.PASS,
                value=0.93,
                threshold=0.9,
                baseline_value=0.91,
            ),
            GateResult(
                id="metric:f1#2", type="metric", verdict=Verdict.WARN, value=0.905, threshold=0.9
            ),
            GateResult(id="drift", type="drift", verdict=Verdict.ERROR, value=None, message="NaN"),
        ],
        model_sha256=sha256_file(project.model),
        baseline_version="3",
    )

    recorded = commands.record_check_run(
        load_policy(project.policy), report, evidence, timeout=60, use_cache=False
    )
    assert recorded is not None
    run_id = recorded.run_id

    run = client.get_run(run_id)
    assert run.info.status == "FINISHED"
    assert run.data.metrics == {
        "gate.metric:f1": 0.93,
        "gate.metric:f1.baseline": 0.91,
        "gate.metric:f1_2": 0.905,
        # The names mlflow.evaluate logs (issue 17): the first f1 gate's numbers.
        "f1_score": 0.93,
        "f1_score.baseline": 0.91,
    }
    assert run.data.params["gate.metric:f1.threshold"] == "0.9"
    assert run.data.tags["mlops_gate.verdict"] == "error"
    assert run.data.tags["mlops_gate.policy"] == project.name
    assert run.data.tags["mlops_gate.baseline_version"] == "3"
    assert run.data.tags["mlops_gate.gate.drift"] == "error"
    listed = {a.path for a in client.list_artifacts(run_id, "mlops-gate")}
    assert listed == {"mlops-gate/results.json", "mlops-gate/report.md", "mlops-gate/evidence.json"}
    results = json.loads(
        Path(
            client.download_artifacts(run_id, "mlops-gate/results.json", str(tmp_path))
        ).read_text()
    )
    assert results["verdict"] == "error"
    assert registry_configured(load_policy(project.policy))


def test_registry_uris_resolve_to_the_registered_bytes(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    project = make_project(tmp_path, f"uris-{uuid.uuid4().hex[:8]}")
    commands.promote(project.policy, write_evidence_for(project, baseline_version=None), timeout=60)
    run_id = client.get_model_version(project.name, "1").run_id
    expected = sha256_file(project.model)

    with open_registry(RegistrySettings(registry_env.uri, timeout_s=60)) as registry:
        by_alias = resolve(registry, f"models:/{project.name}@champion", tmp_path / "cache")
        by_version = resolve(registry, f"models:/{project.name}/1", tmp_path / "cache")
        by_run = resolve(registry, f"runs:/{run_id}/model", tmp_path / "cache")
        cached = resolve(registry, f"models:/{project.name}/1", tmp_path / "cache")
        first_run = resolve(
            registry, f"models:/{project.name}@challenger", tmp_path / "cache", allow_missing=True
        )
        with pytest.raises(InputError, match="alias 'challenger' is not set"):
            resolve(registry, f"models:/{project.name}@challenger", tmp_path / "cache")
        with pytest.raises(InputError, match="has no version 7"):
            resolve(registry, f"models:/{project.name}/7", tmp_path / "cache")

    for found in (by_alias, by_version, by_run):
        assert found.path is not None
        assert found.path.suffix == ".onnx"
        assert sha256_file(found.path) == expected
    assert (by_alias.version, by_version.version, by_alias.run_id) == ("1", "1", run_id)
    assert cached.path == by_version.path
    assert first_run.path is None
    assert first_run.note is not None
    assert "first run" in first_run.note
    assert load_model(by_alias.path, ModelRef(path="x.onnx"), "classification").kind == "onnx"


class _Marker:
    """Unpickling this writes a file: proof that a pickle was (or was not) deserialised."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (os.mkdir, (self.path,))  # type: ignore[return-value]


def test_a_pickled_registry_model_is_not_unpickled_untrusted(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    marker = tmp_path / "unpickled"
    folder = tmp_path / "sk" / "model"
    folder.mkdir(parents=True)
    (folder / "MLmodel").write_text(
        "flavors:\n  sklearn:\n    pickled_model: model.pkl\n"
        "    serialization_format: cloudpickle\n"
    )
    (folder / "model.pkl").write_bytes(pickle.dumps(_Marker(str(marker))))
    experiment = client.create_experiment(f"pickles-{uuid.uuid4().hex[:8]}")
    run = client.create_run(experiment)
    client.log_artifacts(run.info.run_id, str(folder), "model")

    with open_registry(RegistrySettings(registry_env.uri, timeout_s=60)) as registry:
        assert os.environ["MLFLOW_ALLOW_PICKLE_DESERIALIZATION"] == "false"
        found = resolve(registry, f"runs:/{run.info.run_id}/model", tmp_path / "cache")
    assert found.path is not None
    assert found.path.name == "model.pkl"
    with pytest.raises(InputError, match="refusing to unpickle an untrusted model"):
        load_model(found.path, ModelRef(path="model.pkl"), "classification")
    assert not marker.exists()
