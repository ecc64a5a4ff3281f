"""The router's `/-/stats` snapshot, read on the orchestrator's side: the analysis input and the
compact per-step record (counts and p95s, without the raw samples) kept in results and state."""

from __future__ import annotations

from typing import Any

import numpy as np

from mlops_gate.deploy.local.analysis import WindowStats


def window_stats(window: dict[str, Any]) -> WindowStats:
    canary, stable = window["backends"]["canary"], window["backends"]["stable"]
    return WindowStats(
        canary_requests=int(canary["requests"]),
        canary_errors=int(canary["errors"]),
        canary_latency_ms=np.asarray(canary["latency_ms"], dtype=np.float64),
        stable_latency_ms=np.asarray(stable["latency_ms"], dtype=np.float64),
        compared_rows=int(window["compared_rows"]),
        agreed_rows=int(window["agreed_rows"]),
        canary_rows=window.get("canary_rows") or {},
    )


def summary(window: dict[str, Any]) -> dict[str, Any]:
    """The window without its raw samples: what a step result and the state file keep."""
    backends = {}
    for name, stats in window["backends"].items():
        latency = np.asarray(stats["latency_ms"], dtype=np.float64)
        p95 = float(np.percentile(latency, 95)) if latency.size else None
        backends[name] = {
            "requests": stats["requests"],
            "errors": stats["errors"],
            "statuses": stats["statuses"],
            "p95_ms": p95,
        }
    keep = ("weight", "mode", "client", "compared_rows", "agreed_rows", "dropped_copies")
    return {**{k: window[k] for k in keep}, "backends": backends}
