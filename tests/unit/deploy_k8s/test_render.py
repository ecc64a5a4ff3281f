"""Rendering of the kubernetes target: every object validates offline; the policy's thresholds,
steps and identity land where Argo Rollouts, Flagger and Istio read them.

Changed on purpose in issue 14 (the expectations below say so): Argo gets traffic routing,
canary/stable Services, a monitor and background analysis, so its objects, steps and queries
differ from issue 6's; the `requests` metric became a min_requests guard inside each query.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from mlops_gate.deploy.kubernetes import KubernetesError, unjudged_analysis, write_manifests
from mlops_gate.deploy.kubernetes.files import to_yaml
from mlops_gate.policy.deploy import CanarySpec
from tests.unit.deploy_k8s.manifests import (
    CHECK_IMAGE,
    EVIDENCE_SHA,
    MODEL_SHA,
    all_problems,
    by_kind,
    canary,
    problems,
    render,
)

ISTIO = {"provider": "istio", "stable_image": "ghcr.io/acme/fraud:0f0f0f"}
EVERYTHING = {
    "max_error_rate": 0.01,
    "max_p95_ms": 120,
    "max_p95_ratio": 1.2,
    "min_agreement": 0.95,
    "drift": {"max": 0.2},
    "count": 10,
    "failure_limit": 1,
}
CASES = {
    "argo": canary(),
    "argo-everything": canary(analysis=EVERYTHING, kubernetes={"check_image": CHECK_IMAGE}),
    "argo-no-analysis": canary(analysis={}, steps=[25]),
    "argo-smi-servicemonitor": canary(
        kubernetes={"traffic_routing": "smi", "monitor": "servicemonitor"}
    ),
    "argo-nginx-annotations": canary(
        kubernetes={"traffic_routing": "nginx", "monitor": "annotations", "ingress_host": "a.b"}
    ),
    "flagger": canary(analysis=EVERYTHING, kubernetes={"provider": "flagger"}),
    "flagger-nginx": canary(kubernetes={"provider": "flagger", "traffic_routing": "nginx"}),
    "flagger-smi": canary(kubernetes={"provider": "flagger", "traffic_routing": "smi"}),
    "istio": canary(kubernetes=ISTIO),
    "istio-shadow": canary(kubernetes=ISTIO, mode="shadow"),
}


@pytest.mark.parametrize("case", CASES)
def test_every_rendered_object_validates(case: str) -> None:
    objects = render(CASES[case])
    assert all_problems(objects) == {}
    assert all(obj["metadata"]["namespace"] == "ml" for obj in objects)


def test_the_validators_do_reject_a_bad_manifest() -> None:
    rollout = by_kind(render(canary()))["Rollout"][0]
    rollout["spec"]["strategy"]["canary"]["steps"][0] = {"setWeight": "ten", "bogus": 1}
    assert len(problems(rollout)) == 2
    service = by_kind(render(canary()))["Service"][0]
    service["spec"]["ports"][0]["port"] = "http"
    assert problems(service)


def test_argo_steps_pause_at_each_weight_below_100_and_analyse_in_the_background() -> None:
    objects = render(canary(steps=[10, 50, 100], step_duration=90.5))
    assert [o["kind"] for o in objects] == [
        "AnalysisTemplate", "Service", "Service", "Service", "VirtualService", "PodMonitor",
        "Rollout",
    ]  # fmt: skip
    strategy = by_kind(objects)["Rollout"][0]["spec"]["strategy"]["canary"]
    pause = {"pause": {"duration": "91s"}}
    assert strategy["steps"] == [
        {"setWeight": 10}, pause, {"setWeight": 50}, pause, {"setWeight": 100},
    ]  # fmt: skip
    assert strategy["analysis"] == {
        "templates": [{"templateName": "fraud-detector-canary-analysis"}],
        "args": [{"name": "canary-hash", "valueFrom": {"podTemplateHashValue": "Latest"}}],
        "startingStep": 1,
    }


def test_analysis_template_metrics_come_from_the_thresholds() -> None:
    spec = canary(
        analysis={"max_error_rate": 0.02, "max_p95_ms": 150, "max_p95_ratio": 1.25},
        min_requests=300,
    )
    template = by_kind(render(spec))["AnalysisTemplate"][0]
    assert template["spec"]["args"] == [{"name": "canary-hash"}, {"name": "stable-hash"}]
    metrics = {m["name"]: m for m in template["spec"]["metrics"]}
    assert list(metrics) == ["error-rate", "p95-ms", "p95-ratio"]
    conditions = {n: (m["successCondition"], m["failureCondition"]) for n, m in metrics.items()}
    assert conditions == {
        "error-rate": ("result[0] <= 0.02", "result[0] > 0.02"),
        "p95-ms": ("result[0] <= 150.0", "result[0] > 150.0"),
        "p95-ratio": ("result[0] <= 1.25", "result[0] > 1.25"),
    }
    prometheus = {n: m["provider"]["prometheus"] for n, m in metrics.items()}
    assert {p["address"] for p in prometheus.values()} == {"http://prometheus.monitoring.svc:9090"}
    canary_pods = 'namespace="ml",pod=~"fraud-detector-{{args.canary-hash}}-.*"'
    served = f"sum(increase(mlops_gate_predictions_total{{{canary_pods}}}[60s])) >= 300"
    assert prometheus["error-rate"]["query"] == (
        f'(((sum(rate(mlops_gate_predictions_total{{{canary_pods},status="error"}}[60s]))'
        " or vector(0)) / "
        f"(sum(rate(mlops_gate_predictions_total{{{canary_pods}}}[60s]))))"
        f" and on() ({served})) or on() vector(NaN)"
    )
    assert prometheus["p95-ms"]["query"] == (
        "((round(histogram_quantile(0.95, sum by (le) (rate("
        "mlops_gate_request_duration_seconds_bucket"
        f'{{{canary_pods},endpoint="/predict"}}[60s]))) * 1000, 0.001))'
        f" and on() ({served})) or on() vector(NaN)"
    )
    assert "{{args.stable-hash}}" in prometheus["p95-ratio"]["query"]


def test_without_thresholds_there_is_no_analysis() -> None:
    objects = render(canary(analysis={}))
    assert "AnalysisTemplate" not in by_kind(objects)
    strategy = by_kind(objects)["Rollout"][0]["spec"]["strategy"]["canary"]
    assert "analysis" not in strategy
    assert not any("analysis" in step for step in strategy["steps"])


def test_identity_in_labels_and_annotations() -> None:
    for obj in render(canary()) + render(canary(kubernetes=ISTIO)):
        if obj["metadata"]["name"].endswith("-stable"):
            continue  # the stable Deployment runs the model already serving
        annotations = obj["metadata"]["annotations"]
        assert annotations["mlops-gate.io/model-sha256"] == MODEL_SHA
        assert annotations["mlops-gate.io/evidence-sha256"] == EVIDENCE_SHA
        assert annotations["mlops-gate.io/policy"] == "fraud-detector"
        assert annotations["mlops-gate.io/model-version"] == "7"
        labels = obj["metadata"]["labels"]
        assert labels["mlops-gate.io/model-sha256-prefix"] == MODEL_SHA[:12]
        assert labels["app.kubernetes.io/managed-by"] == "mlops-gate"
        assert obj["metadata"]["namespace"] == "ml"
    pod = by_kind(render(canary()))["Rollout"][0]["spec"]["template"]
    assert pod["metadata"]["annotations"]["mlops-gate.io/model-sha256"] == MODEL_SHA
    env = {e["name"]: e["value"] for e in pod["spec"]["containers"][0]["env"]}
    assert env["MODEL_VERSION"] == "7"
    assert "0.12" in env["LATENCY_BUCKETS"].split(",")


def test_istio_splits_by_weight_between_two_subsets() -> None:
    kinds = by_kind(render(canary(kubernetes=ISTIO, steps=[20, 100])))
    stable, canary_ = kinds["Deployment"]
    assert stable["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":0f0f0f")
    assert canary_["spec"]["template"]["spec"]["containers"][0]["image"].endswith(":1a2b3c")
    assert "mlops-gate.io/model-sha256" not in stable["metadata"]["annotations"]
    rule = kinds["DestinationRule"][0]["spec"]
    assert rule["host"] == "fraud-detector.ml.svc.cluster.local"
    assert rule["subsets"] == [
        {"name": "stable", "labels": {"mlops-gate.io/track": "stable"}},
        {"name": "canary", "labels": {"mlops-gate.io/track": "canary"}},
    ]
    route = kinds["VirtualService"][0]["spec"]["http"][0]["route"]
    assert [(r["destination"]["subset"], r["weight"]) for r in route] == [
        ("stable", 80),
        ("canary", 20),
    ]
    selector = stable["spec"]["selector"]["matchLabels"]
    assert stable["spec"]["template"]["metadata"]["labels"].items() >= selector.items()


def test_istio_shadow_mirrors_instead_of_splitting() -> None:
    service = by_kind(render(canary(kubernetes=ISTIO, mode="shadow")))["VirtualService"][0]
    http = service["spec"]["http"][0]
    assert [(r["destination"]["subset"], r["weight"]) for r in http["route"]] == [("stable", 100)]
    assert http["mirror"]["subset"] == "canary"
    assert http["mirrorPercentage"] == {"value": 10.0}


def test_what_the_cluster_cannot_judge_is_named() -> None:
    analysis = {"max_p95_ms": 100, "min_agreement": 0.99, "drift": {"max": 0.2}}
    argo = canary(analysis=analysis, kubernetes={"check_image": CHECK_IMAGE})
    assert unjudged_analysis(argo) == []  # the live check Job judges agreement and drift
    flagger = canary(analysis=analysis, kubernetes={"provider": "flagger"})
    assert [line.split(" ")[0] for line in unjudged_analysis(flagger)] == [
        "deploy.canary.analysis.min_agreement",
        "deploy.canary.analysis.drift",
    ]
    istio = canary(kubernetes=ISTIO)
    assert len(unjudged_analysis(istio)) == 2  # max_error_rate and max_p95_ms


@pytest.mark.parametrize(
    ("spec", "kwargs", "message"),
    [
        (canary(mode="shadow"), {}, "deploy.canary.mode: shadow needs provider: istio"),
        (
            canary(analysis={"min_agreement": 0.9}),
            {},
            "deploy.canary.kubernetes.check_image: set an image with mlops-gate installed",
        ),
        (
            canary(kubernetes={"provider": "flagger"}, steps=[100]),
            {},
            "deploy.canary.steps: flagger needs a step below 100",
        ),
        (canary(kubernetes={"image": None}), {}, "deploy.canary.kubernetes.image: set"),
        (
            canary(kubernetes={"provider": "istio"}),
            {},
            "deploy.canary.kubernetes.stable_image: set",
        ),
        (canary(kubernetes={"app": None}), {"policy": "9lives"}, "deploy.canary.kubernetes.app"),
    ],
)
def test_what_cannot_be_rendered_is_one_clear_error(
    spec: CanarySpec, kwargs: dict[str, str], message: str
) -> None:
    from mlops_gate.deploy.kubernetes import render_manifests

    with pytest.raises(KubernetesError, match=message.replace(".", r"\.")):
        render_manifests(
            kwargs.get("policy", "fraud-detector"),
            spec,
            model_sha256=MODEL_SHA,
            evidence_sha256=EVIDENCE_SHA,
            version="7",
        )


def test_app_name_defaults_to_the_policy_as_a_dns_label() -> None:
    objects = render_name("Fraud_Detector.v2")
    assert {o["metadata"]["name"] for o in objects} >= {"fraud-detector-v2"}


def render_name(policy: str) -> list[dict[str, Any]]:
    from mlops_gate.deploy.kubernetes import render_manifests

    return render_manifests(
        policy, canary(), model_sha256=MODEL_SHA, evidence_sha256=EVIDENCE_SHA, version="7"
    )


def test_write_manifests_one_file_per_object_plus_all(tmp_path: Path) -> None:
    objects = render(canary())
    paths = write_manifests(objects, tmp_path / "out")
    assert [p.name for p in paths] == [
        "00-analysistemplate-fraud-detector-canary-analysis.yaml",
        "01-service-fraud-detector.yaml",
        "02-service-fraud-detector-canary.yaml",
        "03-service-fraud-detector-stable.yaml",
        "04-virtualservice-fraud-detector.yaml",
        "05-podmonitor-fraud-detector.yaml",
        "06-rollout-fraud-detector.yaml",
        "all.yaml",
    ]
    assert [yaml.safe_load(p.read_text()) for p in paths[:-1]] == objects
    combined = paths[-1].read_text()
    assert list(yaml.safe_load_all(combined)) == objects
    assert combined == to_yaml(objects)
    assert "&id" not in combined  # no YAML anchors for repeated values


def test_a_rerender_removes_the_objects_of_an_earlier_one(tmp_path: Path) -> None:
    write_manifests(render(canary()), tmp_path)
    smaller = render(canary(analysis={}))
    paths = write_manifests(smaller, tmp_path)
    assert sorted(tmp_path.iterdir()) == sorted(paths)
