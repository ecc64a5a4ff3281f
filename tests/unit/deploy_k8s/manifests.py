"""Offline validation of rendered manifests: built-in kinds with `kubernetes-validate` (strict),
the Argo and Istio custom resources with their CRDs' JSON Schemas (tests/data/k8s-schemas).
"""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate

from mlops_gate.deploy.kubernetes.render import render_manifests
from mlops_gate.policy.model import CanarySpec

SCHEMAS = Path(__file__).parents[2] / "data" / "k8s-schemas"
KUBERNETES_VERSION = "1.33"  # a release kubernetes-validate ships schemas for
MODEL_SHA = "a" * 64
EVIDENCE_SHA = "b" * 64
CRD_SCHEMAS = {
    ("argoproj.io/v1alpha1", "Rollout"): "argoproj.io_rollout_v1alpha1.json",
    ("argoproj.io/v1alpha1", "AnalysisTemplate"): "argoproj.io_analysistemplate_v1alpha1.json",
    ("networking.istio.io/v1", "VirtualService"): "networking.istio.io_virtualservice_v1.json",
    ("networking.istio.io/v1", "DestinationRule"): "networking.istio.io_destinationrule_v1.json",
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


def pod_template_as_deployment(rollout: dict[str, Any]) -> dict[str, Any]:
    """A Rollout's pod template inside a Deployment, so the built-in schema checks it strictly
    (the Rollout CRD's schema leaves the pod template open)."""
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": rollout["metadata"]["name"]},
        "spec": {"selector": rollout["spec"]["selector"], "template": rollout["spec"]["template"]},
    }
