"""Rendering of the `kubernetes` canary target (issue 6): plain dicts, no cluster, no client.

`render_manifests` returns the objects in apply order (what a Rollout or a route refers to comes
first); `write_manifests` writes them as YAML for `deploy --dry-run --out DIR`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mlops_gate.errors import MlopsGateError
from mlops_gate.policy.model import CanarySpec, KubernetesSpec

Manifest = dict[str, Any]
PREFIX = "mlops-gate.io"
TRACK = f"{PREFIX}/track"  # stable | canary: Istio subsets and Argo's ephemeral pod metadata
NAME = "app.kubernetes.io/name"
# Label values: at most 63 characters, alphanumeric at both ends (k8s "Labels and Selectors").
_LABEL_VALUE = re.compile(r"^(?:[A-Za-z0-9](?:[-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$")


class KubernetesError(MlopsGateError):
    """The kubernetes target cannot render, reach or change the cluster (exit 2, one line)."""


@dataclass(frozen=True)
class Release:
    """What is being shipped, as the manifests record it in labels and annotations."""

    policy: str
    image: str
    model_sha256: str
    evidence_sha256: str
    version: str

    def labels(self) -> dict[str, str]:
        """Short, selectable facts (label values cannot hold a 64-character sha256)."""
        return {
            "app.kubernetes.io/managed-by": "mlops-gate",
            f"{PREFIX}/policy": label_value(self.policy),
            f"{PREFIX}/model-version": label_value(self.version),
            f"{PREFIX}/model-sha256-prefix": self.model_sha256[:12],
        }

    def annotations(self) -> dict[str, str]:
        return {
            f"{PREFIX}/policy": self.policy,
            f"{PREFIX}/model-version": self.version,
            f"{PREFIX}/model-sha256": self.model_sha256,
            f"{PREFIX}/evidence-sha256": self.evidence_sha256,
            f"{PREFIX}/image": self.image,
        }


def render_manifests(
    policy_name: str,
    spec: CanarySpec,
    *,
    model_sha256: str,
    evidence_sha256: str,
    version: str,
    image: str | None = None,
    stable_image: str | None = None,
) -> list[Manifest]:
    """The canary's objects for `spec.kubernetes.provider`, in apply order.

    `image` defaults to `spec.kubernetes.image`; istio also needs the stable image
    (`stable_image`, else `spec.kubernetes.stable_image`; `apply.resolve_stable_image` reads it
    from the cluster).
    """
    kube = spec.kubernetes
    release = Release(
        policy=policy_name,
        image=_required(image or kube.image, "kubernetes.image", "the canary image"),
        model_sha256=model_sha256,
        evidence_sha256=evidence_sha256,
        version=version,
    )
    app = app_name(policy_name, kube)
    if kube.provider == "argo":
        from mlops_gate.deploy.kubernetes.argo import render_argo

        return render_argo(release, spec, app)
    from mlops_gate.deploy.kubernetes.istio import render_istio

    stable = _required(
        stable_image or kube.stable_image,
        "kubernetes.stable_image",
        "the stable image (it is read from the cluster unless --dry-run)",
    )
    return render_istio(release, spec, app, stable)


def _required(value: str | None, key: str, what: str) -> str:
    if not value:
        raise KubernetesError(f"deploy.canary.{key}: set {what}")
    return value


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


def pod_template(
    app: str, image: str, release: Release, kube: KubernetesSpec, labels: dict[str, str]
) -> dict[str, Any]:
    """The serving image's pod: MODEL_VERSION labels its metrics, /ready and /health probe it."""
    port = kube.port
    probe = {"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5}
    return {
        "metadata": {
            "labels": {NAME: app, "app": app, **release.labels(), **labels},
            "annotations": {
                **release.annotations(),
                # the conventional scrape annotations; see docs/deploy.md on Prometheus labels
                "prometheus.io/scrape": "true",
                "prometheus.io/port": str(port),
                "prometheus.io/path": "/metrics",
            },
        },
        "spec": {
            "containers": [
                {
                    "name": "model",
                    "image": image,
                    "ports": [{"name": "http", "containerPort": port, "protocol": "TCP"}],
                    "env": [{"name": "MODEL_VERSION", "value": release.version}],
                    "readinessProbe": probe,
                    "livenessProbe": {
                        "httpGet": {"path": "/health", "port": "http"},
                        "periodSeconds": 10,
                        "failureThreshold": 3,
                    },
                }
            ]
        },
    }


def service(app: str, release: Release, kube: KubernetesSpec) -> Manifest:
    """One Service over every pod of the app (stable and canary); routing splits it."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(app, kube.namespace, release),
        "spec": {
            "selector": {NAME: app},
            "ports": [{"name": "http", "port": kube.port, "targetPort": "http", "protocol": "TCP"}],
        },
    }


def unjudged_analysis(spec: CanarySpec) -> list[str]:
    """The analysis keys the cluster cannot judge: only the `local` target evaluates them."""
    analysis = spec.analysis
    provider = spec.kubernetes.provider
    keys = ["min_agreement"] if analysis.min_agreement is not None else []
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


def to_yaml(objects: list[Manifest]) -> str:
    """A multi-document YAML stream, keys in the order rendered."""
    return "".join("---\n" + _dump(obj) for obj in objects)


def _dump(obj: Manifest) -> str:
    import yaml

    class Dumper(yaml.SafeDumper):
        def ignore_aliases(self, data: Any) -> bool:
            return True  # kubectl and humans read plain YAML: no &anchors for repeated values

    return yaml.dump(obj, Dumper=Dumper, sort_keys=False, default_flow_style=False)


def write_manifests(objects: list[Manifest], out_dir: Path) -> list[Path]:
    """One `NN-kind-name.yaml` per object (NN = apply order) plus `all.yaml`; returns the paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, obj in enumerate(objects):
        kind = str(obj["kind"]).lower()
        path = out_dir / f"{index:02d}-{kind}-{obj['metadata']['name']}.yaml"
        path.write_text(_dump(obj), encoding="utf-8")
        paths.append(path)
    combined = out_dir / "all.yaml"
    combined.write_text(to_yaml(objects), encoding="utf-8")
    return [*paths, combined]
