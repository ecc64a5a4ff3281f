"""Pure parts of the `bias` gate: its policy checks, bin names and the basic bootstrap interval."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from mlops_gate.gates.bias import Config
from mlops_gate.gates.bias_groups import _bin_names, _number
from mlops_gate.gates.bias_measure import basic
from mlops_gate.metrics.bootstrap import Interval


def config(**settings: Any) -> Config:
    return Config.model_validate({"type": "bias", "sensitive": "sex", **settings})


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        (
            {"metric": "equalized_odds_ratio", "max": 0.2},
            "use min (min: 0.8 is the four-fifths rule)",
        ),
        ({"max": 0.1, "min": 0.1}, "use max, not min"),
        ({"metric": "demographic_parity_ratio", "max_increase_pct": 0.1}, "use max_drop_pct"),
        ({"max_drop_pct": 0.1}, "use max_increase_pct, not max_drop_pct"),
        ({"metric": "demographic_parity_ratio"}, "set at least one of min, max_drop, max_drop_pct"),
        ({"max": 0.1, "warn": 0.2}, "warn is greater than max"),
        ({"metric": "demographic_parity_ratio", "min": 0.8, "warn": 0.7}, "warn is less than min"),
        ({"metric": "demographic_parity_ratio", "min": 0.8, "warn": 1.5}, "a ratio is at most 1"),
        ({"sensitive": [], "max": 0.1}, "sensitive lists no column"),
        ({"sensitive": ["a", "b"], "bins": 4, "max": 0.1}, "give bins per column"),
        ({"bins": 1, "max": 0.1}, "from 2 to 100"),
        ({"bins": 10**9, "max": 0.1}, "from 2 to 100"),
        ({"bins": [], "max": 0.1}, "at least one edge"),
        ({"bins": [1.0, 1.0], "max": 0.1}, "strictly increasing"),
        ({"bins": list(range(200)), "max": 0.1}, "at most 99 edges"),
        ({"bins": {"sex": [2, 1]}, "max": 0.1}, "strictly increasing (for 'sex')"),
    ],
)
def test_settings_that_disagree_are_refused(settings: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        config(**settings)


def test_valid_settings_and_their_defaults() -> None:
    gate = config(sensitive=["sex", "age"], bins={"age": [30, 50]}, max=0.1)
    assert gate.columns == ["sex", "age"]
    assert gate.bin_specs == {"age": [30.0, 50.0]}
    assert gate.default_id() == "bias:sex+age"
    assert gate.required_inputs() == frozenset({"model", "eval"})
    ratio = config(metric="equalized_odds_ratio", max_drop=0.05)
    assert ratio.required_inputs() == frozenset({"model", "eval", "target", "baseline"})
    assert config(bins=3, max=0.2).bin_specs == {"sex": 3}
    assert config(metric="mae_difference", max=12.5).max == 12.5  # in the target's units


def test_bin_names_say_which_rows_each_holds() -> None:
    assert _bin_names("age", [30.0, 50.0]) == ["age < 30", "30 ≤ age < 50", "age ≥ 50"]
    assert _bin_names("x", [0.25]) == ["x < 0.25", "x ≥ 0.25"]
    assert _number(18.0) == "18"
    assert _number(0.1 + 0.2) == "0.30000000000000004"
    assert _number(1e300) == "1e+300"


def test_basic_interval_reflects_the_percentile_ends_about_the_point() -> None:
    percentile = Interval(
        point=0.068, low=0.033, high=0.139, confidence=0.95, n_resamples=9, seed=1
    )
    reflected = basic(percentile)
    assert (reflected.low, reflected.high) == pytest.approx((2 * 0.068 - 0.139, 2 * 0.068 - 0.033))
    clipped = basic(percentile, 0.0, 1.0)
    assert clipped.low == 0.0
    assert clipped.high == pytest.approx(0.103)
    assert (clipped.point, clipped.confidence, clipped.seed) == (0.068, 0.95, 1)
    symmetric = Interval(point=0.5, low=0.4, high=0.6, confidence=0.9, n_resamples=9, seed=0)
    assert (basic(symmetric).low, basic(symmetric).high) == pytest.approx((0.4, 0.6))
