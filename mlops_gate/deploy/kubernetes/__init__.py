"""The `kubernetes` canary target (issue 6): Argo Rollouts or Istio manifests, applied with
server-side apply when a kube context is configured, written as YAML with `--dry-run`.

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
from mlops_gate.deploy.kubernetes.render import (
    KubernetesError,
    render_manifests,
    to_yaml,
    unjudged_analysis,
    write_manifests,
)

__all__ = [
    "CanaryStatus",
    "KubernetesError",
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
