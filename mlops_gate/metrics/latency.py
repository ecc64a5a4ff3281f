"""Latency statistics from per-call timings in nanoseconds (DESIGN.md, "Definitions" → Latency).

Percentiles use numpy's default linear interpolation, so a reported p95 can be recomputed from the
raw timings with `numpy.percentile(timings_ns, 95) / 1e6`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mlops_gate.metrics.errors import MetricUndefined

NS_PER_MS = 1e6
NS_PER_S = 1e9
REPORTED_PERCENTILES = (50.0, 95.0, 99.0)


@dataclass(frozen=True)
class LatencySummary:
    """What the latency gate reports about one model's timed calls."""

    percentile: float
    value_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    throughput_rps: float
    calls: int


def as_timings(timings_ns: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """`timings_ns` as a 1-D float array, or `MetricUndefined` if empty, non-finite or negative."""
    values = np.asarray(timings_ns, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise MetricUndefined("no timed calls")
    if not np.all(np.isfinite(values)):
        raise MetricUndefined("timings contain NaN or infinite values")
    if np.any(values < 0):
        raise MetricUndefined("timings contain negative durations")
    return values


def percentile_ms(timings_ns: npt.ArrayLike, percentile: float) -> float:
    """The `percentile` (0 to 100, numpy's linear method) of the timings, in milliseconds."""
    _check_percentile(percentile)
    return float(np.percentile(as_timings(timings_ns), percentile)) / NS_PER_MS


def throughput_rps(timings_ns: npt.ArrayLike, batch_size: int) -> float:
    """Rows per second: `batch_size` * calls / total time of the calls."""
    if batch_size < 1:
        raise MetricUndefined(f"batch_size must be at least 1, got {batch_size}")
    values = as_timings(timings_ns)
    total_s = float(np.sum(values)) / NS_PER_S
    if total_s <= 0:
        raise MetricUndefined("throughput is undefined: the calls took no measurable time")
    return batch_size * values.size / total_s


def regression_ratio(
    candidate_ns: npt.ArrayLike, baseline_ns: npt.ArrayLike, percentile: float
) -> float:
    """Candidate percentile / baseline percentile (> 1: the candidate is slower)."""
    candidate = percentile_ms(candidate_ns, percentile)
    baseline = percentile_ms(baseline_ns, percentile)
    if baseline <= 0:
        raise MetricUndefined(f"the baseline's p{percentile:g} is 0 ns: the ratio is undefined")
    return candidate / baseline


def summarize(timings_ns: npt.ArrayLike, percentile: float, batch_size: int) -> LatencySummary:
    """Percentiles, mean and throughput of one model's timed calls."""
    _check_percentile(percentile)
    values = as_timings(timings_ns)
    p50, p95, p99, requested = (
        float(v) / NS_PER_MS for v in np.percentile(values, [*REPORTED_PERCENTILES, percentile])
    )
    return LatencySummary(
        percentile=percentile,
        value_ms=requested,
        p50_ms=p50,
        p95_ms=p95,
        p99_ms=p99,
        mean_ms=float(np.mean(values)) / NS_PER_MS,
        throughput_rps=throughput_rps(values, batch_size),
        calls=int(values.size),
    )


def _check_percentile(percentile: float) -> None:
    if not 0 <= percentile <= 100:
        raise MetricUndefined(f"percentile must be within [0, 100], got {percentile}")


# The paired ratio's 95% interval is wanted within this fraction of it before the gate stops
# adding pairs (docs/latency.md).
PAIRED_PRECISION = 0.01


def paired_ratio(candidate_ns: npt.ArrayLike, baseline_ns: npt.ArrayLike) -> float:
    """Median over call pairs of candidate_i / baseline_i (> 1: the candidate is slower).

    Each pair of interleaved calls sees the same machine state, so a burst from a co-tenant
    scales both and cancels in their quotient; the median ignores the pairs a burst split.
    """
    candidate, baseline = _pairs(candidate_ns, baseline_ns)
    return float(np.median(candidate / baseline))


def paired_ratio_interval(
    candidate_ns: npt.ArrayLike, baseline_ns: npt.ArrayLike
) -> tuple[float, float]:
    """A distribution-free ~95% interval of `paired_ratio`: order statistics of the pair ratios.

    The interval of a median from order statistics: ranks n/2 ± 1.96·√n/2 of the sorted ratios
    (no resampling, no randomness). Pairs close in time share a machine state, so this interval
    is narrower than the run-to-run spread; the gate also wants a minimum timed span
    (gates/latency_timing.py).
    """
    candidate, baseline = _pairs(candidate_ns, baseline_ns)
    ratios = np.sort(candidate / baseline)
    n = ratios.size
    reach = 1.96 * np.sqrt(n) / 2
    low = ratios[max(0, int(np.floor(n / 2 - reach)))]
    high = ratios[min(n - 1, int(np.ceil(n / 2 + reach)))]
    return float(low), float(high)


def paired_ratio_precision(candidate_ns: npt.ArrayLike, baseline_ns: npt.ArrayLike) -> float:
    """Half-width of `paired_ratio_interval`, relative to `paired_ratio`."""
    low, high = paired_ratio_interval(candidate_ns, baseline_ns)
    return (high - low) / 2 / paired_ratio(candidate_ns, baseline_ns)


def _pairs(
    candidate_ns: npt.ArrayLike, baseline_ns: npt.ArrayLike
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    candidate, baseline = as_timings(candidate_ns), as_timings(baseline_ns)
    if candidate.size != baseline.size:
        raise MetricUndefined(f"unpaired timings: {candidate.size} vs {baseline.size} calls")
    if np.any(baseline <= 0):
        raise MetricUndefined("a baseline call took 0 ns: the ratio is undefined")
    return candidate, baseline
