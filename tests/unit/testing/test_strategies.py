"""The strategies generate contract-valid frames, and reach the contract's edges."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, find, given, settings

from mlops_gate.errors import GateError
from mlops_gate.expectations import Expectation
from mlops_gate.testing.contract import DataContract, build_contract
from mlops_gate.testing.strategies import elements, frames, rows

BOUNDED = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SEARCH = settings(database=None, max_examples=500)


def expect(kind: str, **kwargs: Any) -> Expectation:
    return Expectation(type=f"expect_column_values_to_{kind}", kwargs=kwargs, source="test")


def contract() -> DataContract:
    reference = pd.DataFrame(
        {
            "id": pd.Series([10, 11, 12, 13], dtype="int64"),
            "age": pd.Series([21, 35, 80, 44], dtype="int64"),
            "income": [1000.0, 52000.0, np.nan, 400000.0],
            "ratio": pd.Series([0.1, 0.5, 0.25, 1.0], dtype="float32"),
            "employment": pd.Series(["salaried"] * 20 + ["retired"], dtype="str").head(4),
            "active": [True, False, True, True],
        }
    )
    suite = [
        expect("be_between", column="age", min_value=18, max_value=100),
        expect("be_between", column="income", min_value=-50, max_value=2e6),
        expect("be_between", column="ratio", min_value=0, max_value=1.5, strict_max=True),
        expect("be_in_set", column="employment", value_set=["salaried", "retired", "student"]),
        expect("be_unique", column="id"),
    ]
    return build_contract(reference, suite)


CONTRACT = contract()


@BOUNDED
@given(frames(CONTRACT, max_rows=32))
def test_every_generated_frame_is_contract_valid(frame: pd.DataFrame) -> None:
    assert CONTRACT.violations(frame) == []
    assert 1 <= len(frame) <= 4  # `id` is unique with 4 possible values: 10..13
    assert list(frame.columns) == CONTRACT.names
    assert [frame[c.name].dtype for c in CONTRACT.columns] == [c.dtype for c in CONTRACT.columns]


@BOUNDED
@given(frames(CONTRACT, columns=["employment", "age"], min_rows=5, max_rows=9))
def test_columns_and_row_counts_as_asked(frame: pd.DataFrame) -> None:
    assert list(frame.columns) == ["employment", "age"]
    assert 5 <= len(frame) <= 9


EDGES = [
    ("age", 18),
    ("age", 100),
    ("income", -50.0),
    ("income", 0.0),  # zero, where the contract allows it
    ("income", 2e6),
    ("income", None),  # missing: the reference holds one and the suite allows it
    ("employment", "student"),  # never seen, allowed: the rarest
    ("ratio", 0.0),
]


@pytest.mark.parametrize(("column", "edge"), EDGES)
def test_edges_are_generated(column: str, edge: Any) -> None:
    found = find(elements(CONTRACT.column(column)), lambda value: value == edge, settings=SEARCH)
    assert found == edge


def test_strict_bounds_and_float32_are_respected() -> None:
    ratio = CONTRACT.column("ratio")
    largest = find(elements(ratio), lambda value: value > 1.4999, settings=SEARCH)
    assert largest < 1.5
    assert float(np.float32(largest)) == largest


@BOUNDED
@given(
    frames(
        build_contract(
            pd.DataFrame({"size": pd.Categorical(["S", "M", "M"])}),
            [expect("be_in_set", column="size", value_set=["S", "M", "XL"])],
        )
    )
)
def test_categoricals_take_allowed_values_their_dtype_lacked(frame: pd.DataFrame) -> None:
    assert frame["size"].notna().all()
    assert set(frame["size"].cat.categories) == {"S", "M", "XL"}


def test_too_few_distinct_values_for_the_rows_asked_is_refused() -> None:
    with pytest.raises(ValueError, match=r"cannot generate 5\.\.64 rows \(at most 4 possible\)"):
        frames(CONTRACT, min_rows=5)


def test_rows_without_a_policy_says_how_to_give_one() -> None:
    with pytest.raises(GateError, match="run pytest with `--mlops-gate POLICY`"):
        find(rows(), lambda _: True, settings=SEARCH)
