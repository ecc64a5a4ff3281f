"""A deploy target that exists only in the tests: registering it is one line in `DEPLOY_TARGETS`
(monkeypatched), and nothing else in mlops-gate changes for it to be dispatched."""

from __future__ import annotations

from typing import ClassVar

from mlops_gate.deploy.outcome import DeployOutcome
from mlops_gate.deploy.targets import CanaryRef, DeployRequest

CALLS: list[tuple[str, CanaryRef]] = []


class FakeTarget:
    dry_run_renders: ClassVar[str | None] = None

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        raise AssertionError("the unit tests never get past the gate")

    def status(self, canary: CanaryRef) -> list[str]:
        CALLS.append(("status", canary))
        return [f"fake canary of {canary.loaded.policy.name} at {canary.spec.steps[0]}%"]

    def abort(self, canary: CanaryRef) -> str:
        CALLS.append(("abort", canary))
        return "fake canary: aborted"

    def promote_now(self, canary: CanaryRef) -> str:
        CALLS.append(("promote-now", canary))
        return "fake canary: promoted"


class NotATarget:
    """Registered by mistake: no `status`, `abort`, `promote_now` or `dry_run_renders`."""

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        raise AssertionError("never called")
