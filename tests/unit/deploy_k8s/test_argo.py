"""Argo Rollouts as an Argo user writes them (issue 14): traffic routing with canary and stable
Services, background analysis from the policy, a PodMonitor/ServiceMonitor, and the live check
Job as a step. Every case also validates in test_render.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.unit.deploy_k8s.manifests import CHECK_IMAGE, by_kind, canary, render

LIVE = {"check_image": CHECK_IMAGE}


def _strategy(objects: list[dict[str, Any]]) -> dict[str, Any]:
    canary_: dict[str, Any] = by_kind(objects)["Rollout"][0]["spec"]["strategy"]["canary"]
    return canary_


def test_istio_routing_splits_requests_between_the_canary_and_stable_services() -> None:
    objects = render(canary())
    services = {s["metadata"]["name"]: s for s in by_kind(objects)["Service"]}
    assert list(services) == ["fraud-detector", "fraud-detector-canary", "fraud-detector-stable"]
    for service in services.values():  # Argo adds the pod-template hash to canary and stable
        assert service["spec"]["selector"] == {"app.kubernetes.io/name": "fraud-detector"}
    strategy = _strategy(objects)
    assert (strategy["canaryService"], strategy["stableService"]) == (
        "fraud-detector-canary",
        "fraud-detector-stable",
    )
    assert strategy["trafficRouting"] == {
        "istio": {"virtualService": {"name": "fraud-detector", "routes": ["primary"]}}
    }
    (route,) = by_kind(objects)["VirtualService"][0]["spec"]["http"]
    assert route["name"] == "primary"
    assert [(r["destination"]["host"], r["weight"]) for r in route["route"]] == [
        ("fraud-detector-stable", 100),
        ("fraud-detector-canary", 0),
    ]


def test_smi_routing_names_the_root_service_and_its_traffic_split() -> None:
    objects = render(canary(kubernetes={"traffic_routing": "smi"}))
    assert _strategy(objects)["trafficRouting"] == {
        "smi": {"rootService": "fraud-detector", "trafficSplitName": "fraud-detector"}
    }
    assert "VirtualService" not in by_kind(objects)


def test_nginx_routing_has_a_stable_ingress_to_the_stable_service() -> None:
    spec = canary(kubernetes={"traffic_routing": "nginx", "ingress_host": "fraud.acme.io"})
    objects = render(spec)
    assert _strategy(objects)["trafficRouting"] == {"nginx": {"stableIngress": "fraud-detector"}}
    ingress = by_kind(objects)["Ingress"][0]["spec"]
    assert ingress["ingressClassName"] == "nginx"
    (rule,) = ingress["rules"]
    assert rule["host"] == "fraud.acme.io"
    backend = rule["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "fraud-detector-stable", "port": {"number": 8080}}


def test_background_analysis_takes_its_schedule_from_the_policy() -> None:
    analysis = {"max_error_rate": 0.01, "interval": 20, "count": 12}
    analysis |= {"failure_limit": 2, "inconclusive_limit": 3}
    objects = render(canary(analysis=analysis, step_duration=120))
    (metric,) = by_kind(objects)["AnalysisTemplate"][0]["spec"]["metrics"]
    schedule = {k: metric[k] for k in ("interval", "initialDelay", "count")}
    assert schedule == {"interval": "20s", "initialDelay": "20s", "count": 12}
    assert (metric["failureLimit"], metric["inconclusiveLimit"]) == (2, 3)
    assert _strategy(objects)["analysis"]["startingStep"] == 1  # from the first weight on


def test_the_interval_is_at_most_a_step_so_that_every_step_is_measured() -> None:
    objects = render(canary(analysis={"max_p95_ms": 100, "interval": 600}, step_duration=45))
    (metric,) = by_kind(objects)["AnalysisTemplate"][0]["spec"]["metrics"]
    assert metric["interval"] == "45s"
    assert "count" not in metric  # until the rollout ends


@pytest.mark.parametrize(
    ("monitor", "kind"),
    [("podmonitor", "PodMonitor"), ("servicemonitor", "ServiceMonitor"), ("annotations", None)],
)
def test_prometheus_scrapes_the_pods_through_the_chosen_monitor(
    monitor: str, kind: str | None
) -> None:
    kube = {"monitor": monitor, "monitor_labels": {"release": "kube-prometheus-stack"}}
    objects = render(canary(kubernetes=kube))
    found = by_kind(objects)
    pod = found["Rollout"][0]["spec"]["template"]["metadata"]
    assert pod["labels"]["mlops-gate.io/app"] == "fraud-detector"
    scraped = "prometheus.io/scrape" in pod["annotations"]
    assert scraped is (kind is None)  # never both: a pod scraped twice counts twice
    if kind is None:
        assert not {"PodMonitor", "ServiceMonitor"} & set(found)
        return
    (monitor_,) = found[kind]
    assert monitor_["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    selector = monitor_["spec"]["selector"]["matchLabels"]
    assert selector["mlops-gate.io/app"] == "fraud-detector"
    if kind == "ServiceMonitor":  # the root Service only: each pod once
        root = [s for s in found["Service"] if s["metadata"]["labels"].items() >= selector.items()]
        assert [s["metadata"]["name"] for s in root] == ["fraud-detector"]


def test_the_live_check_is_a_job_step_after_each_pause() -> None:
    spec = canary(analysis={"min_agreement": 0.97, "drift": {"max": 0.25}}, kubernetes=LIVE)
    objects = render(spec)
    steps = _strategy(objects)["steps"]
    check = {"analysis": {"templates": [{"templateName": "fraud-detector-live-check"}]}}
    assert [i for i, step in enumerate(steps) if step == check] == [2, 5]
    template = next(
        t for t in by_kind(objects)["AnalysisTemplate"] if t["metadata"]["name"].endswith("check")
    )
    (metric,) = template["spec"]["metrics"]
    job = metric["provider"]["job"]["spec"]
    (container,) = job["template"]["spec"]["containers"]
    assert container["image"] == CHECK_IMAGE
    assert container["command"] == ["python", "-m", "mlops_gate.deploy.kubernetes.live_check"]
    assert container["args"][2:] == [
        "--canary",
        "http://fraud-detector-canary.ml.svc.cluster.local:8080",
        "--stable",
        "http://fraud-detector-stable.ml.svc.cluster.local:8080",
    ]
    assert (job["backoffLimit"], metric["failureLimit"]) == (0, 0)  # one judgement per step
    env = by_kind(objects)["Rollout"][0]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert {"name": "LIVE_WINDOW_ROWS", "value": "2000"} in env


def test_a_dry_run_placeholder_is_said_in_an_annotation() -> None:
    objects = render(canary(), placeholder="rendered before a gated promotion")
    for obj in objects:
        assert obj["metadata"]["annotations"]["mlops-gate.io/placeholder"].startswith("rendered")
    assert "mlops-gate.io/placeholder" not in render(canary())[0]["metadata"]["annotations"]
