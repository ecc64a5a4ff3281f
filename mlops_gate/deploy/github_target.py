"""The `github` canary target (issue 6): a GitHub Deployment for the organisation's own CD.

mlops-gate creates a Deployment to `deploy.canary.github.environment` (default `canary`) whose
payload names the model, its version, the canary's weight and the evidence sha256, then keeps its
statuses current: `in_progress` with `N% of traffic` while stepping, `success` at 100%, `failure`
on abort. A CD system listening to `deployment` / `deployment_status` events does the shipping.
The token needs `permissions: {deployments: write}`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from mlops_gate.deploy.kubernetes.control import CanaryStatus
from mlops_gate.github.client import (
    ClientSettings,
    GitHubClient,
    GitHubError,
    GitHubPermissionError,
)
from mlops_gate.policy.deploy import CanarySpec

if TYPE_CHECKING:
    from github.Deployment import Deployment
    from github.Repository import Repository

T = TypeVar("T")
TASK = "deploy:canary"  # GitHub's `task`; CD systems may filter on it
_WEIGHT = re.compile(r"\b(\d{1,3}(?:\.\d+)?)% of traffic")
_PERMISSION = "the token needs `permissions: {deployments: write}` in the workflow"


@dataclass(frozen=True)
class GitHubCanary:
    """The Deployment that carries the canary."""

    repository: str
    deployment_id: int
    environment: str
    sha: str
    url: str


def github_deploy(
    policy_name: str,
    spec: CanarySpec,
    *,
    version: str,
    model_sha256: str,
    evidence_sha256: str,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> GitHubCanary:
    """Create the Deployment at the first step's weight, and its first `in_progress` status."""
    env = os.environ if env is None else env
    repository, ref = _repository(spec, env), _ref(spec, env)
    weight = spec.steps[0]
    payload = {
        "model": policy_name,
        "version": version,
        "weight": weight,
        "steps": list(spec.steps),
        "step_duration": spec.step_duration,
        "mode": spec.mode,
        "model_sha256": model_sha256,
        "evidence_sha256": evidence_sha256,
    }
    with _client(settings, env) as client:
        repo = client.repository(repository)

        def create() -> Deployment:
            return repo.create_deployment(
                ref,
                task=TASK,
                auto_merge=False,
                required_contexts=[],  # the evidence is the gate; other checks are not ours
                payload=payload,
                environment=spec.github.environment,
                description=f"mlops-gate canary of {policy_name} version {version}"[:140],
                transient_environment=False,
                production_environment=False,
            )

        deployment = _call(client, f"create a {spec.github.environment} deployment", create)
        _post(client, deployment, "in_progress", _described(weight))
        return GitHubCanary(
            repository, deployment.id, spec.github.environment, deployment.sha, deployment.url
        )


def github_set_weight(
    spec: CanarySpec,
    weight: int,
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> CanaryStatus:
    """A step: `in_progress` at `weight` percent, `success` at 100, on the latest canary."""
    state = "success" if weight >= 100 else "in_progress"
    return _update(spec, state, _described(weight), settings, env)


def github_status(
    spec: CanarySpec,
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> CanaryStatus:
    """The latest canary Deployment and its newest statuses."""
    env = os.environ if env is None else env
    with _client(settings, env) as client:
        repo = client.repository(_repository(spec, env))
        deployment = _latest(client, repo, spec)
        return _status_of(client, deployment, spec)


def github_abort(
    spec: CanarySpec,
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> CanaryStatus:
    """`failure` with 0% of traffic: the CD sends everything back to stable."""
    return _update(spec, "failure", "aborted by mlops-gate: 0% of traffic", settings, env)


def github_promote_now(
    spec: CanarySpec,
    *,
    settings: ClientSettings | None = None,
    env: Mapping[str, str] | None = None,
) -> CanaryStatus:
    """`success` with 100% of traffic, skipping the remaining steps."""
    return _update(spec, "success", "promoted by mlops-gate: 100% of traffic", settings, env)


def _update(
    spec: CanarySpec,
    state: str,
    description: str,
    settings: ClientSettings | None,
    env: Mapping[str, str] | None,
) -> CanaryStatus:
    env = os.environ if env is None else env
    with _client(settings, env) as client:
        repo = client.repository(_repository(spec, env))
        deployment = _latest(client, repo, spec)
        _post(client, deployment, state, description)
        return _status_of(client, deployment, spec)


def _described(weight: float) -> str:
    return f"canary at {weight:g}% of traffic"


def _post(client: GitHubClient, deployment: Deployment, state: str, description: str) -> None:
    _call(
        client,
        f"post the `{state}` status of deployment {deployment.id}",
        lambda: deployment.create_status(state, description=description[:140]),
    )


def _latest(client: GitHubClient, repo: Repository, spec: CanarySpec) -> Deployment:
    environment = spec.github.environment

    def first() -> Deployment | None:
        for deployment in repo.get_deployments(environment=environment):
            return deployment
        return None

    found = _call(client, f"list the {environment} deployments", first)
    if found is None:
        raise GitHubError(
            f"GitHub: no deployment to `{environment}` in {repo.full_name}: nothing was deployed yet"
        )
    return found


def _status_of(client: GitHubClient, deployment: Deployment, spec: CanarySpec) -> CanaryStatus:
    def newest() -> list[Any]:
        return [status for _, status in zip(range(5), deployment.get_statuses(), strict=False)]

    statuses = _call(client, f"read the statuses of deployment {deployment.id}", newest)
    state = statuses[0].state if statuses else "pending"
    weight = _weight(statuses, deployment.payload)
    details = {
        "deployment_id": deployment.id,
        "environment": spec.github.environment,
        "sha": deployment.sha,
        "payload": deployment.payload,
        "statuses": [{"state": s.state, "description": s.description} for s in statuses],
    }
    message = statuses[0].description if statuses else "no status yet"
    return CanaryStatus("github", state, weight, message or "", details)


def _weight(statuses: list[Any], payload: Any) -> float | None:
    if statuses and statuses[0].state in ("failure", "error", "inactive"):
        return 0.0
    for status in statuses:
        match = _WEIGHT.search(status.description or "")
        if match:
            return float(match.group(1))
    weight = payload.get("weight") if isinstance(payload, dict) else None
    return float(weight) if isinstance(weight, int | float) else None


def _call(client: GitHubClient, what: str, action: Callable[[], T]) -> T:
    try:
        return client.call(what, action)
    except GitHubPermissionError:
        # The client's hint names the report's permissions; a deployment needs another one.
        raise GitHubPermissionError(
            f"GitHub: could not {what}: HTTP 403 ({_PERMISSION})", 403
        ) from None


def _client(settings: ClientSettings | None, env: Mapping[str, str]) -> GitHubClient:
    return GitHubClient(settings or ClientSettings.from_env(env))


def _repository(spec: CanarySpec, env: Mapping[str, str]) -> str:
    repository = spec.github.repository or env.get("GITHUB_REPOSITORY", "").strip()
    if not re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", repository):
        raise GitHubError(
            "deploy.canary.github.repository: set it, or GITHUB_REPOSITORY, to `owner/name`"
        )
    return repository


def _ref(spec: CanarySpec, env: Mapping[str, str]) -> str:
    ref = spec.github.ref or env.get("GITHUB_SHA", "").strip()
    if not ref:
        raise GitHubError("deploy.canary.github.ref: set it, or GITHUB_SHA, to the ref to deploy")
    return ref
