"""Istio: a Deployment per version, a DestinationRule with `stable`/`canary` subsets and a
VirtualService splitting the traffic by weight (Istio's classic 90/10 example).

`mode: shadow` routes every request to stable and mirrors `weight` percent to the canary, whose
answers Envoy discards. mlops-gate moves the weights (`set_weight`); Istio itself judges nothing,
so the analysis thresholds are not evaluated in the cluster (see `unjudged_analysis`).
"""

from __future__ import annotations

from typing import Any, Literal

from mlops_gate.deploy.kubernetes.monitor import monitor
from mlops_gate.deploy.kubernetes.render import (
    APP,
    NAME,
    PREFIX,
    TRACK,
    Manifest,
    Release,
    metadata,
    pod_template,
    service,
)
from mlops_gate.policy.deploy import CanarySpec, KubernetesSpec

API_VERSION = "networking.istio.io/v1"
Track = Literal["stable", "canary"]


def render_istio(release: Release, spec: CanarySpec, app: str, stable_image: str) -> list[Manifest]:
    """Service, both Deployments, DestinationRule, then the VirtualService at the first step."""
    kube = spec.kubernetes
    scrape = monitor(release, kube, app)
    return [
        service(app, app, release, kube),
        deployment(release, spec, app, "stable", stable_image),
        deployment(release, spec, app, "canary", release.image),
        destination_rule(release, kube, app),
        virtual_service(release, kube, app, spec.steps[0], shadow=spec.mode == "shadow"),
        *([scrape] if scrape else []),
    ]


def deployment_name(app: str, track: Track) -> str:
    return f"{app}-{track}"


def host(app: str, namespace: str) -> str:
    return f"{app}.{namespace}.svc.cluster.local"


def deployment(release: Release, spec: CanarySpec, app: str, track: Track, image: str) -> Manifest:
    """The stable Deployment keeps its own image; only its routing labels are the release's."""
    kube = spec.kubernetes
    selector = {NAME: app, TRACK: track}
    template = pod_template(app, image, release, spec, {TRACK: track, "version": track})
    name = deployment_name(app, track)
    meta = metadata(name, kube.namespace, release, app=app, labels={TRACK: track})
    if track == "stable":  # the stable pods do not run the release being shipped
        labels = {NAME: app, "app": app, APP: app, TRACK: track, "version": track}
        template["metadata"]["labels"] = labels
        template["metadata"]["annotations"] = {
            key: value
            for key, value in template["metadata"]["annotations"].items()
            if key.startswith("prometheus.io/")
        }
        container = template["spec"]["containers"][0]  # its own version, the same buckets
        container["env"] = [e for e in container["env"] if e["name"] != "MODEL_VERSION"]
        meta["labels"] = {k: v for k, v in meta["labels"].items() if not _about_release(k)}
        meta["annotations"] = {
            k: v for k, v in meta["annotations"].items() if not _about_release(k)
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta,
        "spec": {
            "replicas": kube.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": selector},
            "template": template,
        },
    }


def _about_release(key: str) -> bool:
    return key.startswith(f"{PREFIX}/model") or key.startswith(
        (f"{PREFIX}/evidence", f"{PREFIX}/image")
    )


def destination_rule(release: Release, kube: KubernetesSpec, app: str) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "DestinationRule",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "host": host(app, kube.namespace),
            "subsets": [
                {"name": track, "labels": {TRACK: track}} for track in ("stable", "canary")
            ],
        },
    }


def virtual_service(
    release: Release, kube: KubernetesSpec, app: str, weight: int, *, shadow: bool = False
) -> Manifest:
    return {
        "apiVersion": API_VERSION,
        "kind": "VirtualService",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "hosts": [host(app, kube.namespace)],
            "http": http_routes(app, kube, weight, shadow=shadow),
        },
    }


def http_routes(
    app: str, kube: KubernetesSpec, weight: int, *, shadow: bool = False
) -> list[dict[str, Any]]:
    """The VirtualService's `http`: `weight` percent to the canary (mirrored when `shadow`)."""

    def destination(track: Track) -> dict[str, Any]:
        return {"host": host(app, kube.namespace), "subset": track, "port": {"number": kube.port}}

    if shadow:
        route: dict[str, Any] = {
            "name": "canary",
            "route": [{"destination": destination("stable"), "weight": 100}],
        }
        if weight > 0:
            route["mirror"] = destination("canary")
            route["mirrorPercentage"] = {"value": float(weight)}
        return [route]
    return [
        {
            "name": "canary",
            "route": [
                {"destination": destination("stable"), "weight": 100 - weight},
                {"destination": destination("canary"), "weight": weight},
            ],
        }
    ]


def weights(virtual_service: dict[str, Any]) -> dict[str, float]:
    """Percent per subset of the `canary` route, mirrored traffic as `canary-mirror`."""
    routes = virtual_service.get("spec", {}).get("http") or []
    route = next((r for r in routes if r.get("name") == "canary"), routes[0] if routes else {})
    found: dict[str, float] = {}
    for target in route.get("route") or []:
        subset = str(target.get("destination", {}).get("subset", "?"))
        found[subset] = float(target.get("weight", 100 if len(route["route"]) == 1 else 0))
    if "mirror" in route:
        found["canary-mirror"] = float(route.get("mirrorPercentage", {}).get("value", 100.0))
    return found
