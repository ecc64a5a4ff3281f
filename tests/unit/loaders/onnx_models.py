"""Models for the `onnx_external` tests, and what `onnx` itself says about them."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from onnx.external_data_helper import _get_all_tensors, set_external_data, uses_external_data

LOCATIONS = ["a.bin", "b.bin", "sub/c.bin", "é.data", "model.onnx.data"]


# --- building models ------------------------------------------------------------------------


def float_tensor(name: str, size: int = 4) -> TensorProto:
    return numpy_helper.from_array(np.arange(size, dtype=np.float32), name=name)


def constant(output: str, name: str) -> onnx.NodeProto:
    return helper.make_node("Constant", [], [output], value=float_tensor(name))


def branch(tag: str) -> onnx.GraphProto:
    """A subgraph with its own initializer and a Constant node."""
    return helper.make_graph(
        [
            constant(f"{tag}_c", f"{tag}_const"),
            helper.make_node("Add", [f"{tag}_c", f"{tag}_w"], [f"{tag}_y"]),
        ],
        tag,
        [],
        [helper.make_tensor_value_info(f"{tag}_y", TensorProto.FLOAT, [4])],
        initializer=[float_tensor(f"{tag}_w")],
    )


def rich_model() -> onnx.ModelProto:
    """Initializer, Constant node, If with two subgraphs, a sparse initializer and a function."""
    cond = helper.make_tensor_value_info("cond", TensorProto.BOOL, [])
    nodes = [
        constant("c", "top_const"),
        helper.make_node("Add", ["c", "w"], ["s"]),
        helper.make_node(
            "If", ["cond"], ["branch"], then_branch=branch("then"), else_branch=branch("else")
        ),
        helper.make_node("Add", ["s", "branch"], ["y"]),
    ]
    sparse = helper.make_sparse_tensor(
        float_tensor("sparse_values", 2),
        numpy_helper.from_array(np.array([0, 3], np.int64), "sparse_idx"),
        [4],
    )
    graph = helper.make_graph(
        nodes,
        "rich",
        [cond],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [4])],
        initializer=[float_tensor("w")],
        sparse_initializer=[sparse],
    )
    function = helper.make_function(
        "custom",
        "Fn",
        ["x"],
        ["fy"],
        [constant("k", "fn_const"), helper.make_node("Add", ["x", "k"], ["fy"])],
        [helper.make_opsetid("", 17)],
    )
    model = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("custom", 1)],
        functions=[function],
    )
    model.ir_version = 8
    return model


def externalise(tensor: TensorProto, location: str) -> None:
    """Mark `tensor` as stored at `location` (bytes not written: only the names are read)."""
    set_external_data(tensor, location, offset=0, length=16)
    tensor.data_location = TensorProto.EXTERNAL
    tensor.ClearField("raw_data")


def write(folder: Path, data: bytes | onnx.ModelProto, name: str = "model.onnx") -> Path:
    path = folder / name
    path.write_bytes(data if isinstance(data, bytes) else data.SerializeToString())
    return path


# --- what onnx says ---------------------------------------------------------------------------


def location_of(tensor: TensorProto) -> str:
    found = ""
    for entry in tensor.external_data:  # the last `location` entry wins, as in onnx
        if entry.key == "location":
            found = entry.value
    return found


def onnx_locations(model: onnx.ModelProto) -> list[str]:
    """onnx's own traversal (`_get_all_tensors`): initializers, attribute tensors, functions."""
    return list(
        dict.fromkeys(location_of(t) for t in _get_all_tensors(model) if uses_external_data(t))
    )


def every_tensor(model: onnx.ModelProto) -> list[TensorProto]:
    """onnx's order, plus what onnx never externalises: sparse tensors, function attribute
    defaults, training graphs."""
    initializers: list[TensorProto] = []
    attributes: list[TensorProto] = []

    def graph(g: onnx.GraphProto) -> None:
        initializers.extend(g.initializer)
        for sparse in g.sparse_initializer:
            initializers.extend((sparse.values, sparse.indices))
        for node in g.node:
            for attribute in node.attribute:
                attr(attribute)

    def attr(a: onnx.AttributeProto) -> None:
        if a.HasField("t"):
            attributes.append(a.t)
        attributes.extend(a.tensors)
        for sparse in ([a.sparse_tensor] if a.HasField("sparse_tensor") else []) + list(
            a.sparse_tensors
        ):
            attributes.extend((sparse.values, sparse.indices))
        for sub in ([a.g] if a.HasField("g") else []) + list(a.graphs):
            graph(sub)

    graph(model.graph)
    for function in model.functions:
        for node in function.node:
            for attribute in node.attribute:
                attr(attribute)
        for attribute in function.attribute_proto:
            attr(attribute)
    for training in model.training_info:
        graph(training.initialization)
        graph(training.algorithm)
    return initializers + attributes


def reference_locations(model: onnx.ModelProto) -> list[str]:
    return list(dict.fromkeys(location_of(t) for t in every_tensor(model) if uses_external_data(t)))


# --- bytes by hand ---------------------------------------------------------------------------


def key(number: int, wire: int) -> bytes:
    return varint(number << 3 | wire)


def varint(value: int) -> bytes:
    out = bytearray()
    while True:
        out.append((value & 0x7F) | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def field(number: int, payload: bytes) -> bytes:
    return key(number, 2) + varint(len(payload)) + payload


def small_external_model() -> bytes:
    model = rich_model()
    externalise(model.graph.initializer[0], "w.bin")
    externalise(model.graph.node[2].attribute[0].g.initializer[0], "then.bin")
    return bytes(model.SerializeToString())


def parses(data: bytes) -> onnx.ModelProto | None:
    try:
        parsed: onnx.ModelProto = onnx.ModelProto.FromString(data)
        return parsed
    except Exception:  # protobuf's DecodeError
        return None


def finishes(call: Callable[[], Any], seconds: float = 10) -> Any:
    """The result (or raised error) of `call`, failing the test if it hangs."""
    outcome: list[Any] = []
    worker = threading.Thread(target=lambda: outcome.append(catch(call)), daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "hung"
    return outcome[0]


def catch(call: Callable[[], Any]) -> Any:
    try:
        return call()
    except Exception as exc:
        return exc
