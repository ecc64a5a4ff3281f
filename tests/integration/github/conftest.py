"""The fake GitHub server, one per test, on 127.0.0.1 with a free port; always stopped."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from mlops_gate.github.client import ClientSettings
from mlops_gate.github.context import GitHubContext
from tests.integration.github.fake_github import Account, FakeGitHub
from tests.integration.serving_thread import serving
from tests.report_samples import SHA

# Token shapes as GitHub issues them, so that the scrubbing of token-like text is exercised too.
BOT_TOKEN = "ghs_" + "B0t" * 12
PAT_TOKEN = "ghp_" + "Pat" * 12
READ_ONLY_TOKEN = "ghs_" + "Rd0" * 12
NO_CHECKS_TOKEN = "ghs_" + "NoC" * 12
DEPLOY_TOKEN = "ghs_" + "Dep" * 12  # the sample workflow's permissions plus `deployments: write`
BOT = Account("github-actions[bot]", "Bot", can_read_user=False)
ALICE = Account("alice")
MALLORY = Account("mallory")
REPOSITORY = "acme/fraud"
PR = 7


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    server = FakeGitHub()
    server.add_token(BOT_TOKEN, BOT)
    server.add_token(PAT_TOKEN, ALICE)
    server.add_token(READ_ONLY_TOKEN, Account("github-actions[bot]", "Bot", False, frozenset()))
    server.add_token(
        NO_CHECKS_TOKEN, Account("github-actions[bot]", "Bot", False, frozenset({"issues"}))
    )
    server.add_token(
        DEPLOY_TOKEN,
        Account(
            "github-actions[bot]", "Bot", False, frozenset({"issues", "checks", "deployments"})
        ),
    )
    with serving(server):
        yield server


def settings(server: FakeGitHub, token: str = BOT_TOKEN, **overrides: float) -> ClientSettings:
    """Fast settings for tests: short backoff, no write spacing, a bounded deadline."""
    values: dict[str, float] = {"deadline_s": 30.0, "backoff_base_s": 0.05, "write_interval_s": 0.0}
    values.update(overrides)
    return ClientSettings(
        token=token,
        api_url=server.base_url,
        timeout_s=10,
        deadline_s=values["deadline_s"],
        backoff_base_s=values["backoff_base_s"],
        write_interval_s=values["write_interval_s"],
        max_attempts=int(values.get("max_attempts", 6)),
    )


def context(pr: int | None = PR, sha: str = SHA, workspace: Path | None = None) -> GitHubContext:
    return GitHubContext(
        repository=REPOSITORY, sha=sha, pr_number=pr, run_id="42", workspace=workspace
    )


def actions_env(
    server: FakeGitHub, tmp_path: Path, token: str = BOT_TOKEN, pr: int = PR
) -> dict[str, str]:
    """The environment of a `pull_request` job, with its event file and Actions file commands."""
    event = tmp_path / "event.json"
    event.write_text(
        json.dumps({"pull_request": {"number": pr, "head": {"sha": SHA}}}), encoding="utf-8"
    )
    (tmp_path / "summary.md").touch()
    (tmp_path / "output.txt").touch()
    return {
        "GITHUB_ACTIONS": "true",
        "GITHUB_TOKEN": token,
        "GITHUB_API_URL": server.base_url,
        "GITHUB_REPOSITORY": REPOSITORY,
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_SHA": "f" * 40,  # the merge commit: the check run must go on the head instead
        "GITHUB_REF": f"refs/pull/{pr}/merge",
        "GITHUB_RUN_ID": "42",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_WORKSPACE": str(tmp_path),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md"),
        "GITHUB_OUTPUT": str(tmp_path / "output.txt"),
    }
