"""Ready-made behavioural checks for the model of a policy (docs/checks.md).

Run them as a gate, `{type: pytest, path: checks/, options: {...}}`, or directly:
`pytest checks/ --mlops-gate mlops-gate.yaml --mlops-gate-no-items` (plus
`-p mlops_gate.pytest_plugin` where mlops-gate's entry point is not installed).
Each check takes its settings from the gate's `options`; the ones that need a declaration
(`monotonic`, `irrelevant`) get one test per declared column, and skip when nothing is declared.
"""

from __future__ import annotations

from typing import Any

import pytest

from mlops_gate.errors import MlopsGateError
from mlops_gate.testing import (
    CheckOptions,
    DataContract,
    ModelUnderTest,
    PolicySession,
    session_for,
)


@pytest.fixture(scope="session", autouse=True)
def _inputs_are_usable(
    mlops_gate_session: PolicySession, model: ModelUnderTest, data_contract: DataContract
) -> None:
    """A model, data or options problem is an *error* of every check (the gate then says
    `error`), found before any example is drawn, not a failure inside each one."""
    try:
        mlops_gate_session.tested_columns()
    except MlopsGateError as exc:
        pytest.fail(str(exc), pytrace=False)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "monotonic_rule" in metafunc.fixturenames:
        rules = [(column, direction) for column, direction in _options().monotonic.items()]
        _parametrize(metafunc, "monotonic_rule", rules, [f"{c}-{d}" for c, d in rules], "monotonic")
    if "irrelevant_column" in metafunc.fixturenames:
        columns = list(_options().irrelevant)
        _parametrize(metafunc, "irrelevant_column", columns, columns, "irrelevant")


def _options() -> CheckOptions:
    try:
        return session_for().options
    except MlopsGateError:
        return CheckOptions()  # no policy, or a broken one: the fixtures say so as errors


def _parametrize(
    metafunc: pytest.Metafunc, name: str, values: list[Any], ids: list[str], option: str
) -> None:
    if values:
        metafunc.parametrize(name, values, ids=ids)
        return
    skip = pytest.mark.skip(reason=f"nothing declared: set `options.{option}` on the pytest gate")
    metafunc.parametrize(name, [pytest.param(None, marks=skip)], ids=["none-declared"])
