"""A gate type brings its own report pieces: the reporters find them by name, never by type."""

from __future__ import annotations

import ast
import types
from dataclasses import replace
from pathlib import Path

import pytest

from mlops_gate.gates.registry import BUILTIN_GATES, gate_types
from mlops_gate.render.pieces import Breakdown
from mlops_gate.reports import html, markdown, pieces, pr_comment
from mlops_gate.results import GateResult, Verdict
from tests.report_samples import full_report
from tests.support import REPO

REPORTS = REPO / "mlops_gate" / "reports"
FAKE = GateResult(
    id="fake:1",
    type="fake",
    verdict=Verdict.WARN,
    value=0.5,
    threshold=1.0,
    message="close to its limit",
    details={"items": {"a<b>": 0.4, "@org/team": 0.5}},
)


def _fake_charts(result: GateResult) -> list[str]:
    return [f'<svg aria-label="{result.id}: fake chart"></svg>']


def _fake_breakdown(result: GateResult) -> Breakdown:
    rows = tuple((name, value) for name, value in result.details["items"].items())
    return Breakdown("score per item", ("item", "score"), rows)


def _fake_facts(result: GateResult) -> list[str]:
    return ["measured twice", "<b>not bold</b>"]


@pytest.fixture
def fake_gate_type(monkeypatch: pytest.MonkeyPatch) -> types.ModuleType:
    """A gate type module, registered as an installed plugin would be, with all three pieces."""
    module = types.ModuleType("fake_gate")
    module.charts = _fake_charts  # type: ignore[attr-defined]
    module.breakdown = _fake_breakdown  # type: ignore[attr-defined]
    module.facts = _fake_facts  # type: ignore[attr-defined]
    monkeypatch.setitem(gate_types(), "fake", module)
    return module


def test_a_new_gate_type_gets_its_pieces_into_html(fake_gate_type: types.ModuleType) -> None:
    document = html.render(replace(full_report(), gates=[FAKE]))
    assert '<svg aria-label="fake:1: fake chart"></svg>' in document
    assert '<p class="meta">measured twice · &lt;b&gt;not bold&lt;/b&gt;</p>' in document
    assert "<p>close to its limit</p>" in document


def test_a_new_gate_type_gets_its_breakdown_into_markdown(
    fake_gate_type: types.ModuleType,
) -> None:
    for text in (
        markdown.render(replace(full_report(), gates=[FAKE])),
        pr_comment.render(replace(full_report(), gates=[FAKE])),
    ):
        assert "<details><summary>fake:1: score per item</summary>" in text
        assert "| item | score |\n|---|---:|\n| a&lt;b&gt; | 0.4000 |" in text
        assert "| @\u200borg/team | 0.5000 |" in text  # data is escaped: no mention


def test_a_gate_type_without_pieces_gets_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(gate_types(), "bare", types.ModuleType("bare_gate"))
    for gate_type in ("bare", "uninstalled"):
        gate = replace(FAKE, type=gate_type)
        assert pieces.charts(gate) == []
        assert pieces.breakdown(gate) is None
        assert pieces.facts(gate) == []
        report = replace(full_report(), gates=[gate])
        assert "<section>" not in html.render(report)
        assert "<details>" not in markdown.render(report)


def test_breakdown_rows_beyond_the_limit_are_counted_not_shown(
    fake_gate_type: types.ModuleType,
) -> None:
    lines = markdown.breakdowns([FAKE], max_rows=1)
    assert "| a&lt;b&gt; | 0.4000 |" in lines
    assert "| @\u200borg/team | 0.5000 |" not in lines
    assert "_… and 1 more (see the HTML report)_" in lines


def _code_strings(source: str) -> set[str]:
    """Every string constant of `source` outside docstrings."""
    tree = ast.parse(source)
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return {
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
    }


def test_code_strings_skip_docstrings() -> None:
    source = '"""drift"""\ndef f():\n    """bias"""\n    return "latency" if x else f"{y}metric"\n'
    assert _code_strings(source) == {"latency", "metric"}


@pytest.mark.parametrize("path", sorted(REPORTS.glob("*.py")), ids=lambda p: p.name)
def test_reporters_name_no_gate_type(path: Path) -> None:
    named = _code_strings(path.read_text(encoding="utf-8")) & set(BUILTIN_GATES)
    assert not named, f"{path.name} switches on gate types {sorted(named)}: use reports/pieces.py"
