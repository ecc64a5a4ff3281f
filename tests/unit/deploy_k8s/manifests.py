"""Offline validation of rendered manifests: built-in kinds with `kubernetes-validate` (strict),
the custom resources (Argo Rollouts, Istio, Flagger, Prometheus Operator) with their CRDs' JSON
Schemas (tests/data/k8s-schemas), and the pod and Job specs a CRD leaves open, as the built-in
Deployment and Job they become.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

from mlops_gate.deploy.kubernetes import LiveInputs
from mlops_gate.deploy.kubernetes.manifests import render_manifests
from mlops_gate.policy.deploy import CanarySpec

SCHEMAS = Path(__file__).parents[2] / "data" / "k8s-schemas"
KUBERNETES_VERSION = "1.33"  # a release kubernetes-validate ships schemas for
MODEL_SHA = "a" * 64
EVIDENCE_SHA = "b" * 64
CHECK_IMAGE = "ghcr.io/acme/mlops-gate:1.0"
CRD_SCHEMAS = {
    ("argoproj.io/v1alpha1", "Rollout"): "argoproj.io_rollout_v1alpha1.json",
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): "argoproj.io_analysistemplate_v1alpha1.json",
    ("networking.istio.io/v1", "VirtualService"): "networking.istio.io_virtualservice_v1.json",
    ("networking.istio.io/v1", "DestinationRule"): "networking.istio.io_destinationrule_v1.json",
    ("flagger.app/v1beta1", "Canary"): "flagger.app_canary_v1beta1.json",
    ("flagger.app/v1beta1", "MetricTemplate"): "flagger.app_metrictemplate_v1beta1.json",
    ("monitoring.coreos.com/v1", "PodMonitor"): "monitoring.coreos.com_podmonitor_v1.json",
    ("monitoring.coreos.com/v1", "ServiceMonitor"): "monitoring.coreos.com_servicemonitor_v1.json",
}
# A data.reference profile as `profile.reference_profile` writes it.
PROFILE = {
    "f0": {"kind": "numeric", "edges": [-0.5, 0.0, 0.5], "counts": [25, 25, 25, 25, 0]},
    "city": {"kind": "categorical", "counts": {"nice": 60, "paris": 40}, "missing": 0},
}


def canary(**overrides: Any) -> CanarySpec:
    values: dict[str, Any] = {
        "target": "kubernetes",
        "steps": [10, 50, 100],
        "step_duration": 30,
        "analysis": {"max_error_rate": 0.01, "max_p95_ms": 120},
        "kubernetes": {"image": "ghcr.io/acme/fraud:1a2b3c", "namespace": "ml"},
    }
    kube = overrides.pop("kubernetes", {})
    values.update(overrides)
    values["kubernetes"] = {**values["kubernetes"], **kube}
    return CanarySpec.model_validate(values)


def render(spec: CanarySpec, **kwargs: Any) -> list[dict[str, Any]]:
    kwargs.setdefault("live", LiveInputs("classification", PROFILE))
    return render_manifests(
        "fraud-detector",
        spec,
        model_sha256=MODEL_SHA,
        evidence_sha256=EVIDENCE_SHA,
        version="7",
        **kwargs,
    )


def by_kind(objects: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        found.setdefault(obj["kind"], []).append(obj)
    return found


@functools.cache
def _crd_validator(file_name: str) -> jsonschema.Draft7Validator:
    schema = json.loads((SCHEMAS / file_name).read_text(encoding="utf-8"))
    return jsonschema.Draft7Validator(schema)


def problems(obj: dict[str, Any]) -> list[str]:
    """Every schema violation of `obj` (empty when valid)."""
    key = (obj["apiVersion"], obj["kind"])
    if key in CRD_SCHEMAS:
        errors = _crd_validator(CRD_SCHEMAS[key]).iter_errors(obj)
        return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as exc:
        return [str(exc)]
    return []


def all_problems(objects: list[dict[str, Any]]) -> dict[str, list[str]]:
    """`problems` of every object and of the pod and Job specs inside the custom resources,
    by `Kind/name`; only the invalid ones."""
    found = {}
    for obj in objects:
        name = f"{obj['kind']}/{obj['metadata']['name']}"
        for index, part in enumerate([obj, *embedded(obj)]):
            errors = problems(part)
            if errors:
                found[f"{name}#{index}"] = errors
    return found


def embedded(obj: dict[str, Any]) -> list[dict[str, Any]]:
    """The built-in objects a custom resource holds: a Rollout's pod template as a Deployment,
    an AnalysisTemplate's Job metrics as Jobs (the CRD schemas leave both open)."""
    if obj["kind"] == "Rollout":
        return [pod_template_as_deployment(obj)]
    if obj["kind"] != "AnalysisTemplate":
        return []
    jobs = [m["provider"]["job"] for m in obj["spec"]["metrics"] if "job" in m["provider"]]
    meta = {"name": obj["metadata"]["name"]}
    return [{"apiVersion": "batch/v1", "kind": "Job", "metadata": meta, **job} for job in jobs]


def pod_template_as_deployment(rollout: dict[str, Any]) -> dict[str, Any]:
    """A Rollout's pod template inside a Deployment, so the built-in schema checks it strictly
    (the Rollout CRD's schema leaves the pod template open)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": rollout["metadata"]["name"]},
        "spec": {"selector": rollout["spec"]["selector"], "template": rollout["spec"]["template"]},
    }
