"""MLflow models as build sources, against the session's real `mlflow server` on 127.0.0.1.

Models are saved with MLflow's own flavour writers (`mlflow.sklearn/onnx/pytorch.save_model`), logged
to a run and registered, as a training job does; build reads them by `models:/name@alias`,
`models:/name/<version>` and `runs:/<id>/model`.
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
import yaml
from mlflow import MlflowClient
from sklearn.linear_model import LogisticRegression

from mlops_gate.api import build
from mlops_gate.errors import InputError
from mlops_gate.gates import equivalence
from mlops_gate.results import Verdict
from tests.integration.artifacts.helpers import NUMERIC, mixed_frame, project
from tests.support import load_context

pytestmark = [
    pytest.mark.integration,
    # MLflow's own save_model (the test's fixture-making, not mlops-gate) warns about the type
    # hints of sklearn's predict; the message starts with an ANSI colour code.
    pytest.mark.filterwarnings("ignore:.*Any type hint is inferred as AnyType:UserWarning"),
]


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def _log(client: MlflowClient, folder: Path, name: str | None = None) -> tuple[str, str | None]:
    """Log `folder` as a run's `model` artifact; register it as `name` (alias champion)."""
    experiment = client.create_experiment(f"build-sources-{uuid.uuid4().hex[:8]}")
    run_id = client.create_run(experiment).info.run_id
    client.log_artifacts(run_id, str(folder), "model")
    client.set_terminated(run_id)
    if name is None:
        return run_id, None
    client.create_registered_model(name)
    version = client.create_model_version(name, f"runs:/{run_id}/model", run_id=run_id).version
    client.set_registered_model_alias(name, "champion", version)
    return run_id, str(version)


def _source(policy: Path, path: str, trust: str | None) -> None:
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["artifacts"]["source"] = {"path": path, **({"trust": trust} if trust else {})}
    policy.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")


def _agrees_with_source(policy: Path) -> None:
    """The built artifact against source.joblib (the model that was logged), on the eval set."""
    config = equivalence.Config(
        type="equivalence",
        source=equivalence.SourceRef(path="source.joblib", trust="pickle"),
        min_agreement=0.999,
        max_proba_diff=1e-4,
    )
    outcome = equivalence.evaluate(config, load_context(policy))
    assert outcome.verdict == Verdict.PASS, outcome.message


def test_pickled_sklearn_model_by_alias_needs_trust_pickle(
    registry_env: Any, tmp_path: Path
) -> None:
    import joblib
    import mlflow.sklearn

    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC)
    estimator = joblib.load(tmp_path / "source.joblib")
    mlflow.sklearn.save_model(
        estimator, tmp_path / "sk", serialization_format="cloudpickle", pip_requirements=[]
    )
    name = f"build-sk-{uuid.uuid4().hex[:8]}"
    run_id, version = _log(client, tmp_path / "sk", name)

    _source(policy, f"models:/{name}@champion", trust=None)
    with pytest.raises(InputError, match="refusing to unpickle an untrusted model"):
        build(policy, tmp_path / "dist")
    assert not (tmp_path / "dist").exists()

    _source(policy, f"models:/{name}@champion", trust="pickle")
    manifest = build(policy, tmp_path / "dist").manifest
    source = manifest["source"]
    assert source["uri"] == f"models:/{name}@champion"
    assert (source["flavour"], source["version"], source["run_id"]) == ("sklearn", version, run_id)
    assert source["kind"] == "sklearn"
    assert Path(source["path"]).name == "model.pkl"
    assert manifest["classes"] == [0, 1]
    _agrees_with_source(policy)

    _source(policy, f"models:/{name}/{version}", trust="pickle")  # by version: the same bytes
    again = build(policy, tmp_path / "dist", force=True).manifest
    assert again["source"]["sha256"] == source["sha256"]
    assert again["source"]["version"] == version


