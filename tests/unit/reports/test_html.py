"""The HTML report: self-contained, every chart present, every string escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from html.parser import HTMLParser

from mlops_gate.gates.views import drift as drift_view
from mlops_gate.reports import html, pieces
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import INJECTIONS, full_report, injection_report


class Collector(HTMLParser):
    """Tags, attributes and visible text, as a browser would parse them."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attributes: list[tuple[str, str | None]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attributes += attrs

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(document: str) -> Collector:
    collector = Collector()
    collector.feed(document)
    collector.close()
    return collector


def test_every_chart_is_drawn() -> None:
    document = html.render(full_report())
    titles = re.findall(r'<svg [^>]*aria-label="([^"]+)"', document)
    assert titles == [  # failing first, then warn, then pass: policy order within each
        "drift: PSI per feature",
        "amount: share of rows per bin (PSI 0.3100)",
        "age: share of rows per bin (PSI 0.1400)",
        "country: share of rows per bin (PSI 0.0200)",  # under warn: folded in <details>
        "bias:sex: gap between groups",
        "bias:sex: rates per group",
        "metric:f1 with its confidence interval, against the champion",
        "latency:cpu:p95: latency on CPUExecutionProvider, p50 to p99 (dot: the gated percentile)",
    ]
    folded = document[document.index("<details>") : document.index("</details>")]
    assert "country: share of rows per bin" in folded
    assert "amount:" not in folded
    assert "warn above 0.1000" in document
    assert "fail above 0.2000" in document
    assert "limit 100.0 ms" in document
    assert "11.9 ms" in document  # the champion's latency
    assert "threshold 0.9000" in document


def test_self_contained_and_no_active_content() -> None:
    parsed = parse(html.render(full_report()))
    assert "script" not in parsed.tags
    assert not [name for name, _ in parsed.attributes if name.startswith("on")]
    urls = {value for name, value in parsed.attributes if name in {"href", "src", "xmlns"}}
    links = {f"#gate-{i}" for i in range(1, 6)}  # the table of contents: in-page anchors only
    assert urls == {"http://www.w3.org/2000/svg", *links}  # a namespace name, never fetched
    assert ("content", html.CSP) in parsed.attributes


def test_injections_are_text_not_markup() -> None:
    document = html.render(injection_report())
    parsed = parse(document)
    assert parsed.tags.count("script") == 0
    text = "".join(parsed.text)
    for payload in INJECTIONS:
        assert payload in text  # shown to the reviewer as it is...
    assert "<script>" not in document  # ...but only ever as escaped text


def test_bin_labels() -> None:
    assert drift_view.bin_labels({"edges": [1.0, 2.0]}, 3) == ["< 1", "1 to 2", "≥ 2"]
    assert drift_view.bin_labels({"edges": [1.0, 2.0]}, 4) == ["< 1", "1 to 2", "≥ 2", "NaN"]
    assert drift_view.bin_labels({"categories": ["a", "b"]}, 2) == ["a", "b"]
    assert drift_view.bin_labels({"edges": "nonsense"}, 2) == ["bin 1", "bin 2"]


def test_malformed_details_draw_nothing_but_still_render() -> None:
    broken = [
        GateResult(
            id="d", type="drift", verdict=Verdict.FAIL, details={"columns": {"a": "x", "b": None}}
        ),
        GateResult(id="d2", type="drift", verdict=Verdict.FAIL, details={"columns": [1, 2]}),
        GateResult(
            id="b", type="bias", verdict=Verdict.PASS, details={"groups": {"g": "not a dict"}}
        ),
        GateResult(id="l", type="latency", verdict=Verdict.PASS, details={"p95_ms": float("nan")}),
        GateResult(id="m", type="metric", verdict=Verdict.ERROR, details={"ci_low": "?"}),
        GateResult(
            id="h",
            type="drift",
            verdict=Verdict.PASS,
            threshold=0.2,
            details={
                "columns": {"a": 0.1},
                "bins": {"a": {"reference": [0.5, "x"], "current": [0.5, 0.5]}},
            },
        ),
    ]
    document = html.render(replace(full_report(), gates=broken))
    assert document.count("<svg") == 1  # only the PSI bars of "h"; no half-drawn histogram
    assert '<a href="#gate-2"><code>d2</code></a>' in document


def test_a_limit_far_above_the_bars_is_named_not_drawn() -> None:
    latency = GateResult(
        id="latency",
        type="latency",
        verdict=Verdict.PASS,
        value=0.016,
        threshold=100.0,
        details={"p50_ms": 0.015, "p95_ms": 0.016, "p99_ms": 0.026},
    )
    (chart,) = pieces.charts(latency)
    assert "limit 100.0 ms: far above, not to scale" in chart
    assert "stroke-dasharray" not in chart  # no rule line squashing the bars
    near = replace(latency, threshold=0.05)
    (chart,) = pieces.charts(near)
    assert "limit 0.0500 ms" in chart
    assert "stroke-dasharray" in chart
