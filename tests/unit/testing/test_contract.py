"""The data contract: kinds from the reference dtypes, values from the suite where it speaks."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_gate.errors import GateError
from mlops_gate.expectations import Expectation
from mlops_gate.testing.contract import build_contract


def expect(kind: str, **kwargs: Any) -> Expectation:
    return Expectation(type=f"expect_column_values_to_{kind}", kwargs=kwargs, source="test")


def reference() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "age": pd.Series([21, 35, 80, 44], dtype="int64"),
            "income": [1000.0, 52000.0, np.nan, 400000.0],
            "employment": pd.Series(["salaried"] * 3 + ["retired"], dtype="str"),
            "active": [True, False, True, True],
            "label": [0, 1, 0, 1],
        }
    )


def test_kinds_come_from_the_dtypes_and_the_target_is_left_out() -> None:
    contract = build_contract(reference(), [], exclude=["label"])
    assert contract.names == ["age", "income", "employment", "active"]
    assert [c.kind for c in contract.columns] == ["int", "float", "category", "bool"]


def test_without_a_suite_the_reference_data_bounds_the_values() -> None:
    contract = build_contract(reference(), [])
    age, income = contract.column("age"), contract.column("income")
    assert (age.low, age.high) == (21, 80)
    assert (income.low, income.high) == (1000.0, 400000.0)
    assert income.nullable  # the reference holds a missing income
    assert not age.nullable


def test_the_suite_wins_where_it_speaks_and_bounds_intersect() -> None:
    suite = [
        expect("be_between", column="age", min_value=18, max_value=100),
        expect("be_between", column="age", min_value=16, max_value=99),
        expect("be_between", column="income", min_value=0),  # no max: the reference's
    ]
    contract = build_contract(reference(), suite)
    assert (contract.column("age").low, contract.column("age").high) == (18, 99)
    assert (contract.column("income").low, contract.column("income").high) == (0.0, 400000.0)
    assert contract.column("age").sources == ("test", "test")


def test_strict_bounds_exclude_the_bound_itself() -> None:
    suite = [
        expect("be_between", column="age", min_value=18, max_value=100, strict_max=True),
        expect("be_between", column="income", min_value=0, strict_min=True),
    ]
    contract = build_contract(reference(), suite)
    assert contract.column("age").high == 99
    assert contract.column("income").low == math.nextafter(0.0, 1.0)


def test_a_value_set_orders_categories_by_frequency_unseen_ones_last_and_rare() -> None:
    suite = [expect("be_in_set", column="employment", value_set=["retired", "salaried", "student"])]
    employment = build_contract(reference(), suite).column("employment")
    assert employment.categories == ("salaried", "retired", "student")
    assert employment.rare == ("student",)  # retired is 25 % of the rows: common enough


def test_a_rare_category_is_one_under_five_percent() -> None:
    frame = pd.DataFrame({"colour": ["red"] * 97 + ["green"] * 2 + ["blue"]})
    assert build_contract(frame, []).column("colour").rare == ("green", "blue")


def test_not_null_and_unique() -> None:
    suite = [
        expect("not_be_null", column="income"),
        expect("be_unique", column="age"),
        expect("not_be_null", column="employment", mostly=0.9),  # some nulls allowed
    ]
    contract = build_contract(reference(), suite)
    assert not contract.column("income").nullable
    assert contract.column("age").unique
    assert contract.column("age").capacity() == 80 - 21 + 1


def test_contradicting_expectations_leave_no_valid_value() -> None:
    suite = [
        expect("be_between", column="age", min_value=50, max_value=60),
        expect("be_between", column="age", min_value=70, max_value=90),
    ]
    with pytest.raises(GateError, match="'age': the expectations leave no valid value"):
        build_contract(reference(), suite)


def test_violations_name_each_broken_rule() -> None:
    suite = [expect("not_be_null", column="income"), expect("be_unique", column="age")]
    contract = build_contract(reference(), suite, exclude=["label"])
    bad = pd.DataFrame(
        {
            "age": [21, 21],
            "income": [np.nan, 5e6],
            "employment": pd.Series(["salaried", "astronaut"], dtype="str"),
        }
    )
    assert contract.violations(bad) == [
        "active: missing",
        "age: duplicated values",
        "income: 1 missing values",
        "income: values outside the contract: [5000000.0]",
        "employment: values outside the contract: ['astronaut']",
    ]
    assert build_contract(reference(), []).violations(reference()) == []


def test_an_unknown_column_is_named() -> None:
    with pytest.raises(GateError, match="column 'salary' is not in the data contract"):
        build_contract(reference(), []).column("salary")
