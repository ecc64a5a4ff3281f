"""Reading a canary's state from a Rollout's status and a VirtualService's routes (pure)."""

from __future__ import annotations

from typing import Any

import pytest

from mlops_gate.deploy.kubernetes.control import rollout_status, route_status
from mlops_gate.deploy.kubernetes.istio import http_routes
from tests.unit.deploy_k8s.manifests import by_kind, canary, render

STEPS = by_kind(render(canary()))["Rollout"][0]


def _rollout(status: dict[str, Any]) -> dict[str, Any]:
    return {**STEPS, "status": status}


@pytest.mark.parametrize(
    ("status", "phase", "weight"),
    [
        ({}, "unknown", 0.0),
        ({"phase": "Progressing", "currentStepIndex": 0}, "progressing", 10.0),
        ({"phase": "Paused", "currentStepIndex": 1}, "paused", 10.0),
        ({"phase": "Progressing", "currentStepIndex": 3}, "progressing", 50.0),
        ({"phase": "Healthy", "currentStepIndex": 7}, "healthy", 100.0),
        ({"phase": "Degraded", "abort": True, "currentStepIndex": 0}, "aborted", 0.0),
        (  # with traffic routing, Argo reports the weight it set
            {
                "phase": "Paused",
                "currentStepIndex": 1,
                "canary": {"weights": {"canary": {"weight": 12}}},
            },
            "paused",
            12.0,
        ),
    ],
)
def test_rollout_phase_and_weight(status: dict[str, Any], phase: str, weight: float) -> None:
    found = rollout_status(_rollout(status))
    assert (found.phase, found.weight) == (phase, weight)


def test_route_weights() -> None:
    kube = canary().kubernetes

    def status(weight: int, shadow: bool = False) -> tuple[str, float | None]:
        found = route_status({"spec": {"http": http_routes("app", kube, weight, shadow=shadow)}})
        return found.phase, found.weight

    assert status(0) == ("stable", 0.0)
    assert status(30) == ("progressing", 30.0)
    assert status(100) == ("promoted", 100.0)
    assert status(30, shadow=True) == ("shadow", 30.0)
    assert status(0, shadow=True) == ("stable", 0.0)
