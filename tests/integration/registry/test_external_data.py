"""A model whose weights live beside it ("external data") is registered with them, and loads back.

Against a real `mlflow server`: the model is checked and promoted through the public façade
(`mlops_gate.api.check`, then `api.promote`, which registers through `promote_verified`), downloaded
back through `resolve`, and run with ONNX Runtime from the downloaded folder.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from mlflow import MlflowClient
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import set_external_data

from mlops_gate import api
from mlops_gate.errors import InputError
from mlops_gate.fsutil import sha256_file
from mlops_gate.registry.mlflow_client import RegistrySettings, open_registry
from mlops_gate.registry.uris import resolve
from mlops_gate.registry.versions import save_onnx_flavour
from mlops_gate.results import Verdict
from tests.integration.mlflow_server import MlflowServer
from tests.unit.registry.support import make_project

pytestmark = pytest.mark.integration

WEIGHTS = np.arange(12, dtype=np.float32).reshape(4, 3) / 7
BIAS = np.array([0.5, -1.0, 2.0], dtype=np.float32)
LOCATIONS = {"W": "model.onnx.data", "B": "weights/bias.bin"}
INPUT = np.array([[1.0, 2.0, 3.0, 4.0], [0.0, -1.0, 0.5, 2.0]], dtype=np.float32)


def _external_model(folder: Path, locations: dict[str, str] = LOCATIONS) -> Path:
    """Y = X @ W + B, with W and B stored in files beside the model at `locations`."""
    initializers = [numpy_helper.from_array(WEIGHTS, "W"), numpy_helper.from_array(BIAS, "B")]
    for tensor in initializers:
        location = locations[tensor.name]
        target = folder / location
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(tensor.raw_data)
        set_external_data(tensor, location, offset=0, length=len(tensor.raw_data))
        tensor.data_location = TensorProto.EXTERNAL
        tensor.ClearField("raw_data")
    graph = helper.make_graph(
        [
            helper.make_node("MatMul", ["X", "W"], ["XW"]),
            helper.make_node("Add", ["XW", "B"], ["Y"]),
        ],
        "affine",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 3])],
        initializer=initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    path = folder / "model.onnx"
    path.write_bytes(model.SerializeToString())
    return path


def _run(path: Path) -> np.ndarray:
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return np.asarray(session.run(None, {"X": INPUT})[0])


def _check_and_promote(root: Path, name: str) -> None:
    """`check` (which hashes the external data into the evidence), then `promote`."""
    project = make_project(root, name, baseline=False)  # keeps the model already written there
    report = api.check(project.policy, use_cache=False)
    assert str(report.verdict) == Verdict.PASS.value, [gate.message for gate in report.gates]
    done = api.promote(project.policy, timeout=60)
    assert (done.action, done.version) == ("promoted", "1")


def test_a_promoted_version_carries_its_external_data_and_loads(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    name = f"external-{uuid.uuid4().hex[:8]}"
    model = _external_model(tmp_path / "project")
    expected = INPUT @ WEIGHTS + BIAS
    np.testing.assert_allclose(_run(model), expected, rtol=1e-6)  # the gated model itself runs

    _check_and_promote(tmp_path / "project", name)

    client = MlflowClient(registry_env.uri, registry_env.uri)
    run_id = client.get_model_version(name, "1").run_id
    listed = {item.path for item in client.list_artifacts(run_id, "model")}
    assert {"model/model.onnx", "model/model.onnx.data", "model/weights", "model/MLmodel"} <= listed
    with open_registry(RegistrySettings(registry_env.uri, timeout_s=60)) as registry:
        pulled = resolve(registry, f"models:/{name}@champion", tmp_path / "cache")
    assert pulled.version == "1"
    assert pulled.path is not None
    assert pulled.path.name == "model.onnx"
    assert sha256_file(pulled.path) == sha256_file(model)  # the gated bytes, byte for byte
    for location in LOCATIONS.values():
        assert (pulled.path.parent / location).read_bytes() == (
            model.parent / location
        ).read_bytes()
    np.testing.assert_allclose(_run(pulled.path), expected, rtol=1e-6)
    # MLflow's own loader reads the version back with its weights too.
    import mlflow.onnx

    (tmp_path / "mlflow-load").mkdir()
    loaded = mlflow.onnx.load_model(f"models:/{name}/1", dst_path=str(tmp_path / "mlflow-load"))
    weights = {t.name: numpy_helper.to_array(t) for t in loaded.graph.initializer}
    np.testing.assert_array_equal(weights["W"], WEIGHTS)


def test_external_data_outside_the_model_folder_is_refused_before_any_upload(
    tmp_path: Path,
) -> None:
    (tmp_path / "project").mkdir()
    model = _external_model(tmp_path / "project", {"W": "../outside.bin", "B": "bias.bin"})
    with pytest.raises(
        InputError, match=r"refused: external data '\.\./outside\.bin' points outside"
    ):
        save_onnx_flavour(model, tmp_path / "mlflow-model")
    assert not (tmp_path / "mlflow-model").exists()


def test_a_run_uri_naming_the_onnx_file_fetches_its_external_data(
    registry_env: MlflowServer, tmp_path: Path
) -> None:
    model = _external_model(tmp_path / "files")
    client = MlflowClient(registry_env.uri, registry_env.uri)
    run = client.create_run(client.create_experiment(f"raw-{uuid.uuid4().hex[:8]}"))
    client.log_artifacts(run.info.run_id, str(model.parent), "raw")
    with open_registry(RegistrySettings(registry_env.uri, timeout_s=60)) as registry:
        pulled = resolve(registry, f"runs:/{run.info.run_id}/raw/model.onnx", tmp_path / "cache")
    assert pulled.path is not None
    assert sha256_file(pulled.path) == sha256_file(model)
    np.testing.assert_allclose(_run(pulled.path), INPUT @ WEIGHTS + BIAS, rtol=1e-6)
    assert onnx.load(str(pulled.path)).graph.initializer[1].raw_data == BIAS.tobytes()
