"""Server-side apply of the rendered manifests against a real HTTP server speaking the
Kubernetes API, with the kubeconfig the way a CI job has it; and the failures a CI job meets.
"""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest

from mlops_gate.deploy.kubernetes import KubernetesError, apply_manifests
from tests.integration.deploy_k8s.conftest import ADMIN_TOKEN, READER_TOKEN, write_kubeconfig
from tests.integration.deploy_k8s.fake_kube import APPLY, FakeKube
from tests.unit.deploy_k8s.manifests import canary, render

pytestmark = pytest.mark.integration

ISTIO = {"provider": "istio", "stable_image": "ghcr.io/acme/fraud:0f0f0f"}
ROLLOUTS = "/apis/argoproj.io/v1alpha1/namespaces/ml"


def test_argo_objects_are_server_side_applied_in_order(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary()
    objects = render(spec)
    applied = apply_manifests(objects, spec)
    assert applied == [
        "AnalysisTemplate/fraud-detector-canary-analysis",
        "Service/fraud-detector",
        "Service/fraud-detector-canary",
        "Service/fraud-detector-stable",
        "VirtualService/fraud-detector",
        "PodMonitor/fraud-detector",
        "Rollout/fraud-detector",
    ]
    seen = kube.seen()
    assert [(r.method, r.path) for r in seen] == [
        ("PATCH", f"{ROLLOUTS}/analysistemplates/fraud-detector-canary-analysis"),
        ("PATCH", "/api/v1/namespaces/ml/services/fraud-detector"),
        ("PATCH", "/api/v1/namespaces/ml/services/fraud-detector-canary"),
        ("PATCH", "/api/v1/namespaces/ml/services/fraud-detector-stable"),
        ("PATCH", "/apis/networking.istio.io/v1/namespaces/ml/virtualservices/fraud-detector"),
        ("PATCH", "/apis/monitoring.coreos.com/v1/namespaces/ml/podmonitors/fraud-detector"),
        ("PATCH", f"{ROLLOUTS}/rollouts/fraud-detector"),
    ]
    for request, obj in zip(seen, objects, strict=True):
        assert request.content_type == APPLY
        assert request.query == {"fieldManager": "mlops-gate", "force": "false"}
        assert request.body == obj
    stored = kube.object(f"{ROLLOUTS}/rollouts/fraud-detector")
    assert stored["spec"] == objects[-1]["spec"]
    assert stored["metadata"]["annotations"]["mlops-gate.io/evidence-sha256"] == "b" * 64


def test_istio_objects_and_reapplying_is_idempotent(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes=ISTIO)
    objects = render(spec)
    apply_manifests(objects, spec.kubernetes)
    apply_manifests(objects, spec.kubernetes)  # the same manager again: no conflict
    paths = [r.path for r in kube.seen("PATCH")]
    assert paths[:6] == [
        "/api/v1/namespaces/ml/services/fraud-detector",
        "/apis/apps/v1/namespaces/ml/deployments/fraud-detector-stable",
        "/apis/apps/v1/namespaces/ml/deployments/fraud-detector-canary",
        "/apis/networking.istio.io/v1/namespaces/ml/destinationrules/fraud-detector",
        "/apis/networking.istio.io/v1/namespaces/ml/virtualservices/fraud-detector",
        "/apis/monitoring.coreos.com/v1/namespaces/ml/podmonitors/fraud-detector",
    ]
    assert paths[6:] == paths[:6]
    route = kube.object(paths[4])["spec"]["http"][0]["route"]
    assert [r["weight"] for r in route] == [90, 10]


def test_a_field_owned_by_another_manager_is_a_conflict_unless_forced(
    kube: FakeKube, kubeconfig: Path
) -> None:
    spec = canary(kubernetes=ISTIO)
    objects = render(spec)
    kube.put("/api/v1/namespaces/ml/services/fraud-detector", objects[0], manager="kubectl")
    with pytest.raises(KubernetesError) as conflict:
        apply_manifests(objects, spec.kubernetes)
    assert str(conflict.value) == (
        "Kubernetes: could not apply Service fraud-detector in namespace ml (context fake): "
        'HTTP 409: Apply failed with 1 conflict: conflict with "kubectl": .spec '
        "(a field another manager owns; retry with force_conflicts)"
    )
    apply_manifests(objects, spec.kubernetes, force_conflicts=True)
    assert kube.seen("PATCH")[-6].query == {"fieldManager": "mlops-gate", "force": "true"}


def test_the_context_named_in_the_policy_wins(kube: FakeKube, tmp_path: Path) -> None:
    unused = _closed_port_url()
    path = write_kubeconfig(
        tmp_path / "config",
        {"laptop": (unused, ADMIN_TOKEN), "staging": (kube.url, ADMIN_TOKEN)},
        current="laptop",
    )
    spec = canary(kubernetes={"context": "staging"})
    apply_manifests(render(spec), spec.kubernetes, kubeconfig=path)
    assert len(kube.seen("PATCH")) == 7


def test_forbidden_is_one_line_naming_the_permission(kube: FakeKube, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", {"ci": (kube.url, READER_TOKEN)})
    spec = canary()
    with pytest.raises(KubernetesError) as refused:
        apply_manifests(render(spec), spec.kubernetes, kubeconfig=path)
    message = str(refused.value)
    assert message.startswith(
        "Kubernetes: could not apply AnalysisTemplate fraud-detector-canary-analysis in "
        "namespace ml (context ci): HTTP 403: forbidden ("
    )
    assert 'User "system:serviceaccount:ci:reader" cannot patch resource' in message
    assert message.endswith("the account needs RBAC `apply` on it")
    assert "\n" not in message


def test_bad_credentials(kube: FakeKube, tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", {"ci": (kube.url, "expired")})
    spec = canary()
    with pytest.raises(KubernetesError, match=r"HTTP 401: the API server refused the credentials"):
        apply_manifests(render(spec), spec.kubernetes, kubeconfig=path)


def test_missing_crds_name_what_to_install(kube: FakeKube, kubeconfig: Path) -> None:
    kube.state.prefixes.discard("/apis/argoproj.io/v1alpha1")
    spec = canary()
    with pytest.raises(KubernetesError) as missing:
        apply_manifests(render(spec), spec.kubernetes)
    assert str(missing.value).endswith(
        "HTTP 404: the server could not find the requested resource "
        "(is Argo Rollouts installed in the cluster?)"
    )


def test_an_unreachable_api_server_fails_fast(tmp_path: Path) -> None:
    path = write_kubeconfig(tmp_path / "config", {"gone": (_closed_port_url(), ADMIN_TOKEN)})
    spec = canary()
    started = time.monotonic()
    with pytest.raises(KubernetesError) as unreachable:
        apply_manifests(render(spec), spec.kubernetes, kubeconfig=path)
    assert time.monotonic() - started < 10
    message = str(unreachable.value)
    assert message.startswith("the Kubernetes API server http://127.0.0.1:"), message
    assert "(context gone) is unreachable: " in message
    assert "\n" not in message


def test_no_kube_context_is_one_clear_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "missing"))
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    spec = canary()
    with pytest.raises(KubernetesError) as none:
        apply_manifests(render(spec), spec.kubernetes)
    message = str(none.value)
    assert message.startswith("no kube context configured (")
    assert message.endswith(
        "): set KUBECONFIG or deploy.canary.kubernetes.context, "
        "or use --dry-run to only write the manifests"
    )


def test_an_unknown_context_is_one_clear_line(kube: FakeKube, kubeconfig: Path) -> None:
    spec = canary(kubernetes={"context": "prod"})
    with pytest.raises(KubernetesError, match=r"^no kube context configured \(.*prod"):
        apply_manifests(render(spec), spec.kubernetes)


def _closed_port_url() -> str:
    """A loopback port nothing listens on (bound, then closed)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
