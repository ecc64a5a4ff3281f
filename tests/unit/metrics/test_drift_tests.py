"""The drift tests beside PSI against scipy, called here on data prepared independently.

KS and Wasserstein: scipy on the non-missing values. Chi-square and Jensen-Shannon: scipy on the
bin counts of a pandas crosstab (which leaves out bins neither set fills), so the table the module
builds from counts is checked too, not only the scipy call.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy import stats
from scipy.spatial import distance

from mlops_gate.metrics.drift_tests import (
    chi_square,
    expected_counts,
    jensen_shannon,
    ks_test,
    normalised_wasserstein,
)
from mlops_gate.metrics.errors import MetricUndefined

NAN = math.nan
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, 1.0, 2.5, -3.0]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.just(NAN),
)
samples = st.lists(numbers, min_size=1, max_size=80).filter(
    lambda xs: any(not math.isnan(x) for x in xs)
)
counts = st.lists(st.integers(0, 200), min_size=1, max_size=12)


def present(values: list[float]) -> np.ndarray:
    array = np.array(values, dtype=np.float64)
    return array[~np.isnan(array)]


@settings(max_examples=300, deadline=None)
@given(ref=samples, cur=samples)
def test_ks_is_scipy_ks_2samp_on_the_non_missing_values(ref: list[float], cur: list[float]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # scipy's exact -> asymp fallback notice
        want = stats.ks_2samp(present(ref), present(cur))
    got = ks_test(np.array(ref), np.array(cur))
    assert got.statistic == float(want.statistic)
    assert got.p_value == float(want.pvalue)


def test_ks_on_large_samples_uses_scipys_default_asymptotic_method() -> None:
    rng = np.random.default_rng(3)
    ref, cur = rng.normal(size=20_000), rng.normal(0.02, 1, size=15_000)
    got = ks_test(ref, cur)
    want = stats.ks_2samp(ref, cur, method="asymp")
    assert (got.statistic, got.p_value) == (float(want.statistic), float(want.pvalue))


@settings(max_examples=300, deadline=None)
@given(ref=samples, cur=samples)
def test_wasserstein_is_scipy_over_the_reference_population_std(
    ref: list[float], cur: list[float]
) -> None:
    r, c = present(ref), present(cur)
    assume(np.std(r) > 0)
    want = stats.wasserstein_distance(r, c) / np.std(r, ddof=0)
    got = normalised_wasserstein(np.array(ref), np.array(cur))
    assert got.statistic == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert got.p_value is None


def test_wasserstein_of_a_constant_reference_is_undefined() -> None:
    with pytest.raises(MetricUndefined, match="constant"):
        normalised_wasserstein(np.array([2.0, 2.0, NAN]), np.array([1.0, 3.0]))


@pytest.mark.parametrize(
    ("ref", "cur", "match"),
    [
        ([1.0, np.inf, 2.0], [1.0, 2.0], "infinite"),
        ([1.0, 2.0], [-np.inf, 2.0], "infinite"),
        ([1e308, -1e308, 1e308], [0.0], "too large"),
        ([NAN, NAN], [1.0], "reference set has no non-missing"),
        ([0.0, 6.1e-277], [0.0, 1.0], "constant"),  # the std underflows to 0 (hypothesis found it)
        ([1.0, 2.0], [], "current set has no non-missing"),
    ],
)
def test_wasserstein_hostile_values_are_undefined(
    ref: list[float], cur: list[float], match: str
) -> None:
    with pytest.raises(MetricUndefined, match=match):
        normalised_wasserstein(np.array(ref), np.array(cur))


def test_ks_with_infinite_values_is_scipys_answer() -> None:
    ref, cur = np.array([1.0, np.inf, 2.0]), np.array([-np.inf, 0.5])
    want = stats.ks_2samp(ref, cur)
    assert ks_test(ref, cur).statistic == float(want.statistic)


def test_ks_of_one_row_each_and_of_nothing() -> None:
    assert ks_test(np.array([1.0]), np.array([2.0])).statistic == 1.0
    with pytest.raises(MetricUndefined, match="reference set has no non-missing"):
        ks_test(np.array([]), np.array([1.0]))


def crosstab(ref_counts: list[int], cur_counts: list[int]) -> np.ndarray:
    """The 2 x k table pandas builds from one row per observation: only bins someone fills."""
    sets = ["reference"] * sum(ref_counts) + ["current"] * sum(cur_counts)
    bins = [i for i, n in enumerate(ref_counts) for _ in range(n)]
    bins += [i for i, n in enumerate(cur_counts) for _ in range(n)]
    table = pd.crosstab(pd.Series(sets, name="set"), pd.Series(bins, name="bin"))
    return table.loc[["reference", "current"]].to_numpy()


@settings(max_examples=200, deadline=None)
@given(
    pair=st.integers(1, 12).flatmap(
        lambda k: st.tuples(*[st.lists(st.integers(0, 60), min_size=k, max_size=k)] * 2)
    )
)
def test_chi_square_is_chi2_contingency_of_the_filled_bins(
    pair: tuple[list[int], list[int]],
) -> None:
    ref, cur = pair
    assume(sum(ref) > 0 and sum(cur) > 0)
    got = chi_square(ref, cur)
    table = crosstab(ref, cur)
    if table.shape[1] < 2:
        assert (got.statistic, got.p_value) == (0.0, 1.0)
        return
    want = stats.chi2_contingency(table)
    assert got.statistic == pytest.approx(float(want.statistic), rel=1e-12, abs=1e-12)
    assert got.p_value == pytest.approx(float(want.pvalue), rel=1e-12, abs=1e-300)
    assert expected_counts(ref, cur) == pytest.approx(want.expected_freq, rel=1e-12)


def test_chi_square_with_two_bins_has_yates_correction_as_scipy_defaults() -> None:
    got = chi_square([30, 70], [45, 55])
    want = stats.chi2_contingency(np.array([[30, 70], [45, 55]]))  # correction=True, dof 1
    assert got.statistic == pytest.approx(float(want.statistic), rel=1e-12)
    plain = stats.chi2_contingency(np.array([[30, 70], [45, 55]]), correction=False)
    assert got.statistic < float(plain.statistic)


@settings(max_examples=200, deadline=None)
@given(
    pair=st.integers(1, 12).flatmap(
        lambda k: st.tuples(*[st.lists(st.integers(0, 60), min_size=k, max_size=k)] * 2)
    )
)
def test_jensen_shannon_is_scipy_on_the_shares(pair: tuple[list[int], list[int]]) -> None:
    ref, cur = pair
    assume(sum(ref) > 0 and sum(cur) > 0)
    got = jensen_shannon(ref, cur).statistic
    with np.errstate(invalid="ignore"):
        want = float(distance.jensenshannon(np.array(ref, float), np.array(cur, float)))
    assert got == pytest.approx(0.0 if math.isnan(want) else want, rel=1e-9, abs=1e-7)
    assert 0.0 <= got <= math.sqrt(math.log(2)) + 1e-12


def test_jensen_shannon_of_equal_shares_is_zero_where_scipy_rounds_to_nan() -> None:
    # scipy: the divergence rounds to -1e-17 for these shares, and its square root is NaN.
    ref = [16, 17, 30, 1, 28, 32, 19]
    cur = [c * 3 for c in ref]
    assert jensen_shannon(ref, cur).statistic == pytest.approx(0.0, abs=1e-7)


def test_binned_tests_refuse_empty_sets_and_mismatched_bins() -> None:
    with pytest.raises(MetricUndefined, match="reference set has no rows"):
        chi_square([0, 0], [1, 2])
    with pytest.raises(MetricUndefined, match="current set has no rows"):
        jensen_shannon([1, 2], [0, 0])
    with pytest.raises(ValueError, match="bins"):
        chi_square([1, 2], [1, 2, 3])
    with pytest.raises(ValueError, match="negative"):
        chi_square([1, -2], [1, 2])


def test_one_shared_bin_is_no_evidence_of_drift() -> None:
    assert chi_square([5, 0], [7, 0]).p_value == 1.0
    assert jensen_shannon([5, 0], [7, 0]).statistic == 0.0
