"""Real ONNX models, good and deliberately broken, and projects (data, suite, policy) around them.

The models are small graphs built with `onnx.helper`, one input per column as the example's
pipelines have: `x` (float, 0..10), `n` (int), `color` (red/green/blue, blue rare), `id`.
    score = sigmoid(0.3 x - 0.2 n + w[color] + 0 * id)
Each broken variant changes one thing, the thing one ready-made check is there to catch.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

COLORS = ["red", "green", "blue"]
FEATURES = ["x", "n", "color", "id"]
VARIANTS = (
    "good",
    "nan_for_rare_color",  # NaN probabilities when color is blue (3 % of the data)
    "non_monotonic",  # |x - 5| instead of x: the score falls, then rises with x
    "decreasing",  # -0.3 x instead of 0.3 x: a truly decreasing model, not a broken one
    "batch_dependent",  # centres the logits on the batch mean
    "uses_id",  # the id leaks into the score
    "fragile",  # a jump of 20 in the logit at x = 5
    "nondeterministic",  # random noise in every call
    "shifted",  # the good model plus 1.0 on the logit: not what its source predicts
)


def build_model(variant: str, path: Path) -> Path:
    """Write the `variant` model as an ONNX file (opset 17, ai.onnx.ml 3) to `path`."""
    from onnx import TensorProto, helper, save_model

    nodes, consts = _logit_nodes(variant)
    nodes += [
        helper.make_node("Sigmoid", ["logit"], ["p1"]),
        helper.make_node("Sub", ["one", "p1"], ["p0"]),
        helper.make_node("Concat", ["p0", "p1"], ["probabilities"], axis=1),
        helper.make_node("ArgMax", ["probabilities"], ["label2d"], axis=1, keepdims=1),
        helper.make_node("Reshape", ["label2d", "flat"], ["label"]),
    ]
    consts += [_scalar("one", 1.0), helper.make_tensor("flat", TensorProto.INT64, [1], [-1])]
    inputs = [
        helper.make_tensor_value_info(name, TensorProto.FLOAT, [None, 1])
        for name in ("x", "n", "id")
    ] + [helper.make_tensor_value_info("color", TensorProto.STRING, [None, 1])]
    outputs = [
        helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 2]),
    ]
    graph = helper.make_graph(nodes, variant, inputs, outputs, initializer=consts)
    model = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    model.ir_version = 9  # what ONNX Runtime 1.18+ reads; onnx's newest IR can be ahead of it
    helper.set_model_props(model, {"classes": "[0, 1]", "features": json.dumps(FEATURES)})
    path.parent.mkdir(parents=True, exist_ok=True)
    save_model(model, str(path))
    return path


def _logit_nodes(variant: str) -> tuple[list[Any], list[Any]]:
    from onnx import TensorProto, helper

    x_term = "x_dist" if variant == "non_monotonic" else "x"
    nodes = [
        helper.make_node("Sub", ["x", "five"], ["x_centred"]),
        helper.make_node("Abs", ["x_centred"], ["x_dist"]),
        helper.make_node("Mul", [x_term, "a"], ["ax"]),
        helper.make_node("Mul", ["n", "b"], ["bn"]),
        helper.make_node("Mul", ["id", "c"], ["cid"]),
        helper.make_node(
            "CategoryMapper",
            ["color"],
            ["color_index"],
            domain="ai.onnx.ml",
            cats_strings=COLORS,
            cats_int64s=[0, 1, 2],
            default_int64=0,
        ),
        helper.make_node("Gather", ["w", "color_index"], ["wc"]),
        helper.make_node("Add", ["ax", "bn"], ["s1"]),
        helper.make_node("Add", ["s1", "cid"], ["s2"]),
        helper.make_node("Add", ["s2", "wc"], ["base"]),
    ]
    consts = [
        _scalar("five", 5.0),
        _scalar("a", -0.3 if variant == "decreasing" else 0.3),
        _scalar("b", -0.2),
        _scalar("c", 1e-3 if variant == "uses_id" else 0.0),
        helper.make_tensor("w", TensorProto.FLOAT, [3], [0.0, 0.5, -0.5]),
    ]
    extra_nodes, extra_consts = _breakage(variant)
    return nodes + extra_nodes, consts + extra_consts


def _breakage(variant: str) -> tuple[list[Any], list[Any]]:
    """Nodes that turn `base` into `logit`: the identity, or the variant's defect."""
    from onnx import TensorProto, helper

    if variant == "nan_for_rare_color":
        return [
            helper.make_node("Equal", ["color_index", "blue"], ["is_blue"]),
            helper.make_node("Where", ["is_blue", "nan", "base"], ["logit"]),
        ], [helper.make_tensor("blue", TensorProto.INT64, [], [2]), _scalar("nan", float("nan"))]
    if variant == "batch_dependent":
        return [
            helper.make_node("ReduceMean", ["base"], ["mean"], axes=[0], keepdims=1),
            helper.make_node("Sub", ["base", "mean"], ["logit"]),
        ], []
    if variant == "fragile":
        return [
            helper.make_node("Greater", ["x", "five"], ["above"]),
            helper.make_node("Cast", ["above"], ["above_f"], to=TensorProto.FLOAT),
            helper.make_node("Mul", ["above_f", "jump"], ["step"]),
            helper.make_node("Add", ["base", "step"], ["logit"]),
        ], [_scalar("jump", 20.0)]
    if variant == "nondeterministic":
        return [
            helper.make_node("RandomUniformLike", ["base"], ["noise"], low=-1.0, high=1.0),
            helper.make_node("Add", ["base", "noise"], ["logit"]),
        ], []
    if variant == "shifted":
        return [helper.make_node("Add", ["base", "one"], ["logit"])], []
    return [helper.make_node("Identity", ["base"], ["logit"])], []


