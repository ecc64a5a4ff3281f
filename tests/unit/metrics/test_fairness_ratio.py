"""Fairness ratios against fairlearn 0.15 (`demographic_parity_ratio`, `equalized_odds_ratio`,
`equal_opportunity_ratio`), zero rates included, on hypothesis-generated labels and groups.

Where fairlearn and this tool part on purpose (metrics/fairness.py): fairlearn's 0/0 ratio (every
group's rate 0) is NaN and its rate for a group without positive (negative) labels is 0; here both
are undefined (MetricUndefined), asserted to raise. Every other ratio is fairlearn's number.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from fairlearn import metrics as fl
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.metrics import fairness
from mlops_gate.metrics.errors import MetricUndefined

GROUPS = ["a", "b", "c"]
rows = st.lists(
    st.tuples(st.sampled_from(GROUPS), st.booleans(), st.booleans()), min_size=2, max_size=80
)
RATIOS = {
    "demographic_parity_ratio": ("selection_rate",),
    "equalized_odds_ratio": ("tpr", "fpr"),
    "equal_opportunity_ratio": ("tpr",),
}


def split(data: list[tuple[str, bool, bool]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    groups, y_true, y_pred = zip(*data, strict=True)
    return np.array(groups), np.array(y_true, dtype=int), np.array(y_pred, dtype=int)


def theirs(name: str, y_true: np.ndarray, y_pred: np.ndarray, groups: np.ndarray) -> float:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return float(getattr(fl, name)(y_true, y_pred, sensitive_features=groups))


def defined(rates: fairness.GroupRates, names: tuple[Any, ...]) -> bool:
    """Every rate defined and some group's rate above 0 (else the ratio is 0/0)."""
    if len(rates.groups) < 2:
        return False
    values = [rates.rate(n) for n in names]
    return all(not np.isnan(v).any() and v.max() > 0 for v in values)


@pytest.mark.parametrize("name", sorted(RATIOS))
@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_ratios_match_fairlearn_where_defined(
    name: str, data: list[tuple[str, bool, bool]]
) -> None:
    groups, y_true, y_pred = split(data)
    ours = getattr(fairness, name)
    if not defined(fairness.group_rates(y_pred, groups, y_true), RATIOS[name]):
        with pytest.raises(MetricUndefined):
            ours(y_true, y_pred, sensitive_features=groups)
        return
    expected = theirs(name, y_true, y_pred, groups)
    assert ours(y_true, y_pred, sensitive_features=groups) == pytest.approx(expected, abs=1e-15)


def test_a_zero_rate_beside_a_positive_one_is_a_ratio_of_zero_as_in_fairlearn() -> None:
    groups = np.array(["a", "a", "b", "b"])
    y_pred = np.array([0, 0, 1, 0])
    assert theirs("demographic_parity_ratio", y_pred, y_pred, groups) == 0.0
    assert fairness.demographic_parity_ratio(None, y_pred, sensitive_features=groups) == 0.0


def test_every_rate_zero_is_undefined_where_fairlearn_says_nan() -> None:
    groups, y_pred = np.array(["a", "a", "b", "b"]), np.zeros(4, dtype=int)
    assert math.isnan(theirs("demographic_parity_ratio", y_pred, y_pred, groups))
    with pytest.raises(MetricUndefined, match="selection_rate is 0 for every group"):
        fairness.demographic_parity_ratio(None, y_pred, sensitive_features=groups)


def test_equalized_odds_ratio_is_the_smaller_ratio_and_names_its_groups() -> None:
    #          group a: TPR 1/2, FPR 0/1     group b: TPR 2/2, FPR 1/2
    groups = np.array(["a", "a", "a", "b", "b", "b", "b"])
    y_true = np.array([1, 1, 0, 1, 1, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 1, 1, 0])
    rates = fairness.group_rates(y_pred, groups, y_true)
    ratio = fairness.disparity(rates, "equalized_odds_ratio")
    assert (ratio.value, ratio.rate, ratio.highest, ratio.lowest) == (0.0, "fpr", "b", "a")
    assert ratio.value == theirs("equalized_odds_ratio", y_true, y_pred, groups)
    tpr = fairness.disparity(rates, "equal_opportunity_ratio")
    assert (
        tpr.value == pytest.approx(0.5) == theirs("equal_opportunity_ratio", y_true, y_pred, groups)
    )


@pytest.mark.parametrize("seed", range(5))
def test_larger_samples_match_fairlearn_on_every_ratio(seed: int) -> None:
    rng = np.random.default_rng(seed)
    groups = rng.choice(["x", "y", "z", "w"], size=400)
    y_true = rng.integers(0, 2, size=400)
    y_pred = np.where(rng.random(400) < 0.8, y_true, 1 - y_true)
    for name in RATIOS:
        ours = getattr(fairness, name)(y_true, y_pred, sensitive_features=groups)
        assert ours == pytest.approx(theirs(name, y_true, y_pred, groups), abs=1e-15)
        assert 0 < ours < 1


def test_is_ratio_tells_ratios_from_differences() -> None:
    assert fairness.is_ratio("demographic_parity_ratio")
    assert not fairness.is_ratio("demographic_parity_difference")
