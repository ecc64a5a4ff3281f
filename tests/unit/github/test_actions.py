"""Workflow commands, step outputs and the job summary, in GitHub's formats."""

from __future__ import annotations

import io
from pathlib import Path

from mlops_gate.github import actions
from mlops_gate.report import CheckReport
from mlops_gate.results import GateResult, Verdict
from tests.actions_files import read_outputs
from tests.report_samples import full_report


def test_escaping_follows_the_runner() -> None:
    # actions/toolkit command.ts: escapeData and escapeProperty.
    assert actions.escape_data("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext: a,b"
    assert actions.escape_property("50% done\r\nnext: a,b") == "50%25 done%0D%0Anext%3A a%2Cb"


def test_one_command_per_gate_to_look_at_and_none_for_passes() -> None:
    commands = actions.workflow_commands(full_report(), "policies/mlops-gate.yaml")
    assert [c.split(" ", 1)[0] for c in commands] == ["::error", "::warning"]
    assert commands[0].startswith(
        "::error file=policies/mlops-gate.yaml,title=mlops-gate drift%3A fail,line=18::"
    )


def test_a_hostile_message_cannot_start_another_command() -> None:
    gate = GateResult(
        id="x", type="drift", verdict=Verdict.ERROR, message="bad\n::add-mask::secret\r\n%0A"
    )
    report = CheckReport(policy_name="p", policy_path="p.yaml", policy_sha256="", gates=[gate])
    (command,) = actions.workflow_commands(report, "p.yaml")
    assert "\n" not in command
    assert "\r" not in command
    assert command.endswith("bad%0A::add-mask::secret%0D%0A%250A")
    assert "line=" not in command  # no policy line known: no line property


def test_outputs_use_fresh_delimiters_and_survive_newlines(tmp_path: Path) -> None:
    path = tmp_path / "output"
    actions.write_outputs(path, {"verdict": "pass", "report": "a\nverdict<<EOF\nfail"})
    actions.write_outputs(path, {"exit-code": "0"})
    assert read_outputs(path) == {
        "verdict": "pass",
        "report": "a\nverdict<<EOF\nfail",
        "exit-code": "0",
    }


def test_summary_is_appended_and_capped(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    path.write_text("earlier step\n", encoding="utf-8")
    actions.append_summary(path, "# one")
    actions.append_summary(path, "x\n" * (actions.SUMMARY_LIMIT // 2 + 10))
    text = path.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n# one\n\n")
    assert len(text) < actions.SUMMARY_LIMIT + 200
    assert text.rstrip().endswith("_(summary truncated: see the HTML report)_")


def test_unwritable_files_are_warnings_not_failures(tmp_path: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "missing-dir" / "output"),
        "GITHUB_STEP_SUMMARY": str(tmp_path),  # a directory
        "GITHUB_WORKSPACE": str(tmp_path),
    }
    warnings = actions.apply(full_report(), "# summary", env=env, stream=io.StringIO())
    assert len(warnings) == 2
    assert warnings[0].startswith(f"could not write $GITHUB_STEP_SUMMARY ({tmp_path})")


def test_nothing_happens_outside_actions(tmp_path: Path) -> None:
    stream = io.StringIO()
    env = {"GITHUB_OUTPUT": str(tmp_path / "o")}
    assert actions.apply(full_report(), "# s", env=env, stream=stream) == []
    assert stream.getvalue() == ""
    assert not (tmp_path / "o").exists()
