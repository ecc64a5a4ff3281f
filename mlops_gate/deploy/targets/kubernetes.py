"""The `kubernetes` target of `deploy`: Argo Rollouts or Istio manifests (`deploy/kubernetes/`),
server-side applied to the configured cluster, or written as YAML to `--out` with `--dry-run`.

Argo Rollouts judges the steps itself (an AnalysisTemplate); Istio judges nothing, so with Istio
mlops-gate moves the weights, one step per `step_duration`. Nothing here imports the `kubernetes`
client until a cluster is contacted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from mlops_gate.deploy.outcome import DeployOutcome

if TYPE_CHECKING:
    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.deploy.kubernetes.render import Manifest
    from mlops_gate.deploy.outcome import EventHook
    from mlops_gate.deploy.targets import CanaryRef, DeployRequest
    from mlops_gate.policy.model import CanarySpec

DEFAULT_OUT = Path("manifests")  # where `--dry-run` writes without `--out`


class KubernetesTarget:
    """Argo Rollouts or Istio on the cluster of the current kube context."""

    dry_run_renders: ClassVar[str | None] = "Kubernetes manifests"

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        from mlops_gate.deploy.kubernetes import unjudged_analysis, write_manifests

        release = request.release
        for warning in unjudged_analysis(release.canary):
            request.say(f"warning: {warning}")
        objects = _manifests(release, resolve_stable=not request.dry_run)
        if not request.dry_run:
            return _apply(release, objects, request.say)
        kinds = ", ".join(f"{obj['kind']}/{obj['metadata']['name']}" for obj in objects)
        written = write_manifests(objects, request.out or DEFAULT_OUT)
        return DeployOutcome(
            "kubernetes",
            "rendered",
            0,
            [f"wrote {path}" for path in written]
            + [f"rendered {len(objects)} objects ({kinds}); nothing applied (--dry-run)"],
        )

    def status(self, canary: CanaryRef) -> list[str]:
        from mlops_gate.deploy.kubernetes import kubernetes_status

        return [kubernetes_status(canary.loaded.policy.name, canary.spec).line()]

    def abort(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.kubernetes import kubernetes_abort

        return kubernetes_abort(canary.loaded.policy.name, canary.spec).line()

    def promote_now(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.kubernetes import kubernetes_promote_now

        return kubernetes_promote_now(canary.loaded.policy.name, canary.spec).line()


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


def _manifests(release: GatedRelease, *, resolve_stable: bool) -> list[Manifest]:
    """The release's objects; Istio's stable image is read from the cluster unless rendering."""
    from mlops_gate.deploy.kubernetes import render_manifests, resolve_stable_image

    name, spec = release.loaded.policy.name, release.canary
    stable = None
    if spec.kubernetes.provider == "istio" and resolve_stable:
        stable = resolve_stable_image(name, spec)
    return render_manifests(
        name,
        spec,
        model_sha256=release.evidence.model_sha256,
        evidence_sha256=release.evidence.sha256,
        version=release.version,
        image=canary_image(release),
        stable_image=stable,
    )


def _apply(release: GatedRelease, objects: list[Manifest], say: EventHook) -> DeployOutcome:
    from mlops_gate.deploy.kubernetes import apply_manifests

    spec = release.canary
    lines = [f"applied {item}" for item in apply_manifests(objects, spec)]
    if spec.kubernetes.provider == "istio":
        lines += _istio_steps(release.loaded.policy.name, spec, say)
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
