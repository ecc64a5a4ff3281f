"""The `github` target of `deploy`: a GitHub Deployment for the organisation's own CD.

The Deployment API calls live in `deploy/github_target.py`; this class hands them the release and
says what was done. The token needs `permissions: {deployments: write}`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from mlops_gate.deploy.outcome import DeployOutcome

if TYPE_CHECKING:
    from mlops_gate.deploy.targets import CanaryRef, DeployRequest


class GitHubTarget:
    """A Deployment whose statuses carry the canary's weight; your CD does the shipping."""

    dry_run_renders: ClassVar[str | None] = None

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        from mlops_gate.deploy.github_target import github_deploy

        release = request.release
        created = github_deploy(
            release.loaded.policy.name,
            release.canary,
            version=release.version,
            model_sha256=release.evidence.model_sha256,
            evidence_sha256=release.evidence.sha256,
        )
        return DeployOutcome(
            "github",
            "created",
            0,
            [
                f"created deployment {created.deployment_id} ({created.environment}) in "
                f"{created.repository} at {created.sha[:12]}: {created.url}",
                f"canary of {release.model_name} version {release.version} handed to your CD at "
                f"{release.canary.steps[0]}%",
            ],
        )

    def status(self, canary: CanaryRef) -> list[str]:
        from mlops_gate.deploy.github_target import github_status

        return [github_status(canary.spec).line()]

    def abort(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.github_target import github_abort

        return github_abort(canary.spec).line()

    def promote_now(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.github_target import github_promote_now

        return github_promote_now(canary.spec).line()
