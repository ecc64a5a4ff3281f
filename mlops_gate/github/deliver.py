"""What `check` and `report` do with a finished report on GitHub: post it, and feed Actions.

One call for the CLI, so that the order is right and the exit code is decided in one place:
the post comes first (its outcome decides the exit code), then the job summary, step outputs
and annotations, which carry that final exit code.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TextIO

from mlops_gate.errors import MlopsGateError
from mlops_gate.github import actions
from mlops_gate.github.client import GitHubError
from mlops_gate.report import CheckReport


@dataclass(frozen=True)
class Delivery:
    """The command's exit code, and the lines to print on stderr (`warning: `/`error: ` first)."""

    exit_code: int
    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    comment_url: str | None = None


def deliver(
    report: CheckReport,
    *,
    comment: bool = False,
    in_actions: bool = True,
    report_path: str = "",
    pr_number: int | None = None,
    sha: str | None = None,
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> Delivery:
    """Post to GitHub when `comment` is asked; inside Actions, also summary, outputs, annotations.

    `comment=True` posts the sticky PR comment and the check run (`publish.publish`). A post that
    fails is an error line and makes the exit code 2 where the gates passed; a failing gate keeps
    its 1. The gate verdict itself is never changed. `in_actions=False` skips the Actions part
    (for `mlops-gate report`, which would otherwise append the job summary a second time).
    `report_path` is the `report` output (the HTML report the action uploads); `pr_number` and
    `sha` override what the Actions environment says (for `mlops-gate report --github`).
    """
    env = os.environ if env is None else env
    warnings: list[str] = []
    errors: list[str] = []
    url = None
    if comment:
        from mlops_gate.github.context import from_env
        from mlops_gate.github.publish import exit_code_after, publish

        try:
            context = from_env(env, pr_number=pr_number, sha=sha)
            result = publish(report, env=env, context=context)
            warnings += result.warnings
            url = result.comment.url if result.comment else None
        except MlopsGateError as exc:  # GitHub refused or unreachable, no token, no PyGithub
            errors.append(str(exc))
        code = exit_code_after(report, posted=not errors)
    else:
        code = int(report.exit_code)
    if in_actions and actions.in_actions(env):
        summary = _summary(report, env)
        warnings += actions.apply(
            report, summary, report_path=report_path, exit_code=code, env=env, stream=stream
        )
    return Delivery(code, tuple(warnings), tuple(errors), url)


def _summary(report: CheckReport, env: Mapping[str, str]) -> str:
    """The PR-comment Markdown without its hidden parts, linking the run's artifacts."""
    from mlops_gate.github.context import from_env
    from mlops_gate.reports import pr_comment

    try:
        run_url = from_env(env).run_url
    except GitHubError:  # no usable GITHUB_REPOSITORY: a summary without the link
        run_url = None
    return pr_comment.render(
        report, sticky=False, report_url=f"{run_url}#artifacts" if run_url else None
    )
