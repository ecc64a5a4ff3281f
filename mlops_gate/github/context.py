"""Where a report goes on GitHub: repository, pull request and commit, read from the Actions env."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_gate.github.client import GitHubError

_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_PULL_REF = re.compile(r"^refs/pull/(\d+)/(?:merge|head)$")
_SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_ARTIFACT_ID = re.compile(r"[0-9]{1,20}")  # GitHub's ids are 64-bit integers
# The HTML report's artifact, as `actions/upload-artifact` v4 gives it (its `artifact-id`
# output): the action sets it for the step that posts, so the comment links the report itself.
ARTIFACT_ENV = "MLOPS_GATE_REPORT_ARTIFACT_ID"


@dataclass(frozen=True)
class GitHubContext:
    """The target of a post. `pr_number` is None on a push (then only the check run is posted)."""

    repository: str
    sha: str | None
    pr_number: int | None = None
    server_url: str = "https://github.com"
    run_id: str | None = None
    workspace: Path | None = None
    report_artifact_id: str | None = None

    @property
    def run_url(self) -> str | None:
        """The workflow run's page, where its artifacts (the HTML report) are listed."""
        if not self.run_id:
            return None
        return f"{self.server_url}/{self.repository}/actions/runs/{self.run_id}"

    @property
    def report_url(self) -> str | None:
        """Where a reviewer gets the HTML report: its artifact's page when the artifact is known
        (a direct download), else the run's list of artifacts; None outside a workflow run."""
        run = self.run_url
        if run is None:
            return None
        if self.report_artifact_id:
            return f"{run}/artifacts/{self.report_artifact_id}"
        return f"{run}#artifacts"

    def repo_path(self, path: str) -> str:
        return repo_path(path, self.workspace)


def repo_path(path: str, workspace: Path | str | None) -> str:
    """`path` relative to the checkout (default: the working directory), as annotations need it."""
    root = Path(workspace or Path.cwd()).resolve()
    candidate = Path(path)
    try:
        return candidate.resolve().relative_to(root).as_posix()
    except ValueError:
        return candidate.as_posix()


def from_env(
    env: Mapping[str, str] | None = None, *, pr_number: int | None = None, sha: str | None = None
) -> GitHubContext:
    """Read `GITHUB_REPOSITORY`, `GITHUB_EVENT_PATH`, `GITHUB_SHA`, `GITHUB_REF` and the run's URL.

    On a `pull_request` event the check run goes on the PR's head commit, not on `GITHUB_SHA`
    (which is the temporary merge commit GitHub does not show on the PR). Explicit `pr_number`
    and `sha` win over the environment (for `mlops-gate report --github` outside Actions).
    """
    env = os.environ if env is None else env
    repository = env.get("GITHUB_REPOSITORY", "").strip()
    if not _REPOSITORY.match(repository):
        raise GitHubError(f"GITHUB_REPOSITORY must be `owner/name`, got {repository!r}")
    pull = _pull_request(_event(env.get("GITHUB_EVENT_PATH")))
    number = pr_number if pr_number is not None else _number(pull, env.get("GITHUB_REF", ""))
    head = sha or _head_sha(pull) or env.get("GITHUB_SHA", "").strip() or None
    if head is not None and not _SHA.match(head):
        raise GitHubError(f"not a commit sha: {head!r}")
    workspace = env.get("GITHUB_WORKSPACE")
    artifact = env.get(ARTIFACT_ENV, "").strip()
    return GitHubContext(
        repository=repository,
        sha=head,
        pr_number=number,
        server_url=(env.get("GITHUB_SERVER_URL") or "https://github.com").rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID") or None,
        workspace=Path(workspace) if workspace else None,
        # Anything but an id (digits) is not used in a link: the run's artifacts list instead.
        report_artifact_id=artifact if _ARTIFACT_ID.fullmatch(artifact) else None,
    )


def _event(path: str | None) -> dict[str, Any]:
    """The webhook payload; an unreadable one is ignored (GITHUB_REF still names a PR)."""
    if not path:
        return {}
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _pull_request(event: dict[str, Any]) -> dict[str, Any]:
    pull = event.get("pull_request")
    return pull if isinstance(pull, dict) else {}


def _number(pull: dict[str, Any], ref: str) -> int | None:
    number = pull.get("number")
    if isinstance(number, int) and not isinstance(number, bool) and number > 0:
        return number
    match = _PULL_REF.match(ref.strip())
    return int(match.group(1)) if match else None


def _head_sha(pull: dict[str, Any]) -> str | None:
    head = pull.get("head")
    sha = head.get("sha") if isinstance(head, dict) else None
    return sha if isinstance(sha, str) and sha else None
