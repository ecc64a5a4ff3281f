"""What `build` refuses, each with one clear line and nothing written half."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.semi_supervised import LabelSpreading

from mlops_gate.api import build
from mlops_gate.errors import InputError
from tests.integration.artifacts.helpers import NUMERIC, project

pytestmark = pytest.mark.integration


@pytest.fixture(autouse=True)
def _no_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_GATE_ENGINE", "none")


def test_unconvertible_step_is_named_with_the_supported_list(tmp_path: Path) -> None:
    estimator = Pipeline([("scale", StandardScaler()), ("spread", LabelSpreading())])
    policy = project(tmp_path, estimator, NUMERIC, n=300)
    with pytest.raises(InputError) as caught:
        build(policy, tmp_path / "dist")
    message = str(caught.value)
    assert "\n" not in message
    assert "cannot export step 'spread' (LabelSpreading)" in message
    assert "supported classifiers:" in message
    assert "LogisticRegression" in message
    assert not (tmp_path / "dist").exists()


def _external_model(folder: Path, location: str) -> Path:
    """A valid ONNX model whose weight lives in external data at `location`."""
    weight = numpy_helper.from_array(np.ones((4, 2), dtype=np.float32), name="W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "g",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])],
        [weight],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    path = folder / "model.onnx"
    onnx.save_model(
        model, str(path), save_as_external_data=True, location="weights.bin", size_threshold=0
    )
    stored = onnx.load(str(path), load_external_data=False)
    for entry in stored.graph.initializer[0].external_data:
        if entry.key == "location":
            entry.value = location
    path.write_bytes(stored.SerializeToString())
    return path


def test_onnx_whose_external_data_points_outside_its_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "secret.bin").write_bytes(np.ones(8, dtype=np.float32).tobytes())
    models = tmp_path / "models"
    models.mkdir()
    source = _external_model(models, "../secret.bin")
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=300)
    policy.write_text(policy.read_text().replace("path: source.joblib", f"path: {source}"))
    with pytest.raises(
        InputError, match=r"refused: external data '\.\./secret\.bin' points outside"
    ):
        build(policy, tmp_path / "dist")
    assert not (tmp_path / "dist").exists()


def test_onnx_with_external_data_inside_its_folder_passes_through(tmp_path: Path) -> None:
    from mlops_gate.artifacts.export import ExportRequest, export_file

    models = tmp_path / "models"
    models.mkdir()
    source = _external_model(models, "weights.bin")
    request = ExportRequest(frame=__import__("pandas").DataFrame(), features=NUMERIC)
    exported = export_file(source, None, request)
    assert exported.kind == "onnx"
    assert exported.model.graph.initializer[0].raw_data


def test_non_empty_out_is_refused_without_force_and_replaced_with_it(tmp_path: Path) -> None:
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=300)
    out = tmp_path / "dist"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(InputError, match="not empty; refusing to overwrite it \\(use --force\\)"):
        build(policy, out)
    assert (out / "keep.txt").read_text() == "mine"
    assert len(list(out.iterdir())) == 1
    build(policy, out, force=True)
    assert sorted(p.name for p in out.iterdir()) == ["build.json", "image", "model.onnx"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".dist.")]  # no staging left


def test_pickle_source_without_trust_is_refused_before_unpickling(tmp_path: Path) -> None:
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=300)
    policy.write_text(policy.read_text().replace("    trust: pickle\n", ""))
    with pytest.raises(InputError, match="refusing to unpickle an untrusted model"):
        build(policy, tmp_path / "dist")


def test_torch_module_that_fails_to_export_is_named(tmp_path: Path) -> None:
    import torch  # installed by the test setup (scripts/ensure-venv.sh, the torch extra)

    from mlops_gate.artifacts.torch_export import export_torch

    class NoOnnxOp(torch.nn.Module):  # type: ignore[misc]
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.special.bessel_j0(x)[:, :2]  # runs in torch, has no ONNX symbolic

    with pytest.raises(InputError, match="torch module NoOnnxOp failed to export to ONNX"):
        export_torch(NoOnnxOp(), 4, 17)


def test_no_engine_keeps_the_context_and_says_so(tmp_path: Path) -> None:
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=300)
    result = build(policy, tmp_path / "dist")
    assert result.lines[-1].startswith(
        "no container engine (docker buildx, podman or buildah) found"
    )
    image = tmp_path / "dist" / "image"
    assert sorted(p.name for p in image.iterdir()) == [
        ".dockerignore",
        "Dockerfile",
        "model.onnx",
        "requirements.txt",
        "server.py",
    ]
    assert (image / "model.onnx").read_bytes() == (tmp_path / "dist" / "model.onnx").read_bytes()


def test_triton_runtime_writes_the_model_repository(tmp_path: Path) -> None:
    image = {"runtime": "triton", "device": "cuda", "max_batch_size": 32}
    policy = project(tmp_path, LogisticRegression(), NUMERIC, n=300, artifacts={"image": image})
    build(policy, tmp_path / "dist")
    repo = tmp_path / "dist" / "image" / "model_repository" / "build-test"
    config = (repo / "config.pbtxt").read_text()
    assert "max_batch_size: 32" in config
    assert "kind: KIND_GPU" in config
    assert 'name: "X" data_type: TYPE_FP32 dims: [ 4 ]' in config
    assert (repo / "1" / "model.onnx").is_file()
