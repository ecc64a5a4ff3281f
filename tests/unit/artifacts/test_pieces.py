"""Pure pieces of `build`: opset normalisation, tie handling, the image context text, engines."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from mlops_gate.artifacts.engine import Engine
from mlops_gate.artifacts.image import ImageLabels, dockerfile, requirements, triton_config
from mlops_gate.artifacts.onnx_file import check_location
from mlops_gate.artifacts.opset import default_opset, drop_noop_input_casts, normalise_opset_imports
from mlops_gate.errors import InputError
from mlops_gate.gates.equivalence import compare
from mlops_gate.loaders.predictions import Predictions
from mlops_gate.policy.model import ArtifactsSpec, ImageSpec, QuantizeSpec

SERVER = Path(__file__).resolve().parents[3] / "mlops_gate" / "serving" / "app.py"


def _identity_model(opsets: list[tuple[str, int]]) -> onnx.ModelProto:
    x = helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 2])
    y = helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])
    cast = helper.make_node("Cast", ["X"], ["Xc"], to=TensorProto.FLOAT)
    relu = helper.make_node("Relu", ["Xc"], ["Y"])
    graph = helper.make_graph([cast, relu], "g", [x], [y])
    return helper.make_model(graph, opset_imports=[helper.make_opsetid(d, v) for d, v in opsets])


def test_duplicate_default_domain_opsets_merge_to_the_highest() -> None:
    model = _identity_model([("ai.onnx.ml", 1), ("", 15), ("", 17), ("ai.onnx", 13)])
    assert normalise_opset_imports(model) == 2
    assert [(o.domain, o.version) for o in model.opset_import] == [("ai.onnx.ml", 1), ("", 17)]
    assert default_opset(model) == 17
    assert normalise_opset_imports(model) == 0


def test_noop_input_cast_is_dropped_and_consumers_rewired() -> None:
    model = _identity_model([("", 17)])
    assert drop_noop_input_casts(model) == 1
    assert [n.op_type for n in model.graph.node] == ["Relu"]
    assert list(model.graph.node[0].input) == ["X"]
    onnx.checker.check_model(model)


def _binary(labels: list[int], p1: list[float]) -> Predictions:
    proba = np.column_stack([1 - np.array(p1), np.array(p1)])
    return Predictions(labels=np.array(labels), proba=proba, classes=(0, 1))


def test_label_differences_on_exact_ties_are_reported_not_counted() -> None:
    source = _binary([0, 1, 0, 1], [0.5, 0.9, 0.1, 0.5])
    artifact = _binary([1, 1, 0, 0], [0.5, 0.9, 0.1, 0.5])
    found = compare(source, artifact, tie_tolerance=1e-9)
    assert found.ties == 2
    assert found.tie_disagreements == 2
    assert found.disagreements == []
    assert found.share == 1.0
    assert found.max_proba_diff == 0.0


def test_real_disagreements_and_nan_rows_count() -> None:
    source = _binary([0, 1, 0], [0.2, 0.9, 0.4])
    artifact = _binary([1, 1, 0], [0.6, 0.9, float("nan")])
    found = compare(source, artifact, tie_tolerance=1e-6)
    assert found.disagreements == [0, 2]
    assert found.nan_rows == 1
    assert found.max_proba_diff == pytest.approx(0.4)
    assert found.share == pytest.approx(1 / 3)


def test_class_columns_are_aligned_by_label() -> None:
    source = Predictions(labels=np.array(["a"]), proba=np.array([[0.7, 0.3]]), classes=("a", "b"))
    artifact = Predictions(labels=np.array(["a"]), proba=np.array([[0.3, 0.7]]), classes=("b", "a"))
    assert compare(source, artifact, 1e-6).max_proba_diff == 0.0


def test_server_file_is_self_contained() -> None:
    """The image runs server.py without mlops-gate installed: it may import no mlops_gate module."""
    tree = ast.parse(SERVER.read_text(encoding="utf-8"))
    imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
    assert not [m for m in imported if m.startswith("mlops_gate")]
    allowed = {"fastapi", "pydantic", "numpy", "onnxruntime", "prometheus_client", "__future__"}
    import sys

    third_party = {m.split(".")[0] for m in imported} - set(sys.stdlib_module_names)
    assert third_party <= allowed, third_party - allowed


def test_dockerfile_is_non_root_with_healthcheck_and_labels() -> None:
    labels = ImageLabels(
        model_sha256="ab" * 32, policy="fraud", evidence_sha256=None, git_sha="f00"
    )
    text = dockerfile(ImageSpec(base="registry.local/python:3.11"), labels)
    assert "ARG BASE_IMAGE=registry.local/python:3.11" in text
    assert "USER 10001" in text
    assert "HEALTHCHECK" in text
    assert "/health" in text
    assert f'io.mlops-gate.model.sha256="{"ab" * 32}"' in text
    assert 'io.mlops-gate.policy="fraud"' in text
    assert 'org.opencontainers.image.revision="f00"' in text
    assert 'io.mlops-gate.evidence.sha256="none"' in text


def test_requirements_pick_the_runtime_by_device() -> None:
    assert "\nonnxruntime==" in "\n" + requirements("cpu")
    assert "onnxruntime-gpu[cuda,cudnn]==" in requirements("cuda")
    assert "fastapi==" in requirements("cpu")
    assert "prometheus_client==" in requirements("cpu")


def test_triton_config_batches_dynamically_by_device() -> None:
    inputs: list[dict[str, object]] = [{"name": "X", "type": "float", "shape": [None, 4]}]
    outputs: list[dict[str, object]] = [
        {"name": "label", "type": "int64", "shape": [None]},
        {"name": "probabilities", "type": "float", "shape": [None, 2]},
    ]
    gpu = triton_config("fraud", ImageSpec(runtime="triton", device="cuda"), inputs, outputs)
    assert 'name: "fraud"' in gpu
    assert 'backend: "onnxruntime"' in gpu
    assert "max_batch_size: 64" in gpu
    assert "dynamic_batching { }" in gpu
    assert "kind: KIND_GPU" in gpu
    assert 'name: "X" data_type: TYPE_FP32 dims: [ 4 ]' in gpu
    assert 'name: "label" data_type: TYPE_INT64 dims: [ 1 ] reshape: { shape: [ ] }' in gpu
    cpu = triton_config("fraud", ImageSpec(runtime="triton"), inputs, outputs)
    assert "kind: KIND_CPU" in cpu


def test_engine_commands() -> None:
    ctx = Path("/ctx")
    assert Engine("docker").build_command(ctx, "a:1", push=True)[-2:] == ["--push", "/ctx"]
    assert Engine("docker").push_command("a:1") is None
    buildah = Engine("buildah").build_command(ctx, "a:1", push=False)
    assert buildah[:3] == ["buildah", "--storage-driver", "vfs"]
    assert "chroot" in buildah
    assert Engine("podman").push_command("a:1") == ["podman", "push", "a:1"]


def test_external_data_outside_the_model_folder_is_refused(tmp_path: Path) -> None:
    model = tmp_path / "m" / "model.onnx"
    model.parent.mkdir()
    (tmp_path / "secret.bin").write_bytes(b"x")
    (model.parent / "weights.bin").write_bytes(b"x")
    check_location(model, "weights.bin")
    for bad in ("../secret.bin", str(tmp_path / "secret.bin"), "sub/../../secret.bin"):
        with pytest.raises(InputError, match="refused"):
            check_location(model, bad)


def test_quantize_variants_accept_one_or_a_list_and_reject_duplicates() -> None:
    one = ArtifactsSpec.model_validate({"quantize": {"method": "dynamic"}})
    assert [q.variant for q in one.quantize_variants()] == ["int8"]
    many = ArtifactsSpec.model_validate({"quantize": [{"method": "static"}, {"method": "fp16"}]})
    assert [q.variant for q in many.quantize_variants()] == ["int8-static", "fp16"]
    assert QuantizeSpec(method="dynamic", weight_type="uint8").variant == "uint8"
    with pytest.raises(ValueError, match="twice"):
        ArtifactsSpec.model_validate({"quantize": [{"method": "fp16"}, {"method": "fp16"}]})
