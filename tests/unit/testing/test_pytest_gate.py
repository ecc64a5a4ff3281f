"""The `pytest` gate's configuration, its pytest arguments, and how outcomes become a verdict."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from mlops_gate.gates.pytest_gate import Config, _result, pytest_args
from mlops_gate.gates.pytest_run import PytestRun, reproduce_command
from mlops_gate.results import Verdict


def config(**settings: Any) -> Config:
    return Config.model_validate({"type": "pytest", "path": "checks/", **settings})


def entry(nodeid: str, outcome: str, message: str = "", **extra: Any) -> dict[str, Any]:
    return {"nodeid": nodeid, "outcome": outcome, "message": message, **extra}


def test_options_are_checked_like_the_rest_of_the_policy() -> None:
    with pytest.raises(ValidationError, match=r"monotonic\.income"):
        config(options={"monotonic": {"income": "upwards"}})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        config(options={"irrelevent": ["id"]})


@pytest.mark.parametrize(
    ("path", "expected"),
    [("checks/", "pytest:checks"), ("./checks/test_credit.py", "pytest:checks/test_credit.py"),
     ("/abs/my checks", "pytest:my_checks"), (".", "pytest:.")],
)  # fmt: skip
def test_default_id_names_the_path(path: str, expected: str) -> None:
    assert config(path=path).default_id() == expected


def test_arguments_carry_policy_options_examples_seed_and_selection() -> None:
    gate = config(
        select="invariance or robustness", max_examples=25, options={"irrelevant": ["id"]}
    )
    args = pytest_args(gate, Path("/p/checks"), Path("/p/mlops-gate.yaml"), seed=42)
    assert args[0] == "/p/checks"
    joined = " ".join(args)
    assert "--mlops-gate /p/mlops-gate.yaml --mlops-gate-no-items" in joined
    assert '--mlops-gate-options {"irrelevant":["id"]}' in joined
    assert "--mlops-gate-max-examples 25 --mlops-gate-seed=42 --mlops-gate-no-shrink" in joined
    assert args[-2:] == ["-k", "invariance or robustness"]
    plain = pytest_args(config(shrink=True), Path("/c"), Path("/p.yaml"), 1)
    assert "--mlops-gate-options" not in plain
    assert "--mlops-gate-no-shrink" not in plain


def test_reproduce_command_is_one_shell_line_relative_to_here(tmp_path: Path) -> None:
    command = reproduce_command([str(Path.cwd() / "checks"), "-k", "a or b"])
    assert command == "python -m pytest checks -k 'a or b'"


def verdict_of(*tests: dict[str, Any], exit_status: int = 0, **run: Any) -> Any:
    found = PytestRun(exit_status=exit_status, tests=list(tests), **run)
    return _result(config(), found, seed=7, command="python -m pytest checks")


def test_all_passed_is_a_pass_skips_aside() -> None:
    result = verdict_of(
        entry("c/t.py::a", "passed"), entry("c/t.py::b", "skipped", "nothing declared")
    )
    assert result.verdict is Verdict.PASS
    assert result.message == "all 1 checks passed (seed 7)"
    assert result.details["counts"] == {"passed": 1, "failed": 0, "error": 0, "skipped": 1}


def test_a_failure_names_the_test_the_reason_the_example_and_how_to_reproduce() -> None:
    result = verdict_of(
        entry(
            "c/t.py::a", "failed", "AssertionError: NaN for blue\nmore", example="Failing: a(x=1)"
        ),
        entry("c/t.py::b", "failed", "AssertionError: other"),
        entry("c/t.py::c", "error", "fixture broke"),  # failure wins over error
        exit_status=1,
    )
    assert result.verdict is Verdict.FAIL
    assert result.value == 2
    assert result.message == (
        "2 of 2 checks failed; t.py::a: AssertionError: NaN for blue; also t.py::b; "
        "Failing: a(x=1); seed 7; reproduce: python -m pytest checks"
    )
    assert result.details["seed"] == 7
    assert result.details["reproduce"] == "python -m pytest checks"


@pytest.mark.parametrize(
    ("run", "message"),
    [
        ({"collection_errors": [{"nodeid": "c/t.py", "message": "E ImportError: no x\n"}]},
         "collecting c/t.py failed: E ImportError: no x"),
        ({"tests": [entry("c/t.py::a", "error", "model file not found")]},
         "t.py::a could not run: model file not found"),
        ({"tests": [entry("c/t.py::a", "skipped")]},
         "no test ran (1 collected, none passed or failed; check path and select)"),
        ({"tests": [entry("c/t.py::a", "passed")], "exit_status": 3, "output_tail": "INTERNALERROR> x"},
         "pytest exited 3: INTERNALERROR> x"),
    ],
)  # fmt: skip
def test_what_cannot_be_decided_is_an_error(run: dict[str, Any], message: str) -> None:
    settings = {"exit_status": 2, **run}
    tests = settings.pop("tests", [])
    result = verdict_of(*tests, **settings)
    assert result.verdict is Verdict.ERROR
    assert result.message == message
