"""A broken policy in GitHub Actions (issue 17, item 3): `::error file=,line=,col=` annotations on
stdout, where the runner reads them, and a job summary listing them; run as the Action runs it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.actions_files import parse_command
from tests.support import run_cli

pytestmark = pytest.mark.integration

BROKEN = """\
version: 1
name: fraud
model: {path: m.onnx}
data: {eval: e.parquet, reference: r.parquet, target: label}
gates:
  - {type: metric, metric: f1, min: 0.9, max_dorp: 0.01}
  - {type: drfit, max: 0.2}
"""


def _actions_env(workspace: Path) -> dict[str, str]:
    summary = workspace / "summary.md"
    summary.write_text("", encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(workspace),
        "GITHUB_STEP_SUMMARY": str(summary),
    }


@pytest.mark.parametrize("command", ["validate", "check"])
def test_each_policy_problem_is_an_annotation_and_a_summary_row(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "fraud.yaml").write_text(BROKEN, encoding="utf-8")
    done = run_cli(command, "policies/fraud.yaml", cwd=tmp_path, env=_actions_env(tmp_path))
    assert done.returncode == 2
    commands = [c for c in map(parse_command, done.stdout.splitlines()) if c is not None]
    assert [(name, p["file"], p["line"], p["col"]) for name, p, _ in commands] == [
        ("error", "policies/fraud.yaml", "6", "42"),
        ("error", "policies/fraud.yaml", "7", "5"),
    ]
    assert "did you mean 'max_drop'?" in commands[0][2]
    assert "unknown gate type 'drfit'; did you mean 'drift'?" in commands[1][2]
    # The terminal lines stay, on stderr, for a person reading the log.
    assert done.stderr.count("error: policies/fraud.yaml:") == 2
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert "mlops-gate: invalid policy (2 problems)" in summary
    assert summary.count("| policies/fraud.yaml |") == 2


def test_outside_actions_there_is_no_annotation(tmp_path: Path) -> None:
    (tmp_path / "fraud.yaml").write_text(BROKEN, encoding="utf-8")
    done = run_cli("validate", "fraud.yaml", cwd=tmp_path, env={"GITHUB_ACTIONS": ""})
    assert done.returncode == 2
    assert "::error" not in done.stdout + done.stderr
