"""PromQL over the serving app's own metrics (mlops_gate/serving/app.py), shared by the Argo
AnalysisTemplate and Flagger's MetricTemplates, and the latency buckets the app is told to use.

Series are selected by the `namespace` and `pod` target labels that a PodMonitor, a
ServiceMonitor and the usual annotation scrape configs all set; each provider names its pods its
own way (`Selectors`). Every threshold query yields NaN until the canary served `min_requests`
in the window: NaN meets neither of Argo's conditions (Inconclusive) and Flagger halts on it, so
too little data never counts as a pass, and a 1-in-3 error rate over three requests never fails.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PREDICTIONS = "mlops_gate_predictions_total"
LATENCY = "mlops_gate_request_duration_seconds_bucket"
# The serving app's default buckets (seconds); latency_buckets adds edges around the p95 limit.
DEFAULT_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
AROUND_LIMIT = (0.5, 0.75, 0.9, 1.1, 1.25, 1.5, 2.0)


@dataclass(frozen=True)
class Selectors:
    """Label matchers (inside `{}`) of the canary's and the stable pods' series."""

    canary: str
    stable: str


@dataclass(frozen=True)
class Limit:
    """One threshold metric: its name, its query and the largest value that passes."""

    name: str
    query: str
    limit: float


def latency_buckets(max_p95_ms: float | None) -> tuple[float, ...]:
    """Histogram upper bounds in seconds: the defaults, plus the p95 limit itself and edges
    around it. With the limit on an edge, `histogram_quantile(0.95, ...) <= limit` holds exactly
    when 95% of the requests took at most the limit: no interpolation across it (issue 14)."""
    if max_p95_ms is None:
        return DEFAULT_BUCKETS
    limit = max_p95_ms / 1000
    near = {float(f"{limit * factor:.6g}") for factor in AROUND_LIMIT}
    return tuple(sorted({*DEFAULT_BUCKETS, *near, limit}))


def buckets_env(max_p95_ms: float | None) -> str:
    """LATENCY_BUCKETS for the serving app: the bounds, comma-separated, as Python prints them."""
    return ",".join(repr(edge) for edge in latency_buckets(max_p95_ms))


def window_s(interval: float) -> int:
    """The range of a rate(): at least a minute, so a few scrapes always fall in it."""
    return max(60, math.ceil(interval))


def limits(
    max_error_rate: float | None,
    max_p95_ms: float | None,
    max_p95_ratio: float | None,
    pods: Selectors,
    window: str,
    min_requests: int,
) -> list[Limit]:
    """error-rate, p95-ms and p95-ratio: those the policy sets, each guarded by min_requests."""
    found = []
    if max_error_rate is not None:
        errors = f'sum(rate({PREDICTIONS}{{{pods.canary},status="error"}}[{window}])) or vector(0)'
        total = f"sum(rate({PREDICTIONS}{{{pods.canary}}}[{window}]))"
        found.append(Limit("error-rate", f"({errors}) / ({total})", max_error_rate))
    if max_p95_ms is not None:
        found.append(Limit("p95-ms", p95_ms(pods.canary, window), max_p95_ms))
    if max_p95_ratio is not None:
        ratio = f"({p95_ms(pods.canary, window)}) / ({p95_ms(pods.stable, window)})"
        found.append(Limit("p95-ratio", ratio, max_p95_ratio))
    served = f"sum(increase({PREDICTIONS}{{{pods.canary}}}[{window}])) >= {min_requests}"
    return [Limit(f.name, _guarded(f.query, served), f.limit) for f in found]


def _guarded(query: str, served: str) -> str:
    return f"(({query}) and on() ({served})) or on() vector(NaN)"


def p95_ms(selector: str, window: str) -> str:
    """The p95 of /predict in ms, rounded to the microsecond: a p95 on the limit's bucket edge
    reads as the limit, not one float ulp above it."""
    buckets = f'{LATENCY}{{{selector},endpoint="/predict"}}'
    return f"round(histogram_quantile(0.95, sum by (le) (rate({buckets}[{window}]))) * 1000, 0.001)"
