"""The `size` gate: bytes on disk, ONNX external data included, locations outside refused."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper
from sklearn.linear_model import LogisticRegression

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.errors import GateError
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import GateResult, Verdict
from tests.support import FEATURES, binary_frame, train_onnx, write_policy, write_table

pytestmark = pytest.mark.integration

WEIGHT_COUNT = 250_000  # float32: exactly 1,000,000 bytes of external data


def _run(tmp_path: Path, model: Path | dict[str, Any], gate: dict[str, Any]) -> GateResult:
    document = {
        "version": 1,
        "name": "size-test",
        "model": model if isinstance(model, dict) else {"path": str(model)},
        "gates": [{"type": "size", **gate}],
    }
    (result,) = run_gates(EvaluationContext(load_policy(write_policy(tmp_path, document))))
    assert not result.internal_error, result.message
    return result


def _weights_model() -> onnx.ModelProto:
    """Y = X + W with a 1 MB initializer W."""
    weights = numpy_helper.from_array(np.arange(WEIGHT_COUNT, dtype=np.float32), name="W")
    graph = helper.make_graph(
        [helper.make_node("Add", ["X", "W"], ["Y"])],
        "add",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [WEIGHT_COUNT])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [WEIGHT_COUNT])],
        initializer=[weights],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    return model


def _external_model(folder: Path, location: str = "weights.bin") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "model.onnx"
    onnx.save_model(
        _weights_model(),
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location=location,
        size_threshold=0,
    )
    return path


def _pointing_at(path: Path, location: str) -> Path:
    """A model whose initializer claims to live at `location` (written as-is, no data moved)."""
    model = _weights_model()
    tensor = model.graph.initializer[0]
    tensor.ClearField("raw_data")
    tensor.data_location = TensorProto.EXTERNAL
    for key, value in (("location", location), ("offset", "0"), ("length", "1000000")):
        entry = tensor.external_data.add()
        entry.key, entry.value = key, value
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(model.SerializeToString())
    return path


@pytest.fixture
def small_model(tmp_path: Path) -> Path:
    path = tmp_path / "m" / "model.onnx"
    train_onnx(binary_frame(200), path)
    return path


def test_bytes_are_the_file_size(tmp_path: Path, small_model: Path) -> None:
    result = _run(tmp_path, small_model, {"max_mb": 1})
    expected = os.path.getsize(small_model)
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["bytes"] == expected
    assert result.details["artifacts"] == [{"path": str(small_model), "bytes": expected}]
    assert result.value == expected / 1_000_000
    assert result.threshold == 1


def test_external_data_is_counted(tmp_path: Path) -> None:
    path = _external_model(tmp_path / "ext")
    weights = tmp_path / "ext" / "weights.bin"
    assert (
        os.path.getsize(weights) == 4 * WEIGHT_COUNT
    )  # the model really keeps its weights outside
    result = _run(tmp_path, path, {"max_mb": 10})
    total = os.path.getsize(path) + os.path.getsize(weights)
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["bytes"] == total
    assert result.value == total / 1_000_000
    (artifact,) = result.details["artifacts"]
    assert artifact["external_data"] == [{"path": str(weights.resolve()), "bytes": 1_000_000}]


def test_external_data_tips_the_limit(tmp_path: Path) -> None:
    """The .onnx file alone is a few hundred bytes; with its weights it is over 1 MB."""
    path = _external_model(tmp_path / "ext")
    assert os.path.getsize(path) < 1_000
    result = _run(tmp_path, path, {"max_mb": 1})
    assert result.verdict is Verdict.FAIL, result.message


def test_external_data_in_a_subfolder_is_allowed(tmp_path: Path) -> None:
    (tmp_path / "ext" / "data").mkdir(parents=True)
    path = _external_model(tmp_path / "ext", location="data/weights.bin")
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["bytes"] == os.path.getsize(path) + 1_000_000


@pytest.mark.parametrize("location", ["../outside.bin", "../../etc/passwd", "/etc/passwd"])
def test_external_data_outside_the_folder_is_refused(tmp_path: Path, location: str) -> None:
    (tmp_path / "outside.bin").write_bytes(b"\0" * 1_000_000)
    path = _pointing_at(tmp_path / "inner" / "model.onnx", location)
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.ERROR
    assert "refused" in result.message
    assert "outside the model's folder" in result.message


def test_symlink_escaping_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "outside.bin").write_bytes(b"\0" * 1_000_000)
    path = _pointing_at(tmp_path / "inner" / "model.onnx", "weights.bin")
    (tmp_path / "inner" / "weights.bin").symlink_to(tmp_path / "outside.bin")
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.ERROR
    assert "refused" in result.message


def test_missing_external_data_file_is_an_error(tmp_path: Path) -> None:
    path = _pointing_at(tmp_path / "inner" / "model.onnx", "gone.bin")
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.ERROR
    assert "gone.bin" in result.message
    assert "not found" in result.message


def test_corrupt_onnx_file_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.onnx"
    path.write_bytes(b"\xff\xfe not a protobuf \x00" * 10)
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.ERROR
    assert "not a loadable ONNX model" in result.message


def test_missing_model_file_is_an_error(tmp_path: Path) -> None:
    result = _run(tmp_path, tmp_path / "absent.onnx", {"max_mb": 10})
    assert result.verdict is Verdict.ERROR
    assert "not found" in result.message


@pytest.mark.parametrize(
    ("limits", "verdict"),
    [
        ({"max_mb": 1, "warn_mb": 0.0001}, Verdict.WARN),
        ({"max_mb": 0.0001}, Verdict.FAIL),
        ({"max_mb": 1, "warn_mb": 0.5}, Verdict.PASS),
    ],
)
def test_verdict_follows_the_thresholds(
    tmp_path: Path, small_model: Path, limits: dict[str, float], verdict: Verdict
) -> None:
    result = _run(tmp_path, small_model, limits)  # a few hundred bytes: over 0.0001 MB (100 B)
    assert os.path.getsize(small_model) > 100
    assert result.verdict is verdict, result.message


def test_pickled_model_is_measured_as_a_file(tmp_path: Path) -> None:
    frame = binary_frame(200)
    path = tmp_path / "model.joblib"
    joblib.dump(LogisticRegression().fit(frame[FEATURES], frame["label"]), path)
    result = _run(tmp_path, {"path": str(path), "trust": "pickle"}, {"max_mb": 1})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["bytes"] == os.path.getsize(path)


def test_without_onnx_external_data_is_still_counted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The locations are read from the protobuf bytes directly: `onnx` is not needed."""
    path = _external_model(tmp_path / "ext")
    monkeypatch.setitem(sys.modules, "onnx", None)  # `import onnx` now raises ImportError
    result = _run(tmp_path, path, {"max_mb": 10})
    assert result.verdict is Verdict.PASS, result.message
    assert result.details["bytes"] == os.path.getsize(path) + 4 * WEIGHT_COUNT
    assert "note" not in result.details


def test_no_model_is_an_error(tmp_path: Path) -> None:
    """A data-only policy: the size gate has nothing to measure (called directly, as the policy
    check already refuses a size gate without a model)."""
    write_table(binary_frame(50), tmp_path / "ref.parquet")
    document = {
        "version": 1,
        "name": "data-only",
        "data": {"reference": str(tmp_path / "ref.parquet"), "eval": str(tmp_path / "ref.parquet")},
        "gates": [{"type": "drift", "max": 0.2}],
    }
    context = EvaluationContext(load_policy(write_policy(tmp_path, document)))
    # Imported here: importing mlops_gate.gates.* before mlops_gate.policy hits an import cycle.
    from mlops_gate.gates import size

    with pytest.raises(GateError, match="no model"):
        size.evaluate(size.Config(type="size", max_mb=1), context)
