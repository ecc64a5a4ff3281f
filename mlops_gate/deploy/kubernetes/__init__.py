"""The `kubernetes` canary target (issues 6, 14): Argo Rollouts, Flagger or Istio manifests,
applied with server-side apply when a kube context is configured, written as YAML with
`--dry-run`; `live_check` is the Job that judges agreement and drift in the cluster.

Nothing here imports the `kubernetes` client until a cluster is contacted.
"""

from mlops_gate.deploy.kubernetes.apply import apply_manifests, connect
from mlops_gate.deploy.kubernetes.control import (
    CanaryStatus,
    istio_set_weight,
    kubernetes_abort,
    kubernetes_promote_now,
    kubernetes_status,
    resolve_stable_image,
)
from mlops_gate.deploy.kubernetes.files import to_yaml, write_manifests
from mlops_gate.deploy.kubernetes.manifests import render_manifests
from mlops_gate.deploy.kubernetes.render import (
    PLACEHOLDER_VERSION,
    KubernetesError,
    LiveInputs,
    unjudged_analysis,
)

__all__ = [
    "PLACEHOLDER_VERSION",
    "CanaryStatus",
    "KubernetesError",
    "LiveInputs",
    "apply_manifests",
    "connect",
    "istio_set_weight",
    "kubernetes_abort",
    "kubernetes_promote_now",
    "kubernetes_status",
    "render_manifests",
    "resolve_stable_image",
    "to_yaml",
    "unjudged_analysis",
    "write_manifests",
]
