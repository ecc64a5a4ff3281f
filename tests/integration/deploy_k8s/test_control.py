"""`deploy --status / --abort / --promote-now` for the kubernetes target, against the fake API
server: Argo Rollouts' status-subresource patches as kubectl-argo-rollouts sends them, Flagger's
Canary, and the Istio VirtualService's weights.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from mlops_gate.deploy.kubernetes import (
    KubernetesError,
    apply_manifests,
    istio_set_weight,
    kubernetes_abort,
    kubernetes_promote_now,
    kubernetes_status,
    resolve_stable_image,
)
from tests.integration.deploy_k8s.fake_kube import MERGE, FakeKube
from tests.unit.deploy_k8s.manifests import canary, render

pytestmark = pytest.mark.integration

ROLLOUT = "/apis/argoproj.io/v1alpha1/namespaces/ml/rollouts/fraud-detector"
ROUTE = "/apis/networking.istio.io/v1/namespaces/ml/virtualservices/fraud-detector"
ISTIO = {"provider": "istio", "stable_image": "ghcr.io/acme/fraud:0f0f0f"}
PAUSED_AT_50 = {
    "phase": "Paused",
    "currentStepIndex": 3,  # setWeight 10, pause, setWeight 50, [pause]
    "pauseConditions": [{"reason": "CanaryPauseStep", "startTime": "2026-11-22T01:00:00Z"}],
    "message": "CanaryPauseStep",
    "stableRS": "6c9f8d7b5",
    "currentPodHash": "7d4b9c8f6",
}


def _deploy_argo(kube: FakeKube) -> None:
    spec = canary()
    apply_manifests(render(spec), spec.kubernetes)
    kube.set_status(ROLLOUT, PAUSED_AT_50)


def test_argo_status_reads_phase_step_and_weight(kube: FakeKube, kubeconfig: Path) -> None:
    _deploy_argo(kube)
    status = kubernetes_status("fraud-detector", canary())
    assert (status.target, status.phase, status.weight) == ("kubernetes/argo", "paused", 50.0)
    assert status.message == "CanaryPauseStep; CanaryPauseStep"
    assert status.details["step"] == 3
    assert status.details["steps"] == 5
    assert status.details["model_version"] == "7"
    assert (
        status.line() == "kubernetes/argo: paused, canary at 50%: CanaryPauseStep; CanaryPauseStep"
    )
    kube.set_status(ROLLOUT, {"phase": "Healthy", "currentStepIndex": 5})
    assert kubernetes_status("fraud-detector", canary()).weight == 100.0


def test_argo_abort_patches_the_status_subresource(kube: FakeKube, kubeconfig: Path) -> None:
    _deploy_argo(kube)
    status = kubernetes_abort("fraud-detector", canary())
    patch = kube.seen("PATCH")[-1]
    assert (patch.path, patch.content_type, patch.body) == (
        f"{ROLLOUT}/status",
        MERGE,
        {"status": {"abort": True}},
    )
    assert (status.phase, status.weight) == ("aborted", 0.0)
    assert kube.object(ROLLOUT)["spec"]["replicas"] == 2  # the spec is untouched


def test_argo_promote_now_unpauses_then_promotes_full(kube: FakeKube, kubeconfig: Path) -> None:
    _deploy_argo(kube)
    with kube.state.lock:
        kube.state.objects[ROLLOUT]["spec"]["paused"] = True  # `kubectl argo rollouts pause`
    kubernetes_promote_now("fraud-detector", canary())
    patches = [(r.path, r.body) for r in kube.seen("PATCH")[-2:]]
    assert patches == [
        (ROLLOUT, {"spec": {"paused": False}}),
        (f"{ROLLOUT}/status", {"status": {"promoteFull": True}}),
    ]
    stored = kube.object(ROLLOUT)
    assert stored["spec"]["paused"] is False
    assert stored["status"]["promoteFull"] is True


def test_argo_promote_now_leaves_an_unpaused_spec_alone(kube: FakeKube, kubeconfig: Path) -> None:
    _deploy_argo(kube)
    kubernetes_promote_now("fraud-detector", canary())
    assert [r.path for r in kube.seen("PATCH")[-1:]] == [f"{ROLLOUT}/status"]
    assert len(kube.seen("PATCH")) == 8  # the seven applies, then the status patch


def test_nothing_deployed_yet(kube: FakeKube, kubeconfig: Path) -> None:
    with pytest.raises(KubernetesError) as argo:
        kubernetes_abort("fraud-detector", canary())
    assert str(argo.value) == (
        "no Rollout fraud-detector in namespace ml (context fake): nothing was deployed there yet"
    )
    assert kube.seen("PATCH") == []
    with pytest.raises(KubernetesError, match=r"^no VirtualService fraud-detector in namespace ml"):
        kubernetes_status("fraud-detector", canary(kubernetes=ISTIO))


def test_istio_status_weights_abort_and_promote(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes=ISTIO)
    apply_manifests(render(spec), spec.kubernetes)
    status = kubernetes_status("fraud-detector", spec)
    assert (status.phase, status.weight, status.message) == (
        "progressing",
        10.0,
        "stable 90%, canary 10%",
    )
    assert istio_set_weight("fraud-detector", spec, 50).weight == 50.0
    aborted = kubernetes_abort("fraud-detector", spec)
    assert (aborted.phase, aborted.details["weights"]) == (
        "stable",
        {"stable": 100.0, "canary": 0.0},
    )
    patch = kube.seen("PATCH")[-1]
    assert (patch.path, patch.content_type) == (ROUTE, MERGE)
    assert [r["weight"] for r in patch.body["spec"]["http"][0]["route"]] == [100, 0]
    promoted = kubernetes_promote_now("fraud-detector", spec)
    assert (promoted.phase, promoted.weight) == ("promoted", 100.0)
    stored = kube.object(ROUTE)
    assert [r["weight"] for r in stored["spec"]["http"][0]["route"]] == [0, 100]
    assert stored["spec"]["hosts"] == ["fraud-detector.ml.svc.cluster.local"]  # rest untouched


def test_istio_shadow_abort_stops_the_mirror(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes=ISTIO, mode="shadow")
    apply_manifests(render(spec), spec.kubernetes)
    assert kubernetes_status("fraud-detector", spec).phase == "shadow"
    aborted = kubernetes_abort("fraud-detector", spec)
    assert aborted.details["weights"] == {"stable": 100.0}
    assert "mirror" not in kube.object(ROUTE)["spec"]["http"][0]


def test_the_stable_image_is_read_from_the_cluster(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes=ISTIO)
    apply_manifests(render(spec), spec.kubernetes)
    unset = canary(kubernetes={**ISTIO, "stable_image": None})
    assert resolve_stable_image("fraud-detector", unset) == "ghcr.io/acme/fraud:0f0f0f"
    kubernetes_promote_now("fraud-detector", spec)  # the canary now serves everything
    assert resolve_stable_image("fraud-detector", unset) == "ghcr.io/acme/fraud:1a2b3c"


def test_a_first_istio_canary_needs_a_stable_image(kube: FakeKube, kubeconfig: Path) -> None:
    unset = canary(kubernetes={"provider": "istio"})
    with pytest.raises(KubernetesError) as first:
        resolve_stable_image("fraud-detector", unset)
    assert str(first.value) == (
        "no Deployment fraud-detector-stable with an image in namespace ml: set "
        "deploy.canary.kubernetes.stable_image for the first canary"
    )


FLAGGER_CANARY = "/apis/flagger.app/v1beta1/namespaces/ml/canaries/fraud-detector"


def test_flagger_status_promote_now_and_abort(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes={"provider": "flagger"})
    apply_manifests(render(spec), spec.kubernetes)
    kube.set_status(FLAGGER_CANARY, {"phase": "Progressing", "canaryWeight": 10, "failedChecks": 1})
    status = kubernetes_status("fraud-detector", spec)
    assert (status.target, status.phase, status.weight) == (
        "kubernetes/flagger",
        "progressing",
        10.0,
    )
    assert status.details["failed_checks"] == 1
    promoted = kubernetes_promote_now("fraud-detector", spec)
    patch = kube.seen("PATCH")[-1]
    assert (patch.path, patch.content_type, patch.body) == (
        FLAGGER_CANARY,
        MERGE,
        {"spec": {"skipAnalysis": True}},
    )
    assert promoted.details["skip_analysis"] is True
    with pytest.raises(KubernetesError, match=r"^flagger has no abort request: "):
        kubernetes_abort("fraud-detector", spec)
