"""The `github` canary target against the fake GitHub: a Deployment to `canary` whose payload
carries the model, and the statuses a CD system reacts to.
"""

from __future__ import annotations

import pytest

from mlops_gate.deploy.github_target import (
    github_abort,
    github_deploy,
    github_promote_now,
    github_set_weight,
    github_status,
)
from mlops_gate.github.client import GitHubError, GitHubPermissionError
from mlops_gate.policy.deploy import CanarySpec
from tests.integration.github.conftest import BOT_TOKEN, DEPLOY_TOKEN, REPOSITORY, settings
from tests.integration.github.fake_github import FakeGitHub
from tests.report_samples import SHA

pytestmark = pytest.mark.integration

ENV = {"GITHUB_REPOSITORY": REPOSITORY, "GITHUB_SHA": SHA}
SPEC = CanarySpec.model_validate({"target": "github", "steps": [10, 50, 100], "step_duration": 60})


def _deploy(server: FakeGitHub, spec: CanarySpec = SPEC, token: str = DEPLOY_TOKEN) -> int:
    canary = github_deploy(
        "fraud-detector",
        spec,
        version="7",
        model_sha256="a" * 64,
        evidence_sha256="b" * 64,
        settings=settings(server, token),
        env=ENV,
    )
    return canary.deployment_id


def _statuses(server: FakeGitHub, deployment_id: int) -> list[tuple[str, str]]:
    deployment = server.state.deployments[deployment_id]
    return [(s["state"], s["description"]) for s in deployment["_statuses"]]


def test_deploy_creates_a_canary_deployment_with_the_payload(github: FakeGitHub) -> None:
    deployment_id = _deploy(github)
    deployment = github.state.deployments[deployment_id]
    assert (deployment["environment"], deployment["sha"], deployment["ref"]) == ("canary", SHA, SHA)
    assert deployment["task"] == "deploy:canary"
    assert deployment["payload"] == {
        "model": "fraud-detector",
        "version": "7",
        "weight": 10,
        "steps": [10, 50, 100],
        "step_duration": 60.0,
        "mode": "canary",
        "model_sha256": "a" * 64,
        "evidence_sha256": "b" * 64,
    }
    assert not deployment["production_environment"]
    assert _statuses(github, deployment_id) == [("in_progress", "canary at 10% of traffic")]


def test_steps_then_status(github: FakeGitHub) -> None:
    deployment_id = _deploy(github)
    github_set_weight(SPEC, 50, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    status = github_status(SPEC, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    assert (status.target, status.phase, status.weight) == ("github", "in_progress", 50.0)
    assert status.details["deployment_id"] == deployment_id
    assert [s["state"] for s in status.details["statuses"]] == ["in_progress", "in_progress"]
    done = github_set_weight(SPEC, 100, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    assert (done.phase, done.weight) == ("success", 100.0)


def test_abort_posts_failure_with_no_traffic(github: FakeGitHub) -> None:
    deployment_id = _deploy(github)
    status = github_abort(SPEC, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    assert (status.phase, status.weight) == ("failure", 0.0)
    assert _statuses(github, deployment_id)[-1] == (
        "failure",
        "aborted by mlops-gate: 0% of traffic",
    )


def test_promote_now_posts_success_at_100(github: FakeGitHub) -> None:
    older = _deploy(github)
    github_promote_now(SPEC, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    newer = _deploy(github)
    status = github_promote_now(SPEC, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    assert (status.phase, status.weight) == ("success", 100.0)
    assert status.details["deployment_id"] == newer
    assert _statuses(github, newer)[-1] == ("success", "promoted by mlops-gate: 100% of traffic")
    assert _statuses(github, older)[-1][0] == "inactive"  # GitHub's auto_inactive


def test_the_policy_names_repository_environment_and_ref(github: FakeGitHub) -> None:
    github.add_ref("release", SHA)
    spec = CanarySpec.model_validate(
        {
            "target": "github",
            "github": {"repository": REPOSITORY, "environment": "staging", "ref": "release"},
        }
    )
    deployment_id = _deploy(github, spec)
    deployment = github.state.deployments[deployment_id]
    assert (deployment["environment"], deployment["ref"]) == ("staging", "release")
    assert github_status(spec, settings=settings(github, DEPLOY_TOKEN), env={}).details[
        "deployment_id"
    ] == (deployment_id)


def test_without_deployments_permission_is_one_clear_error(github: FakeGitHub) -> None:
    with pytest.raises(GitHubPermissionError) as refused:
        _deploy(github, token=BOT_TOKEN)
    assert str(refused.value) == (
        "GitHub: could not create a canary deployment: HTTP 403 "
        "(the token needs `permissions: {deployments: write}` in the workflow)"
    )
    assert github.state.deployments == {}
    _deploy(github)
    with pytest.raises(GitHubPermissionError, match=r"could not post the `failure` status"):
        github_abort(SPEC, settings=settings(github, BOT_TOKEN), env=ENV)


def test_status_before_any_deployment(github: FakeGitHub) -> None:
    with pytest.raises(GitHubError) as none:
        github_status(SPEC, settings=settings(github, DEPLOY_TOKEN), env=ENV)
    assert str(none.value) == (
        "GitHub: no deployment to `canary` in acme/fraud: nothing was deployed yet"
    )


def test_repository_and_ref_must_be_known() -> None:
    with pytest.raises(GitHubError, match=r"deploy\.canary\.github\.repository: set it"):
        github_status(SPEC, env={"GITHUB_TOKEN": "x"})
    with pytest.raises(GitHubError, match=r"deploy\.canary\.github\.ref: set it"):
        github_deploy(
            "fraud-detector",
            SPEC,
            version="7",
            model_sha256="a" * 64,
            evidence_sha256="b" * 64,
            env={"GITHUB_TOKEN": "x", "GITHUB_REPOSITORY": REPOSITORY},
        )
