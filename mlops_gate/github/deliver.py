"""What `check`, `run` and `report` do with a finished report on GitHub: post it, feed Actions.

Two steps, in this order, called by the commands (`mlops_gate.commands.delivery`):
- `post`: the sticky PR comment and the check run, when asked; its outcome is a side effect the
  command weighs into its exit code (`commands.outcome`), never the gate verdict itself;
- `feed_actions`: inside Actions, the job summary, the step outputs and the annotations, which
  carry the command's *final* exit code, so the outputs and the exit code always agree.
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
class Posting:
    """What posting did: warnings (skipped, not failed), errors (the post failed), the link."""

    warnings: tuple[str, ...] = ()
    errors: tuple[str, ...] = ()
    comment_url: str | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def post(
    report: CheckReport,
    *,
    pr_number: int | None = None,
    sha: str | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Posting:
    """Post the sticky PR comment and the check run (`publish.publish`) within `timeout` seconds
    in all (the command's --timeout; default the client's); never raises for GitHub trouble
    (refused, unreachable, no token, no PyGithub): that is an error line."""
    import dataclasses

    from mlops_gate.github.client import ClientSettings
    from mlops_gate.github.context import from_env
    from mlops_gate.github.publish import publish

    env = os.environ if env is None else env
    try:
        context = from_env(env, pr_number=pr_number, sha=sha)
        settings = ClientSettings.from_env(env)
        if timeout is not None:
            settings = dataclasses.replace(settings, deadline_s=timeout)
        result = publish(report, env=env, context=context, settings=settings)
    except MlopsGateError as exc:
        return Posting(errors=(str(exc),))
    url = result.comment.url if result.comment else None
    return Posting(warnings=tuple(result.warnings), comment_url=url)


def feed_actions(
    report: CheckReport,
    exit_code: int,
    *,
    report_path: str = "",
    env: Mapping[str, str] | None = None,
    stream: TextIO | None = None,
) -> list[str]:
    """Inside Actions: summary, outputs (`exit-code` is `exit_code`) and annotations; a warning
    line per file that could not be written. Outside Actions: nothing."""
    env = os.environ if env is None else env
    if not actions.in_actions(env):
        return []
    summary = _summary(report, env)
    return actions.apply(
        report, summary, report_path=report_path, exit_code=exit_code, env=env, stream=stream
    )


def _summary(report: CheckReport, env: Mapping[str, str]) -> str:
    """The PR-comment Markdown without its hidden parts, linking the HTML report."""
    from mlops_gate.github.context import from_env
    from mlops_gate.reports import pr_comment

    try:
        report_url = from_env(env).report_url
    except GitHubError:  # no usable GITHUB_REPOSITORY: a summary without the link
        report_url = None
    return pr_comment.render(report, sticky=False, report_url=report_url)
