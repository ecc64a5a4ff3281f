"""`onnx_external`: external-data locations read from the protobuf bytes, compared with `onnx`."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import onnx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from onnx import TensorProto, helper
from onnx.external_data_helper import _get_all_tensors

from mlops_gate.loaders import onnx_external
from mlops_gate.loaders.onnx_external import external_data_files, external_data_locations
from tests.unit.loaders.onnx_models import (
    LOCATIONS,
    branch,
    constant,
    externalise,
    field,
    float_tensor,
    key,
    onnx_locations,
    reference_locations,
    rich_model,
    varint,
    write,
)

# --- the field numbers ------------------------------------------------------------------------


def test_field_numbers_are_the_installed_onnx_ones() -> None:
    def number(message: Any, name: str) -> int:
        return int(message.DESCRIPTOR.fields_by_name[name].number)

    m = onnx_external
    expected = {
        (onnx.ModelProto, "graph"): m.MODEL_GRAPH,
        (onnx.ModelProto, "functions"): m.MODEL_FUNCTIONS,
        (onnx.ModelProto, "training_info"): m.MODEL_TRAINING_INFO,
        (onnx.TrainingInfoProto, "initialization"): m.TRAINING_INITIALIZATION,
        (onnx.TrainingInfoProto, "algorithm"): m.TRAINING_ALGORITHM,
        (onnx.GraphProto, "node"): m.GRAPH_NODE,
        (onnx.GraphProto, "initializer"): m.GRAPH_INITIALIZER,
        (onnx.GraphProto, "sparse_initializer"): m.GRAPH_SPARSE_INITIALIZER,
        (onnx.NodeProto, "attribute"): m.NODE_ATTRIBUTE,
        (onnx.FunctionProto, "node"): m.FUNCTION_NODE,
        (onnx.FunctionProto, "attribute_proto"): m.FUNCTION_ATTRIBUTE_PROTO,
        (onnx.AttributeProto, "t"): m.ATTR_T,
        (onnx.AttributeProto, "g"): m.ATTR_G,
        (onnx.AttributeProto, "tensors"): m.ATTR_TENSORS,
        (onnx.AttributeProto, "graphs"): m.ATTR_GRAPHS,
        (onnx.AttributeProto, "sparse_tensor"): m.ATTR_SPARSE,
        (onnx.AttributeProto, "sparse_tensors"): m.ATTR_SPARSES,
        (onnx.TensorProto, "external_data"): m.TENSOR_EXTERNAL_DATA,
        (onnx.TensorProto, "data_location"): m.TENSOR_DATA_LOCATION,
        (onnx.StringStringEntryProto, "key"): m.ENTRY_KEY,
        (onnx.StringStringEntryProto, "value"): m.ENTRY_VALUE,
        (onnx.SparseTensorProto, "values"): m.SPARSE_VALUES,
        (onnx.SparseTensorProto, "indices"): m.SPARSE_INDICES,
    }
    assert {key: number(*key) for key in expected} == expected
    assert TensorProto.EXTERNAL == m.EXTERNAL


# --- real models saved by onnx ----------------------------------------------------------------


@pytest.mark.parametrize("one_file", [True, False])
def test_saved_by_onnx_every_external_file_is_found(tmp_path: Path, one_file: bool) -> None:
    model = rich_model()
    path = tmp_path / "model.onnx"
    onnx.save_model(
        model,
        str(path),
        save_as_external_data=True,
        all_tensors_to_one_file=one_file,
        location="weights.bin",
        size_threshold=0,
        convert_attribute=True,  # Constant nodes' tensors too, in the graph, subgraphs, functions
    )
    stored = onnx.load(str(path), load_external_data=False)
    found = external_data_locations(path)
    assert found == onnx_locations(stored)
    assert set(os.listdir(tmp_path)) == {
        "model.onnx",
        *found,
    }  # every file onnx wrote, nothing else
    if one_file:
        assert found == ["weights.bin"]
    else:
        assert {"w", "top_const", "then_w", "else_const", "fn_const"} <= set(found)
    assert external_data_files(path) == [tmp_path / location for location in found]


def test_sparse_initializer_and_attribute_tensors_stored_by_hand(tmp_path: Path) -> None:
    """onnx never externalises sparse tensors; a hand-made model may, and ORT would read them."""
    model = rich_model()
    sparse = model.graph.sparse_initializer[0]
    externalise(sparse.values, "sparse_values.bin")
    externalise(sparse.indices, "sparse_indices.bin")
    externalise(model.graph.node[0].attribute[0].t, "const.bin")
    externalise(model.graph.node[2].attribute[0].g.initializer[0], "then.bin")
    externalise(model.functions[0].node[0].attribute[0].t, "function.bin")
    found = external_data_locations(write(tmp_path, model))
    assert found == [
        "sparse_values.bin",
        "sparse_indices.bin",
        "then.bin",
        "const.bin",
        "function.bin",
    ]
    assert found == reference_locations(model)


def test_a_model_without_external_data_has_none(tmp_path: Path) -> None:
    assert external_data_locations(write(tmp_path, rich_model())) == []
    assert external_data_files(write(tmp_path, rich_model())) == []
    assert external_data_locations(write(tmp_path, b"")) == []  # an empty ModelProto


# --- protobuf's merging rules, byte for byte --------------------------------------------------


def _model_around_attribute(attribute: bytes) -> bytes:
    node = helper.make_node("Constant", [], ["c"]).SerializeToString() + field(5, attribute)
    graph = helper.make_graph([], "g", [], []).SerializeToString() + field(1, node)
    return bytes(onnx.ModelProto(ir_version=8).SerializeToString()) + field(7, graph)


def _external_tensor(location: str) -> TensorProto:
    tensor = float_tensor("t")
    externalise(tensor, location)
    return tensor


@pytest.mark.parametrize(
    "attribute",
    [
        # `t` twice: protobuf merges the two; the last `location` entry wins
        onnx.AttributeProto(name="value", t=_external_tensor("first.bin")).SerializeToString()
        + onnx.AttributeProto(t=_external_tensor("second.bin")).SerializeToString(),
        # data_location EXTERNAL, then an unknown enum value: protobuf keeps EXTERNAL
        field(5, _external_tensor("kept.bin").SerializeToString() + key(14, 0) + varint(7)),
        # ... then DEFAULT: no longer external
        field(5, _external_tensor("dropped.bin").SerializeToString() + key(14, 0) + varint(0)),
        # data_location with the wrong wire type: an unknown field
        field(5, float_tensor("t").SerializeToString() + field(14, b"\x01")),
        # an enum written as a negative int64 whose low 32 bits say EXTERNAL
        field(
            5, _external_tensor("int32.bin").SerializeToString() + key(14, 0) + varint(2**63 + 1)
        ),
    ],
)
def test_wire_level_tricks_read_as_protobuf_reads_them(tmp_path: Path, attribute: bytes) -> None:
    data = _model_around_attribute(attribute)
    parsed = onnx.ModelProto.FromString(data)
    assert external_data_locations(write(tmp_path, data)) == reference_locations(parsed)


# --- property: random graphs, random tensors stored outside -----------------------------------


@st.composite
def random_models(draw: st.DrawFn) -> onnx.ModelProto:
    count = draw(st.integers(1, 4))
    nodes = [constant(f"c{i}", f"const{i}") for i in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        nodes.append(
            helper.make_node(
                "If", ["cond"], ["b"], then_branch=branch("t"), else_branch=branch("e")
            )
        )
    if draw(st.booleans()):
        nodes.append(helper.make_node("Loop", ["n", "cond"], ["l"], body=branch("body")))
    graph = helper.make_graph(
        nodes, "g", [], [], initializer=[float_tensor(f"w{i}") for i in range(count)]
    )
    functions = (
        [helper.make_function("d", "F", [], ["k"], [constant("k", "fk")], [])]
        if draw(st.booleans())
        else []
    )
    model = helper.make_model(graph, functions=functions)
    for tensor in _get_all_tensors(model):
        if draw(st.booleans()):
            externalise(tensor, draw(st.sampled_from(LOCATIONS)))
            if draw(st.booleans()):  # a second `location` entry: the last one wins
                tensor.external_data.add(key="location", value=draw(st.sampled_from(LOCATIONS)))
    return model


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_models(), random_models())
def test_random_models_match_onnx(first: onnx.ModelProto, second: onnx.ModelProto) -> None:
    with tempfile.TemporaryDirectory() as folder:
        assert external_data_locations(write(Path(folder), first)) == onnx_locations(first)
        # Two serialised models back to back parse as their merge (graph merged, nodes appended).
        joined = first.SerializeToString() + second.SerializeToString()
        merged = onnx.ModelProto.FromString(joined)
        assert external_data_locations(write(Path(folder), joined)) == onnx_locations(merged)
