"""The engine hooks: pandas answers with the gates' own code, Spark names a function per step."""

from __future__ import annotations

import inspect

import pytest

from mlops_gate.engine.data.hooks import ENGINE_HOOKS, engine_hook


def test_pandas_has_no_hooks() -> None:
    assert engine_hook("pandas", "metric.measure") is None


def test_an_unknown_step_is_the_gates_own_code() -> None:
    assert engine_hook("spark", "no.such.step") is None


@pytest.mark.parametrize("step", sorted(ENGINE_HOOKS["spark"]))
def test_every_spark_step_is_a_function(step: str) -> None:
    function = engine_hook("spark", step)
    assert function is not None
    assert inspect.isfunction(function)
    assert function.__module__.startswith("mlops_gate.engine.data.spark.")
