"""Threshold boundaries, defined once in `gates/base.py` and shared by every gate (issue 13).

`min`/`max` are inclusive and a value within a few ulps of its limit is at it: a metric drop that
equals `max_drop` passes whatever floats it was computed from, and a value one clear step past
the limit (a few ulps more than the tolerance) fails.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from mlops_gate.gates.base import (
    is_above,
    is_below,
    tolerance,
    verdict_at_least,
    verdict_at_most,
)
from mlops_gate.gates.metric import Config as MetricConfig
from mlops_gate.gates.metric_limits import broken_limits
from mlops_gate.results import Verdict

# Metric values, PSI, megabytes, milliseconds: every magnitude a limit is written in.
values = st.floats(min_value=0.0, max_value=1e6, allow_nan=False, allow_infinity=False)
shares = st.floats(min_value=0.0, max_value=1.0, allow_nan=False, allow_infinity=False)


def clear_step(limit: float, scale: float = 0.0) -> float:
    """Twice the tolerance: past it, whatever the rounding of `limit + step`."""
    return 2 * tolerance(limit, scale)


def test_the_reported_defect_drop_equal_to_max_drop_passes() -> None:
    """0.85 - 0.84 is 0.010000000000000009 in floats: it failed "by 8.67e-18"."""
    config = MetricConfig(type="metric", metric="f1", max_drop=0.01)
    assert 0.85 - 0.84 > 0.01
    assert broken_limits(config, 0.84, 0.85, {"metric": "f1", "delta": 0.84 - 0.85}) == []


@given(baseline=shares, drop=shares)
def test_drop_equal_to_max_drop_passes(baseline: float, drop: float) -> None:
    value = baseline - drop  # the candidate exactly `drop` below its baseline, as floats allow
    config = MetricConfig(type="metric", metric="accuracy", max_drop=drop)
    details = {"metric": "accuracy", "delta": value - baseline}
    assert broken_limits(config, value, baseline, details) == []


@given(baseline=values, drop=values)
def test_drop_equal_to_max_drop_passes_at_any_magnitude(baseline: float, drop: float) -> None:
    value = baseline - drop
    assert not is_above(baseline - value, drop, scale=max(abs(baseline), abs(value)))


@given(baseline=shares, drop=shares)
def test_a_drop_one_clear_step_past_max_drop_fails(baseline: float, drop: float) -> None:
    value = baseline - drop - clear_step(drop, baseline)
    config = MetricConfig(type="metric", metric="accuracy", max_drop=drop)
    details = {"metric": "accuracy", "delta": value - baseline}
    (failure,) = broken_limits(config, value, baseline, details)
    assert f"exceeds max_drop {drop:g}" in failure


@given(limit=values)
def test_a_value_at_the_limit_is_within_it(limit: float) -> None:
    assert verdict_at_most(limit, limit) is Verdict.PASS
    assert verdict_at_least(limit, limit) is Verdict.PASS
    assert verdict_at_most(limit, limit, warn=limit) is Verdict.PASS


@given(limit=values)
def test_a_sum_of_parts_at_the_limit_is_within_it(limit: float) -> None:
    """A value that is the limit up to rounding (here: a limit split in ten parts, added up)."""
    parts = math.fsum([limit / 10] * 10)
    added = sum([limit / 10] * 10)
    assert not is_above(added, limit)
    assert not is_below(added, limit)
    assert not is_above(parts, limit)
    assert not is_below(parts, limit)


@given(limit=values)
def test_one_clear_step_past_the_limit_breaks_it(limit: float) -> None:
    step = clear_step(limit)
    assert verdict_at_most(limit + step, limit) is Verdict.FAIL
    assert verdict_at_least(limit - step, limit) is Verdict.FAIL
    assert verdict_at_most(limit + step, limit + 2 * step, warn=limit) is Verdict.WARN
    assert verdict_at_least(limit - step, limit - 2 * step, warn=limit) is Verdict.WARN


def test_the_tolerance_is_a_few_ulps_not_a_margin() -> None:
    assert tolerance(0.01) == pytest.approx(4 * 2.220446049250313e-16)
    assert tolerance(1e6) == pytest.approx(4 * 2.220446049250313e-16 * 1e6)
    assert is_above(0.010000001, 0.01)  # a real difference of 1e-9 is not noise
    assert is_below(0.999999999, 1.0)


def test_nan_is_an_error_never_a_pass() -> None:
    assert verdict_at_most(math.nan, 1.0) is Verdict.ERROR
    assert verdict_at_least(math.nan, 1.0) is Verdict.ERROR
    assert is_above(math.nan, 1.0)
    assert is_below(math.nan, 1.0)


def test_infinite_values_compare_plainly() -> None:
    assert verdict_at_most(math.inf, 1e300) is Verdict.FAIL
    assert verdict_at_least(-math.inf, -1e300) is Verdict.FAIL
    assert verdict_at_least(math.inf, 1.0) is Verdict.PASS
