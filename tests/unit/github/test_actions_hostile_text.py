"""Workflow commands and the job summary built only from escaped pieces (issue 13, item 5)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mlops_gate.github import actions
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict

BAD = "a\n::error file=x::pwned\x1b[31m\u202e"


def _report(gate_id: str = "drift") -> CheckReport:
    gate = GateResult(
        id=gate_id, type="drift", verdict=Verdict.FAIL, message=f"on {BAD}", policy_line=3
    )
    return CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[gate])


def test_controls_and_bidi_in_a_message_are_shown_not_passed() -> None:
    assert actions.escape_data("\x1b[31m\u202e\x00") == "\\x1b[31m\\u202e\\x00"
    assert actions.escape_data("50%\r\n") == "50%25%0D%0A"  # the runner's own escapes stay


def test_a_hostile_column_stays_inside_one_annotation() -> None:
    (command,) = actions.workflow_commands(_report(), "p.yaml")
    assert command.startswith("::error file=p.yaml,title=mlops-gate drift%3A fail,line=3::")
    assert command.endswith("on a%0A::error file=x::pwned\\x1b[31m\\u202e")
    assert not any(char in command for char in ("\n", "\r", "\x1b", "\u202e"))


def test_a_hostile_gate_id_cannot_add_a_property() -> None:
    (command,) = actions.workflow_commands(_report("x,line=1::forged\x1b"), "p.yaml")
    head = command.split("::")[1]
    assert head.count(",") == 2  # file, title, line: the id's comma and colons are encoded
    assert "title=mlops-gate x%2Cline=1%3A%3Aforged\\x1b%3A fail" in head


def test_only_annotation_commands_can_be_built() -> None:
    with pytest.raises(ValueError, match="not an annotation command"):
        actions.workflow_command("stop-commands", {}, "token")
    with pytest.raises(ValueError, match="not an annotation command"):
        actions.workflow_command("error", {"file=x,line": "1"}, "m")


def test_apply_prints_nothing_a_column_can_begin(tmp_path: Path) -> None:
    stream = io.StringIO()
    summary = tmp_path / "summary.md"
    env = {"GITHUB_ACTIONS": "true", "GITHUB_STEP_SUMMARY": str(summary)}
    actions.apply(_report(), f"| {BAD} |", env=env, stream=stream)
    (line,) = stream.getvalue().splitlines()
    assert line.startswith("::error file=p.yaml,")
    text = summary.read_text(encoding="utf-8")
    assert "\x1b" not in text
    assert "\u202e" not in text
    assert "pwned\\x1b[31m\\u202e |" in text
