"""Gate cases as data: every `tests/cases/<gate>/*.yaml` is one pass/fail/error case.

A case file holds:
    description: what it shows
    project: binary | drifted | regression     (default: binary; see `projects` below)
    model: {...}                               (optional keys over the project's `model`)
    data: {...}                                (optional keys over the project's `data`, e.g.
                                                `eval: ${CASE_PROJECT}/eval_negatives.parquet`)
    policy: {...}                              (optional top-level policy keys, e.g. baseline)
    gate: {type: ..., ...}                     (the gate under test)
    expect:
      verdict: pass | warn | fail | error | skip
      value: [low, high]                       (optional, inclusive)
      message: substring                       (optional)
      details_keys: [key, ...]                 (optional)
Paths in a case may use `${CASE_PROJECT}`, the folder holding the projects' files (model.onnx,
baseline.onnx, eval.parquet, ...; `broken_inputs` lists the deliberately broken ones), and
`${CASE_REPO}`, this repository (e.g. its checks/).
Adding a case is adding a file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import yaml

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.gates.registry import load_policy
from tests.support import (
    FEATURES,
    REPO,
    binary_frame,
    regression_frame,
    train_onnx,
    write_policy,
    write_table,
)

CASES = Path(__file__).resolve().parents[1] / "cases"
CASE_FILES = sorted(CASES.glob("*/*.yaml"))

pytestmark = pytest.mark.integration


@pytest.fixture(scope="session")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Real data and real ONNX models, built once: model.onnx beats baseline.onnx (one feature)."""
    root = tmp_path_factory.mktemp("case-projects")
    train, evaluation = binary_frame(3000, seed=1), binary_frame(3000, seed=2)
    train_onnx(train, root / "model.onnx")
    train_onnx(train, root / "baseline.onnx", features=["f0"])
    write_table(train, root / "reference.parquet")
    write_table(evaluation, root / "eval.parquet")
    write_table(binary_frame(3000, seed=3, shift=1.0), root / "drifted.parquet")
    write_table(regression_frame(1500, seed=1), root / "reg_reference.parquet")
    write_table(regression_frame(1500, seed=2), root / "reg_eval.parquet")
    broken_inputs(root, evaluation)
    train_onnx(
        regression_frame(1500, seed=1), root / "reg_model.onnx", target="target", task="regression"
    )
    data = {
        "target": "label",
        "ignore": ["id", "group"],
        "reference": str(root / "reference.parquet"),
    }
    return {
        "binary": {
            "model": {"path": str(root / "model.onnx")},
            "data": {**data, "eval": str(root / "eval.parquet")},
            "_baseline": str(root / "baseline.onnx"),
            "_baseline_features": ["f0"],
            "_root": root,
        },
        "drifted": {
            "model": {"path": str(root / "model.onnx")},
            "data": {**data, "eval": str(root / "drifted.parquet")},
            "_baseline": str(root / "baseline.onnx"),
            "_baseline_features": ["f0"],
        },
        "regression": {
            "model": {"path": str(root / "reg_model.onnx"), "task": "regression"},
            "data": {
                "target": "target",
                "features": FEATURES,
                "reference": str(root / "reg_reference.parquet"),
                "eval": str(root / "reg_eval.parquet"),
            },
            "_baseline": str(root / "reg_model.onnx"),
            "_baseline_features": FEATURES,
        },
    }


def broken_inputs(root: Path, evaluation: pd.DataFrame) -> None:
    """Files a gate must not pass on (issue 13): each is `${CASE_PROJECT}/<name>` in a case."""
    (root / "empty.onnx").write_bytes(b"")
    small_group = evaluation.assign(group=["c"] * 10 + list(evaluation["group"][10:]))
    one_big_group = evaluation.assign(group=["b"] * 10 + ["a"] * (len(evaluation) - 10))
    tables = {
        "eval_1_row": evaluation.iloc[:1],
        "eval_29_rows": evaluation.iloc[:29],
        "eval_negatives": evaluation[evaluation["label"] == 0],
        "eval_all_nan_features": evaluation.assign(**dict.fromkeys(FEATURES, np.nan)),
        "eval_nan_f3": evaluation.assign(f3=np.nan),
        "eval_constant_f3": evaluation.assign(f3=0.5),
        "eval_small_group": small_group,
        "eval_one_big_group": one_big_group,
    }
    for name, frame in tables.items():
        write_table(frame, root / f"{name}.parquet")


def _policy(case: dict[str, Any], project: dict[str, Any]) -> dict[str, Any]:
    document: dict[str, Any] = {
        "version": 1,
        "name": "case",
        "model": {**project["model"], **(case.get("model") or {})},
        "data": {**project["data"], **(case.get("data") or {})},
    }
    extra = dict(case.get("policy") or {})
    if extra.pop("baseline", None) is not None:
        document["baseline"] = {
            "path": project["_baseline"],
            "features": project["_baseline_features"],
        }
    document.update(extra)
    document["gates"] = [case["gate"]]
    return document


@pytest.mark.parametrize(
    "case_file", CASE_FILES, ids=[f"{p.parent.name}/{p.stem}" for p in CASE_FILES]
)
def test_gate_case(
    case_file: Path,
    projects: dict[str, dict[str, Any]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = yaml.safe_load(case_file.read_text(encoding="utf-8"))
    project = projects[case.get("project", "binary")]
    policy_path = write_policy(tmp_path, _policy(case, project))
    # In the environment, not only for the loader: a pytest gate's subprocess reads the policy too.
    monkeypatch.setenv("CASE_PROJECT", str(projects["binary"]["_root"]))
    monkeypatch.setenv("CASE_REPO", str(REPO))
    (result,) = run_gates(EvaluationContext(load_policy(policy_path)))
    expect = case["expect"]
    assert result.verdict.value == expect["verdict"], result.message
    assert not result.internal_error, result.message
    if "value" in expect:
        low, high = expect["value"]
        assert result.value is not None
        assert low <= result.value <= high, result.value
    if "message" in expect:
        assert expect["message"] in result.message
    for key in expect.get("details_keys", []):
        assert key in result.details, sorted(result.details)


def test_cases_exist_for_every_builtin_gate() -> None:
    from mlops_gate.gates.registry import BUILTIN_GATES

    covered = {path.parent.name for path in CASE_FILES}
    assert set(BUILTIN_GATES) <= covered, set(BUILTIN_GATES) - covered
