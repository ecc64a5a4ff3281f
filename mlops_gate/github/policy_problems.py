"""A policy that does not load, seen from GitHub Actions (issue 17, item 3).

The terminal gets `file:line:col: key.path: message` lines (policy/problems.py). In Actions each
also becomes an `::error file=…,line=…,col=…::` workflow command, which GitHub shows on the policy
line of the pull request's diff, and the job summary lists them in a table, so the broken key is
visible without opening the log. Escaping is `actions.workflow_command`'s (message: `%`, CR, LF;
properties also `:` and `,`) and `render.escape.markdown_text`'s for the summary.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from mlops_gate.github.actions import append_summary, in_actions, workflow_command
from mlops_gate.github.context import repo_path
from mlops_gate.policy.problems import Problem, parse_problems
from mlops_gate.render.escape import markdown_text

TITLE = "mlops-gate: invalid policy"


def annotation(problem: Problem, workspace: str | None) -> str:
    """The `::error file=,line=,col=,title=::message` command of one problem."""
    properties = {"file": repo_path(problem.file, workspace), "title": TITLE}
    if problem.line is not None and problem.col is not None:
        properties.update(line=str(problem.line), col=str(problem.col))
    return workflow_command("error", properties, problem.message)


def summary_markdown(problems: Sequence[Problem], workspace: str | None) -> str:
    """The job summary: a heading and one table row per problem, every cell escaped."""
    rows = [
        f"| {markdown_text(repo_path(p.file, workspace))} | {p.line or ''} | {p.col or ''} "
        f"| {markdown_text(p.message, limit=500)} |"
        for p in problems
    ]
    count = f"{len(problems)} problem{'s' if len(problems) != 1 else ''}"
    head = [
        f"### ❌ {TITLE} ({count})",
        "",
        "| file | line | col | problem |",
        "|---|---:|---:|---|",
    ]
    return "\n".join([*head, *rows, "", "No gate was evaluated (exit 2)."])


def report_policy_problems(
    problems: Sequence[str],
    file: str,
    *,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """In Actions: the annotations on `stream` (stdout, where the runner reads them) and the job
    summary; a warning line when the summary cannot be written. Outside Actions: nothing."""
    env = os.environ if env is None else env
    if not in_actions(env):
        return []
    parsed = parse_problems(problems, file)
    workspace = env.get("GITHUB_WORKSPACE")
    stream = stream or sys.stdout
    for problem in parsed:
        stream.write(annotation(problem, workspace) + "\n")
    stream.flush()
    target = env.get("GITHUB_STEP_SUMMARY")
    if not target:
        return []
    try:
        append_summary(Path(target), summary_markdown(parsed, workspace))
    except OSError as exc:
        return [f"could not write $GITHUB_STEP_SUMMARY ({target}): {exc.strerror or exc}"]
    return []
