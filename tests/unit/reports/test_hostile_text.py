"""Text from data made inert for the terminal, JUnit and Markdown (issue 13, item 5)."""

from __future__ import annotations

import io
from xml.etree import ElementTree as ET

import pytest
from rich.console import Console

from mlops_gate.render.escape import code_span, markdown_text, visible, xml_text
from mlops_gate.report import CheckReport
from mlops_gate.reports import junit, terminal
from mlops_gate.results import GateResult, Verdict

BAD = "a\n::error file=x::pwned\x1b[31m\u202e"
SHOWN = "a\\n::error file=x::pwned\\x1b[31m\\u202e"
RAW = ("\x1b", "\u202e", "\n::")


def _report(verdict: Verdict = Verdict.FAIL) -> CheckReport:
    gate = GateResult(
        id="drift", type="drift", verdict=verdict, value=3.0, threshold=0.2, message=f"on {BAD}"
    )
    return CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="0" * 64, gates=[gate])


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("\x1b[2J", "\\x1b[2J"),
        ("\x07\x08\x00\x7f", "\\x07\\x08\\x00\\x7f"),
        ("\x9b31m", "\\x9b31m"),  # C1: the one-byte CSI
        ("\r\n\t", "\\r\\n\\t"),
        ("\u202a\u202b\u202c\u202d\u202e", "\\u202a\\u202b\\u202c\\u202d\\u202e"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c\u2028\u2029", "\\u200e\\u200f\\u061c\\u2028\\u2029"),
        ("café ≤ 0.2 · 数据", "café ≤ 0.2 · 数据"),  # printable text is left alone
    ],
)
def test_visible_shows_controls_and_bidi_as_text(raw: str, shown: str) -> None:
    assert visible(raw) == shown


def test_visible_keeps_what_it_is_asked_to() -> None:
    assert visible("a\nb\x1b", keep="\n") == "a\nb\\x1b"


def test_xml_text_has_only_characters_xml_can_hold() -> None:
    text = xml_text("\x00\ufffe\uffff\ud800ok")
    assert text == "\\x00\\ufffe\\uffff\\ud800ok"
    ET.fromstring(f"<a b='{text}'>{text}</a>")


def test_markdown_helpers_neutralise_controls() -> None:
    for text in (markdown_text(BAD), code_span(BAD)):
        assert not any(raw in text for raw in RAW)
        assert "\u202e" not in text


def _printed(report: CheckReport, width: int = 60) -> str:
    out = io.StringIO()
    console = Console(file=out, width=width, force_terminal=False, highlight=False)
    terminal.render(report, console, exit_code=1)
    return out.getvalue()


def test_terminal_shows_a_hostile_message_on_one_line() -> None:
    text = _printed(_report())
    assert not any(raw in text for raw in RAW)
    (line,) = [line for line in text.splitlines() if line.startswith("fail drift:")]
    assert line == f"fail drift: on {SHOWN}"


def test_terminal_never_wraps_a_message_into_a_line_of_its_own() -> None:
    gate = GateResult(
        id="drift", type="drift", verdict=Verdict.ERROR, message="x " * 40 + "::error file=x::y"
    )
    report = CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[gate])
    lines = _printed(report, width=40).splitlines()
    assert not [line for line in lines if line.lstrip().startswith("::")]


def test_terminal_rich_markup_in_data_is_text() -> None:
    gate = GateResult(id="g", type="size", verdict=Verdict.ERROR, message="[bold red]x[/] \\")
    report = CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[gate])
    assert "error g: [bold red]x[/] \\" in _printed(report, width=100)


@pytest.mark.parametrize("verdict", [Verdict.FAIL, Verdict.ERROR, Verdict.SKIP, Verdict.WARN])
def test_junit_is_valid_xml_with_a_hostile_message(verdict: Verdict) -> None:
    text = junit.render(_report(verdict))
    assert not any(raw in text for raw in RAW)
    case = ET.fromstring(text).find("testsuite/testcase")
    assert case is not None
    shown = [case.find(tag) for tag in ("failure", "error", "skipped", "system-out")]
    (element,) = [e for e in shown if e is not None]
    assert SHOWN in (element.get("message") or element.text or "")
