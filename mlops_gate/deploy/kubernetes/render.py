"""The pieces every provider of the `kubernetes` canary target shares (issues 6, 14): plain
dicts, no cluster, no client. The release's identity (labels, annotations), the serving pod and
the Services; the Prometheus scrape config is `monitor.py`'s. `manifests.render_manifests` picks
the provider's module (argo.py, flagger.py, istio.py), which builds on these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from mlops_gate.deploy.kubernetes import promql
from mlops_gate.errors import MlopsGateError
from mlops_gate.policy.deploy import CanarySpec, KubernetesSpec

Manifest = dict[str, Any]
PREFIX = "mlops-gate.io"
TRACK = f"{PREFIX}/track"  # stable | canary: Istio subsets and Argo's ephemeral pod metadata
APP = f"{PREFIX}/app"  # on every pod of the app, whatever a provider renames (Flagger's -primary)
SERVICE_ROLE = f"{PREFIX}/service"  # root: the Service over every pod, the one a monitor scrapes
NAME = "app.kubernetes.io/name"
PLACEHOLDER_VERSION = "unpromoted"  # `deploy --dry-run` before a gated promotion (issue 14)
# Label values: at most 63 characters, alphanumeric at both ends (k8s "Labels and Selectors").
_LABEL_VALUE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")


class KubernetesError(MlopsGateError):
    """The kubernetes target cannot render, reach or change the cluster (exit 2, one line)."""


@dataclass(frozen=True)
class Release:
    """What is being shipped, as the manifests record it in labels and annotations.

    `placeholder` says why `version` is not a registry version (a dry run before promotion)."""

    policy: str
    image: str
    model_sha256: str
    evidence_sha256: str
    version: str
    placeholder: str | None = None

    def labels(self) -> dict[str, str]:
        """Short, selectable facts (label values cannot hold a 64-character sha256)."""
        return {
            "app.kubernetes.io/managed-by": "mlops-gate",
            f"{PREFIX}/policy": label_value(self.policy),
            f"{PREFIX}/model-version": label_value(self.version),
            f"{PREFIX}/model-sha256-prefix": label_value(self.model_sha256[:12]),
        }

    def annotations(self) -> dict[str, str]:
        notes = {
            f"{PREFIX}/policy": self.policy,
            f"{PREFIX}/model-version": self.version,
            f"{PREFIX}/model-sha256": self.model_sha256,
            f"{PREFIX}/evidence-sha256": self.evidence_sha256,
            f"{PREFIX}/image": self.image,
        }
        if self.placeholder:
            notes[f"{PREFIX}/placeholder"] = self.placeholder
        return notes


@dataclass(frozen=True)
class LiveInputs:
    """What the in-cluster live check judges with (argo): the model's task and, for drift, the
    profile of `data.reference` (`profile.reference_profile`)."""

    task: str
    reference: dict[str, Any] | None = None


def app_name(policy_name: str, kube: KubernetesSpec) -> str:
    """`kubernetes.app`, else the policy name as a DNS label (Service names must be one)."""
    name = kube.app or re.sub(r"[^a-z0-9-]+", "-", policy_name.lower()).strip("-")
    if not _DNS_LABEL.match(name):
        raise KubernetesError(
            f"deploy.canary.kubernetes.app: {name!r} cannot name the app's objects (a lower-case "
            "DNS label of at most 40 characters starting with a letter); set `app`"
        )
    return name


def label_value(text: str) -> str:
    """`text` cut to a valid label value (63 characters, alphanumeric at both ends)."""
    value = re.sub(r"[^A-Za-z0-9._-]+", "-", text)[:63].strip("-_.")
    return value if _LABEL_VALUE.match(value) else ""


def metadata(
    name: str,
    namespace: str,
    release: Release,
    app: str | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Name, namespace, and the release's labels and annotations (`app`: the app it belongs to)."""
    return {
        "name": name,
        "namespace": namespace,
        "labels": {NAME: app or name, **release.labels(), **(labels or {})},
        "annotations": release.annotations(),
    }


def live_checked(spec: CanarySpec) -> bool:
    """Whether argo runs the live check Job (min_agreement or drift, judged on live traffic)."""
    analysis = spec.analysis
    judged = analysis.min_agreement is not None or analysis.drift is not None
    return judged and spec.kubernetes.provider == "argo"


def pod_template(
    app: str, image: str, release: Release, spec: CanarySpec, labels: dict[str, str]
) -> dict[str, Any]:
    """The serving image's pod: MODEL_VERSION labels its metrics, LATENCY_BUCKETS puts the p95
    limit on a histogram edge, /ready and /health probe it."""
    kube = spec.kubernetes
    annotations = release.annotations()
    if kube.monitor == "annotations":  # the conventional scrape annotations
        annotations |= {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": str(kube.port),
            "prometheus.io/path": "/metrics",
        }
    pod_labels = {NAME: app, "app": app, APP: app, **release.labels(), **labels}
    return {
        "metadata": {"labels": pod_labels, "annotations": annotations},
        "spec": {"containers": [_container(image, release, spec)]},
    }


def _container(image: str, release: Release, spec: CanarySpec) -> dict[str, Any]:
    kube = spec.kubernetes
    env = [
        {"name": "MODEL_VERSION", "value": release.version},
        {"name": "LATENCY_BUCKETS", "value": promql.buckets_env(spec.analysis.max_p95_ms)},
    ]
    if live_checked(spec):  # the live check replays the canary's last rows against stable
        env.append({"name": "LIVE_WINDOW_ROWS", "value": str(kube.live_window_rows)})
        env.append({"name": "EXTRA_FEATURES", "value": "ignore"})
    return {
        "name": "model",
        "image": image,
        "ports": [{"name": "http", "containerPort": kube.port, "protocol": "TCP"}],
        "env": env,
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5},
        "livenessProbe": {
            "httpGet": {"path": "/health", "port": "http"},
            "periodSeconds": 10,
            "failureThreshold": 3,
        },
    }


def service(
    name: str, app: str, release: Release, kube: KubernetesSpec, *, root: bool = True
) -> Manifest:
    """A Service over the app's pods; the `root` one (every pod) is what a ServiceMonitor
    scrapes. Argo narrows a canary/stable Service's selector to a pod-template hash itself."""
    labels = {APP: app, SERVICE_ROLE: "root" if root else name.removeprefix(f"{app}-")}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(name, kube.namespace, release, app=app, labels=labels),
        "spec": {
            "selector": {NAME: app},
            "ports": [{"name": "http", "port": kube.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def unjudged_analysis(spec: CanarySpec) -> list[str]:
    """The analysis keys the cluster cannot judge: only the `local` target evaluates them."""
    analysis = spec.analysis
    provider = spec.kubernetes.provider
    keys = []
    if provider != "argo":  # argo judges them with the live check Job
        keys += ["min_agreement"] if analysis.min_agreement is not None else []
        keys += ["drift"] if analysis.drift is not None else []
    if provider == "istio":
        keys += [
            key
            for key in ("max_error_rate", "max_p95_ms", "max_p95_ratio")
            if getattr(analysis, key) is not None
        ]
    return [
        f"deploy.canary.analysis.{key} is not judged by the kubernetes target ({provider}); "
        "only the local target evaluates it"
        for key in keys
    ]
