"""Argo Rollouts: a `Rollout` with canary steps and an `AnalysisTemplate` from the thresholds.

Each step is `setWeight`, a `pause` of `step_duration`, and an inline `analysis` run of the
template, so a step must hold before the next one starts (the local target's rule). Without
traffic routing Argo approximates a weight by the share of canary pods.

The metrics are PromQL over the serving app's own metrics (mlops_gate/serving/app.py):
`mlops_gate_predictions_total{status}` and `mlops_gate_request_duration_seconds` (endpoint
`/predict`), selected by the `namespace` and `pod` target labels that Prometheus' Kubernetes
service discovery sets (kube-prometheus does), and the canary's pod-template hash, which Argo
passes as an argument. A query with too little data yields NaN, which satisfies neither the
success nor the failure condition: the measurement is Inconclusive and the rollout pauses for a
person (`deploy --promote-now` or `--abort`), as "could not decide" is never a pass here.
"""

from __future__ import annotations

import math
from typing import Any

from mlops_gate.deploy.kubernetes.render import (
    NAME,
    TRACK,
    KubernetesError,
    Manifest,
    Release,
    metadata,
    pod_template,
    service,
)
from mlops_gate.policy.model import AnalysisSpec, CanarySpec

API_VERSION = "argoproj.io/v1alpha1"
PREDICTIONS = "mlops_gate_predictions_total"
LATENCY = "mlops_gate_request_duration_seconds_bucket"


def render_argo(release: Release, spec: CanarySpec, app: str) -> list[Manifest]:
    """AnalysisTemplate (when any threshold is set), Service, Rollout."""
    if spec.mode == "shadow":
        raise KubernetesError(
            "deploy.canary.mode: shadow needs provider: istio (a mirrored route); "
            "Argo Rollouts without traffic routing can only split traffic"
        )
    kube = spec.kubernetes
    template = analysis_template(release, spec, app)
    objects = [template] if template else []
    return [*objects, service(app, release, kube), rollout(release, spec, app, template)]


def template_name(app: str) -> str:
    return f"{app}-canary-analysis"


def rollout(release: Release, spec: CanarySpec, app: str, template: Manifest | None) -> Manifest:
    kube = spec.kubernetes
    return {
        "apiVersion": API_VERSION,
        "kind": "Rollout",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "replicas": kube.replicas,
            "revisionHistoryLimit": 3,
            "selector": {"matchLabels": {NAME: app}},
            "template": pod_template(app, release.image, release, kube, {}),
            "strategy": {
                "canary": {
                    "canaryMetadata": {"labels": {TRACK: "canary"}},
                    "stableMetadata": {"labels": {TRACK: "stable"}},
                    "steps": steps(spec, template_name(app) if template else None),
                }
            },
        },
    }


def steps(spec: CanarySpec, template: str | None) -> list[dict[str, Any]]:
    """setWeight → pause → analysis per step below 100; reaching 100 ends the rollout."""
    out: list[dict[str, Any]] = []
    for weight in spec.steps:
        out.append({"setWeight": weight})
        if weight < 100:
            out.append({"pause": {"duration": f"{math.ceil(spec.step_duration)}s"}})
            if template:
                run = {"templates": [{"templateName": template}], "args": _args(spec)}
                out.append({"analysis": run})
    return out


def _args(spec: CanarySpec) -> list[dict[str, Any]]:
    args = [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}]
    if spec.analysis.max_p95_ratio is not None:
        args.append({"name": "stable-hash", "valueFrom": {"podTemplateHashValue": "Stable"}})
    return args


def analysis_template(release: Release, spec: CanarySpec, app: str) -> Manifest | None:
    """The thresholds Prometheus can judge; None when the policy sets none of them."""
    metrics = analysis_metrics(spec.analysis, spec, app)
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


def analysis_metrics(analysis: AnalysisSpec, spec: CanarySpec, app: str) -> list[dict[str, Any]]:
    """requests (judged first), error-rate, p95-ms, p95-ratio: those the policy sets."""
    address = spec.kubernetes.prometheus
    window = f"{max(60, math.ceil(spec.step_duration))}s"  # a few scrapes at least, for rate()
    canary = _selector(spec.kubernetes.namespace, app, "canary-hash")
    limits: list[tuple[str, str, float]] = []
    if analysis.max_error_rate is not None:
        errors = f'sum(rate({PREDICTIONS}{{{canary},status="error"}}[{window}])) or vector(0)'
        total = f"sum(rate({PREDICTIONS}{{{canary}}}[{window}])) or vector(0)"
        limits.append(("error-rate", f"({errors}) / ({total})", analysis.max_error_rate))
    if analysis.max_p95_ms is not None:
        limits.append(("p95-ms", _p95_ms(canary, window), analysis.max_p95_ms))
    if analysis.max_p95_ratio is not None:
        stable = _selector(spec.kubernetes.namespace, app, "stable-hash")
        ratio = f"({_p95_ms(canary, window)}) / ({_p95_ms(stable, window)})"
        limits.append(("p95-ratio", ratio, analysis.max_p95_ratio))
    if not limits:
        return []
    served = f"sum(increase({PREDICTIONS}{{{canary}}}[{window}])) or vector(0)"
    # A step is judged only once the canary served min_requests; fewer is Inconclusive.
    requests = _metric(
        "requests", served, address, f"result[0] >= {spec.min_requests}", "result[0] < 0"
    )
    # Both conditions: NaN (no data) satisfies neither and is Inconclusive, never a pass.
    return [requests] + [
        _metric(name, query, address, f"result[0] <= {limit!r}", f"result[0] > {limit!r}")
        for name, query, limit in limits
    ]


def _metric(name: str, query: str, address: str, success: str, failure: str) -> dict[str, Any]:
    return {
        "name": name,
        "successCondition": success,
        "failureCondition": failure,
        "provider": {"prometheus": {"address": address, "query": query}},
    }


def _selector(namespace: str, app: str, hash_arg: str) -> str:
    # Argo names a rollout's pods <rollout>-<pod-template-hash>-<random>.
    return f'namespace="{namespace}",pod=~"{app}-{{{{args.{hash_arg}}}}}-.*"'


def _p95_ms(selector: str, window: str) -> str:
    buckets = f'{LATENCY}{{{selector},endpoint="/predict"}}'
    return (
        f"(histogram_quantile(0.95, sum by (le) (rate({buckets}[{window}]))) * 1000) or vector(NaN)"
    )
