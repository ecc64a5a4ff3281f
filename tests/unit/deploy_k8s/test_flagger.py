"""Flagger as the second provider (issue 14): a Canary over the app's Deployment, its steps and
failure threshold from the policy, MetricTemplates from the thresholds; and its status."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_gate.deploy.kubernetes.control import canary_status
from tests.unit.deploy_k8s.manifests import by_kind, canary, render

FLAGGER = {"provider": "flagger"}


def _canary(objects: list[dict[str, Any]]) -> dict[str, Any]:
    spec: dict[str, Any] = by_kind(objects)["Canary"][0]["spec"]
    return spec


def test_the_canary_steps_through_the_policy_weights_and_rolls_back_after_the_limit() -> None:
    spec = canary(steps=[5, 25, 60, 100], step_duration=45, kubernetes=FLAGGER)
    spec = spec.model_copy(
        update={"analysis": spec.analysis.model_copy(update={"failure_limit": 2})}
    )
    objects = render(spec)
    assert [o["kind"] for o in objects] == [
        "MetricTemplate", "MetricTemplate", "Deployment", "PodMonitor", "Canary",
    ]  # fmt: skip
    body = _canary(objects)
    assert body["targetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "fraud-detector",
    }
    assert body["provider"] == "istio"
    analysis = body["analysis"]
    assert (analysis["interval"], analysis["threshold"], analysis["stepWeights"]) == (
        "45s",
        3,
        [5, 25, 60],
    )


def test_each_threshold_is_a_metric_template_and_a_range() -> None:
    analysis = {"max_error_rate": 0.02, "max_p95_ms": 150, "max_p95_ratio": 1.3}
    objects = render(canary(analysis=analysis, min_requests=40, kubernetes=FLAGGER))
    checks = {m["name"]: m for m in _canary(objects)["analysis"]["metrics"]}
    assert {n: m["thresholdRange"] for n, m in checks.items()} == {
        "error-rate": {"max": 0.02},
        "p95-ms": {"max": 150.0},
        "p95-ratio": {"max": 1.3},
    }
    templates = {t["metadata"]["name"]: t["spec"] for t in by_kind(objects)["MetricTemplate"]}
    for name, check in checks.items():
        assert check["templateRef"] == {"name": f"fraud-detector-{name}", "namespace": "ml"}
        query = templates[f"fraud-detector-{name}"]["query"]
        assert '{{ target }}-[0-9a-zA-Z]+(-[0-9a-zA-Z]+)"' in query  # Flagger's canary pods
        assert "[{{ interval }}])) >= 40)) or on() vector(NaN)" in query
    assert "{{ target }}-primary-" in templates["fraud-detector-p95-ratio"]["query"]


@pytest.mark.parametrize(("routing", "provider"), [("smi", "smi:v1alpha3"), ("nginx", "nginx")])
def test_the_routing_choice_is_flaggers_provider(routing: str, provider: str) -> None:
    objects = render(canary(kubernetes={**FLAGGER, "traffic_routing": routing}))
    body = _canary(objects)
    assert body["provider"] == provider
    if routing == "nginx":
        assert body["ingressRef"]["name"] == "fraud-detector"
        backend = by_kind(objects)["Ingress"][0]["spec"]["rules"][0]["http"]["paths"][0]
        assert backend["backend"]["service"]["name"] == "fraud-detector"  # Flagger's apex


@pytest.mark.parametrize(
    ("status", "phase", "weight"),
    [
        ({}, "unknown", 0.0),
        ({"phase": "Progressing", "canaryWeight": 25, "failedChecks": 1}, "progressing", 25.0),
        ({"phase": "Succeeded"}, "succeeded", 100.0),
        ({"phase": "Failed", "canaryWeight": 0}, "failed", 0.0),
    ],
)
def test_flagger_status(status: dict[str, Any], phase: str, weight: float) -> None:
    found = canary_status({"metadata": {"name": "fraud-detector"}, "status": status})
    assert (found.target, found.phase, found.weight) == ("kubernetes/flagger", phase, weight)
