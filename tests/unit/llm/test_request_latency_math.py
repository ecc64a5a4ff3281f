"""The cost and throughput of LLM requests (mlops_gate.metrics.request_usage), against hand
computations, and the properties a bill and a rate must have."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.request_usage import cost, tokens_per_second

tokens = st.integers(min_value=0, max_value=10**9)
prices = st.floats(min_value=0, max_value=1000, allow_nan=False, allow_infinity=False)
seconds = st.floats(min_value=1e-6, max_value=600, allow_nan=False, allow_infinity=False)
requests = st.lists(st.tuples(st.integers(0, 100_000), seconds), min_size=1, max_size=200)


def test_cost_is_tokens_times_price_per_million() -> None:
    # 1,200 prompt tokens at $0.15/M and 300 completion tokens at $0.60/M
    assert cost(1200, 300, 0.15, 0.60) == pytest.approx(0.00036, rel=1e-15)
    assert cost(0, 0, 5.0, 15.0) == 0.0


@given(tokens, tokens, prices, prices)
def test_cost_is_the_formula_and_never_negative(p: int, c: int, pin: float, pout: float) -> None:
    assert cost(p, c, pin, pout) == (p * pin + c * pout) / 1_000_000
    assert cost(p, c, pin, pout) >= 0


@given(tokens, tokens, tokens, tokens, prices, prices)
def test_cost_adds_up_over_requests(
    p1: int, c1: int, p2: int, c2: int, pin: float, pout: float
) -> None:
    together = cost(p1 + p2, c1 + c2, pin, pout)
    apart = cost(p1, c1, pin, pout) + cost(p2, c2, pin, pout)
    assert together == pytest.approx(apart, rel=1e-12, abs=1e-300)


@given(tokens, tokens, prices, prices, st.floats(min_value=0, max_value=100))
def test_cost_scales_with_the_prices(p: int, c: int, pin: float, pout: float, k: float) -> None:
    assert cost(p, c, k * pin, k * pout) == pytest.approx(k * cost(p, c, pin, pout), rel=1e-12)


@given(tokens, tokens, prices, prices)
def test_more_tokens_never_cost_less(p: int, c: int, pin: float, pout: float) -> None:
    assert cost(p + 1, c + 1, pin, pout) >= cost(p, c, pin, pout)


def test_bad_cost_inputs_are_undefined() -> None:
    with pytest.raises(MetricUndefined):
        cost(-1, 0, 1.0, 1.0)
    with pytest.raises(MetricUndefined):
        cost(1, 1, -0.1, 1.0)
    with pytest.raises(MetricUndefined):
        cost(1, 1, 1.0, math.inf)


def test_tokens_per_second_weighs_each_request_by_its_time() -> None:
    # 100 tokens in 1 s and 10 tokens in 9 s: 110 tokens in 10 s, not the mean of 100 and 1.1
    assert tokens_per_second([100, 10], [1.0, 9.0]) == 11.0


@given(requests)
def test_tokens_per_second_is_total_tokens_over_total_time(pairs: list[tuple[int, float]]) -> None:
    counts, times = [c for c, _ in pairs], [s for _, s in pairs]
    rate = tokens_per_second(counts, times)
    assert rate == pytest.approx(sum(counts) / sum(times), rel=1e-9)
    rates = [c / s for c, s in pairs]
    assert min(rates) * (1 - 1e-9) <= rate <= max(rates) * (1 + 1e-9)


@given(requests, st.floats(min_value=1e-3, max_value=1e3))
def test_a_server_k_times_slower_has_a_k_times_lower_rate(
    pairs: list[tuple[int, float]], k: float
) -> None:
    counts, times = [c for c, _ in pairs], [s for _, s in pairs]
    slower = tokens_per_second(counts, [s * k for s in times])
    assert slower == pytest.approx(tokens_per_second(counts, times) / k, rel=1e-9)


@given(requests)
def test_the_order_of_the_requests_does_not_matter(pairs: list[tuple[int, float]]) -> None:
    counts, times = [c for c, _ in pairs], [s for _, s in pairs]
    assert tokens_per_second(counts[::-1], times[::-1]) == pytest.approx(
        tokens_per_second(counts, times), rel=1e-12
    )


@pytest.mark.parametrize(
    ("counts", "times"),
    [([], []), ([1], [0.0]), ([1, 2], [1.0]), ([-1], [1.0]), ([1], [math.nan]), ([1], [-1.0])],
)
def test_an_undefined_rate_says_so(counts: list[int], times: list[float]) -> None:
    with pytest.raises(MetricUndefined):
        tokens_per_second(counts, times)


def test_call_usage_reports_the_latency_gates_percentiles() -> None:
    """The usage block of every LLM gate's details takes p50/p95/p99 from the latency gate's own
    summary (it had its own percentile); cached, failed and untimed answers are not timed."""
    import numpy as np

    from mlops_gate.gates.generation import Reply, call_usage

    seconds = [0.25, 0.1, 0.4, 1.5, 0.3, 0.2]
    replies = [Reply(text="ok", latency_s=s, completion_tokens=10) for s in seconds]
    replies += [
        Reply(text="old", cached=True, latency_s=9.0),
        Reply(text=None, error="timed out"),
        Reply(text="file"),
    ]
    usage = call_usage(replies, None)
    expected = np.percentile(seconds, [50, 95, 99]) * 1000
    found = [usage["latency_ms"][key] for key in ("p50", "p95", "p99")]
    assert found == pytest.approx(expected.tolist(), rel=1e-12)
    assert usage["calls"] == {"made": 7, "cached": 1, "failed": 1, "incomplete": 0}
