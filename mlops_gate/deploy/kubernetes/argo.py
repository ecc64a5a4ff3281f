"""Argo Rollouts: a `Rollout` with traffic routing, background analysis from the thresholds, and
the live check as an analysis step (issue 14).

- Traffic routing (`kubernetes.traffic_routing`: istio, smi, nginx; `routing.py`) with canary and
  stable Services, so `setWeight: 10` is a tenth of the requests, not a share of the pods.
- Background analysis: the AnalysisTemplate `<app>-canary-analysis` starts with the first weight
  and measures every `analysis.interval` (at most `step_duration`, so each step is measured)
  until the rollout ends; `failure_limit` failed measurements abort, `inconclusive_limit`
  inconclusive ones (too little data) pause for a person (`deploy --promote-now` or `--abort`).
  The PromQL (`promql.py`) selects the canary's and stable pods by the pod-template hashes Argo
  passes as arguments (pods are named `<rollout>-<hash>-<random>`).
- Each step below 100 is `setWeight`, a `pause` of `step_duration` and, when `min_agreement` or
  `drift` is set, the live check Job (`live_job.py`), so the step holds before the next starts.
- A PodMonitor or ServiceMonitor (`monitor.py`) has Prometheus scrape the pods.
"""

from __future__ import annotations

import math
from typing import Any

from mlops_gate.deploy.kubernetes import promql
from mlops_gate.deploy.kubernetes.live_job import live_check_name, live_check_objects
from mlops_gate.deploy.kubernetes.monitor import monitor
from mlops_gate.deploy.kubernetes.render import (
    NAME,
    TRACK,
    KubernetesError,
    LiveInputs,
    Manifest,
    Release,
    metadata,
    pod_template,
)
from mlops_gate.deploy.kubernetes.routing import (
    argo_routing_objects,
    argo_traffic_routing,
    canary_service,
    stable_service,
)
from mlops_gate.policy.deploy import CanarySpec

API_VERSION = "argoproj.io/v1alpha1"


def render_argo(
    release: Release, spec: CanarySpec, app: str, live: LiveInputs | None = None
) -> list[Manifest]:
    """Templates, the live check's ConfigMap, Services, the route, the monitor, the Rollout."""
    if spec.mode == "shadow":
        raise KubernetesError(
            "deploy.canary.mode: shadow needs provider: istio (a mirrored route); "
            "an Argo canary splits the traffic"
        )
    kube = spec.kubernetes
    template = analysis_template(release, spec, app)
    checks = live_check_objects(release, spec, app, live)
    scrape = monitor(release, kube, app)
    return [
        *([template] if template else []),
        *checks,
        *argo_routing_objects(release, kube, app),
        *([scrape] if scrape else []),
        rollout(release, spec, app, background=template is not None, live_check=bool(checks)),
    ]


def template_name(app: str) -> str:
    return f"{app}-canary-analysis"


def rollout(
    release: Release, spec: CanarySpec, app: str, *, background: bool, live_check: bool
) -> Manifest:
    kube = spec.kubernetes
    canary: dict[str, Any] = {
        "canaryService": canary_service(app),
        "stableService": stable_service(app),
        "canaryMetadata": {"labels": {TRACK: "canary"}},
        "stableMetadata": {"labels": {TRACK: "stable"}},
        "trafficRouting": argo_traffic_routing(kube, app),
    }
    if background:  # from the first weight (step 0) on, until the rollout ends
        canary["analysis"] = {
            "templates": [{"templateName": template_name(app)}],
            "args": _args(spec),
            "startingStep": 1,
        }
    canary["steps"] = steps(spec, live_check_name(app) if live_check else None)
    return {
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "replicas": kube.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": {NAME: app}},
            "template": pod_template(app, release.image, release, spec, {}),
            "strategy": {"canary": canary},
        },
    }


def steps(spec: CanarySpec, live_check: str | None) -> list[dict[str, Any]]:
    """setWeight → pause (→ live check) per step below 100; reaching 100 ends the rollout."""
    out: list[dict[str, Any]] = []
    for weight in spec.steps:
        out.append({"setWeight": weight})
        if weight < 100:
            out.append({"pause": {"duration": f"{math.ceil(spec.step_duration)}s"}})
            if live_check:
                out.append({"analysis": {"templates": [{"templateName": live_check}]}})
    return out


def _args(spec: CanarySpec) -> list[dict[str, Any]]:
    args = [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}]
    if spec.analysis.max_p95_ratio is not None:
        args.append({"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}})
    return args


def interval_s(spec: CanarySpec) -> int:
    """Seconds between measurements: `analysis.interval`, at most a step, so each is measured."""
    return max(5, math.ceil(min(spec.analysis.interval, spec.step_duration)))


def analysis_template(release: Release, spec: CanarySpec, app: str) -> Manifest | None:
    """The thresholds Prometheus judges; None when the policy sets none of them."""
    metrics = analysis_metrics(spec, app)
    if not metrics:
        return None
    args: list[dict[str, Any]] = [{"name": "canary-hash"}]
    if spec.analysis.max_p95_ratio is not None:
        args.append({"name": "stable-hash"})
    return {
        "apiVersion": API_VERSION,
        "kind": "AnalysisTemplate",
        "metadata": metadata(template_name(app), spec.kubernetes.namespace, release, app=app),
        "spec": {"args": args, "metrics": metrics},
    }


def analysis_metrics(spec: CanarySpec, app: str) -> list[dict[str, Any]]:
    """error-rate, p95-ms, p95-ratio (those the policy sets), measured in the background."""
    analysis, kube = spec.analysis, spec.kubernetes
    every = interval_s(spec)
    pods = promql.Selectors(_pods(kube.namespace, app, "canary-hash"), "")
    if analysis.max_p95_ratio is not None:
        pods = promql.Selectors(pods.canary, _pods(kube.namespace, app, "stable-hash"))
    limits = promql.limits(
        analysis.max_error_rate,
        analysis.max_p95_ms,
        analysis.max_p95_ratio,
        pods,
        f"{promql.window_s(every)}s",
        spec.min_requests,
    )
    schedule: dict[str, Any] = {"interval": f"{every}s", "initialDelay": f"{every}s"}
    if analysis.count is not None:
        schedule["count"] = analysis.count
    schedule["failureLimit"] = analysis.failure_limit
    schedule["inconclusiveLimit"] = analysis.inconclusive_limit
    return [
        {
            "name": found.name,
            **schedule,
            # Both conditions: NaN (too little data) meets neither and is Inconclusive.
            "successCondition": f"result[0] <= {found.limit!r}",
            "failureCondition": f"result[0] > {found.limit!r}",
            "provider": {"prometheus": {"address": kube.prometheus, "query": found.query}},
        }
        for found in limits
    ]


def _pods(namespace: str, app: str, hash_arg: str) -> str:
    # Argo names a rollout's pods <rollout>-<pod-template-hash>-<random>.
    return f'namespace="{namespace}",pod=~"{app}-{{{{args.{hash_arg}}}}}-.*"'
