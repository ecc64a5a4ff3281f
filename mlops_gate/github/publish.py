"""Post a report to GitHub: the sticky PR comment and the check run.

This is what `mlops-gate check --comment` and `mlops-gate report --github` call. Posting never
changes the gate verdict; what a failed post does to the exit code is decided with every other
side effect, in `mlops_gate.commands.outcome`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from mlops_gate.github import checks
from mlops_gate.github.client import (
    ClientSettings,
    GitHubClient,
    GitHubError,
    GitHubPermissionError,
)
from mlops_gate.github.comment import Posted, StickyComment
from mlops_gate.github.context import GitHubContext, from_env
from mlops_gate.report import CheckReport
from mlops_gate.reports import pr_comment


@dataclass(frozen=True)
class PublishResult:
    """What was posted, and a line per thing skipped or refused without failing the post."""

    comment: Posted | None = None
    check_run_id: int | None = None
    warnings: tuple[str, ...] = ()


def publish(
    report: CheckReport,
    *,
    env: Mapping[str, str] | None = None,
    context: GitHubContext | None = None,
    settings: ClientSettings | None = None,
    comment: bool = True,
    check_run: bool = True,
) -> PublishResult:
    """Post (or update) the sticky comment, then create the check run.

    The target comes from the Actions environment (`GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`,
    `GITHUB_SHA`, `GITHUB_REF`) unless `context` is given; the token and API URL from `GITHUB_TOKEN`
    and `GITHUB_API_URL`. `MLOPS_GATE_COMMENT_AUTHOR` names the account the comment is written by
    when the token cannot say (a GitHub App token).

    Outside a pull request (a push) there is no comment, only the check run, and a warning says so.
    A check run refused for lack of permission (`checks: write`) is a warning too, and the comment
    still posts. Anything else that fails raises `GitHubError` (exit code 2), after the other half
    has been attempted; the message never contains the token. The gate verdict is never changed.
    """
    env = os.environ if env is None else env
    context = context or from_env(env)
    settings = settings or ClientSettings.from_env(env)
    outcome = _Outcome()
    with GitHubClient(settings) as client:
        if comment:
            _comment_step(client, context, report, env.get("MLOPS_GATE_COMMENT_AUTHOR"), outcome)
        refused = outcome.failure is not None and outcome.failure.status == 401
        if check_run and not refused:  # a refused token would be refused again
            _check_run_step(client, context, report, outcome)
    if outcome.failure is not None:
        raise outcome.failure
    return PublishResult(outcome.posted, outcome.run_id, tuple(outcome.warnings))


@dataclass
class _Outcome:
    posted: Posted | None = None
    run_id: int | None = None
    warnings: list[str] = field(default_factory=list)
    failure: GitHubError | None = None


def _comment_step(
    client: GitHubClient,
    context: GitHubContext,
    report: CheckReport,
    author: str | None,
    outcome: _Outcome,
) -> None:
    if context.pr_number is None:
        outcome.warnings.append(
            "not a pull request: no comment posted (the check run has the verdict)"
        )
        return
    try:
        outcome.posted = post_comment(client, context, context.pr_number, report, author)
    except GitHubError as exc:
        outcome.failure = exc


def _check_run_step(
    client: GitHubClient, context: GitHubContext, report: CheckReport, outcome: _Outcome
) -> None:
    if context.sha is None:
        outcome.warnings.append("no commit sha (GITHUB_SHA): no check run created")
        return
    try:
        outcome.run_id = post_check_run(client, context, context.sha, report)
    except GitHubPermissionError as exc:
        outcome.warnings.append(f"check run not created: {exc}")
    except GitHubError as exc:
        outcome.failure = outcome.failure or exc


def post_comment(
    client: GitHubClient,
    context: GitHubContext,
    number: int,
    report: CheckReport,
    author: str | None = None,
) -> Posted:
    """Render the comment against the one it replaces (for "what changed") and publish it."""
    sticky = StickyComment(client, context.repository, number, report.policy_name, author)
    found = sticky.find()
    body = pr_comment.render(
        report, previous=sticky.previous(found), sha=context.sha, report_url=context.report_url
    )
    return sticky.publish(body, found)


def post_check_run(
    client: GitHubClient, context: GitHubContext, sha: str, report: CheckReport
) -> int:
    """Create the check run on `sha`, annotating the policy file as it sits in the repository."""
    policy_file = context.repo_path(report.policy_path)
    run = checks.content(report, policy_file, context.report_url)
    return checks.post(client, context.repository, sha, run)
