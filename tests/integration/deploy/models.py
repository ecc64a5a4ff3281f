"""Real ONNX challengers for the canary tests, built with `onnx.helper` around a fitted
logistic regression, so that good and bad challengers predict the same labels on healthy rows.

- `linear`: the plain model (label + probabilities), with the `features` metadata the app reads.
- `erroring`: the same, plus a Gather whose index is 1000 for rows with f0 > `threshold`; ONNX
  Runtime raises "indices element out of data bounds" there, and the server answers 500.
- `slow`: the same, plus a chain of 512x512 MatMuls fed by the input (so ONNX Runtime cannot fold
  it into a constant), multiplied by 0 and added to the logits: same answers, tens of ms later.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from tests.support import FEATURES, binary_frame

SLOW_SIZE = 512
_ZERO = np.array(0.0, np.float32)


def fitted_weights(seed: int) -> tuple[np.ndarray, float]:
    from sklearn.linear_model import LogisticRegression

    frame = binary_frame(1000, seed=seed)
    model = LogisticRegression().fit(frame[FEATURES].to_numpy(), frame["label"].to_numpy())
    return model.coef_.reshape(-1).astype(np.float32), float(model.intercept_[0])


def _const(name: str, value: np.ndarray) -> onnx.TensorProto:
    return numpy_helper.from_array(np.asarray(value), name=name)


def _linear_nodes() -> list[onnx.NodeProto]:
    """logits -> probabilities [1-p, p] and label argmax; expects `fault` added to logits."""
    return [
        helper.make_node("MatMul", ["input", "w"], ["raw"]),
        helper.make_node("Add", ["raw", "b"], ["biased"]),
        helper.make_node("Add", ["biased", "fault"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["p1"]),
        helper.make_node("Sub", ["one", "p1"], ["p0"]),
        helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
    ]


def _no_fault() -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    return [helper.make_node("Identity", ["zero"], ["fault"])], [_const("zero", _ZERO)]


def _gather_fault(threshold: float) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    nodes = [
        helper.make_node("Slice", ["input", "s0", "s1", "s_axis"], ["f0"]),
        helper.make_node("Greater", ["f0", "threshold"], ["high"]),
        helper.make_node("Cast", ["high"], ["high_i"], to=TensorProto.INT64),
        helper.make_node("Mul", ["high_i", "big_index"], ["index"]),
        helper.make_node("Gather", ["table", "index"], ["gathered"], axis=0),  # [N, 1]
        helper.make_node("Identity", ["gathered"], ["fault"]),
    ]
    consts = [
        _const("s0", np.array([0], np.int64)),
        _const("s1", np.array([1], np.int64)),
        _const("s_axis", np.array([1], np.int64)),
        _const("threshold", np.array(threshold, np.float32)),
        _const("big_index", np.array(1000, np.int64)),
        _const("table", np.zeros(3, np.float32)),
    ]
    return nodes, consts


def _slow_fault(matmuls: int) -> tuple[list[onnx.NodeProto], list[onnx.TensorProto]]:
    nodes = [
        helper.make_node("ReduceSum", ["input"], ["total"], keepdims=0),
        helper.make_node("Mul", ["total", "eye"], ["m0"]),
    ]
    for i in range(matmuls):
        nodes.append(helper.make_node("MatMul", [f"m{i}", "eye"], [f"m{i + 1}"]))
    nodes += [
        helper.make_node("ReduceMean", [f"m{matmuls}"], ["mean"], keepdims=0),
        helper.make_node("Mul", ["mean", "zero"], ["fault"]),
    ]
    return nodes, [_const("eye", np.eye(SLOW_SIZE, dtype=np.float32)), _const("zero", _ZERO)]


def write_model(
    path: Path, seed: int, *, fault: str = "none", threshold: float = 1.5, matmuls: int = 12
) -> Path:
    """A classifier over FEATURES (one [N, 4] float input); `fault`: none | erroring | slow."""
    weights, bias = fitted_weights(seed)
    if fault == "erroring":
        extra, consts = _gather_fault(threshold)
    elif fault == "slow":
        extra, consts = _slow_fault(matmuls)
    else:
        extra, consts = _no_fault()
    initializers = [
        _const("w", weights.reshape(-1, 1)),
        _const("b", np.array([bias], np.float32)),
        _const("one", np.array(1.0, np.float32)),
        *consts,
    ]
    graph = helper.make_graph(
        [*extra, *_linear_nodes()],
        f"canary-{fault}",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [None, len(FEATURES)])],
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2]),
        ],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    helper.set_model_props(model, {"features": json.dumps(FEATURES), "classes": "[0, 1]"})
    onnx.checker.check_model(model, full_check=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path