def test_skops_and_onnx_flavours_by_run_and_version(registry_env: Any, tmp_path: Path) -> None:
    import joblib
    import mlflow.onnx
    import mlflow.sklearn
    import onnx

    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC)
    estimator = joblib.load(tmp_path / "source.joblib")
    mlflow.sklearn.save_model(estimator, tmp_path / "skops", pip_requirements=[])  # MLflow 3: skops
    run_id, _ = _log(client, tmp_path / "skops")

    _source(policy, f"runs:/{run_id}/model", trust=None)  # skops trusts LogisticRegression
    built = build(policy, tmp_path / "dist").manifest
    assert built["source"]["flavour"] == "sklearn"
    assert Path(built["source"]["path"]).suffix == ".skops"
    _agrees_with_source(policy)

    float_model = onnx.load(str(tmp_path / "dist" / "model.onnx"))
    mlflow.onnx.save_model(float_model, tmp_path / "onnx", pip_requirements=[])
    name = f"build-onnx-{uuid.uuid4().hex[:8]}"
    _, version = _log(client, tmp_path / "onnx", name)
    _source(policy, f"models:/{name}/{version}", trust=None)
    passed = build(policy, tmp_path / "dist2").manifest
    assert (passed["source"]["kind"], passed["source"]["flavour"]) == ("onnx", "onnx")
    assert passed["features"] == NUMERIC  # read back from the ONNX metadata
    _agrees_with_source(policy.parent / _repoint(policy, "dist2/model.onnx"))


def _repoint(policy: Path, model: str) -> str:
    document = yaml.safe_load(policy.read_text(encoding="utf-8"))
    document["model"]["path"] = model
    target = policy.with_name("policy-dist2.yaml")
    target.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    return target.name


def test_pytorch_flavours_pt2_and_pickle(registry_env: Any, tmp_path: Path) -> None:
    import mlflow.pytorch
    import torch

    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(4, 8), torch.nn.ReLU(), torch.nn.Linear(8, 2))
    example = np.zeros((2, 4), dtype=np.float32)
    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC)
    mlflow.pytorch.save_model(module, tmp_path / "pt2", input_example=example, pip_requirements=[])
    mlflow.pytorch.save_model(
        module, tmp_path / "pth", serialization_format="pickle", pip_requirements=[]
    )
    pt2_run, _ = _log(client, tmp_path / "pt2")
    pth_run, _ = _log(client, tmp_path / "pth")

    for run_id in (pt2_run, pth_run):  # torch.export.load unpickles too (issue 14)
        _source(policy, f"runs:/{run_id}/model", trust=None)
        with pytest.raises(InputError, match="refusing to load an untrusted torch model"):
            build(policy, tmp_path / "dist")

    rows = mixed_frame(200, seed=3)[NUMERIC].to_numpy(dtype=np.float32)
    with torch.no_grad():
        expected = torch.softmax(module(torch.tensor(rows)), dim=1).numpy()
    for run_id, suffix in ((pt2_run, ".pt2"), (pth_run, ".pth")):
        _source(policy, f"runs:/{run_id}/model", trust="pickle")
        manifest = build(policy, tmp_path / "dist", force=True).manifest
        assert manifest["source"]["flavour"] == "pytorch"
        assert Path(manifest["source"]["path"]).suffix == suffix
        session = ort.InferenceSession(
            str(tmp_path / "dist" / "model.onnx"), providers=["CPUExecutionProvider"]
        )
        proba = session.run(["probabilities"], {"X": rows})[0]
        assert proba.shape == (200, 2)
        assert np.abs(proba - expected).max() < 1e-5


def test_a_registry_uri_without_a_model_flavour_is_named(registry_env: Any, tmp_path: Path) -> None:
    client = MlflowClient(registry_env.uri, registry_env.uri)
    policy = project(tmp_path, LogisticRegression(), NUMERIC)
    folder = tmp_path / "other"
    folder.mkdir()
    (folder / "MLmodel").write_text("flavors:\n  python_function: {loader_module: x}\n")
    run_id, _ = _log(client, folder)
    _source(policy, f"runs:/{run_id}/model", trust="pickle")
    with pytest.raises(InputError, match=r"no onnx, sklearn, pytorch flavour to export"):
        build(policy, tmp_path / "dist")
    _source(policy, f"models:/missing-{uuid.uuid4().hex[:6]}@champion", trust=None)
    with pytest.raises(InputError, match="alias 'champion' is not set"):
        build(policy, tmp_path / "dist")
