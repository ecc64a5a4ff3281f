"""Reading suites (GX 1.x and 0.x JSON) and inline lists; unknown types with suggestions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.errors import GateError, InputError
from mlops_gate.expectations import Expectation
from mlops_gate.expectations.suite import check_known, inline_expectations, load_expectations

GX1_SUITE = {  # the shape of GX 1.x `ExpectationSuite.to_json_dict()`
    "name": "eval",
    "id": None,
    "expectations": [
        {
            "type": "expect_column_values_to_not_be_null",
            "kwargs": {"column": "id"},
            "meta": {},
            "severity": "critical",
        },
        {"type": "expect_table_row_count_to_be_between", "kwargs": {"min_value": 1}, "meta": {}},
    ],
    "meta": {"great_expectations_version": "1.24.1"},
    "notes": None,
}
LEGACY_SUITE = {
    "expectation_suite_name": "eval",
    "expectations": [
        {"expectation_type": "expect_column_to_exist", "kwargs": {"column": "id"}, "meta": {}}
    ],
    "meta": {"great_expectations_version": "0.18.12"},
}


def _write(tmp_path: Path, content: Any) -> Path:
    path = tmp_path / "suite.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def test_gx1_suite_then_inline_in_order(tmp_path: Path) -> None:
    inline = [{"expect_column_to_exist": {"column": "label"}}]
    found = load_expectations(_write(tmp_path, GX1_SUITE), inline)
    assert [(e.type, e.kwargs, e.source) for e in found] == [
        ("expect_column_values_to_not_be_null", {"column": "id"}, "suite.json expectations[0]"),
        ("expect_table_row_count_to_be_between", {"min_value": 1}, "suite.json expectations[1]"),
        ("expect_column_to_exist", {"column": "label"}, "expect[0]"),
    ]


def test_legacy_suite_is_accepted(tmp_path: Path) -> None:
    (found,) = load_expectations(_write(tmp_path, LEGACY_SUITE), [])
    assert (found.type, found.kwargs) == ("expect_column_to_exist", {"column": "id"})


def test_no_suite_means_inline_only() -> None:
    assert load_expectations(None, []) == []
    assert (
        inline_expectations([{"expect_column_to_exist": {"column": "a"}}])[0].source == "expect[0]"
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"expectations": [', ":1:19: not valid JSON (Expecting value)"),
        ('["not a suite"]', ": not a Great Expectations suite"),
        ({"name": "x"}, ": not a Great Expectations suite"),
        ({"expectations": ["x"]}, ": expectations[0]: expected an object"),
        ({"expectations": [{"kwargs": {}}]}, ": expectations[0]: missing the expectation `type`"),
        ({"expectations": [{"type": "t", "kwargs": []}]}, ": expectations[0] (t): `kwargs` must"),
    ],
)
def test_bad_suites_are_one_line_input_errors(tmp_path: Path, content: Any, message: str) -> None:
    path = _write(tmp_path, content)
    with pytest.raises(InputError) as caught:
        load_expectations(path, [])
    assert str(caught.value).startswith(f"{path}{message}")


def test_missing_suite_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="suite file not found"):
        load_expectations(tmp_path / "nope.json", [])


def test_unknown_types_name_the_closest_valid_ones() -> None:
    known = {"expect_column_values_to_not_be_null", "expect_column_values_to_be_null", "x"}
    typo = Expectation(type="expect_column_values_to_not_be_nul", kwargs={}, source="expect[2]")
    with pytest.raises(GateError) as caught:
        check_known([typo], known)
    assert str(caught.value) == (
        "unknown expectation type 'expect_column_values_to_not_be_nul' (expect[2]); did you mean "
        "expect_column_values_to_not_be_null, expect_column_values_to_be_null?"
    )
    with pytest.raises(GateError, match=r"see docs/expectations\.md"):
        check_known([Expectation(type="zzz", kwargs={}, source="expect[0]")], known)


@pytest.mark.parametrize(
    ("kwargs", "label"),
    [
        ({}, "t"),
        ({"column": "age"}, "t(age)"),
        ({"column_A": "a", "column_B": "b"}, "t(a, b)"),
        ({"column_list": ["a", "b"]}, "t(a, b)"),
        ({"columns": ["a"]}, "t(a)"),
    ],
)
def test_labels_name_the_columns(kwargs: dict[str, Any], label: str) -> None:
    assert Expectation(type="t", kwargs=kwargs, source="").label() == label
