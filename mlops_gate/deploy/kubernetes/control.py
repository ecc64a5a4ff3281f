"""`deploy --status`, `--abort` and `--promote-now` for the `kubernetes` target.

Argo Rollouts, as `kubectl argo rollouts` does it: abort is a merge patch of the Rollout's status
subresource, `{"status": {"abort": true}}`; promote-full unpauses `spec.paused` when set and
patches `{"status": {"promoteFull": true}}`. Flagger: the Canary's status is the state;
promote-now sets `spec.skipAnalysis` (Flagger then promotes without checks); Flagger has no abort
request (`flagger_abort` says what to do instead). Istio: the VirtualService's weights are the
state; abort routes 100/0 to stable, promote-now 0/100 to the canary.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from mlops_gate.deadline import DEFAULT_TIMEOUT_S
from mlops_gate.deploy.kubernetes import istio
from mlops_gate.deploy.kubernetes.apply import Cluster, connect
from mlops_gate.deploy.kubernetes.argo import API_VERSION as ARGO
from mlops_gate.deploy.kubernetes.flagger import API_VERSION as FLAGGER
from mlops_gate.deploy.kubernetes.render import KubernetesError, app_name
from mlops_gate.policy.deploy import CanarySpec


@dataclass(frozen=True)
class CanaryStatus:
    """Where a canary stands. `weight`: the canary's share of traffic in percent, when known."""

    target: str
    phase: str
    weight: float | None
    message: str = ""
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        weight = "?" if self.weight is None else f"{self.weight:g}%"
        text = f"{self.target}: {self.phase}, canary at {weight}"
        return f"{text}: {self.message}" if self.message else text


