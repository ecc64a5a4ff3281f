"""What `mlops-gate deploy` does, for each target (docs/deploy.md).

Every target starts the same way (`gated.require_promotion`): passing evidence that matches today's
files, and a version that a gated `promote` registered and aliased. Then:
- `local`: real model servers and a weighted router on 127.0.0.1, the eval set replayed as traffic,
  the analysis judged per step; 100% moves `deploy.canary.alias` to the version, a failed step rolls
  back to 0% and moves nothing;
- `kubernetes`: Argo Rollouts or Istio manifests, server-side applied (or written with `--dry-run`);
- `github`: a GitHub Deployment for the organisation's own CD.
The outcome is written to `deploy.json` beside the evidence (the evidence file itself stays as check
wrote it: its sha256 is what promote recorded and the image is labelled with) and, for the local
target, tagged on the registry version (`mlops_gate.canary.*`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.deploy.outcome import DeployOutcome, EventHook
from mlops_gate.errors import InputError
from mlops_gate.fsutil import atomic_write_text

if TYPE_CHECKING:
    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.policy.loader import LoadedPolicy
    from mlops_gate.policy.model import CanarySpec

RECORD = "deploy.json"


def deploy(
    policy_path: Path,
    evidence_path: Path,
    *,
    target: str | None = None,
    dry_run: bool = False,
    out: Path | None = None,
    timeout: float,
    on_event: EventHook | None = None,
) -> DeployOutcome:
    from mlops_gate.deploy.gated import require_promotion

    release, model_file = require_promotion(policy_path, evidence_path, timeout=timeout)
    chosen = target or release.canary.target
    if dry_run and chosen != "kubernetes":
        raise InputError("--dry-run renders Kubernetes manifests: use it with --target kubernetes")
    if out is not None and not dry_run:
        raise InputError("--out is where --dry-run writes the manifests: add --dry-run")
    say = on_event or (lambda line: None)
    if chosen == "kubernetes":
        outcome = _kubernetes(release, dry_run, out, say)
    elif chosen == "github":
        outcome = _github(release)
    else:
        outcome = _local(release, model_file, evidence_path, timeout, say)
    _write_record(evidence_path, release, outcome)
    return outcome


def status(
    policy_path: Path, evidence_path: Path, *, target: str | None, timeout: float
) -> list[str]:
    loaded, spec, chosen = _canary_target(policy_path, target)
    if chosen == "kubernetes":
        from mlops_gate.deploy.kubernetes import kubernetes_status

        return [kubernetes_status(loaded.policy.name, spec).line()]
    if chosen == "github":
        from mlops_gate.deploy.github_target import github_status

        return [github_status(spec).line()]
    from mlops_gate.deploy.local_target import status_lines

    return status_lines(_state_dir(evidence_path))


def control(
    policy_path: Path, action: str, evidence_path: Path, *, target: str | None, timeout: float
) -> str:
    """`abort` or `promote-now` the canary that is running on `target`."""
    loaded, spec, chosen = _canary_target(policy_path, target)
    if chosen == "kubernetes":
        from mlops_gate.deploy.kubernetes import kubernetes_abort, kubernetes_promote_now

        act = kubernetes_abort if action == "abort" else kubernetes_promote_now
        return act(loaded.policy.name, spec).line()
    if chosen == "github":
        from mlops_gate.deploy.github_target import github_abort, github_promote_now

        return (github_abort if action == "abort" else github_promote_now)(spec).line()
    from mlops_gate.deploy.local.state import request_control

    state = request_control(_state_dir(evidence_path), action, timeout=min(timeout, 30.0))
    return f"local canary: {action} done, canary at {state.get('weight')}% ({state.get('status')})"


def _canary_target(policy_path: Path, target: str | None) -> tuple[LoadedPolicy, CanarySpec, str]:
    """The policy, its `deploy.canary`, and the target: `--target`, else the policy's."""
    from mlops_gate.deploy.gated import canary_spec
    from mlops_gate.policy import load_policy

    loaded = load_policy(policy_path)
    spec = canary_spec(loaded)
    return loaded, spec, target or spec.target


