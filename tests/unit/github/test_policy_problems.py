"""A broken policy in GitHub Actions: annotations at file/line/col and a job summary (issue 17, item 3)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from mlops_gate.errors import PolicyError
from mlops_gate.gates.registry import load_policy
from mlops_gate.github.policy_problems import annotation, report_policy_problems, summary_markdown
from mlops_gate.policy.problems import Problem, parse_problems
from tests.actions_files import parse_command

BROKEN = """\
version: 1
name: fraud
model: {path: m.onnx}
data: {eval: e.parquet, reference: r.parquet, target: label}
gates:
  - {type: metric, metric: f1, min: 0.9, max_dorp: 0.01}
  - {type: drift, max: -1}
"""


def _problems(folder: Path, text: str = BROKEN) -> tuple[str, list[str]]:
    path = folder / "policies" / "mlops-gate.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy(path, env={})
    return str(path), caught.value.problems


def _env(folder: Path) -> dict[str, str]:
    (folder / "summary.md").write_text("earlier step\n", encoding="utf-8")
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKSPACE": str(folder),
        "GITHUB_STEP_SUMMARY": str(folder / "summary.md"),
    }


def test_each_problem_is_an_error_annotation_at_its_line_and_column(tmp_path: Path) -> None:
    file, problems = _problems(tmp_path)
    out = io.StringIO()
    assert report_policy_problems(problems, file, env=_env(tmp_path), stream=out) == []
    title = "mlops-gate: invalid policy"
    first, second = (parse_command(line) for line in out.getvalue().splitlines())
    assert first == (
        "error",
        {"file": "policies/mlops-gate.yaml", "title": title, "line": "6", "col": "42"},
        problems[0].split(":6:42: ", 1)[1],
    )
    assert first[2].startswith(
        "gates[0] (metric).max_dorp: unknown key 'max_dorp'; did you mean 'max_drop'?; valid keys:"
    )
    assert second == (
        "error",
        {"file": "policies/mlops-gate.yaml", "title": title, "line": "7", "col": "24"},
        "gates[1] (drift).max: Input should be greater than 0",
    )


def test_the_job_summary_lists_the_problems_after_earlier_steps(tmp_path: Path) -> None:
    file, problems = _problems(tmp_path)
    report_policy_problems(problems, file, env=_env(tmp_path), stream=io.StringIO())
    summary = (tmp_path / "summary.md").read_text(encoding="utf-8")
    assert summary.startswith("earlier step\n### ❌ mlops-gate: invalid policy (2 problems)\n")
    assert "| policies/mlops\\-gate.yaml | 6 | 42 | gates\\[0\\] \\(metric\\).max\\_dorp" in summary
    assert summary.rstrip().endswith("No gate was evaluated (exit 2).")


def test_outside_actions_nothing_is_printed_or_written(tmp_path: Path) -> None:
    file, problems = _problems(tmp_path)
    env = {**_env(tmp_path), "GITHUB_ACTIONS": "false"}
    out = io.StringIO()
    assert report_policy_problems(problems, file, env=env, stream=out) == []
    assert out.getvalue() == ""
    assert (tmp_path / "summary.md").read_text(encoding="utf-8") == "earlier step\n"


def test_a_hostile_key_stays_one_command_and_escapes_properties(tmp_path: Path) -> None:
    """A key with a line break, `::`, `%` and `,` cannot end the command or forge another."""
    problem = Problem("a,b:c%.yaml", 3, 1, "x: unknown key 'a\n::add-mask::s%0A'")
    out = io.StringIO()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_WORKSPACE": str(tmp_path)}
    report_policy_problems(
        [f"{problem.file}:3:1: {problem.message}"], problem.file, env=env, stream=out
    )
    (line,) = out.getvalue().splitlines()
    name, properties, message = parse_command(line) or ("", {}, "")
    assert (name, properties["file"], properties["line"], properties["col"]) == (
        "error",
        "a,b:c%.yaml",
        "3",
        "1",
    )
    assert message == "x: unknown key 'a\n::add-mask::s%0A'"  # read back whole by the runner
    assert "\n" not in line


def test_a_summary_that_cannot_be_written_is_one_warning(tmp_path: Path) -> None:
    file, problems = _problems(tmp_path)
    env = {**_env(tmp_path), "GITHUB_STEP_SUMMARY": str(tmp_path)}  # a directory
    (warning,) = report_policy_problems(problems, file, env=env, stream=io.StringIO())
    assert warning.startswith(f"could not write $GITHUB_STEP_SUMMARY ({tmp_path})")


def test_lines_without_a_position_become_file_level_problems() -> None:
    file = "C:/odd:name.yaml"
    parsed = parse_problems([f"{file}:2:3: gates: bad", "something else"], file)
    assert parsed == [
        Problem(file, 2, 3, "gates: bad"),
        Problem(file, None, None, "something else"),
    ]
    assert "line=" not in annotation(parsed[1], None)
    assert "| C:/odd:name.yaml |  |  | something else |" in summary_markdown(parsed[1:], None)
