"""Fairness gaps against fairlearn 0.15 itself, on hypothesis-generated labels and groups.

Where fairlearn and DESIGN.md part ways on purpose: fairlearn reports a TPR (FPR) of 0 for a group
with no positive (negative) labels, and a gap of 0 for a single group; here those are undefined
(MetricUndefined), so a gate never passes on a made-up number. Those cases are asserted to raise.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
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
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray]


def split(data: list[tuple[str, bool, bool]]) -> Arrays:
    """(groups, y_true, y_pred) as arrays of str, int 0/1, int 0/1."""
    groups, y_true, y_pred = zip(*data, strict=True)
    return np.array(groups), np.array(y_true, dtype=int), np.array(y_pred, dtype=int)


def call_fairlearn(function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Run fairlearn with every warning turned into an error, whatever the pytest configuration.

    fairlearn emits none on these inputs (0/1 labels, 2+ rows); one appearing after an upgrade
    (pandas or scikit-learn deprecations, say) must be looked at, not silently compared through.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        return function(*args, **kwargs)


def defined(rates: fairness.GroupRates, *names: fairness.Rate) -> bool:
    return len(rates.groups) >= 2 and all(not np.isnan(rates.rate(n)).any() for n in names)


@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_group_rates_match_fairlearn_metricframe(data: list[tuple[str, bool, bool]]) -> None:
    groups, y_true, y_pred = split(data)
    rates = fairness.group_rates(y_pred, groups, y_true)
    frame = call_fairlearn(
        fl.MetricFrame,
        metrics={
            "count": fl.count,
            "selection_rate": fl.selection_rate,
            "tpr": fl.true_positive_rate,
            "fpr": fl.false_positive_rate,
        },
        y_true=y_true,
        y_pred=y_pred,
        sensitive_features=groups,
    ).by_group
    assert list(rates.groups) == [str(g) for g in frame.index]
    assert rates.rows.tolist() == frame["count"].astype(int).tolist()
    for name in ("selection_rate", "tpr", "fpr"):
        ours = rates.rate(name)
        theirs = frame[name].to_numpy(dtype=float)
        # fairlearn's 0 for a zero divisor is NaN (undefined) here; every defined rate is equal.
        assert ours[~np.isnan(ours)] == pytest.approx(theirs[~np.isnan(ours)], abs=1e-15)
        assert (theirs[np.isnan(ours)] == 0).all()


@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_demographic_parity_difference_matches_fairlearn(
    data: list[tuple[str, bool, bool]],
) -> None:
    groups, y_true, y_pred = split(data)
    if len(set(groups.tolist())) < 2:
        with pytest.raises(MetricUndefined, match="at least 2 groups"):
            fairness.demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
        return
    ours = fairness.demographic_parity_difference(y_true, y_pred, sensitive_features=groups)
    theirs = call_fairlearn(
        fl.demographic_parity_difference, y_true, y_pred, sensitive_features=groups
    )
    assert ours == pytest.approx(theirs, abs=1e-15)


@pytest.mark.parametrize(
    ("name", "rates"),
    [("equalized_odds_difference", ("tpr", "fpr")), ("equal_opportunity_difference", ("tpr",))],
)
@settings(max_examples=100, deadline=None)
@given(data=rows)
def test_odds_and_opportunity_match_fairlearn_where_defined(
    name: str, rates: tuple[fairness.Rate, ...], data: list[tuple[str, bool, bool]]
) -> None:
    groups, y_true, y_pred = split(data)
    ours = getattr(fairness, name)
    if not defined(fairness.group_rates(y_pred, groups, y_true), *rates):
        with pytest.raises(MetricUndefined):
            ours(y_true, y_pred, sensitive_features=groups)
        return
    theirs = call_fairlearn(getattr(fl, name), y_true, y_pred, sensitive_features=groups)
    assert ours(y_true, y_pred, sensitive_features=groups) == pytest.approx(theirs, abs=1e-15)


@settings(max_examples=50, deadline=None)
@given(data=rows)
def test_pos_label_picks_the_positive_class_of_any_labels(
    data: list[tuple[str, bool, bool]],
) -> None:
    groups, y_true, y_pred = split(data)
    words = np.array(["no", "yes"])
    words_rates = fairness.group_rates(words[y_pred], groups, words[y_true], pos_label="yes")
    binary_rates = fairness.group_rates(y_pred, groups, y_true)
    for name in ("selection_rate", "tpr", "fpr"):
        np.testing.assert_array_equal(words_rates.rate(name), binary_rates.rate(name))
    flipped = fairness.group_rates(words[y_pred], groups, words[y_true], pos_label="no")
    np.testing.assert_array_equal(flipped.selected, binary_rates.rows - binary_rates.selected)


def test_worked_example_names_the_groups_at_both_ends() -> None:
    #          group a: TPR 1/2, FPR 0/1     group b: TPR 2/2, FPR 1/2
    groups = np.array(["a", "a", "a", "b", "b", "b", "b"])
    y_true = np.array([1, 1, 0, 1, 1, 0, 0])
    y_pred = np.array([1, 0, 0, 1, 1, 1, 0])
    rates = fairness.group_rates(y_pred, groups, y_true)
    gap = fairness.disparity(rates, "equalized_odds_difference")
    assert (gap.value, gap.rate, gap.highest, gap.lowest) == (0.5, "tpr", "b", "a")
    assert fairness.disparity(rates, "demographic_parity_difference").value == pytest.approx(
        3 / 4 - 1 / 3
    )


def test_select_leaves_out_groups() -> None:
    groups = np.array(["a", "a", "b", "c", "c", "c"])
    y_pred = np.array([1, 0, 1, 0, 0, 1])
    rates = fairness.group_rates(y_pred, groups).select(np.array([True, False, True]))
    assert rates.groups == ("a", "c")
    assert rates.rows.tolist() == [2, 3]
    assert fairness.disparity(rates, "demographic_parity_difference").value == pytest.approx(
        1 / 2 - 1 / 3
    )


def test_undefined_cases_raise() -> None:
    groups, y_pred = np.array(["a", "b"]), np.array([1, 0])
    with pytest.raises(MetricUndefined, match="needs the true labels"):
        fairness.disparity(fairness.group_rates(y_pred, groups), "equal_opportunity_difference")
    with pytest.raises(MetricUndefined, match="tpr is undefined for group 'b'"):
        fairness.equal_opportunity_difference(np.array([1, 0]), y_pred, sensitive_features=groups)
    with pytest.raises(MetricUndefined, match="no rows"):
        fairness.group_rates(np.array([]), np.array([]))
    with pytest.raises(ValueError, match="sensitive values"):
        fairness.group_rates(y_pred, np.array(["a"]))


@pytest.mark.parametrize("seed", range(5))
def test_larger_samples_match_fairlearn_on_every_metric(seed: int) -> None:
    # Hypothesis favours small samples, where TPR/FPR are often undefined; these are all defined.
    rng = np.random.default_rng(seed)
    groups = rng.choice(["x", "y", "z", "w"], size=400)
    y_true = rng.integers(0, 2, size=400)
    y_pred = np.where(rng.random(400) < 0.8, y_true, 1 - y_true)
    for name in (
        "demographic_parity_difference",
        "equalized_odds_difference",
        "equal_opportunity_difference",
    ):
        theirs = call_fairlearn(getattr(fl, name), y_true, y_pred, sensitive_features=groups)
        ours = getattr(fairness, name)(y_true, y_pred, sensitive_features=groups)
        assert ours == pytest.approx(theirs, abs=1e-15)
        assert ours > 0


@settings(max_examples=100, deadline=None)
@given(data=rows, chunk=st.sampled_from([1, 3, 1 << 20]))
def test_integer_group_codes_in_slices_count_like_the_named_groups(
    data: list[tuple[str, bool, bool]], chunk: int
) -> None:
    # The bias gate passes uint8 codes and boolean matches (issue #8: 50M rows); counted a slice
    # at a time they must give the counts of the named groups, in the same (sorted) order.
    groups, y_true, y_pred = split(data)
    named = fairness.group_rates(y_pred, groups, y_true)
    codes = np.searchsorted(np.array(GROUPS), groups).astype(np.uint8)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fairness, "CHUNK", chunk)
        coded = fairness.group_rates(y_pred == 1, codes, y_true == 1, pos_label=True)
    assert [GROUPS[c] for c in coded.groups] == list(named.groups)
    for field in ("rows", "selected", "positives", "true_positives", "false_positives"):
        assert getattr(coded, field).tolist() == getattr(named, field).tolist(), field
