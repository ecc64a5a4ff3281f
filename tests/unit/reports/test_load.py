"""A report back from its results JSON, checked as input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from mlops_gate.errors import InputError
from mlops_gate.report_load import load_results, report_from_json
from tests.report_samples import full_report, injection_report


@pytest.mark.parametrize("make", [full_report, injection_report])
def test_round_trip(make: Any) -> None:
    report = make()
    data = json.loads(report.to_json_text())
    again = report_from_json(data)
    assert again.to_json() == report.to_json()
    assert again.exit_code == report.exit_code


def _data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(full_report().to_json_text())
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], "results JSON: expected an object"),
        (_data(schema=2), "results JSON: schema 2 is not supported (expected 1)"),
        (_data(policy="x"), "results JSON: policy: expected an object"),
        (_data(gates={}), "results JSON: gates: expected a list"),
        (_data(verdict="pass"), "results JSON: verdict 'pass' does not match its gates (fail)"),
    ],
)
def test_bad_documents_name_the_problem(data: Any, message: str) -> None:
    with pytest.raises(InputError) as caught:
        report_from_json(data)
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "verdict",
            "ok",
            "results JSON: gates[0].verdict: 'ok' is not one of pass, warn, fail, error, skip",
        ),
        ("value", "0.9", "results JSON: gates[0].value: expected a finite number or null"),
        ("value", True, "results JSON: gates[0].value: expected a finite number or null"),
        ("id", None, "results JSON: gates[0].id: expected a string"),
        ("details", [], "results JSON: gates[0].details: expected an object"),
        ("policy_line", "3", "results JSON: gates[0].policy_line: expected an integer"),
    ],
)
def test_bad_gates_name_the_field(field: str, value: Any, message: str) -> None:
    data = _data()
    data["gates"][0][field] = value
    with pytest.raises(InputError) as caught:
        report_from_json(data)
    assert str(caught.value) == message


def test_load_results_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "results.json"
    path.write_text("{", encoding="utf-8")
    with pytest.raises(InputError, match=r"results.json: not valid JSON"):
        load_results(path)
    path.write_text(json.dumps({"schema": 9}), encoding="utf-8")
    with pytest.raises(InputError, match=r"results.json: results JSON: schema 9 is not supported"):
        load_results(path)
    with pytest.raises(InputError, match=r"cannot read the results JSON"):
        load_results(tmp_path / "missing.json")
    path.write_text(full_report().to_json_text(), encoding="utf-8")
    assert load_results(path).verdict == "fail"
