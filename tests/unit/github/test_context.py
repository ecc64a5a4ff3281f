"""Where a post goes: repository, pull request and commit from the Actions environment."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mlops_gate.github.client import GitHubError
from mlops_gate.github.context import from_env, repo_path

HEAD, MERGE = "a" * 40, "b" * 40


def _event(tmp_path: Path, payload: object) -> str:
    path = tmp_path / "event.json"
    path.write_text(json.dumps(payload), encoding="utf-8")
    return str(path)


def test_pull_request_event_gives_number_and_head_commit(tmp_path: Path) -> None:
    env = {
        "GITHUB_REPOSITORY": "acme/fraud",
        "GITHUB_EVENT_PATH": _event(
            tmp_path, {"pull_request": {"number": 12, "head": {"sha": HEAD}}}
        ),
        "GITHUB_SHA": MERGE,
        "GITHUB_RUN_ID": "77",
        "GITHUB_SERVER_URL": "https://ghe.example/",
    }
    context = from_env(env)
    assert (context.repository, context.pr_number, context.sha) == ("acme/fraud", 12, HEAD)
    assert context.run_url == "https://ghe.example/acme/fraud/actions/runs/77"


def test_push_event_has_no_pull_request(tmp_path: Path) -> None:
    env = {
        "GITHUB_REPOSITORY": "acme/fraud",
        "GITHUB_EVENT_PATH": _event(tmp_path, {"ref": "refs/heads/main"}),
        "GITHUB_SHA": MERGE,
        "GITHUB_REF": "refs/heads/main",
    }
    context = from_env(env)
    assert context.pr_number is None
    assert context.sha == MERGE
    assert context.run_url is None


@pytest.mark.parametrize("event", ["{not json", "[1, 2]"])
def test_unreadable_event_falls_back_to_the_ref(tmp_path: Path, event: str) -> None:
    path = tmp_path / "event.json"
    path.write_text(event, encoding="utf-8")
    env = {
        "GITHUB_REPOSITORY": "acme/fraud",
        "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REF": "refs/pull/5/merge",
        "GITHUB_SHA": MERGE,
    }
    assert from_env(env).pr_number == 5


def test_explicit_number_and_sha_win() -> None:
    context = from_env(
        {"GITHUB_REPOSITORY": "acme/fraud", "GITHUB_SHA": MERGE}, pr_number=3, sha=HEAD
    )
    assert (context.pr_number, context.sha) == (3, HEAD)


@pytest.mark.parametrize("repository", ["", "acme", "acme/fraud/x", "acme/fr aud"])
def test_a_bad_repository_is_refused(repository: str) -> None:
    with pytest.raises(GitHubError, match="GITHUB_REPOSITORY must be `owner/name`"):
        from_env({"GITHUB_REPOSITORY": repository})


def test_a_bad_sha_is_refused() -> None:
    with pytest.raises(GitHubError, match="not a commit sha"):
        from_env({"GITHUB_REPOSITORY": "acme/fraud", "GITHUB_SHA": "HEAD; rm -rf /"})


def test_repo_path_is_relative_to_the_workspace(tmp_path: Path) -> None:
    assert repo_path(str(tmp_path / "policies" / "p.yaml"), tmp_path) == "policies/p.yaml"
    assert repo_path("/elsewhere/p.yaml", tmp_path) == "/elsewhere/p.yaml"
