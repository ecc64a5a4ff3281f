"""The custom expectations (no Great Expectations involved) against hand-computed numbers."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_gate.errors import GateError
from mlops_gate.expectations import ENGINE_CUSTOM, Expectation, Outcome, to_plain
from mlops_gate.expectations.custom import (
    CUSTOM_TYPES,
    DUPLICATE_SHARE,
    VALUE_SHARES,
    run_custom,
)


def _check(frame: pd.DataFrame, type_: str, **kwargs: Any) -> Outcome:
    (outcome,) = run_custom(frame, [Expectation(type=type_, kwargs=kwargs, source="expect[0]")])
    return outcome


LABELS = pd.DataFrame({"label": ["a", "a", "a", "b", None, "a", "b", "c"]})  # a 4, b 2, c 1, null 1


def test_value_shares_are_over_non_null_rows() -> None:
    outcome = _check(LABELS, VALUE_SHARES, column="label", min_value=0.1)
    assert outcome.success
    assert outcome.engine == ENGINE_CUSTOM
    assert outcome.observed_value == {"a": 4 / 7, "b": 2 / 7, "c": 1 / 7}
    assert list(outcome.observed_value) == ["a", "b", "c"]  # largest share first
    assert outcome.unexpected_count is None


@pytest.mark.parametrize(
    ("kwargs", "success"),
    [
        ({"min_value": 1 / 7}, True),  # c is exactly 1/7: bounds are inclusive, as in GX
        ({"min_value": 1 / 7, "strict_min": True}, False),
        ({"max_value": 4 / 7}, True),
        ({"max_value": 4 / 7, "strict_max": True}, False),
        ({"min_value": 0.15}, False),  # c: 0.1429
        ({"min_value": 0.1, "max_value": 0.5}, False),  # a: 0.5714
    ],
)
def test_value_share_bounds(kwargs: dict[str, Any], success: bool) -> None:
    assert _check(LABELS, VALUE_SHARES, column="label", **kwargs).success is success


def test_an_absent_expected_value_has_share_zero() -> None:
    outcome = _check(LABELS, VALUE_SHARES, column="label", min_value=0.1, value_set=["a", "d"])
    assert not outcome.success
    assert outcome.observed_value["d"] == 0.0


def test_integer_labels_are_keyed_as_text() -> None:
    frame = pd.DataFrame({"y": np.array([0, 1, 1, 1], dtype="int64")})
    outcome = _check(frame, VALUE_SHARES, column="y", min_value=0.25, value_set=[0, 1])
    assert outcome.success
    assert outcome.observed_value == {"1": 0.75, "0": 0.25}


def test_a_column_without_values_fails() -> None:
    frame = pd.DataFrame({"label": [None, None]}, dtype="object")
    outcome = _check(frame, VALUE_SHARES, column="label", min_value=0.1)
    assert not outcome.success
    assert outcome.observed_value == {}


PAIRS = pd.DataFrame({"a": [1, 1, 2, 2, np.nan, np.nan], "b": ["x", "y", "y", "y", "z", "z"]})


@pytest.mark.parametrize(
    ("columns", "repeated"),
    [
        (None, 2),  # rows 3 and 5 repeat rows 2 and 4 (NaN equals NaN, as in pandas)
        (["a"], 3),  # rows 1, 3, 5
        (["b"], 3),  # rows 2, 3, 5
    ],
)
def test_duplicate_share_counts_repeats_not_first_copies(
    columns: list[str] | None, repeated: int
) -> None:
    kwargs: dict[str, Any] = {"max_value": 0.5} | ({"columns": columns} if columns else {})
    outcome = _check(PAIRS, DUPLICATE_SHARE, **kwargs)
    assert outcome.unexpected_count == repeated
    assert outcome.observed_value == pytest.approx(repeated / 6)
    assert outcome.unexpected_percent == pytest.approx(100 * repeated / 6)
    assert outcome.success is (repeated / 6 <= 0.5)


def test_duplicate_share_strict_and_lower_bounds() -> None:
    assert not _check(PAIRS, DUPLICATE_SHARE, max_value=2 / 6, strict_max=True).success
    assert _check(PAIRS, DUPLICATE_SHARE, max_value=2 / 6).success
    assert not _check(PAIRS, DUPLICATE_SHARE, min_value=0.5).success


@pytest.mark.parametrize(
    ("type_", "kwargs", "fragment"),
    [
        (VALUE_SHARES, {"column": "label"}, "set min_value, max_value or both"),
        (VALUE_SHARES, {"column": "label", "min_valu": 0.1}, "min_valu: Extra inputs"),
        (VALUE_SHARES, {"column": "label", "min_value": 1.5}, "min_value: Input should be less"),
        (VALUE_SHARES, {"min_value": 0.1}, "column: Field required"),
        (DUPLICATE_SHARE, {"min_value": 0.5, "max_value": 0.1}, "min_value is greater"),
        (DUPLICATE_SHARE, {"max_value": 0.1, "columns": []}, "columns: List should have"),
        (VALUE_SHARES, {"column": "nope", "min_value": 0.1}, "no column 'nope'"),
        (DUPLICATE_SHARE, {"max_value": 0.1, "columns": ["label", "x"]}, "no column 'x'"),
    ],
)
def test_bad_kwargs_are_one_line_errors(type_: str, kwargs: dict[str, Any], fragment: str) -> None:
    with pytest.raises(GateError) as caught:
        _check(LABELS, type_, **kwargs)
    message = str(caught.value)
    assert message.startswith(f"expect[0] {type_}: ")
    assert fragment in message
    assert "\n" not in message


def test_unhashable_cells_are_an_error_not_a_crash() -> None:
    frame = pd.DataFrame({"tags": [{"a": 1}, {"a": 1}], "n": [1, 1]})
    with pytest.raises(GateError, match="cannot be compared"):
        _check(frame, DUPLICATE_SHARE, max_value=0.1)


def test_all_kwargs_are_checked_before_any_check_runs() -> None:
    good = Expectation(type=DUPLICATE_SHARE, kwargs={"max_value": 0.1}, source="expect[0]")
    bad = Expectation(type=VALUE_SHARES, kwargs={"column": "label"}, source="expect[1]")
    with pytest.raises(GateError, match=r"^expect\[1\]"):
        run_custom(LABELS, [good, bad])


def test_custom_types_are_the_two_documented() -> None:
    assert {VALUE_SHARES, DUPLICATE_SHARE} == CUSTOM_TYPES


def test_outcomes_are_strict_json() -> None:
    outcome = _check(PAIRS, DUPLICATE_SHARE, max_value=0.5)
    assert json.loads(json.dumps(outcome.to_json(), allow_nan=False))["engine"] == "mlops-gate"


@pytest.mark.parametrize(
    ("value", "plain"),
    [
        (np.float64(0.5), 0.5),
        (np.float64("nan"), None),
        (math.inf, None),
        (np.int64(3), 3),
        (np.bool_(True), True),
        ((1, np.int32(2)), [1, 2]),
        ({np.int64(1): np.array([1.0, np.nan])}, {"1": [1.0, None]}),
        (pd.Timestamp("2024-01-02"), "2024-01-02T00:00:00"),
        (pd.NA, None),
        (pd.NaT, None),
    ],
)
def test_to_plain(value: Any, plain: Any) -> None:
    assert to_plain(value) == plain
    assert type(to_plain(value)) is type(plain)


def test_negative_zero_is_keyed_as_zero_whatever_the_row_order() -> None:
    """pandas keeps the first spelling it meets; Spark normalises -0.0: one key for both engines."""
    frame = pd.DataFrame({"x": [-0.0, 0.0, 1.0, -0.0]})
    outcome = _check(frame, VALUE_SHARES, column="x", min_value=0.1)
    assert outcome.observed_value == {"0.0": 0.75, "1.0": 0.25}
