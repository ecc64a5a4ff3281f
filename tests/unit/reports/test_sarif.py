"""SARIF 2.1.0 for GitHub code scanning (issue 17, item 5): valid against the OASIS schema, a
result per gate that did not pass, located at its policy line."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from mlops_gate.policy.problems import parse_problems
from mlops_gate.reports import sarif
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import full_report, injection_report, passing_report
from tests.support import REPO

# The OASIS schema (sarif-2.1/schema/sarif-schema-2.1.0.json, errata 01), kept offline.
SCHEMA = json.loads(
    (REPO / "tests" / "data" / "schemas" / "sarif-schema-2.1.0.json").read_text(encoding="utf-8")
)


def _log(report: Any) -> dict[str, Any]:
    return _log_of(sarif.render(report))


def _log_of(text: str) -> dict[str, Any]:
    log = json.loads(text)
    jsonschema.Draft4Validator(SCHEMA).validate(log)
    return dict(log)


@pytest.mark.parametrize("report", [full_report(), passing_report(), injection_report()])
def test_every_log_is_valid_sarif_2_1_0(report: Any) -> None:
    log = _log(report)
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["tool"]["driver"]["name"] == "mlops-gate"


def test_failures_and_warnings_are_results_at_their_policy_lines() -> None:
    report = replace(full_report(), policy_path="policies/fraud.yaml")
    (run,) = _log(report)["runs"]
    results = {r["properties"]["gate"]: r for r in run["results"]}
    assert set(results) == {"drift", "bias:sex"}  # the passing gates are not alerts
    drift = results["drift"]
    assert drift["level"] == "error"
    assert drift["ruleId"] == "mlops-gate/drift"
    assert run["tool"]["driver"]["rules"][drift["ruleIndex"]]["id"] == "mlops-gate/drift"
    (location,) = drift["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "policies/fraud.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 18},
    }
    assert drift["message"]["text"].startswith("drift fail: value 0.3100, threshold ≤ 0.2000")
    assert results["bias:sex"]["level"] == "warning"
    assert run["properties"] == {"verdict": "fail", "exitCode": 1, "advisory": False}


def test_a_passing_report_has_no_results() -> None:
    (run,) = _log(passing_report())["runs"]
    assert run["results"] == []
    assert run["tool"]["driver"]["rules"] == []


def test_the_fingerprint_follows_the_gate_not_its_line() -> None:
    moved = full_report()
    moved = replace(
        moved, gates=[replace(g, policy_line=(g.policy_line or 0) + 5) for g in moved.gates]
    )
    before = [r["partialFingerprints"] for r in _log(full_report())["runs"][0]["results"]]
    after = [r["partialFingerprints"] for r in _log(moved)["runs"][0]["results"]]
    assert before == after


def test_hostile_text_is_shown_not_obeyed() -> None:
    gate = GateResult(
        id="x\x1b[31m", type="drift", verdict=Verdict.ERROR, message="a\u202eb\n::error::forged"
    )
    report = replace(full_report(), gates=[gate])
    text = sarif.render(report)
    assert "\x1b" not in text
    assert "\u202e" not in text
    (result,) = json.loads(text)["runs"][0]["results"]
    assert result["message"]["text"].endswith("a\\u202eb\\n::error::forged")
    assert "region" not in result["locations"][0]["physicalLocation"]  # no line known


def test_advisory_and_selected_runs_say_so() -> None:
    report = replace(full_report(), advisory=True, selected=("drift",))
    properties = _log(report)["runs"][0]["properties"]
    assert properties["advisory"] is True
    assert len(properties["notes"]) == 2


def test_a_policy_outside_the_checkout_is_an_absolute_file_uri(tmp_path: Path) -> None:
    assert sarif.policy_uri(str(tmp_path / "a b.yaml")) == (tmp_path / "a b.yaml").as_uri()
    assert sarif.policy_uri("dir/a b.yaml") == "dir/a%20b.yaml"


def test_the_schema_check_is_live() -> None:
    """The offline schema refuses what code scanning would refuse (no silent pass)."""
    log = json.loads(sarif.render(full_report()))
    log["runs"][0]["results"][0]["bogus"] = 1
    with pytest.raises(jsonschema.ValidationError, match="bogus"):
        jsonschema.Draft4Validator(SCHEMA).validate(log)


def test_a_policy_that_does_not_load_is_a_log_of_its_problems() -> None:
    file = "policies/fraud.yaml"
    problems = parse_problems(
        [f"{file}:6:42: gates[0] (metric).max_dorp: unknown key", f"{file}: not UTF-8\x1b"], file
    )
    log = _log_of(sarif.render_problems(problems, file))
    (run,) = log["runs"]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == ["mlops-gate/policy"]
    first, second = run["results"]
    assert first["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 6,
        "startColumn": 42,
    }
    assert first["message"]["text"] == "gates[0] (metric).max_dorp: unknown key"
    assert "region" not in second["locations"][0]["physicalLocation"]
    assert second["message"]["text"].endswith("not UTF-8\\x1b")
    # One category per policy file, loaded or not: the next upload closes these alerts.
    report = replace(full_report(), policy_path=file)
    assert run["automationDetails"] == _log(report)["runs"][0]["automationDetails"]
