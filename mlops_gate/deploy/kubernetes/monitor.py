"""How Prometheus finds the serving pods: a Prometheus Operator PodMonitor or ServiceMonitor
(`kubernetes.monitor`), labelled with `kubernetes.monitor_labels` so that your Prometheus'
`podMonitorSelector`/`serviceMonitorSelector` picks it up (kube-prometheus-stack selects
`release: <its release name>` by default). With `monitor: annotations` the pods carry the
`prometheus.io/*` annotations instead (`render.pod_template`) and no object is rendered.

Both monitors select by the `mlops-gate.io/app` label, which every pod of the app carries (Flagger
renames the `app.kubernetes.io/name` of its primary pods); the ServiceMonitor scrapes the root
Service only, so no pod is scraped twice through the canary and stable Services.
"""

from __future__ import annotations

from mlops_gate.deploy.kubernetes.render import APP, SERVICE_ROLE, Manifest, Release, metadata
from mlops_gate.policy.deploy import KubernetesSpec

API_VERSION = "monitoring.coreos.com/v1"
SCRAPE_INTERVAL = "15s"  # four scrapes in the shortest rate() window (promql.window_s)


def monitor(release: Release, kube: KubernetesSpec, app: str) -> Manifest | None:
    """The PodMonitor or ServiceMonitor of the app's pods; None with `monitor: annotations`."""
    if kube.monitor == "annotations":
        return None
    endpoint = {"port": "http", "path": "/metrics", "interval": SCRAPE_INTERVAL}
    meta = metadata(app, kube.namespace, release, labels=dict(kube.monitor_labels))
    if kube.monitor == "podmonitor":
        spec = {"selector": {"matchLabels": {APP: app}}, "podMetricsEndpoints": [endpoint]}
        return {"apiVersion": API_VERSION, "kind": "PodMonitor", "metadata": meta, "spec": spec}
    selector = {"matchLabels": {APP: app, SERVICE_ROLE: "root"}}
    spec = {"selector": selector, "endpoints": [endpoint]}
    return {"apiVersion": API_VERSION, "kind": "ServiceMonitor", "metadata": meta, "spec": spec}
