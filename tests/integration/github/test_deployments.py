"""GitHub Deployments through PyGithub against the fake: what the canary `github` target will use
(issue 6): a deployment to `canary` carrying the model, then its statuses.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from github import Auth, Github, GithubException
from github.Deployment import Deployment
from github.Repository import Repository

from tests.integration.github.conftest import BOT_TOKEN, DEPLOY_TOKEN, REPOSITORY
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import SHA

pytestmark = pytest.mark.integration

PAYLOAD = {"model": "fraud-detector", "version": "7", "weight": 10, "evidence_sha256": "ab" * 32}
OTHER_SHA = "f" * 40


@contextmanager
def repository(
    server: FakeGitHub, token: str = DEPLOY_TOKEN, per_page: int = 30
) -> Iterator[Repository]:
    """The repository as PyGithub sees it, without PyGithub's pacing of requests (tests run fast)."""
    client = Github(
        auth=Auth.Token(token),
        base_url=server.base_url,
        retry=None,
        per_page=per_page,
        seconds_between_requests=None,
        seconds_between_writes=None,
    )
    try:
        yield client.get_repo(REPOSITORY)
    finally:
        client.close()


def _deploy(repo: Repository, sha: str = SHA, environment: str = "canary") -> Deployment:
    """A canary deployment as the `github` target makes it: explicit contexts, no auto-merge."""
    return repo.create_deployment(
        sha,
        environment=environment,
        payload=PAYLOAD,
        auto_merge=False,
        required_contexts=[],
        description="mlops-gate canary",
        production_environment=False,
    )


def test_canary_deployment_and_its_statuses(github: FakeGitHub) -> None:
    with repository(github) as repo:
        created = _deploy(repo)
        deployment = repo.get_deployment(created.id)
        assert (deployment.sha, deployment.ref, deployment.environment) == (SHA, SHA, "canary")
        assert deployment.payload == PAYLOAD
        assert (deployment.task, deployment.description) == ("deploy", "mlops-gate canary")
        assert deployment.creator.login == "github-actions[bot]"
        assert not deployment.production_environment
        assert not deployment.transient_environment
        deployment.create_status("in_progress", description="10% of traffic")
        done = deployment.create_status(
            "success", environment_url="http://127.0.0.1:8080", description="100% of traffic"
        )
        statuses = list(deployment.get_statuses())
        assert [(s.state, s.description) for s in statuses] == [
            ("success", "100% of traffic"),
            ("in_progress", "10% of traffic"),
        ]
        assert statuses[0].environment_url == "http://127.0.0.1:8080"
        assert statuses[0].environment == "canary"
        assert deployment.get_status(done.id).state == "success"


def test_list_filters_by_environment_and_sha_across_pages(github: FakeGitHub) -> None:
    with repository(github, per_page=2) as repo:
        canaries = [_deploy(repo).id for _ in range(3)]
        production = _deploy(repo, OTHER_SHA, environment="production").id
        assert [d.id for d in repo.get_deployments(environment="canary")] == canaries[::-1]
        assert [d.id for d in repo.get_deployments(sha=OTHER_SHA)] == [production]
        assert [d.id for d in repo.get_deployments()] == [production, *canaries[::-1]]


def test_a_new_successful_canary_makes_the_previous_one_inactive(github: FakeGitHub) -> None:
    with repository(github) as repo:
        first, second = _deploy(repo), _deploy(repo, OTHER_SHA)
        first.create_status("success")
        second.create_status("success")
        assert [s.state for s in first.get_statuses()] == ["inactive", "success"]
        assert [s.state for s in second.get_statuses()] == ["success"]


def test_without_deployments_permission_is_403_and_changes_nothing(github: FakeGitHub) -> None:
    with repository(github) as repo:
        deployment = _deploy(repo)
    with repository(github, BOT_TOKEN) as repo:  # the sample workflow's permissions
        with pytest.raises(GithubException) as refused:
            _deploy(repo)
        assert refused.value.status == 403
        with pytest.raises(GithubException) as status_refused:
            repo.get_deployment(deployment.id).create_status("success")
        assert status_refused.value.status == 403
        assert [d.id for d in repo.get_deployments()] == [deployment.id]  # reading is allowed
        assert list(repo.get_deployment(deployment.id).get_statuses()) == []


def test_failing_check_blocks_a_deployment_unless_contexts_are_named(github: FakeGitHub) -> None:
    with repository(github) as repo:
        repo.create_check_run("lint", SHA, status="completed", conclusion="failure")
        with pytest.raises(GithubException) as conflict:
            repo.create_deployment(SHA, environment="canary", payload=PAYLOAD)
        assert conflict.value.status == 409
        assert conflict.value.data["message"] == f"Conflict: Commit status checks failed for {SHA}."
        assert conflict.value.data["errors"][0]["contexts"] == [
            {"context": "lint", "state": "failure"}
        ]
        assert _deploy(repo).sha == SHA  # required_contexts=[]: deploy regardless


def test_a_branch_ref_resolves_to_its_commit(github: FakeGitHub) -> None:
    github.add_ref("main", SHA)
    with repository(github) as repo:
        deployment = repo.create_deployment("main", environment="canary", required_contexts=[])
        assert (deployment.ref, deployment.sha) == ("main", SHA)
        assert deployment.payload == {}
        with pytest.raises(GithubException) as unknown:
            repo.create_deployment("no-such-branch", required_contexts=[])
        assert unknown.value.status == 422


def test_invalid_status_and_unknown_deployment(github: FakeGitHub) -> None:
    with repository(github) as repo:
        deployment = _deploy(repo)
        with pytest.raises(GithubException) as invalid:
            deployment.create_status("done")
        assert invalid.value.status == 422
        with pytest.raises(GithubException) as too_long:
            deployment.create_status("success", description="x" * 141)
        assert too_long.value.status == 422
        with pytest.raises(GithubException) as missing:
            repo.get_deployment(999_999).get_statuses()[0]
        assert missing.value.status == 404
