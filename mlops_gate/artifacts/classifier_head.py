"""A classifier's outputs, added in ONNX after a torch module's scores (issue 14, item 3).

Every classification artifact has `label` (int64, the class of the largest probability) and
`probabilities` (`[batch, classes]`). A torch module returns scores: logits (softmax added; one
column is the positive class's logit, through a sigmoid) or probabilities (taken as they are).
Built here rather than by wrapping the module in torch, so that eager, scripted, traced and
`torch.export` modules all take one path: tracing an eager wrapper around a TorchScript module
fails ("not part of the active trace").
"""

from __future__ import annotations

from typing import Any

from mlops_gate.errors import InputError

_PREFIX = "mlops_gate_head/"  # keeps the head's names apart from the exporter's


def check_classes(classes: list[Any], width: int) -> None:
    """The labels must be integers, one per score column (two for a single-column module)."""
    if not all(isinstance(c, int) and not isinstance(c, bool) for c in classes):
        raise InputError("a torch classifier's classes must be integers (set model.classes)")
    if len(classes) != max(width, 2):
        raise InputError(
            f"model.classes has {len(classes)} labels but the module gives {width} scores"
        )


def add_classifier_head(
    model: Any, scores: str, width: int, output: str, classes: list[int]
) -> None:
    """Replace the graph's `scores` output by `label` and `probabilities`, in place."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    graph = model.graph
    elem = next(o for o in graph.output if o.name == scores).type.tensor_type.elem_type
    dtype = helper.tensor_dtype_to_np_dtype(elem)
    graph.initializer.extend(
        [
            numpy_helper.from_array(np.array([-1, width], dtype=np.int64), _PREFIX + "shape"),
            numpy_helper.from_array(np.array(1, dtype=dtype), _PREFIX + "one"),
            numpy_helper.from_array(np.array(classes, dtype=np.int64), _PREFIX + "labels"),
        ]
    )
    nodes = [helper.make_node("Reshape", [scores, _PREFIX + "shape"], [_PREFIX + "scores"])]
    nodes += _probabilities(helper, width, output)
    nodes += [
        helper.make_node("ArgMax", ["probabilities"], [_PREFIX + "index"], axis=1, keepdims=0),
        helper.make_node("Gather", [_PREFIX + "labels", _PREFIX + "index"], ["label"], axis=0),
    ]
    graph.node.extend(nodes)
    del graph.output[:]
    graph.output.extend(
        [
            helper.make_tensor_value_info("label", TensorProto.INT64, ["batch"]),
            helper.make_tensor_value_info("probabilities", elem, ["batch", max(width, 2)]),
        ]
    )


def _probabilities(helper: Any, width: int, output: str) -> list[Any]:
    """Nodes from `<prefix>scores` ([batch, width]) to `probabilities`."""
    scores = _PREFIX + "scores"
    if width > 1:
        op = "Softmax" if output == "logits" else "Identity"
        attrs = {"axis": 1} if op == "Softmax" else {}
        return [helper.make_node(op, [scores], ["probabilities"], **attrs)]
    positive = _PREFIX + "positive"
    first = (
        helper.make_node("Sigmoid", [scores], [positive])
        if output == "logits"
        else helper.make_node("Identity", [scores], [positive])
    )
    return [
        first,
        helper.make_node("Sub", [_PREFIX + "one", positive], [_PREFIX + "negative"]),
        helper.make_node("Concat", [_PREFIX + "negative", positive], ["probabilities"], axis=1),
    ]
