"""Latency statistics against numpy and hand computations (mlops_gate.metrics.latency)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.latency import (
    paired_ratio,
    paired_ratio_interval,
    paired_ratio_precision,
    percentile_ms,
    regression_ratio,
    summarize,
    throughput_rps,
)

# Realistic per-call timings: 1 ns to 100 s, as perf_counter_ns integers.
timings = st.lists(st.integers(min_value=1, max_value=100 * 10**9), min_size=1, max_size=300)
percentiles = st.floats(min_value=0, max_value=100, allow_nan=False)
batch_sizes = st.integers(min_value=1, max_value=100_000)


@given(timings, percentiles)
def test_percentile_is_numpys_linear_percentile_in_ms(values: list[int], q: float) -> None:
    expected = float(np.percentile(np.array(values, dtype=np.int64), q, method="linear")) / 1e6
    assert percentile_ms(values, q) == pytest.approx(expected, rel=1e-12)


@given(timings, percentiles)
def test_percentile_lies_within_the_observed_range(values: list[int], q: float) -> None:
    value = percentile_ms(values, q)
    assert min(values) / 1e6 * (1 - 1e-12) <= value <= max(values) / 1e6 * (1 + 1e-12)


@given(timings, percentiles, batch_sizes)
def test_summary_matches_its_parts(values: list[int], q: float, batch_size: int) -> None:
    summary = summarize(values, q, batch_size)
    assert summary.value_ms == pytest.approx(percentile_ms(values, q), rel=1e-12)
    assert summary.p50_ms == pytest.approx(percentile_ms(values, 50), rel=1e-12)
    assert summary.p95_ms == pytest.approx(percentile_ms(values, 95), rel=1e-12)
    assert summary.p99_ms == pytest.approx(percentile_ms(values, 99), rel=1e-12)
    assert summary.p50_ms <= summary.p95_ms <= summary.p99_ms
    assert summary.mean_ms == pytest.approx(sum(values) / len(values) / 1e6, rel=1e-12)
    assert summary.throughput_rps == pytest.approx(throughput_rps(values, batch_size), rel=1e-12)
    assert summary.calls == len(values)
    assert summary.percentile == q


@given(timings, batch_sizes)
def test_throughput_is_rows_over_total_time(values: list[int], batch_size: int) -> None:
    expected = batch_size * len(values) / (sum(values) / 1e9)
    assert throughput_rps(values, batch_size) == pytest.approx(expected, rel=1e-12)


@given(timings, timings, percentiles)
def test_ratio_is_candidate_over_baseline(cand: list[int], base: list[int], q: float) -> None:
    expected = float(np.percentile(cand, q)) / float(np.percentile(base, q))
    assert regression_ratio(cand, base, q) == pytest.approx(expected, rel=1e-12)


@given(timings, percentiles, st.integers(min_value=1, max_value=1000))
def test_ratio_of_scaled_timings_is_the_scale(values: list[int], q: float, scale: int) -> None:
    scaled = [v * scale for v in values]
    assert regression_ratio(scaled, values, q) == pytest.approx(scale, rel=1e-9)
    assert regression_ratio(values, values, q) == 1.0


def test_hand_computed_values() -> None:
    values = [1_000_000, 2_000_000, 3_000_000, 4_000_000]  # 1, 2, 3 and 4 ms
    assert percentile_ms(values, 50) == pytest.approx(2.5)  # halfway between 2 and 3
    assert percentile_ms(values, 95) == pytest.approx(3.85)  # rank 0.95 * 3 = 2.85
    assert percentile_ms(values, 100) == pytest.approx(4.0)
    assert percentile_ms(values, 0) == pytest.approx(1.0)
    assert throughput_rps(values, 8) == pytest.approx(8 * 4 / 0.010)  # 32 rows in 10 ms
    assert regression_ratio([2_000_000] * 3, [1_000_000] * 3, 95) == pytest.approx(2.0)


def test_a_single_call_is_every_percentile() -> None:
    summary = summarize([1_500_000], 90, 1)
    assert summary.p50_ms == summary.p95_ms == summary.p99_ms == summary.value_ms == 1.5
    assert summary.throughput_rps == pytest.approx(1 / 0.0015)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([], "no timed calls"),
        ([1.0, math.nan], "NaN or infinite"),
        ([1.0, math.inf], "NaN or infinite"),
        ([5, -1], "negative"),
    ],
)
def test_unusable_timings_are_undefined(values: list[float], message: str) -> None:
    with pytest.raises(MetricUndefined, match=message):
        summarize(values, 95, 1)


@pytest.mark.parametrize("q", [-0.1, 100.5, math.nan])
def test_percentile_outside_0_100_is_undefined(q: float) -> None:
    with pytest.raises(MetricUndefined, match="percentile"):
        percentile_ms([1, 2, 3], q)


def test_throughput_needs_a_batch_and_some_time() -> None:
    with pytest.raises(MetricUndefined, match="batch_size"):
        throughput_rps([1, 2], 0)
    with pytest.raises(MetricUndefined, match="no measurable time"):
        throughput_rps([0, 0], 1)


def test_ratio_against_a_zero_baseline_is_undefined() -> None:
    with pytest.raises(MetricUndefined, match="baseline"):
        regression_ratio([5, 6], [0, 0], 50)


def test_metric_undefined_is_a_value_error() -> None:
    assert issubclass(MetricUndefined, ValueError)


@given(
    st.lists(st.integers(1, 10**9), min_size=1, max_size=50),
    st.integers(1, 50),
)
def test_paired_ratio_of_scaled_calls_is_the_scale(values: list[int], scale: int) -> None:
    assert paired_ratio([v * scale for v in values], values) == pytest.approx(scale, rel=1e-12)
    assert paired_ratio_precision(values, values) == 0.0


def test_paired_ratio_is_the_median_of_per_pair_ratios() -> None:
    # One pair split by a burst (the 3rd) moves a ratio of percentiles, not the paired median.
    candidate = [200, 210, 9_000, 190, 205]
    baseline = [100, 100, 100, 95, 100]
    assert paired_ratio(candidate, baseline) == pytest.approx(np.median([2, 2.1, 90, 2, 2.05]))
    assert 0 < paired_ratio_precision(candidate, baseline) < math.inf


def test_paired_ratio_needs_paired_nonzero_timings() -> None:
    with pytest.raises(MetricUndefined, match="unpaired"):
        paired_ratio([1, 2, 3], [1, 2])
    with pytest.raises(MetricUndefined, match="0 ns"):
        paired_ratio([1, 2], [1, 0])


@given(timings, st.data())
def test_paired_interval_holds_the_median_at_order_statistics(
    values: list[int], data: st.DataObject
) -> None:
    others = data.draw(st.lists(st.integers(1, 10**9), min_size=len(values), max_size=len(values)))
    low, high = paired_ratio_interval(values, others)
    ratios = np.sort(np.array(values, dtype=float) / np.array(others, dtype=float))
    assert low in ratios
    assert high in ratios
    assert low <= paired_ratio(values, others) <= high
    relative = (high - low) / 2 / float(np.median(ratios))
    assert paired_ratio_precision(values, others) == pytest.approx(relative, rel=1e-12)


def test_paired_interval_of_101_ratios_is_ranks_40_to_61() -> None:
    """n/2 ± 1.96·√n/2 for n = 101: 50.5 ± 9.85 -> ranks floor(40.65) = 40, ceil(60.35) = 61."""
    baseline = [1000] * 101
    candidate = list(range(1000, 1101))  # ratios 1.000 .. 1.100 in steps of 0.001
    assert paired_ratio_interval(candidate, baseline) == (1.040, 1.061)
