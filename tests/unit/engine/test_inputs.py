"""One owner for "which files does this policy read" (issue 12, item 3): validate, the result
cache, the evidence and promote all use `engine.inputs`, ONNX external data included."""

from __future__ import annotations

from pathlib import Path

import onnx
import pytest

from mlops_gate import api
from mlops_gate.engine.cache import GateCache
from mlops_gate.engine.inputs import missing_inputs, policy_inputs
from mlops_gate.errors import PromotionRefused
from mlops_gate.gates.registry import load_policy
from tests.support import binary_frame, write_policy, write_table
from tests.unit.registry.support import make_project, verify_for, write_evidence_for


def _external_model(folder: Path) -> Path:
    """A real model (X @ W) whose weights live in `model.onnx.data` beside it."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    weights = numpy_helper.from_array(np.arange(8, dtype=np.float32).reshape(4, 2), name="W")
    graph = helper.make_graph(
        [helper.make_node("MatMul", ["X", "W"], ["Y"])],
        "external",
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, 4])],
        [helper.make_tensor_value_info("Y", TensorProto.FLOAT, [None, 2])],
        [weights],
    )
    model = folder / "model.onnx"
    onnx.save_model(
        helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]),
        str(model),
        save_as_external_data=True,
        all_tensors_to_one_file=True,
        location="model.onnx.data",
        size_threshold=0,
    )
    assert (folder / "model.onnx.data").is_file()
    return model


def _policy(folder: Path, **extra: object) -> Path:
    _external_model(folder)
    write_table(binary_frame(100, seed=4), folder / "eval.parquet")
    (folder / "suite.json").write_text(
        '{"expectations": [{"type": "expect_column_to_exist", "kwargs": {"column": "id"}}]}',
        encoding="utf-8",
    )
    document = {
        "version": 1,
        "name": "inputs",
        "model": {"path": "model.onnx"},
        "data": {"eval": "eval.parquet", "target": "label", "ignore": ["id", "group"]},
        "gates": [
            {"type": "size", "max_mb": 5},
            {"type": "expectations", "data": "eval", "suite": "suite.json"},
        ],
        **extra,
    }
    return write_policy(folder, document)


def test_every_file_the_policy_reads_is_listed_external_data_included(tmp_path: Path) -> None:
    loaded = load_policy(_policy(tmp_path))
    listed = {item.name: item.path for item in policy_inputs(loaded)}
    assert listed == {
        "model": tmp_path / "model.onnx",
        "model.external:model.onnx.data": tmp_path / "model.onnx.data",
        "data.eval": tmp_path / "eval.parquet",
        "gates[1].suite": tmp_path / "suite.json",
    }


def test_validate_names_a_missing_external_data_file(tmp_path: Path) -> None:
    loaded = load_policy(_policy(tmp_path))
    (tmp_path / "model.onnx.data").unlink()
    (problem,) = missing_inputs(loaded)
    assert "external data file 'model.onnx.data' not found next to the model" in problem
    assert "(model.path in " in problem


def test_changing_the_external_data_invalidates_the_cached_result(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    before = GateCache(load_policy(policy), tmp_path / "cache").key(0)
    data = tmp_path / "model.onnx.data"
    data.write_bytes(data.read_bytes()[:-4] + b"\0\0\0\0")
    after = GateCache(load_policy(policy), tmp_path / "cache").key(0)
    assert before is not None
    assert after is not None
    assert before != after


def test_promote_refuses_when_the_external_data_changed_after_the_check(tmp_path: Path) -> None:
    policy = _policy(tmp_path)
    evidence = tmp_path / "evidence.json"
    report = api.check(policy, api.Outputs(evidence=evidence), use_cache=False)
    assert report.verdict == "pass", [g.message for g in report.gates]
    verify_for(evidence, policy, tmp_path / "model.onnx")  # as checked: accepted
    data = tmp_path / "model.onnx.data"
    data.write_bytes(data.read_bytes()[:-4] + b"\0\0\0\0")
    with pytest.raises(PromotionRefused, match=r"model.external:model.onnx.data changed since"):
        verify_for(evidence, policy, tmp_path / "model.onnx")


def test_evidence_of_another_policy_is_refused_by_name(tmp_path: Path) -> None:
    first = make_project(tmp_path / "a", "policy-a")
    second = make_project(tmp_path / "b", "policy-b")
    evidence = write_evidence_for(first, path=tmp_path / "evidence.json")
    with pytest.raises(PromotionRefused) as refused:
        verify_for(evidence, second.policy, second.model)
    message = str(refused.value)
    assert "this evidence is for policy 'policy-a'" in message
    assert "not for 'policy-b'" in message
    assert str(first.policy) in message
    assert str(second.policy) in message


def test_a_path_too_long_to_look_at_is_one_problem_not_a_crash(tmp_path: Path) -> None:
    """Found by the fuzz harness: `Path.exists` raised ENAMETOOLONG (exit 3)."""
    document = {
        "version": 1,
        "name": "long",
        "model": {"path": "a" * 5000 + ".onnx"},
        "gates": [{"type": "size", "max_mb": 1}],
    }
    (problem,) = missing_inputs(load_policy(write_policy(tmp_path, document)))
    assert "cannot use this path" in problem
    assert problem.endswith(f"(model.path in {tmp_path / 'mlops-gate.yaml'})")
