"""The `kubernetes` canary target's objects for the policy's provider, in apply order (issues 6,
14): what a Rollout, a Canary or a route refers to comes first. `files.write_manifests` writes
them as YAML for `deploy --dry-run --out DIR`. Each provider is its own module (argo.py,
flagger.py, istio.py), built on the shared pieces of `render.py`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from mlops_gate.deploy.kubernetes.render import (
    KubernetesError,
    LiveInputs,
    Manifest,
    Release,
    app_name,
)

if TYPE_CHECKING:
    from mlops_gate.policy.deploy import CanarySpec


def render_manifests(
    policy_name: str,
    spec: CanarySpec,
    *,
    model_sha256: str,
    evidence_sha256: str,
    version: str,
    image: str | None = None,
    stable_image: str | None = None,
    live: LiveInputs | None = None,
    placeholder: str | None = None,
) -> list[Manifest]:
    """The canary's objects for `spec.kubernetes.provider`, in apply order.

    `image` defaults to `spec.kubernetes.image`; istio also needs the stable image
    (`stable_image`, else `spec.kubernetes.stable_image`; `control.resolve_stable_image` reads it
    from the cluster); argo's live check needs `live` when min_agreement or drift is set.
    """
    kube = spec.kubernetes
    release = Release(
        policy=policy_name,
        image=_required(image or kube.image, "kubernetes.image", "the canary image"),
        model_sha256=model_sha256,
        evidence_sha256=evidence_sha256,
        version=version,
        placeholder=placeholder,
    )
    app = app_name(policy_name, kube)
    if kube.provider == "argo":
        from mlops_gate.deploy.kubernetes.argo import render_argo

        return render_argo(release, spec, app, live)
    if kube.provider == "flagger":
        from mlops_gate.deploy.kubernetes.flagger import render_flagger

        return render_flagger(release, spec, app)
    from mlops_gate.deploy.kubernetes.istio import render_istio

    stable = _required(
        stable_image or kube.stable_image,
        "kubernetes.stable_image",
        "the stable image (it is read from the cluster unless --dry-run)",
    )
    return render_istio(release, spec, app, stable)


def _required(value: str | None, key: str, what: str) -> str:
    if not value:
        raise KubernetesError(f"deploy.canary.{key}: set {what}")
    return value
