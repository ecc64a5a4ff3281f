"""Deploy targets behind one protocol and one dict (issue 9).

A target is a small class in its own module of this package that satisfies `DeployTarget`; it is
registered by one line in `DEPLOY_TARGETS` (name → "module:attribute"). `commands/deploy.py` asks
`deploy_target(name)` for it and never compares a target's name, so a new target is one new file
and one registry line (docs/deploy.md, "Adding a target"). The policy's `deploy.canary.target`
Literal lists the same names (a unit test keeps them equal: a policy validates without this).

Nothing here imports a target until one is asked for: `mlops-gate --help` reads `target_names()`,
and this module imports only the standard library (and names for type checkers).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Protocol, runtime_checkable

if TYPE_CHECKING:
    from pathlib import Path

    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.deploy.outcome import DeployOutcome, EventHook
    from mlops_gate.policy.deploy import CanarySpec
    from mlops_gate.policy.loader import LoadedPolicy

DEPLOY_TARGETS: dict[str, str] = {
    "local": "mlops_gate.deploy.targets.local:LocalTarget",
    "kubernetes": "mlops_gate.deploy.targets.kubernetes:KubernetesTarget",
    "github": "mlops_gate.deploy.targets.github:GitHubTarget",
}


@dataclass(frozen=True)
class DeployRequest:
    """What `deploy` hands a target once the release passed `gated.require_promotion`."""

    release: GatedRelease
    model_file: Path
    """The local copy of the model file being shipped (the bytes `check` judged)."""
    state_dir: Path
    """A folder beside the evidence where a target may keep what `status`/`abort` read later."""
    timeout: float
    say: EventHook
    """Live progress, one line at a time (stderr on the CLI)."""
    dry_run: bool = False
    """True only for a target with `dry_run_renders`: write them to `out`, start nothing."""
    out: Path | None = None


@dataclass(frozen=True)
class CanaryRef:
    """Where a target finds the canary that `status`, `abort` and `promote_now` act on."""

    loaded: LoadedPolicy
    spec: CanarySpec
    state_dir: Path
    timeout: float


@runtime_checkable
class DeployTarget(Protocol):
    """What a deploy target does; an instance comes from `deploy_target(name)`."""

    dry_run_renders: ClassVar[str | None]
    """What `--dry-run` writes to `--out` instead of deploying (e.g. "Kubernetes manifests"),
    or None where the target has no dry run (then `deploy` refuses `--dry-run`)."""

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        """Start (or, with `request.dry_run`, render) the canary of the gated release."""
        ...

    def status(self, canary: CanaryRef) -> list[str]:
        """The running (or last) canary, one line per fact."""
        ...

    def abort(self, canary: CanaryRef) -> str:
        """Send every request back to stable now; the line that says what was done."""
        ...

    def promote_now(self, canary: CanaryRef) -> str:
        """Skip the remaining steps: the canary to 100% now; the line that says so."""
        ...


def target_names() -> tuple[str, ...]:
    """The registered targets, in registry order (the `--target` choices)."""
    return tuple(DEPLOY_TARGETS)


def deploy_target(name: str) -> DeployTarget:
    """The target registered as `name`, imported now; an unknown name is the user's to fix."""
    where = DEPLOY_TARGETS.get(name)
    if where is None:
        from mlops_gate.errors import InputError  # lazily: this module stays standard-library only

        valid = ", ".join(target_names())
        raise InputError(f"unknown deploy target '{name}': must be one of {valid}")
    module, _, attribute = where.partition(":")
    target = getattr(importlib.import_module(module), attribute)()
    if not isinstance(target, DeployTarget):
        raise TypeError(f"DEPLOY_TARGETS[{name!r}] = {where!r} is not a DeployTarget")
    return target
