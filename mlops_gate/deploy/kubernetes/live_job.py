"""Argo's live check: `min_agreement` and `drift` judged in the cluster, on live traffic (issue 14).

After each step's pause, an inline `analysis` step runs the AnalysisTemplate `<app>-live-check`:
one metric whose provider is a Kubernetes `Job` of `kubernetes.check_image` (an image with
mlops-gate installed) running `python -m mlops_gate.deploy.kubernetes.live_check`. The Job reads
the last rows a canary pod answered (`GET /live-window` through the canary Service), replays them
to the stable Service for the agreement, and computes the PSI of their columns against the
`data.reference` profile in the ConfigMap `<app>-live-check` (`live_check.py`). The Job succeeds
(the step holds) or fails (Argo aborts the rollout); too few rows by its deadline is a failure,
never a pass. Argo's Job metric has no Inconclusive, so `failure_limit` does not apply to it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from mlops_gate.deploy.kubernetes.render import (
    NAME,
    KubernetesError,
    LiveInputs,
    Manifest,
    Release,
    live_checked,
    metadata,
)
from mlops_gate.deploy.kubernetes.routing import canary_service, stable_service
from mlops_gate.deploy.local.analysis import MIN_SAMPLES
from mlops_gate.policy.deploy import CanarySpec

CONFIG_FILE = "live-check.json"
MOUNT = "/etc/mlops-gate"
MODULE = "mlops_gate.deploy.kubernetes.live_check"
MAX_CONFIG_BYTES = 900_000  # a ConfigMap holds at most 1 MiB
POLL_S = 10
REPLAY_S = 300  # the Job's time to replay the window to stable, beyond its wait for rows


def live_check_name(app: str) -> str:
    return f"{app}-live-check"


def live_check_objects(
    release: Release, spec: CanarySpec, app: str, live: LiveInputs | None
) -> list[Manifest]:
    """The ConfigMap and the Job AnalysisTemplate of the live check; none when not judged."""
    if not live_checked(spec):
        return []
    kube = spec.kubernetes
    if kube.check_image is None:
        raise KubernetesError(
            "deploy.canary.kubernetes.check_image: set an image with mlops-gate installed; its "
            "Job judges min_agreement and drift on the canary's live traffic"
        )
    if live is None:
        raise KubernetesError("the live check needs the model's task (and data.reference)")
    text = config_text(live_check_config(spec, live))
    if len(text.encode("utf-8")) > MAX_CONFIG_BYTES:
        raise KubernetesError(
            f"the live check's reference profile is {len(text) // 1000} kB, more than a "
            "ConfigMap holds: list fewer deploy.canary.analysis.drift.columns"
        )
    name = live_check_name(app)
    config_map = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(name, kube.namespace, release, app=app),
        "data": {CONFIG_FILE: text},
    }
    return [config_map, _template(release, spec, app, kube.check_image)]


def live_check_config(spec: CanarySpec, live: LiveInputs) -> dict[str, Any]:
    """What `live_check.py` judges: thresholds, tolerance, and the reference profile."""
    analysis = spec.analysis
    config: dict[str, Any] = {
        "schema": 1,
        "task": live.task,
        "wait_s": wait_s(spec),
        "poll_s": POLL_S,
        "min_rows": MIN_SAMPLES,
    }
    if analysis.min_agreement is not None:
        tolerance = analysis.tolerance()
        config["agreement"] = {
            "min": analysis.min_agreement,
            "rel": tolerance.rel,
            "abs": tolerance.abs,
        }
    if analysis.drift is not None:
        if not live.reference:
            raise KubernetesError("deploy.canary.analysis.drift: no data.reference profile")
        config["drift"] = {
            "max": analysis.drift.max,
            "min_rows": analysis.drift.min_rows,
            "columns": live.reference,
        }
    return config


def config_text(config: dict[str, Any]) -> str:
    """JSON, one line per setting, so a reviewer reads the thresholds at a glance."""
    lines = [f"  {json.dumps(key)}: {json.dumps(config[key], allow_nan=False)}" for key in config]
    return "{\n" + ",\n".join(lines) + "\n}\n"


def wait_s(spec: CanarySpec) -> int:
    """How long the Job waits for enough live rows: a step's duration, at least a minute."""
    return max(60, math.ceil(spec.step_duration))


def _template(release: Release, spec: CanarySpec, app: str, image: str) -> Manifest:
    kube = spec.kubernetes
    name = live_check_name(app)
    pod = {
        # A mesh sidecar would keep the Job's pod running after the check ends.
        "metadata": {
            "labels": {NAME: app, "mlops-gate.io/role": "live-check"},
            "annotations": {"sidecar.istio.io/inject": "false"},
        },
        "spec": {
            "restartPolicy": "Never",
            "containers": [_container(spec, app, image)],
            "volumes": [{"name": "live-check", "configMap": {"name": name}}],
        },
    }
    job = {"backoffLimit": 0, "activeDeadlineSeconds": wait_s(spec) + REPLAY_S, "template": pod}
    metric = {"name": "live-check", "failureLimit": 0, "provider": {"job": {"spec": job}}}
    return {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "AnalysisTemplate",
        "metadata": metadata(name, kube.namespace, release, app=app),
        "spec": {"metrics": [metric]},
    }


def _container(spec: CanarySpec, app: str, image: str) -> dict[str, Any]:
    kube = spec.kubernetes
    base = f"http://{{}}.{kube.namespace}.svc.cluster.local:{kube.port}"
    args = ["--config", f"{MOUNT}/{CONFIG_FILE}"]
    args += [
        "--canary",
        base.format(canary_service(app)),
        "--stable",
        base.format(stable_service(app)),
    ]
    return {
        "name": "live-check",
        "image": image,
        "command": ["python", "-m", MODULE],
        "args": args,
        "volumeMounts": [{"name": "live-check", "mountPath": MOUNT, "readOnly": True}],
    }
