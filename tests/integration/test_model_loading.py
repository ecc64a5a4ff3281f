"""How ONNX models are fed and read (mlops_gate/loaders/models.py docstring), on real ORT sessions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pandas as pd
import pytest
from onnx import TensorProto, helper

from mlops_gate.errors import DependencyError, InputError
from mlops_gate.loaders.models import load_model
from mlops_gate.policy.model import ModelRef
from tests.support import FEATURES, binary_frame, train_onnx

pytestmark = pytest.mark.integration

WEIGHTS = np.array([[1.0, -1.0], [-2.0, 2.0]], dtype=np.float32)  # two features -> two class logits


def _save(graph: onnx.GraphProto, path: Path, metadata: dict[str, str] | None = None) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    for key, value in (metadata or {}).items():
        entry = model.metadata_props.add()
        entry.key, entry.value = key, value
    onnx.checker.check_model(model)
    path.write_bytes(model.SerializeToString())
    return path


def _softmax_graph(
    inputs: list[onnx.ValueInfoProto], head: list[onnx.NodeProto], with_label: bool = True
) -> onnx.GraphProto:
    weights = helper.make_tensor("W", TensorProto.FLOAT, [2, 2], WEIGHTS.flatten().tolist())
    nodes = [
        *head,
        helper.make_node("MatMul", ["X", "W"], ["logits"]),
        helper.make_node("Softmax", ["logits"], ["probabilities"], axis=1),
    ]
    outputs = [helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2])]
    if with_label:
        nodes.append(helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0))
        outputs.insert(0, helper.make_tensor_value_info("label", TensorProto.INT64, [None]))
    return helper.make_graph(nodes, "g", inputs, outputs, initializer=[weights])


def _expected(frame: pd.DataFrame) -> np.ndarray:
    logits = frame[["a", "b"]].to_numpy(np.float32) @ WEIGHTS
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(exp / exp.sum(axis=1, keepdims=True))


FRAME = pd.DataFrame(
    {"b": [0.5, -1.0, 2.0], "a": [1.0, 3.0, -0.5]}
)  # column order differs from features


def test_single_matrix_input_gets_features_in_policy_order(tmp_path: Path) -> None:
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 2])]
    path = _save(
        _softmax_graph(inputs, [helper.make_node("Identity", ["input"], ["X"])]),
        tmp_path / "m.onnx",
    )
    predictions = load_model(path, ModelRef(path=str(path)), "classification").predict(
        FRAME, ["a", "b"]
    )
    np.testing.assert_allclose(predictions.proba, _expected(FRAME), rtol=1e-6)
    np.testing.assert_array_equal(predictions.labels, _expected(FRAME).argmax(axis=1))


def test_per_column_inputs_are_fed_by_name(tmp_path: Path) -> None:
    inputs = [helper.make_tensor_value_info(n, TensorProto.FLOAT, [None, 1]) for n in ("a", "b")]
    path = _save(
        _softmax_graph(inputs, [helper.make_node("Concat", ["a", "b"], ["X"], axis=1)]),
        tmp_path / "m.onnx",
    )
    predictions = load_model(path, ModelRef(path=str(path)), "classification").predict(
        FRAME, ["a", "b"]
    )
    np.testing.assert_allclose(predictions.proba, _expected(FRAME), rtol=1e-6)


def test_proba_only_model_and_classes_from_metadata(tmp_path: Path) -> None:
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 2])]
    graph = _softmax_graph(
        inputs, [helper.make_node("Identity", ["input"], ["X"])], with_label=False
    )
    path = _save(graph, tmp_path / "m.onnx", {"classes": '["no", "yes"]'})
    predictions = load_model(path, ModelRef(path=str(path)), "classification").predict(
        FRAME, ["a", "b"]
    )
    assert predictions.labels is None
    assert predictions.classes == ("no", "yes")
    np.testing.assert_allclose(
        predictions.positive_scores("yes"), _expected(FRAME)[:, 1], rtol=1e-6
    )


def test_zipmap_output_becomes_a_matrix(tmp_path: Path) -> None:
    from skl2onnx import to_onnx
    from sklearn.linear_model import LogisticRegression

    frame = binary_frame(300)
    x = frame[FEATURES].to_numpy(np.float32)
    model = LogisticRegression().fit(x, frame["label"])
    (tmp_path / "z.onnx").write_bytes(
        to_onnx(model, x[:1], target_opset=17).SerializeToString()
    )  # ZipMap on
    predictions = load_model(
        tmp_path / "z.onnx", ModelRef(path="z.onnx"), "classification"
    ).predict(frame, FEATURES)
    assert predictions.classes == (0, 1)
    np.testing.assert_allclose(predictions.proba, model.predict_proba(x), atol=1e-5)


def test_regression_output(tmp_path: Path) -> None:
    from tests.support import regression_frame

    frame = regression_frame(200)
    model = train_onnx(frame, tmp_path / "r.onnx", target="target", task="regression")
    predictions = load_model(tmp_path / "r.onnx", ModelRef(path="r.onnx"), "regression").predict(
        frame, FEATURES
    )
    assert predictions.values is not None
    np.testing.assert_allclose(
        predictions.values, model.predict(frame[FEATURES].to_numpy(np.float32)), atol=1e-4
    )


def test_feature_count_mismatch_is_explained(tmp_path: Path) -> None:
    train_onnx(binary_frame(200), tmp_path / "m.onnx")
    model = load_model(tmp_path / "m.onnx", ModelRef(path="m.onnx"), "classification")
    with pytest.raises(InputError, match=r"takes 4 features but 3 were given \(f0, f1, f2\)"):
        model.predict(binary_frame(10), FEATURES[:3])


def test_unsupported_model_format(tmp_path: Path) -> None:
    (tmp_path / "m.h5").write_bytes(b"x")
    with pytest.raises(InputError, match=r"unsupported model format '\.h5'"):
        load_model(tmp_path / "m.h5", ModelRef(path="m.h5"), "classification")


def test_missing_onnxruntime_is_a_clear_error() -> None:
    code = (
        "import sys; sys.modules['onnxruntime'] = None\n"
        "from mlops_gate.loaders.onnx_runtime import onnxruntime\n"
        "from mlops_gate.errors import DependencyError\n"
        "try:\n    onnxruntime()\nexcept DependencyError as e:\n    print(e)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert "ONNX Runtime is not installed" in done.stdout
    assert "pip install 'mlops-gate[cpu]'" in done.stdout
    assert DependencyError.exit_code == 2


def test_context_derives_labels_for_a_probability_only_model(tmp_path: Path) -> None:
    from tests.support import load_context, write_policy, write_table

    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 2])]
    graph = _softmax_graph(
        inputs, [helper.make_node("Identity", ["input"], ["X"])], with_label=False
    )
    _save(graph, tmp_path / "m.onnx", {"classes": '["no", "yes"]', "features": '["a", "b"]'})
    write_table(FRAME.assign(label=["no", "yes", "no"], extra=1.0), tmp_path / "eval.parquet")
    policy = write_policy(
        tmp_path,
        {
            "version": 1,
            "name": "p",
            "model": {"path": "m.onnx", "pos_label": "yes"},
            "data": {"eval": "eval.parquet", "target": "label"},
            "gates": [{"type": "metric", "metric": "accuracy", "min": 0.1}],
        },
    )
    context = load_context(policy)
    assert context.model_features() == ["a", "b"]  # from the ONNX metadata, not every column
    predictions = context.predictions()
    assert predictions.labels is not None
    assert predictions.labels.tolist() == [
        ["no", "yes"][i] for i in _expected(FRAME).argmax(axis=1)
    ]


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("classes", "not json"),
        ("classes", "5"),
        ("classes", '"abc"'),  # once the classes ('a', 'b', 'c')
        ("classes", '{"no": 0}'),
        ("classes", '[["nested"]]'),
        ("features", '["a", 2]'),
    ],
)
def test_onnx_metadata_that_is_not_a_json_list_is_one_line(
    key: str, value: str, tmp_path: Path
) -> None:
    inputs = [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, 2])]
    graph = _softmax_graph(inputs, [helper.make_node("Identity", ["input"], ["X"])])
    path = _save(graph, tmp_path / "m.onnx", {key: value})
    with pytest.raises(InputError) as caught:
        load_model(path, ModelRef(path=str(path)), "classification")
    assert str(caught.value) == f"{path}: ONNX metadata '{key}' is not a JSON list of " + (
        "strings" if key == "features" else "strings or numbers"
    )


def test_bad_classes_metadata_through_check_and_build_exits_2(tmp_path: Path) -> None:
    from tests.support import basic_project, run_cli

    policy = basic_project(tmp_path, [{"type": "metric", "metric": "accuracy", "min": 0.1}])
    model = onnx.load(str(tmp_path / "model.onnx"))
    entry = model.metadata_props.add()
    entry.key, entry.value = "classes", "{broken"
    (tmp_path / "model.onnx").write_bytes(model.SerializeToString())
    done = run_cli("check", str(policy), "--evidence", str(tmp_path / "e.json"), cwd=tmp_path)
    assert done.returncode == 2
    assert "Traceback" not in done.stdout + done.stderr
    assert "model.onnx: ONNX metadata 'classes' is not a JSON list" in done.stdout
    done = run_cli("build", str(policy), "--out", str(tmp_path / "dist"), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1
    assert "model.onnx: ONNX metadata 'classes' is not a JSON list" in done.stderr
