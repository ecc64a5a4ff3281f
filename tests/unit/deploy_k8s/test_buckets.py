"""Latency buckets from the thresholds (issue 14): with `max_p95_ms` on a bucket edge, the p95
query's verdict is the truth ("95% of the requests took at most the limit"), where the fixed
buckets interpolated a 120 ms limit between the 100 and 250 ms edges."""

from __future__ import annotations

import bisect
import math

import numpy as np
import pytest

from mlops_gate.deploy.kubernetes.promql import DEFAULT_BUCKETS, buckets_env, latency_buckets


def histogram_quantile(q: float, bounds: tuple[float, ...], samples: np.ndarray) -> float:
    """Prometheus' `histogram_quantile` (promql/quantile.go, bucketQuantile) over the
    cumulative bucket counts a prometheus_client Histogram with `bounds` exports."""
    edges = [*bounds, math.inf]
    counts = [int((samples <= edge).sum()) for edge in edges]
    rank = q * counts[-1]
    b = bisect.bisect_left(counts[:-1], rank)  # the first bucket whose count >= rank
    if b == len(edges) - 1:
        return edges[-2]
    start, count = (0.0, counts[b]) if b == 0 else (edges[b - 1], counts[b] - counts[b - 1])
    below = 0 if b == 0 else counts[b - 1]
    return start + (edges[b] - start) * ((rank - below) / count)


def p95_verdict(bounds: tuple[float, ...], samples_s: np.ndarray, limit_ms: float) -> bool:
    """What the AnalysisTemplate decides: round(histogram_quantile * 1000, 0.001) <= limit."""
    value = histogram_quantile(0.95, bounds, samples_s) * 1000
    return math.floor(value * 1000 + 0.5) / 1000 <= limit_ms


def truth(samples_s: np.ndarray, limit_ms: float) -> bool:
    return bool((samples_s <= limit_ms / 1000).sum() >= 0.95 * samples_s.size)


def test_the_limit_is_an_edge_and_the_defaults_stay() -> None:
    bounds = latency_buckets(120)
    assert 0.12 in bounds
    assert set(DEFAULT_BUCKETS) <= set(bounds)
    assert list(bounds) == sorted(set(bounds))
    assert latency_buckets(None) == DEFAULT_BUCKETS
    assert [float(edge) for edge in buckets_env(120).split(",")] == list(bounds)


def test_fixed_buckets_failed_a_canary_that_held_its_limit() -> None:
    samples = np.full(1000, 0.110)  # every request 110 ms: well inside a 120 ms p95 limit
    assert truth(samples, 120)
    assert not p95_verdict(DEFAULT_BUCKETS, samples, 120)  # interpolated to ~242 ms
    assert p95_verdict(latency_buckets(120), samples, 120)


@pytest.mark.parametrize("limit_ms", [7.5, 120, 333, 1800])
def test_with_the_derived_buckets_the_verdict_is_the_truth(limit_ms: float) -> None:
    rng = np.random.default_rng(int(limit_ms))
    bounds = latency_buckets(limit_ms)
    for _ in range(300):
        scale = rng.uniform(0.2, 2.0) * limit_ms / 1000
        samples = rng.gamma(shape=rng.uniform(1, 20), scale=scale / 10, size=rng.integers(20, 400))
        assert p95_verdict(bounds, samples, limit_ms) == truth(samples, limit_ms)


def test_exactly_95_percent_at_the_limit_passes() -> None:
    samples = np.array([0.12] * 19 + [0.5])  # rank 19 falls on the 120 ms edge itself
    assert truth(samples, 120)
    assert p95_verdict(latency_buckets(120), samples, 120)
