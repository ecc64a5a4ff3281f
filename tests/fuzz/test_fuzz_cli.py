"""End to end: the hostile inputs that matter most, through `python -m mlops_gate` itself (the
policy cases, which start no heavy library), or forked from the test process (data cases)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.harness import assert_contract, fuzz_settings
from tests.fuzz.runners import run_forked, run_subprocess
from tests.fuzz.strategies import alias_bomb, base_policy, policy_text, policy_yaml
from tests.support import binary_frame, write_table

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]
FORGED = "::error title=forged::forged"


def _policy(**gate: Any) -> bytes:
    document = base_policy()
    document["gates"] = [gate]
    return policy_yaml(document).encode("utf-8")


def _nan_table(folder: Path) -> None:
    frame = binary_frame(50, seed=3)
    frame.loc[::2, "f0"] = np.nan
    frame.loc[1::3, "f1"] = np.inf
    write_table(frame, folder / "eval.parquet")


Case = tuple[bytes, dict[str, bytes], list[str]]
CASES: dict[str, Case] = {  # through a fresh interpreter
    "billion laughs": (alias_bomb(9, 9).encode(), {}, ["validate"]),
    "python tag": (b'version: !!python/object/apply:os.system ["touch PWNED"]\n', {}, ["check"]),
    "deep nesting": (b"version: 1\ngates: " + b"[" * 100_000 + b"\n", {}, ["validate"]),
    "truncated model": (_policy(type="size", max_mb=1), {"model.onnx": b"\x08\x07\x12"}, ["check"]),
}
FORKED: dict[str, Case] = {  # forked: these load the heavy libraries, imported once here
    "NaN threshold": (_policy(type="metric", metric="accuracy", min=float("nan")), {}, ["check"]),
    "inf max_mb": (_policy(type="size", max_mb=float("inf")), {}, ["check"]),
}


def _run_case(project: FuzzProject, case: Case, what: str, *, forked: bool) -> None:
    policy, files, args = case
    with project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(policy)
        for name, content in files.items():
            (folder / name).write_bytes(content)
        run = run_forked if forked else run_subprocess
        assert_contract(run([*args, "mlops-gate.yaml"], folder), what)
        assert not (folder / "PWNED").exists()


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_input_end_to_end(fuzz_project: FuzzProject, case: str) -> None:
    _run_case(fuzz_project, CASES[case], case, forked=False)


@pytest.mark.parametrize("case", list(FORKED))
def test_hostile_policy_values(fuzz_project: FuzzProject, case: str) -> None:
    _run_case(fuzz_project, FORKED[case], case, forked=True)


def test_nan_and_inf_in_the_data_end_to_end(fuzz_project: FuzzProject) -> None:
    with fuzz_project.workspace() as folder:
        _nan_table(folder)
        (folder / "mlops-gate.yaml").write_text(policy_yaml(base_policy()), encoding="utf-8")
        assert_contract(run_forked(["check", "mlops-gate.yaml"], folder), "NaN/inf features")


def test_a_column_name_cannot_write_a_workflow_command(fuzz_project: FuzzProject) -> None:
    expect = [{"expect_column_values_to_not_be_null": {"column": f"nope\n{FORGED}"}}]
    with fuzz_project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(_policy(type="expectations", expect=expect))
        env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(folder / "summary.md")}
        outcome = run_forked(["check", "mlops-gate.yaml"], folder, env)
        assert_contract(outcome, "a column name with a workflow command")
        assert not any(line.startswith(FORGED) for line in outcome.output.splitlines())


@fuzz_settings(share=0.1)
@given(policy=policy_text())
def test_hostile_yaml_end_to_end(fuzz_project: FuzzProject, policy: bytes) -> None:
    with fuzz_project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(policy)
        assert_contract(run_subprocess(["validate", "mlops-gate.yaml"], folder), repr(policy))
        assert not (folder / "PWNED").exists()
