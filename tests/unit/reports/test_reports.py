"""Markdown and JUnit renderings of a report; untrusted strings stay inert."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from mlops_gate.render.escape import markdown_text
from mlops_gate.report import CheckReport
from mlops_gate.reports import junit, markdown
from mlops_gate.results import GateResult, Verdict

INJECTIONS = [
    "](http://x)",
    "![](x)",
    "@org/team",
    "a|b",
    "<script>alert(1)</script>",
    "[link](https://evil)",
]


def _report() -> CheckReport:
    drift = GateResult(
        id="drift",
        type="drift",
        verdict=Verdict.FAIL,
        value=0.31,
        threshold=0.2,
        message="PSI 0.31 on income",
        details={"comparator": "≤", "columns": dict.fromkeys(INJECTIONS, 0.3)},
    )
    metric = GateResult(
        id="metric:f1",
        type="metric",
        verdict=Verdict.PASS,
        value=0.93,
        threshold=0.9,
        baseline_value=0.91,
        details={"comparator": "≥"},
    )
    error = GateResult(
        id="latency:cuda:p95",
        type="latency",
        verdict=Verdict.ERROR,
        message="CUDAExecutionProvider not available",
    )
    skip = GateResult(id="bias:sex", type="bias", verdict=Verdict.SKIP, message="skipped")
    return CheckReport(
        policy_name="fraud",
        policy_path="p.yaml",
        policy_sha256="0" * 64,
        gates=[metric, drift, error, skip],
    )


@pytest.mark.parametrize("payload", INJECTIONS)
def test_markdown_text_neutralises(payload: str) -> None:
    text = markdown_text(payload)
    assert "](" not in text.replace("\\](", "").replace("\\]\\(", "")
    assert "<script" not in text
    assert "@org" not in text
    assert "|" not in text.replace("\\|", "")
    assert "http:" not in text
    assert "https:" not in text


def test_markdown_report_has_table_and_escaped_breakdown() -> None:
    text = markdown.render(_report())
    assert "❌ **FAIL**" in text
    assert "| metric:f1 | 0.9300 | ≥ 0.9000 | 0.9100 | +0.0200 | ✅ pass |" in text
    for payload in INJECTIONS:
        assert payload not in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ") and "PSI" not in line]
    assert all(line.count(" | ") == line.replace("\\|", "").count(" | ") for line in table_rows)


def test_markdown_report_puts_failures_first_and_drops_filler() -> None:
    """report.md reads as the PR comment and the HTML do (issue 17): failing, then erroring
    gates first, and no column of dashes where no gate has a champion."""
    text = markdown.render(_report())
    rows = [line for line in text.splitlines() if line.startswith("| ") and "verdict" not in line]
    order = [row.split(" | ")[0].removeprefix("| ") for row in rows[:4]]
    assert order == ["drift", "latency:cuda:p95", "metric:f1", "bias:sex"]
    assert "| latency:cuda:p95 |  |  |  |  | ⛔ error |" in text  # empty cells, not "—"
    details = text.split("### Details", 1)[1]
    assert details.index("**drift**") < details.index("**latency:cuda:p95**")
    first_run = CheckReport(
        policy_name="fraud",
        policy_path="p.yaml",
        policy_sha256="0" * 64,
        gates=[g for g in _report().gates if g.baseline_value is None],
    )
    header = markdown.render(first_run).split("\n")[4]
    assert header == "| gate | value | threshold | verdict |"  # no champion, no Δ


def test_junit_distinguishes_failures_errors_skips() -> None:
    root = ET.fromstring(junit.render(_report()))
    suite = root.find("testsuite")
    assert suite is not None
    assert (
        suite.get("tests"),
        suite.get("failures"),
        suite.get("errors"),
        suite.get("skipped"),
    ) == ("4", "1", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert cases["drift"].find("failure") is not None
    assert cases["latency:cuda:p95"].find("error") is not None
    assert cases["bias:sex"].find("skipped") is not None
    assert list(cases["metric:f1"]) == []


def test_results_json_shape() -> None:
    data = json.loads(_report().to_json_text())
    assert data["schema"] == 1
    assert data["verdict"] == "fail"
    assert data["exit_code"] == 1
    assert set(data) >= {
        "schema",
        "tool_version",
        "policy",
        "verdict",
        "exit_code",
        "model",
        "baseline",
        "gates",
    }
    assert data["gates"][1] == {
        "id": "drift",
        "type": "drift",
        "verdict": "fail",
        "value": 0.31,
        "threshold": 0.2,
        "baseline_value": None,
        "message": "PSI 0.31 on income",
        "details": {"comparator": "≤", "columns": dict.fromkeys(INJECTIONS, 0.3)},
        "duration_s": 0.0,
        "policy_line": None,
    }


def test_group_breakdown_drops_empty_columns_and_dashes_undefined_rates() -> None:
    """A rate no group has is no column (issue 17); one some groups lack is a dash for those."""
    groups = {
        "F": {"rows": 6023, "selection_rate": 0.4465, "tpr": None, "fpr": None, "excluded": False},
        "M": {"rows": 5977, "selection_rate": 0.4511, "tpr": 0.8, "fpr": None, "excluded": False},
    }
    bias = GateResult(
        id="bias:sex", type="bias", verdict=Verdict.PASS, value=0.003, details={"groups": groups}
    )
    report = CheckReport(
        policy_name="p", policy_path="p.yaml", policy_sha256="0" * 64, gates=[bias]
    )
    document = markdown.render(report)
    assert "| group | rows | selection\\_rate | tpr | excluded |" in document
    assert "| F | 6,023 | 0.4465 | — | no |" in document
    assert "| M | 5,977 | 0.4511 | 0.8000 | no |" in document


def test_breakdown_text_columns_are_left_aligned_and_numbers_right() -> None:
    """A generated answer reads left to right; scores line up on the right."""
    worst = [{"id": "q1", "score": 0.1, "output": "Thanks for reaching out! It's here."}]
    gate = GateResult(
        id="text:rougeL",
        type="text",
        verdict=Verdict.FAIL,
        value=0.3,
        threshold=0.45,
        details={"worst": worst},
    )
    lines = markdown.breakdowns([gate])
    assert "| id | score | output |" in lines
    assert "|---|---:|---|" in lines
