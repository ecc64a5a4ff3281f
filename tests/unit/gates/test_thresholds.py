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


# -- relative limits (issue 16): one mechanism, gates/limits.py ----------------------------------
@given(baseline=shares, fraction=shares)
def test_a_drop_equal_to_max_drop_pct_of_the_baseline_passes(
    baseline: float, fraction: float
) -> None:
    value = baseline - fraction * baseline
    config = MetricConfig(type="metric", metric="accuracy", max_drop_pct=fraction)
    details = {"metric": "accuracy", "delta": value - baseline}
    assert broken_limits(config, value, baseline, details) == []


@given(baseline=st.floats(0.01, 1.0), fraction=shares)
def test_a_drop_one_clear_step_past_max_drop_pct_fails(baseline: float, fraction: float) -> None:
    allowed = fraction * baseline
    value = baseline - allowed - clear_step(allowed, baseline)
    config = MetricConfig(type="metric", metric="accuracy", max_drop_pct=fraction)
    details = {"metric": "accuracy", "delta": value - baseline}
    (failure,) = broken_limits(config, value, baseline, details)
    assert f"exceeds max_drop_pct {fraction:g} (= {allowed:.3g})" in failure


def test_pct_is_of_the_baseline_magnitude_and_lower_is_better_uses_increase() -> None:
    config = MetricConfig(type="metric", metric="rmse", max_increase_pct=0.1)
    assert broken_limits(config, 2.2, 2.0, {"metric": "rmse", "delta": 0.2}) == []
    (failure,) = broken_limits(config, 2.3, 2.0, {"metric": "rmse", "delta": 0.3})
    assert (
        failure == "rmse increase 0.3 from baseline 2 exceeds max_increase_pct 0.1 (= 0.2) by 0.1"
    )
    r2 = MetricConfig(type="metric", metric="r2", max_drop_pct=0.5)  # a negative baseline
    assert broken_limits(r2, -0.3, -0.2, {"metric": "r2", "delta": -0.1}) == []
    assert broken_limits(r2, -0.31, -0.2, {"metric": "r2", "delta": -0.11}) != []


def test_a_baseline_of_zero_allows_no_worsening_at_all() -> None:
    config = MetricConfig(type="metric", metric="mae", max_increase_pct=0.5)
    assert broken_limits(config, 0.0, 0.0, {"metric": "mae", "delta": 0.0}) == []
    (failure,) = broken_limits(config, 1e-9, 0.0, {"metric": "mae", "delta": 1e-9})
    assert "max_increase_pct 0.5 (= 0)" in failure


def test_with_confidence_pct_limits_use_the_paired_bound() -> None:
    config = MetricConfig(type="metric", metric="f1", max_drop_pct=0.05, confidence=0.9)
    details = {"metric": "f1", "delta": -0.01, "delta_ci_low": -0.06, "confidence": 0.9}
    (failure,) = broken_limits(config, 0.79, 0.8, details)
    assert failure.startswith("f1 drop (90% bound) 0.06 from baseline 0.8 exceeds max_drop_pct")


@pytest.mark.parametrize(
    ("gate", "problem"),
    [
        ({"metric": "f1", "max_increase_pct": 0.1}, "use max_drop_pct, not max_increase_pct"),
        ({"metric": "brier", "max_drop_pct": 0.1}, "use max_increase_pct, not max_drop_pct"),
        ({"metric": "mape", "max_drop": 0.1}, "use max_increase, not max_drop"),
        ({"metric": "f1", "max_drop_pct": 5}, "less than or equal to 1"),
    ],
)
def test_a_change_limit_pointing_the_wrong_way_is_a_policy_error(
    gate: dict[str, object], problem: str
) -> None:
    with pytest.raises(ValueError, match=problem):
        MetricConfig(type="metric", **gate)  # type: ignore[arg-type]


def test_every_numeric_gate_phrases_a_broken_limit_the_same_way() -> None:
    """The metric, text and size gates share gates/limits.py's phrases."""
    from mlops_gate.gates import limits, text

    metric = MetricConfig(type="metric", metric="f1", min=0.9)
    bleu = text.Config(type="text", metric="bleu", min=0.9)
    phrase = limits.broken_min("f1", 0.8, 0.9)
    assert broken_limits(metric, 0.8, None, {"metric": "f1"}) == [phrase]
    assert text._broken(bleu, 0.8, None, {}) == [phrase.replace("f1", "bleu")]
    assert limits.broken_max("size (MB)", 2.0, 1.0) == "size (MB) 2 is above max 1 by 1"
