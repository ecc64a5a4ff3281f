"""Flagger: a `Canary` over the app's Deployment, with `MetricTemplate`s from the thresholds.

Flagger creates the primary Deployment (`<app>-primary`, the stable version), the Services
(`<app>`, `<app>-primary`, `<app>-canary`) and the route of `kubernetes.traffic_routing` (istio,
smi, nginx: the Ingress `<app>` rendered here) itself. Every `step_duration` (Flagger's
`interval`) it runs the metric checks and, when they all hold, moves to the next of `stepWeights`
(the policy's steps below 100); `failure_limit + 1` failed checks (Flagger's `threshold`) roll back.
The queries are promql.py's, with Flagger's own pod patterns: a query without enough data yields
NaN, on which Flagger halts ("no values found", a failed check), never a pass.
`min_agreement` and `drift` are not judged by Flagger (`render.unjudged_analysis` says so).
"""

from __future__ import annotations

import math
from typing import Any

from mlops_gate.deploy.kubernetes import promql
from mlops_gate.deploy.kubernetes.monitor import monitor
from mlops_gate.deploy.kubernetes.render import (
    NAME,
    KubernetesError,
    Manifest,
    Release,
    metadata,
    pod_template,
)
from mlops_gate.deploy.kubernetes.routing import ingress
from mlops_gate.policy.deploy import CanarySpec

API_VERSION = "flagger.app/v1beta1"
PROVIDERS = {"istio": "istio", "smi": "smi:v1alpha3", "nginx": "nginx"}
# Flagger's own patterns for a Deployment's pods (<name>-<hash>-<random>) and its primary's.
CANARY_PODS = 'namespace="{{ namespace }}",pod=~"{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'
PRIMARY_PODS = 'namespace="{{ namespace }}",pod=~"{{ target }}-primary-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"'


def render_flagger(release: Release, spec: CanarySpec, app: str) -> list[Manifest]:
    """MetricTemplates, the Deployment, the Ingress (nginx), the monitor, the Canary."""
    if spec.mode == "shadow":
        raise KubernetesError("deploy.canary.mode: shadow needs provider: istio")
    weights = [weight for weight in spec.steps if weight < 100]
    if not weights:
        raise KubernetesError("deploy.canary.steps: flagger needs a step below 100")
    kube = spec.kubernetes
    templates = metric_templates(release, spec, app)
    routes = [ingress(release, kube, app, app)] if kube.traffic_routing == "nginx" else []
    scrape = monitor(release, kube, app)
    return [
        *[template for template, _ in templates],
        deployment(release, spec, app),
        *routes,
        *([scrape] if scrape else []),
        canary(release, spec, app, weights, [check for _, check in templates]),
    ]


def deployment(release: Release, spec: CanarySpec, app: str) -> Manifest:
    """The target: Flagger copies it to `<app>-primary` once the canary is promoted."""
    kube = spec.kubernetes
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "replicas": kube.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": {NAME: app}},
            "template": pod_template(app, release.image, release, spec, {}),
        },
    }


def window_s(spec: CanarySpec) -> int:
    return promql.window_s(spec.step_duration)


def metric_templates(
    release: Release, spec: CanarySpec, app: str
) -> list[tuple[Manifest, dict[str, Any]]]:
    """Each threshold's MetricTemplate, and the Canary's metric check that uses it."""
    analysis, kube = spec.analysis, spec.kubernetes
    limits = promql.limits(
        analysis.max_error_rate,
        analysis.max_p95_ms,
        analysis.max_p95_ratio,
        promql.Selectors(CANARY_PODS, PRIMARY_PODS),
        "{{ interval }}",
        spec.min_requests,
    )
    found = []
    for limit in limits:
        name = f"{app}-{limit.name}"
        template = {
            "apiVersion": API_VERSION,
            "kind": "MetricTemplate",
            "metadata": metadata(name, kube.namespace, release, app=app),
            "spec": {
                "provider": {"type": "prometheus", "address": kube.prometheus},
                "query": limit.query,
            },
        }
        check = {
            "name": limit.name,
            "templateRef": {"name": name, "namespace": kube.namespace},
            "thresholdRange": {"max": limit.limit},
            "interval": f"{window_s(spec)}s",
        }
        found.append((template, check))
    return found


def canary(
    release: Release,
    spec: CanarySpec,
    app: str,
    weights: list[int],
    checks: list[dict[str, Any]],
) -> Manifest:
    kube = spec.kubernetes
    body: dict[str, Any] = {
        "provider": PROVIDERS[kube.traffic_routing],
        "targetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": app},
    }
    if kube.traffic_routing == "nginx":
        body["ingressRef"] = {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "name": app}
    body["service"] = {"port": kube.port, "targetPort": "http", "portName": "http"}
    body["analysis"] = {
        "interval": f"{math.ceil(spec.step_duration)}s",
        "threshold": spec.analysis.failure_limit + 1,
        "stepWeights": weights,
        "metrics": checks,
    }
    return {
        "apiVersion": API_VERSION,
        "kind": "Canary",
        "metadata": metadata(app, kube.namespace, release),
        "spec": body,
    }
