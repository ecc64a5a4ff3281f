"""The HTML report read top-down (issue 17, item 1): failing first, anchors, every view's content."""

from __future__ import annotations

import re
from dataclasses import replace

from mlops_gate.gates.views import drift as drift_view
from mlops_gate.reports import html, pieces
from mlops_gate.results import ADVISORY_NOTE, SELECTED_NOTE, GateResult, Verdict
from tests.report_samples import (
    drift_gate,
    expectations_gate,
    full_report,
    ratio_bias_gate,
    sliced_metric_gate,
)
from tests.unit.reports.test_html import parse


def _section_ids(document: str) -> list[tuple[str, str]]:
    return re.findall(r'<section id="(gate-\d+)"><h2><code>([^<]+)</code>', document)


def test_failing_gates_come_first_and_the_table_links_to_them() -> None:
    report = replace(full_report(), gates=[*full_report().gates, expectations_gate()])
    document = html.render(report)
    sections = _section_ids(document)
    assert [gate for _, gate in sections] == [
        "drift",
        "expectations:eval",
        "bias:sex",
        "metric:f1",
        "latency:cpu:p95",
    ]
    links = re.findall(r'<a href="#(gate-\d+)"><code>([^<]+)</code></a>', document)
    assert [gate for _, gate in links][:3] == ["drift", "expectations:eval", "bias:sex"]
    assert set(links) >= set(sections)  # every section is reachable from the table
    assert (
        document.index('id="gate-2"')
        < document.index('id="gate-6"')
        < document.index('id="gate-1"')
    )


def test_a_failing_gate_without_charts_still_gets_its_section() -> None:
    size = GateResult(
        id="size", type="size", verdict=Verdict.ERROR, message="model file missing", value=None
    )
    document = html.render(replace(full_report(), gates=[size]))
    assert _section_ids(document) == [("gate-1", "size")]
    assert "model file missing" in document


def test_advisory_and_selected_runs_say_so_under_the_banner() -> None:
    plain = html.render(full_report())
    assert ADVISORY_NOTE not in plain
    assert SELECTED_NOTE not in plain
    document = html.render(replace(full_report(), advisory=True, selected=("drift",)))
    banner_end = document.index("</div>")
    notice = document.index(ADVISORY_NOTE)
    assert banner_end < notice < document.index("<table")
    assert SELECTED_NOTE in document


def test_expectations_section_lists_each_with_observed_share_and_escaped_samples() -> None:
    (table,) = pieces.charts(expectations_gate())
    parsed = parse(table)
    cells = [text for text in parsed.text if text.strip()]
    assert cells[:5] == ["expectation", "result", "observed", "% unexpected", "unexpected samples"]
    failed = cells[5:10]
    assert failed[:4] == ["expect_column_values_to_be_between(amount)", "FAILED", "250.5", "3.5 %"]
    assert failed[4] == "'<img src=x onerror=alert(1)>', 250.5, 101, 1000000000.0, -1 (+1 more)"
    assert "img" not in parsed.tags
    assert "<img" not in table
    assert cells[10:12] == ["expect_column_values_to_not_be_null(age)", "met"]
    breakdown = pieces.breakdown(expectations_gate())
    assert breakdown is not None
    assert breakdown.rows[0][1] == "FAILED"


def test_metric_slices_are_drawn_worst_first_and_tabled() -> None:
    charts = pieces.charts(sliced_metric_gate())
    assert len(charts) == 2
    slices = charts[1]
    assert slices.index("region=south") < slices.index("region=north")
    assert "region=west" not in slices  # skipped: no value to draw, but in the table
    assert "threshold 0.8500" in slices
    table = pieces.breakdown(sliced_metric_gate())
    assert table is not None
    assert table.header == ("slice", "rows", "value", "ci_low", "ci_high", "verdict")
    assert [row[0] for row in table.rows] == ["region=south", "region=north", "region=west"]
    assert "worst slice region=south" in pieces.facts(sliced_metric_gate())


def test_bias_shows_values_on_bars_the_limit_and_the_interval() -> None:
    gap, rates, ratios = pieces.charts(ratio_bias_gate())
    assert "demographic_parity_ratio" in gap
    assert gap.count("<line") >= 4  # the interval and its two end caps, the limit
    assert "limit 0.8000" in gap
    assert ">0.3500</text>" in rates
    assert ">0.5000</text>" in rates
    assert "TPR" not in rates  # no group has one: no empty series
    assert "limit 0.8000" in ratios
    assert ">0.7000</text>" in ratios


