"""The HTML report and its SVG charts show control and bidi characters from data as text."""

from __future__ import annotations

from mlops_gate.report import CheckReport
from mlops_gate.reports import html
from mlops_gate.results import GateResult, Verdict

BAD = "a\n::error file=x::pwned\x1b[31m\u202e<script>"


def test_controls_bidi_and_markup_from_data_are_inert_in_html_and_svg() -> None:
    drift = GateResult(
        id="drift",
        type="drift",
        verdict=Verdict.FAIL,
        value=0.3,
        threshold=0.2,
        message=f"PSI on {BAD}",
        details={"columns": {BAD: 0.3, "ok": 0.01}},
    )
    report = CheckReport(
        policy_name="p", policy_path="p.yaml", policy_sha256="0" * 64, gates=[drift]
    )
    page = html.render(report)
    assert "\x1b" not in page
    assert "\u202e" not in page
    assert "<script>" not in page
    assert "\\x1b[31m\\u202e&lt;script&gt;" in page  # shown, not obeyed
    assert "<svg" in page  # the drift chart, whose labels hold the column name
