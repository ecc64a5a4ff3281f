"""Hostile policies through the real CLI: `validate` and `check` keep the exit-code contract."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.fuzz.conftest import FuzzProject
from tests.fuzz.harness import assert_contract, fuzz_settings
from tests.fuzz.runners import run_forked
from tests.fuzz.strategies import alias_bomb, mutated_policy, policy_text, policy_yaml

pytestmark = [pytest.mark.fuzz, pytest.mark.integration]
COMMANDS = (["validate", "mlops-gate.yaml"], ["check", "mlops-gate.yaml", "--no-cache"])


def _contract(project: FuzzProject, policy: bytes, args: list[str]) -> None:
    with project.workspace() as folder:
        (folder / "mlops-gate.yaml").write_bytes(policy)
        assert_contract(run_forked(args, folder), f"policy: {policy[:2000]!r}")
        assert not (folder / "PWNED").exists(), "a YAML tag ran code"


@fuzz_settings()
@given(document=mutated_policy(), args=st.sampled_from(COMMANDS))
def test_a_valid_policy_with_hostile_values(
    fuzz_project: FuzzProject, document: Any, args: list[str]
) -> None:
    _contract(fuzz_project, policy_yaml(document).encode("utf-8"), args)


@fuzz_settings()
@given(policy=policy_text(), args=st.sampled_from(COMMANDS))
def test_hostile_yaml(fuzz_project: FuzzProject, policy: bytes, args: list[str]) -> None:
    _contract(fuzz_project, policy, args)


@pytest.mark.parametrize(("levels", "fanout"), [(3, 3), (9, 9), (30, 2)])
def test_alias_bombs(fuzz_project: FuzzProject, levels: int, fanout: int) -> None:
    _contract(fuzz_project, alias_bomb(levels, fanout).encode("utf-8"), COMMANDS[0])
