"""`check --artifacts` in every report: the results JSON section, its reload, and the renderers."""

from __future__ import annotations

import pytest

from mlops_gate.errors import ExitCode, InputError
from mlops_gate.report import CheckReport, VariantResult
from mlops_gate.report_load import report_from_json
from mlops_gate.reports import html, markdown, pr_comment
from mlops_gate.results import GateResult, Verdict

METRIC = GateResult(id="metric:f1", type="metric", verdict=Verdict.PASS, value=0.93)
DRIFT = GateResult(id="drift", type="drift", verdict=Verdict.PASS, value=0.01)
INT8_METRIC = GateResult(
    id="metric:f1",
    type="metric",
    verdict=Verdict.FAIL,
    value=0.90,
    message="f1 drop 0.03 from float model 0.93 exceeds max_drop_vs_float 0.01 by 0.02",
)


def _report(int8_metric: GateResult = INT8_METRIC) -> CheckReport:
    shared = frozenset({"drift"})
    return CheckReport(
        policy_name="fraud",
        policy_path="mlops-gate.yaml",
        policy_sha256="ab" * 32,
        gates=[METRIC, DRIFT],
        variants=[
            VariantResult("float", "float", "dist/model.onnx", "1" * 64, [METRIC, DRIFT], shared),
            VariantResult(
                "int8", "dynamic", "dist/model.int8.onnx", "2" * 64, [int8_metric, DRIFT], shared
            ),
        ],
    )


def test_a_failing_variant_fails_the_report_whose_float_gates_pass() -> None:
    report = _report()
    assert report.exit_code == ExitCode.FAIL
    assert report.verdict == "fail"
    assert [v.verdict for v in report.variants] == ["pass", "fail"]
    passing = _report(METRIC)
    assert passing.exit_code == ExitCode.PASS


def test_results_json_keeps_its_schema_and_adds_variants() -> None:
    document = _report().to_json()
    assert document["schema"] == 1
    assert [g["id"] for g in document["gates"]] == ["metric:f1", "drift"]
    int8 = document["variants"][1]
    assert int8["variant"] == "int8"
    assert int8["sha256"] == "2" * 64
    assert int8["verdict"] == "fail"
    assert int8["exit_code"] == 1
    assert [(g["id"], g["verdict"], g["shared"]) for g in int8["gates"]] == [
        ("metric:f1", "fail", False),
        ("drift", "pass", True),
    ]
    assert "variants" not in CheckReport("p", "p.yaml", "", [METRIC]).to_json()


def test_results_json_with_variants_reloads_to_the_same_report() -> None:
    report = _report()
    again = report_from_json(report.to_json())
    assert again.variants == report.variants
    assert again.verdict == "fail"


def test_reload_refuses_a_variant_with_another_gate_list() -> None:
    document = _report().to_json()
    document["variants"][1]["gates"].pop()
    with pytest.raises(InputError, match=r"variants\[1\]\.gates: expected 2 gates"):
        report_from_json(document)


def test_markdown_html_and_comment_show_a_column_per_variant() -> None:
    report = _report()
    text = markdown.render(report)
    assert "❌ **FAIL** — 2 pass; 2 artifacts gated, not passing: int8" in text
    assert "| gate | float · 111111111111 | int8 · 222222222222 |" in text
    assert "| metric:f1 | 0.9300 pass | 0.9000 fail |" in text
    assert "| drift | 0.0100 pass | same |" in text
    assert "- **int8** metric:f1 (fail): f1 drop 0.03" in text
    page = html.render(report)
    assert "<th>int8 · 222222222222</th>" in page
    assert "2 artifacts gated, not passing: int8" in page
    comment = pr_comment.render(report, sticky=False)
    assert "| gate | float · 111111111111 | int8 · 222222222222 |" in comment


def test_junit_has_a_testcase_per_variant_model_gate() -> None:
    from xml.etree import ElementTree as ET

    from mlops_gate.reports import junit

    suite = ET.fromstring(junit.render(_report())).find("testsuite")
    assert suite is not None
    names = [case.get("name") for case in suite.iter("testcase")]
    assert names == ["metric:f1", "drift", "int8/metric:f1"]  # drift is shared: once
    assert suite.get("failures") == "1"