def test_every_drifted_column_is_drawn_and_the_rest_folded() -> None:
    columns = {f"feature_{i:02d}": 0.5 - i * 0.02 for i in range(20)}
    bins = {
        name: {"categories": ["a", "b"], "reference": [0.5, 0.5], "current": [0.3, 0.7]}
        for name in columns
    }
    gate = drift_gate(columns)
    gate = replace(gate, details={**gate.details, "bins": bins, "warn": 0.3})
    charts = pieces.charts(gate)
    drifted = [name for name, psi in columns.items() if psi > 0.3]
    open_charts = [c for c in charts[1:] if not c.startswith("<details>")]
    assert len(open_charts) == min(len(drifted), drift_view.CHART_HISTOGRAMS)
    folded = charts[-1]
    assert folded.startswith("<details><summary>bin shares of")
    assert folded.count("<svg") == len(columns) - len(open_charts)


def test_long_bin_labels_are_not_cut() -> None:
    spec = {
        "categories": ["a very long category name indeed", "short"],
        "reference": [0.5, 0.5],
        "current": [0.4, 0.6],
    }
    gate = replace(drift_gate({"c": 0.5}), details={"columns": {"c": 0.5}, "bins": {"c": spec}})
    histogram = pieces.charts(gate)[1]
    assert "a very long category na…" in histogram  # clipped at 24 characters, turned
    assert "<title>a very long category name indeed</title>" in histogram
    turned = re.search(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="end" transform', histogram)
    assert turned is not None
    left = float(turned[1])
    assert left >= 24 * 6.5 * 0.77 - 1  # room for the whole turned label left of the first bar


def test_y_ticks_are_round() -> None:
    histogram = pieces.charts(drift_gate())[1]
    ticks = re.findall(r'text-anchor="end" fill="#1f2328">([^<]+)</text>', histogram)
    assert ticks == ["0", "0.1", "0.2", "0.3", "0.4"]


def test_confusion_matrix_and_curves_draw_from_details_and_escape_class_names() -> None:
    curve = {"fpr": [0.0, 0.2, 1.0], "tpr": [0.0, 0.8, 1.0]}
    pr = {"recall": [0.0, 0.5, 1.0], "precision": [1.0, 0.9, 0.5]}
    calibration = {"predicted": [0.1, 0.5, 0.9], "observed": [0.12, 0.45, 0.93], "rows": [5, 5, 5]}
    model = {"roc": curve, "pr": pr, "calibration": calibration}
    details = {
        "curves": {
            "confusion": {"classes": ["<b>no</b>", "yes"], "matrix": [[90, 10], [5, 95]]},
            "model": model,
            "champion": {**model, "roc": {"fpr": [0.0, 1.0], "tpr": [0.0, 1.0]}},
        }
    }
    gate = GateResult(id="m", type="metric", verdict=Verdict.PASS, value=0.9, details=details)
    charts = pieces.charts(gate)
    confusion = next(c for c in charts if "Confusion matrix" in c)
    assert "predicted &lt;b&gt;no&lt;/b&gt;" in confusion
    assert "<b>" not in confusion
    assert "90 <small>(90%)</small>" in confusion
    curves = next(c for c in charts if "ROC curve" in c)
    assert curves.count("<polyline") == 6  # ROC, PR, calibration: this model and the champion
    assert "Precision-recall" in curves
    assert "Calibration" in curves


def test_malformed_curves_draw_nothing() -> None:
    broken = [
        {"confusion": {"classes": ["a"], "matrix": [[1, 2]]}},
        {"model": {"roc": {"fpr": [0.0, "x"], "tpr": [0.0, 1.0]}}},
        {"model": {"roc": {"fpr": [0.0], "tpr": [0.0, 1.0]}}},
        {"regression": {"actual": [], "predicted": []}},
        "not a dict",
    ]
    for curves in broken:
        gate = GateResult(
            id="m", type="metric", verdict=Verdict.PASS, value=0.9, details={"curves": curves}
        )
        assert len(pieces.charts(gate)) == 1  # only the value's interval chart
