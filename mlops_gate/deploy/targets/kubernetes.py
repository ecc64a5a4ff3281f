"""The `kubernetes` target of `deploy`: Argo Rollouts, Flagger or Istio manifests
(`deploy/kubernetes/`), server-side applied to the configured cluster, or written as YAML to
`--out` with `--dry-run`.

Argo Rollouts and Flagger judge the steps themselves (analysis from the thresholds, and with Argo
the live check Job for agreement and drift); Istio judges nothing, so with Istio mlops-gate moves
the weights, one step per `step_duration`. `--dry-run` renders before any promotion too
(`preview_release`), so the manifests can be reviewed in the pull request that introduces them:
the version is then a placeholder, said in the output and in an annotation. Nothing here imports
the `kubernetes` client until a cluster is contacted.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from mlops_gate.deploy.outcome import DeployOutcome
from mlops_gate.errors import MlopsGateError

if TYPE_CHECKING:
    from mlops_gate.deploy.gated import GatedRelease
    from mlops_gate.deploy.kubernetes import LiveInputs
    from mlops_gate.deploy.kubernetes.render import Manifest
    from mlops_gate.deploy.outcome import EventHook
    from mlops_gate.deploy.targets import CanaryRef, DeployRequest
    from mlops_gate.evidence import VerifiedEvidence
    from mlops_gate.policy.deploy import CanarySpec
    from mlops_gate.policy.loader import LoadedPolicy

DEFAULT_OUT = Path("manifests")  # where `--dry-run` writes without `--out`
UNKNOWN = "unknown"  # a sha256 a preview cannot know (a registry model, no passing evidence)


class KubernetesTarget:
    """Argo Rollouts, Flagger or Istio on the cluster of the current kube context."""

    dry_run_renders: ClassVar[str | None] = "Kubernetes manifests"

    def deploy(self, request: DeployRequest) -> DeployOutcome:
        from mlops_gate.deploy.kubernetes import unjudged_analysis, write_manifests

        release = request.release
        for warning in unjudged_analysis(release.canary):
            request.say(f"warning: {warning}")
        objects = _manifests(release, resolve_stable=not request.dry_run, timeout=request.timeout)
        if not request.dry_run:
            return _apply(release, objects, request.say)
        kinds = ", ".join(f"{obj['kind']}/{obj['metadata']['name']}" for obj in objects)
        written = write_manifests(objects, request.out or DEFAULT_OUT)
        lines = [f"wrote {path}" for path in written]
        lines.append(f"rendered {len(objects)} objects ({kinds}); nothing applied (--dry-run)")
        note = placeholder_note(release)
        if note:
            lines.append(f"model version: {release.version}, a placeholder: {note}")
        return DeployOutcome("kubernetes", "rendered", 0, lines)

    def status(self, canary: CanaryRef) -> list[str]:
        from mlops_gate.deploy.kubernetes import kubernetes_status

        name, limit = canary.loaded.policy.name, canary.timeout
        return [kubernetes_status(name, canary.spec, timeout_s=limit).line()]

    def abort(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.kubernetes import kubernetes_abort

        name, limit = canary.loaded.policy.name, canary.timeout
        return kubernetes_abort(name, canary.spec, timeout_s=limit).line()

    def promote_now(self, canary: CanaryRef) -> str:
        from mlops_gate.deploy.kubernetes import kubernetes_promote_now

        name, limit = canary.loaded.policy.name, canary.timeout
        return kubernetes_promote_now(name, canary.spec, timeout_s=limit).line()


def preview_release(
    loaded: LoadedPolicy, evidence_path: Path, *, timeout: float
) -> tuple[GatedRelease, Path]:
    """For `--dry-run`: the gated release when there is one, else the release as it would be,
    with the placeholder version (`PLACEHOLDER_VERSION`) and whatever is known without a
    promotion: the local model's sha256, the evidence's when it verifies."""
    from mlops_gate.deploy.gated import GatedRelease, canary_spec, require_promotion
    from mlops_gate.deploy.kubernetes import PLACEHOLDER_VERSION
    from mlops_gate.registry.from_policy import pointer_for

    try:
        return require_promotion(loaded, evidence_path, timeout=timeout)
    except MlopsGateError as refused:
        reason = str(refused)
    model_file = _local_model(loaded)
    release = GatedRelease(
        loaded=loaded,
        canary=canary_spec(loaded),
        evidence=_preview_evidence(loaded, evidence_path, model_file),
        model_name=pointer_for(loaded).model_name,
        version=PLACEHOLDER_VERSION,
        promoted=f"none yet ({reason})",
        serving=None,
        registry="not consulted (dry run)",
    )
    return release, model_file


def placeholder_note(release: GatedRelease) -> str | None:
    """Why the release's version is a placeholder; None for a promoted release."""
    from mlops_gate.deploy.kubernetes import PLACEHOLDER_VERSION

    if release.version != PLACEHOLDER_VERSION:
        return None
    return (
        "rendered before a gated promotion; `deploy` after `check` and `promote` renders the "
        f"registered version (promotion: {release.promoted})"
    )


def _local_model(loaded: LoadedPolicy) -> Path:
    model = loaded.policy.model
    return loaded.resolve(model.path) if model is not None else loaded.path


def _preview_evidence(
    loaded: LoadedPolicy, evidence_path: Path, model_file: Path
) -> VerifiedEvidence:
    """The evidence when it verifies against today's files, else one that says what is known."""
    from mlops_gate.engine.inputs import shipped_inputs
    from mlops_gate.evidence import VerifiedEvidence, verify_evidence
    from mlops_gate.fsutil import sha256_file
    from mlops_gate.loaders.locate import is_registry_uri

    try:
        return verify_evidence(evidence_path, loaded, shipped_inputs(loaded, model_file))
    except MlopsGateError:
        pass
    model = loaded.policy.model
    local = model is not None and not is_registry_uri(model.path) and model_file.is_file()
    return VerifiedEvidence(
        path=evidence_path,
        sha256=UNKNOWN,
        document={"results": {"gates": []}},
        model_path=model_file,
        model_sha256=sha256_file(model_file) if local else UNKNOWN,
        policy_sha256=loaded.sha256,
        policy_name=loaded.policy.name,
        baseline_uri=None,
        baseline_version=None,
        git_commit=None,
    )


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


def live_inputs(release: GatedRelease, timeout: float) -> LiveInputs | None:
    """argo's live check: the model's task and, for drift, data.reference's profile."""
    from mlops_gate.deploy.kubernetes import LiveInputs
    from mlops_gate.deploy.kubernetes.profile import reference_profile
    from mlops_gate.deploy.kubernetes.render import live_checked
    from mlops_gate.deploy.local.analysis import drift_columns
    from mlops_gate.engine.context import EvaluationContext

    spec, loaded = release.canary, release.loaded
    if not live_checked(spec) or loaded.policy.model is None:
        return None
    task = loaded.policy.model.task
    drift = spec.analysis.drift
    if drift is None:
        return LiveInputs(task)
    context = EvaluationContext(loaded, timeout=timeout)
    frame = context.dataset("reference")
    columns = drift_columns(drift, context.features())
    profile = reference_profile({name: frame[name].to_numpy() for name in columns}, drift.bins)
    return LiveInputs(task, profile)


def _manifests(release: GatedRelease, *, resolve_stable: bool, timeout: float) -> list[Manifest]:
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
        live=live_inputs(release, timeout),
        placeholder=placeholder_note(release),
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
