"""Traffic routing for Argo Rollouts and Flagger: who splits the requests by weight.

Without routing, Argo can only approximate a weight by the share of canary pods (`setWeight: 10`
with 2 replicas is one pod in three). With it, the weight is the share of requests, whatever the
replicas: an Istio VirtualService (host-level: `<app>-stable` and `<app>-canary` Services, weights
Argo sets), an SMI TrafficSplit (Argo creates it over the root Service) or NGINX's canary
Ingress (Argo copies the stable Ingress `<app>` with canary annotations). Flagger creates its
Services and routes itself and only needs the Ingress for nginx.
"""

from __future__ import annotations

from typing import Any

from mlops_gate.deploy.kubernetes.render import (
    Manifest,
    Release,
    metadata,
    service,
)
from mlops_gate.policy.deploy import KubernetesSpec

ISTIO_API = "networking.istio.io/v1"
ROUTE = "primary"  # the VirtualService route whose weights Argo sets


def canary_service(app: str) -> str:
    return f"{app}-canary"


def stable_service(app: str) -> str:
    return f"{app}-stable"


def argo_routing_objects(release: Release, kube: KubernetesSpec, app: str) -> list[Manifest]:
    """The root, canary and stable Services, then the route the chosen routing needs."""
    services = [
        service(app, app, release, kube),
        service(canary_service(app), app, release, kube, root=False),
        service(stable_service(app), app, release, kube, root=False),
    ]
    if kube.traffic_routing == "istio":
        return [*services, virtual_service(release, kube, app)]
    if kube.traffic_routing == "nginx":
        return [*services, ingress(release, kube, app, stable_service(app))]
    return services  # smi: Argo creates the TrafficSplit over the root Service


def argo_traffic_routing(kube: KubernetesSpec, app: str) -> dict[str, Any]:
    """The Rollout's `strategy.canary.trafficRouting`."""
    if kube.traffic_routing == "istio":
        return {"istio": {"virtualService": {"name": app, "routes": [ROUTE]}}}
    if kube.traffic_routing == "nginx":
        return {"nginx": {"stableIngress": app}}
    return {"smi": {"rootService": app, "trafficSplitName": app}}


def virtual_service(release: Release, kube: KubernetesSpec, app: str) -> Manifest:
    """Every request to the app's host, 100/0 between stable and canary until Argo moves it."""

    def destination(name: str, weight: int) -> dict[str, Any]:
        return {"destination": {"host": name, "port": {"number": kube.port}}, "weight": weight}

    return {
        "apiVersion": ISTIO_API,
        "kind": "VirtualService",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "hosts": [f"{app}.{kube.namespace}.svc.cluster.local"],  # its short names too
            "http": [
                {
                    "name": ROUTE,
                    "route": [
                        destination(stable_service(app), 100),
                        destination(canary_service(app), 0),
                    ],
                }
            ],
        },
    }


def ingress(release: Release, kube: KubernetesSpec, app: str, backend: str) -> Manifest:
    """The app's Ingress (`kubernetes.ingress_host`, else any host) to `backend`."""
    rule: dict[str, Any] = {
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": backend, "port": {"number": kube.port}}},
                }
            ]
        }
    }
    if kube.ingress_host:
        rule = {"host": kube.ingress_host, **rule}
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {"ingressClassName": kube.ingress_class, "rules": [rule]},
    }