def kubernetes_status(
    policy_name: str,
    spec: CanarySpec,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> CanaryStatus:
    """The Rollout's phase and step (argo), or the VirtualService's weights (istio)."""
    app = app_name(policy_name, spec.kubernetes)
    with _connect(spec, kubeconfig, timeout_s) as cluster:
        if spec.kubernetes.provider == "argo":
            return rollout_status(_rollout(cluster, app))
        if spec.kubernetes.provider == "flagger":
            return canary_status(_flagger_canary(cluster, app))
        return route_status(_virtual_service(cluster, app))


def kubernetes_abort(
    policy_name: str,
    spec: CanarySpec,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> CanaryStatus:
    """Send every request back to the stable version."""
    app = app_name(policy_name, spec.kubernetes)
    if spec.kubernetes.provider == "flagger":
        raise KubernetesError(flagger_abort(app))
    with _connect(spec, kubeconfig, timeout_s) as cluster:
        if spec.kubernetes.provider == "argo":
            _rollout(cluster, app)  # a clear error when there is none
            patched = cluster.merge_patch(
                ARGO, "Rollout", app, {"status": {"abort": True}}, subresource="status"
            )
            return rollout_status(patched)
        return _route(cluster, spec, app, 0, shadow=spec.mode == "shadow")


def kubernetes_promote_now(
    policy_name: str,
    spec: CanarySpec,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> CanaryStatus:
    """Skip the remaining steps and analysis: the canary takes all the traffic."""
    app = app_name(policy_name, spec.kubernetes)
    with _connect(spec, kubeconfig, timeout_s) as cluster:
        if spec.kubernetes.provider == "argo":
            rollout = _rollout(cluster, app)
            if rollout.get("spec", {}).get("paused"):
                cluster.merge_patch(ARGO, "Rollout", app, {"spec": {"paused": False}})
            patched = cluster.merge_patch(
                ARGO, "Rollout", app, {"status": {"promoteFull": True}}, subresource="status"
            )
            return rollout_status(patched)
        if spec.kubernetes.provider == "flagger":
            _flagger_canary(cluster, app)
            skip = {"spec": {"skipAnalysis": True}}
            return canary_status(cluster.merge_patch(FLAGGER, "Canary", app, skip))
        return _route(cluster, spec, app, 100, shadow=False)


def istio_set_weight(
    policy_name: str,
    spec: CanarySpec,
    weight: int,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> CanaryStatus:
    """Move the istio canary to `weight` percent (mirrored, in shadow mode): one step."""
    if not 0 <= weight <= 100:
        raise KubernetesError(f"a weight is a percentage, got {weight}")
    app = app_name(policy_name, spec.kubernetes)
    with _connect(spec, kubeconfig, timeout_s) as cluster:
        return _route(cluster, spec, app, weight, shadow=spec.mode == "shadow")


def resolve_stable_image(
    policy_name: str,
    spec: CanarySpec,
    *,
    kubeconfig: str | Path | None = None,
    timeout_s: float = DEFAULT_TIMEOUT_S,
) -> str:
    """istio: the image serving today, read from the cluster (the canary's, once promoted)."""
    if spec.kubernetes.stable_image:
        return spec.kubernetes.stable_image
    app = app_name(policy_name, spec.kubernetes)
    with _connect(spec, kubeconfig, timeout_s) as cluster:
        route = cluster.get(istio.API_VERSION, "VirtualService", app)
        promoted = route is not None and istio.weights(route).get("canary") == 100
        track: istio.Track = "canary" if promoted else "stable"
        name = istio.deployment_name(app, track)
        found = cluster.get("apps/v1", "Deployment", name)
    containers = (found or {}).get("spec", {}).get("template", {}).get("spec", {})
    images = [c.get("image") for c in containers.get("containers", []) if c.get("image")]
    if not images:
        raise KubernetesError(
            f"no Deployment {name} with an image in namespace {spec.kubernetes.namespace}: set "
            "deploy.canary.kubernetes.stable_image for the first canary"
        )
    return str(images[0])


def rollout_status(rollout: dict[str, Any]) -> CanaryStatus:
    status = rollout.get("status") or {}
    steps = rollout.get("spec", {}).get("strategy", {}).get("canary", {}).get("steps") or []
    index = status.get("currentStepIndex")
    phase = "aborted" if status.get("abort") else str(status.get("phase") or "unknown").lower()
    details = {
        "rollout": rollout.get("metadata", {}).get("name"),
        "phase": status.get("phase"),
        "step": index,
        "steps": len(steps),
        "abort": bool(status.get("abort")),
        "paused": bool(rollout.get("spec", {}).get("paused") or status.get("pauseConditions")),
        "stable_hash": status.get("stableRS"),
        "canary_hash": status.get("currentPodHash"),
        "model_version": rollout.get("metadata", {})
        .get("annotations", {})
        .get("mlops-gate.io/model-version"),
    }
    return CanaryStatus(
        "kubernetes/argo", phase, _rollout_weight(status, steps, index), _message(status), details
    )


def _rollout_weight(status: dict[str, Any], steps: list[dict[str, Any]], index: Any) -> float:
    routed = status.get("canary", {}).get("weights", {}).get("canary", {}).get("weight")
    if routed is not None:  # with traffic routing Argo reports the weight it set
        return float(routed)
    if status.get("abort"):
        return 0.0
    if not isinstance(index, int) or index >= len(steps):
        return 100.0 if status.get("phase") == "Healthy" else 0.0
    set_weights = [s["setWeight"] for s in steps[: index + 1] if "setWeight" in s]
    return float(set_weights[-1]) if set_weights else 0.0


def _message(status: dict[str, Any]) -> str:
    reasons = [str(c.get("reason")) for c in status.get("pauseConditions") or []]
    message = str(status.get("message") or "")
    return "; ".join(part for part in (message, ", ".join(reasons)) if part)


def canary_status(canary: dict[str, Any]) -> CanaryStatus:
    """A Flagger Canary's phase (Progressing, Promoting, Succeeded, Failed, ...) and weight."""
    status = canary.get("status") or {}
    phase = str(status.get("phase") or "unknown").lower()
    weight = status.get("canaryWeight")
    if weight is None:
        weight = 100 if phase == "succeeded" else 0
    details = {
        "canary": canary.get("metadata", {}).get("name"),
        "phase": status.get("phase"),
        "failed_checks": status.get("failedChecks"),
        "iterations": status.get("iterations"),
        "skip_analysis": bool(canary.get("spec", {}).get("skipAnalysis")),
    }
    conditions = status.get("conditions") or []
    message = "; ".join(str(c.get("message")) for c in conditions if c.get("message"))
    return CanaryStatus("kubernetes/flagger", phase, float(weight), message, details)


def flagger_abort(app: str) -> str:
    return (
        f"flagger has no abort request: Flagger rolls Canary {app} back by itself when "
        "`failure_limit + 1` checks fail; to stop it now, re-apply the stable image to "
        f"Deployment {app} (Flagger then restarts the analysis from the primary)"
    )


def route_status(virtual_service: dict[str, Any]) -> CanaryStatus:
    weights = istio.weights(virtual_service)
    canary = weights.get("canary", weights.get("canary-mirror", 0.0))
    phase = {0.0: "stable", 100.0: "promoted"}.get(canary, "progressing")
    if "canary-mirror" in weights:
        phase = "shadow" if canary else "stable"
    details = {
        "virtual_service": virtual_service.get("metadata", {}).get("name"),
        "weights": weights,
    }
    shares = ", ".join(f"{subset} {share:g}%" for subset, share in weights.items())
    return CanaryStatus("kubernetes/istio", phase, canary, shares, details)


def _route(cluster: Cluster, spec: CanarySpec, app: str, weight: int, shadow: bool) -> CanaryStatus:
    _virtual_service(cluster, app)
    http = istio.http_routes(app, spec.kubernetes, weight, shadow=shadow)
    patched = cluster.merge_patch(
        istio.API_VERSION, "VirtualService", app, {"spec": {"http": http}}
    )
    return route_status(patched)


def _rollout(cluster: Cluster, app: str) -> dict[str, Any]:
    found = cluster.get(ARGO, "Rollout", app)
    if found is None:
        raise KubernetesError(
            f"no Rollout {app} in namespace {cluster.namespace} (context {cluster.context}): "
            "nothing was deployed there yet"
        )
    return found


def _flagger_canary(cluster: Cluster, app: str) -> dict[str, Any]:
    found = cluster.get(FLAGGER, "Canary", app)
    if found is None:
        raise KubernetesError(
            f"no Canary {app} in namespace {cluster.namespace} (context {cluster.context}): "
            "nothing was deployed there yet"
        )
    return found


def _virtual_service(cluster: Cluster, app: str) -> dict[str, Any]:
    found = cluster.get(istio.API_VERSION, "VirtualService", app)
    if found is None:
        raise KubernetesError(
            f"no VirtualService {app} in namespace {cluster.namespace} "
            f"(context {cluster.context}): nothing was deployed there yet"
        )
    return found


def _connect(spec: CanarySpec, kubeconfig: str | Path | None, timeout_s: float) -> Cluster:
    """A connection whose requests all share one deadline of `timeout_s` (the command's)."""
    return connect(spec.kubernetes, kubeconfig=kubeconfig, timeout_s=timeout_s)