def _state_dir(evidence_path: Path) -> Path:
    return evidence_path.parent / "canary"


def canary_image(release: GatedRelease) -> str | None:
    """`kubernetes.image`, else the image `build` tags: `artifacts.image` name:tag."""
    spec = release.canary.kubernetes
    if spec.image:
        return spec.image
    artifacts = release.loaded.policy.artifacts
    image = artifacts.image if artifacts else None
    if image is None or image.name is None:
        return None
    return f"{image.name}:{image.tag or release.evidence.model_sha256[:12]}"


def _kubernetes(
    release: GatedRelease, dry_run: bool, out: Path | None, say: EventHook
) -> DeployOutcome:
    from mlops_gate.deploy import kubernetes as k8s

    spec = release.canary
    name = release.loaded.policy.name
    for warning in k8s.unjudged_analysis(spec):
        say(f"warning: {warning}")
    stable = None
    if spec.kubernetes.provider == "istio" and not dry_run:
        stable = k8s.resolve_stable_image(name, spec)
    objects = k8s.render_manifests(
        name,
        spec,
        model_sha256=release.evidence.model_sha256,
        evidence_sha256=release.evidence.sha256,
        version=release.version,
        image=canary_image(release),
        stable_image=stable,
    )
    kinds = ", ".join(f"{obj['kind']}/{obj['metadata']['name']}" for obj in objects)
    if dry_run:
        written = k8s.write_manifests(objects, out or Path("manifests"))
        return DeployOutcome(
            "kubernetes",
            "rendered",
            0,
            [f"wrote {path}" for path in written]
            + [f"rendered {len(objects)} objects ({kinds}); nothing applied (--dry-run)"],
        )
    applied = k8s.apply_manifests(objects, spec)
    lines = [f"applied {item}" for item in applied]
    if spec.kubernetes.provider == "istio":
        lines += _istio_steps(name, spec, say)
    lines.append(
        f"canary of {release.model_name} version {release.version} started in namespace "
        f"{spec.kubernetes.namespace} ({spec.kubernetes.provider}); "
        "follow it with `mlops-gate deploy --status`"
    )
    return DeployOutcome("kubernetes", "applied", 0, lines)


def _istio_steps(name: str, spec: CanarySpec, say: EventHook) -> list[str]:
    """Istio judges nothing: mlops-gate moves the weights, one step per `step_duration`."""
    import time

    from mlops_gate.deploy.kubernetes import istio_set_weight

    lines = []
    for weight in spec.steps[1:]:
        say(f"holding {spec.step_duration:g} s before moving the canary to {weight}%")
        time.sleep(spec.step_duration)
        lines.append(istio_set_weight(name, spec, weight).line())
        say(lines[-1])
    return lines


def _github(release: GatedRelease) -> DeployOutcome:
    from mlops_gate.deploy.github_target import github_deploy

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


def _local(
    release: GatedRelease, model_file: Path, evidence_path: Path, timeout: float, say: EventHook
) -> DeployOutcome:
    from mlops_gate.deploy.local_target import run_for_release

    return run_for_release(release, model_file, _state_dir(evidence_path), timeout, say)


def _write_record(evidence_path: Path, release: GatedRelease, outcome: DeployOutcome) -> None:
    record = {
        "schema": 1,
        "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "policy": release.loaded.policy.name,
        "model": {
            "name": release.model_name,
            "version": release.version,
            "sha256": release.evidence.model_sha256,
        },
        "evidence": {"path": str(evidence_path), "sha256": release.evidence.sha256},
        "target": outcome.target,
        "status": outcome.status,
        "exit_code": outcome.exit_code,
        "lines": outcome.lines,
        **outcome.record,
    }
    atomic_write_text(
        evidence_path.with_name(RECORD),
        json.dumps(record, indent=2, allow_nan=False, default=str) + "\n",
    )