def _scalar(name: str, value: float) -> Any:
    from onnx import TensorProto, helper

    return helper.make_tensor(name, TensorProto.FLOAT, [], [value])


def frame(n: int, seed: int) -> pd.DataFrame:
    """Rows of the contract; `label` follows the good model's score."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(0, 10, n).round(3)
    count = rng.poisson(1.5, n).clip(0, 5).astype("int64")
    color = rng.choice(COLORS, size=n, p=[0.8, 0.17, 0.03])
    weight = np.select([color == "green", color == "blue"], [0.5, -0.5], 0.0)
    score = 1 / (1 + np.exp(-(0.3 * x - 0.2 * count + weight - 1.2)))
    return pd.DataFrame(
        {
            "id": np.arange(1, n + 1, dtype="int64") + 1000 * seed,
            "x": x,
            "n": count,
            "color": pd.Series(color, dtype="str"),
            "label": (rng.uniform(size=n) < score).astype("int64"),
        }
    )


SUITE = {
    "name": "contract",
    "expectations": [
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "x", "min_value": 0, "max_value": 10}},
        {"type": "expect_column_values_to_be_between", "kwargs": {"column": "n", "min_value": 0, "max_value": 5}},
        {"type": "expect_column_values_to_be_in_set", "kwargs": {"column": "color", "value_set": COLORS}},
        {"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "x"}},
        {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "id"}},
    ],
}  # fmt: skip


SUITE_GATE = {"type": "expectations", "data": "reference", "suite": "suite.json"}


def write_project(
    root: Path,
    variant: str = "good",
    gates: list[dict[str, Any]] | None = None,
    *,
    suite_gate: bool = True,
    **extra: Any,
) -> Path:
    """model.onnx (`variant`), reference/eval data, the suite, and a policy; returns the policy.

    The policy's first gate checks the suite (so the data contract has it) unless `suite_gate`
    is False: Great Expectations takes seconds to import, and not every test needs the suite.
    """
    build_model(variant, root / "model.onnx")
    frame(600, seed=1).to_parquet(root / "reference.parquet", index=False)
    frame(400, seed=2).to_parquet(root / "eval.parquet", index=False)
    (root / "suite.json").write_text(json.dumps(SUITE), encoding="utf-8")
    policy = {
        "version": 1,
        "name": f"checks-{variant}",
        "model": {"path": "model.onnx", "task": "classification"},
        "data": {"eval": "eval.parquet", "reference": "reference.parquet", "target": "label"},
        "gates": [*([SUITE_GATE] if suite_gate else []), *(gates or [])],
        **extra,
    }
    path = root / "mlops-gate.yaml"
    path.write_text(yaml.safe_dump(policy, sort_keys=False), encoding="utf-8")
    return path
