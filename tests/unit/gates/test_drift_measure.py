"""One column's drift, measured from aggregates, against scipy on the raw values.

`ScoreSample` answers aggregates from an array (as the prediction scores do); the expected numbers
come from scipy called here on bins built with `numpy.searchsorted`, as DESIGN.md states them, so
neither the quantiles nor the counting go through mlops_gate.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from scipy import stats
from scipy.spatial import distance

from mlops_gate.errors import GateError
from mlops_gate.gates.drift import Config
from mlops_gate.gates.drift_measure import choose_method, measure
from mlops_gate.gates.drift_samples import ScoreSample
from mlops_gate.results import Verdict

NAN = math.nan
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, 1.0, 2.5, -3.0]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.just(NAN),
)
samples = st.lists(numbers, min_size=2, max_size=80).filter(
    lambda xs: len({x for x in xs if not math.isnan(x)}) >= 2
)


def config(**options: Any) -> Config:
    return Config(type="drift", **options)


def design_counts(ref: np.ndarray, cur: np.ndarray, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """DESIGN.md's bins, written out: reference deciles, searchsorted, NaN bin when any NaN."""
    present = ref[~np.isnan(ref)]
    edges = np.unique(np.quantile(present, [i / bins for i in range(1, bins)]))
    nan_bin = bool(np.isnan(ref).any() or np.isnan(cur).any())

    def counts(values: np.ndarray) -> np.ndarray:
        index = np.searchsorted(edges, values[~np.isnan(values)], side="right")
        found = np.bincount(index, minlength=edges.size + 1)
        return np.append(found, np.isnan(values).sum()) if nan_bin else found

    return counts(ref), counts(cur)


def run(method: str, ref: list[float], cur: list[float], **options: Any) -> Any:
    limits = {"max": 0.2} if method in {"psi", "wasserstein", "jensenshannon"} else {}
    settings_ = config(method=method, **{**limits, **options})
    return measure("x", ScoreSample(np.array(ref)), ScoreSample(np.array(cur)), settings_)


@settings(max_examples=150, deadline=None)
@given(ref=samples, cur=samples)
def test_ks_of_a_column_is_scipy_on_its_values(ref: list[float], cur: list[float]) -> None:
    r, c = np.array(ref), np.array(cur)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        want = stats.ks_2samp(r[~np.isnan(r)], c[~np.isnan(c)])
    got = run("ks", ref, cur)
    assert (got.statistic, got.p_value) == (float(want.statistic), float(want.pvalue))
    assert got.verdict == (Verdict.FAIL if want.pvalue < 0.05 else Verdict.PASS)
    assert got.binned is None


@settings(max_examples=150, deadline=None)
@given(ref=samples, cur=samples)
def test_wasserstein_of_a_column_is_scipy_over_the_reference_std(
    ref: list[float], cur: list[float]
) -> None:
    r, c = np.array(ref), np.array(cur)
    r, c = r[~np.isnan(r)], c[~np.isnan(c)]
    assume(np.std(r) > 0)  # std 0 (or underflowing to 0): undefined, tested below
    want = stats.wasserstein_distance(r, c) / np.std(r)
    got = run("wasserstein", ref, cur)
    assert got.statistic == pytest.approx(want, rel=1e-12, abs=1e-15)
    assert got.p_value is None


@settings(max_examples=150, deadline=None)
@given(ref=samples, cur=samples, bins=st.integers(2, 12))
def test_chisquare_of_a_column_is_chi2_contingency_of_its_bins(
    ref: list[float], cur: list[float], bins: int
) -> None:
    ref_counts, cur_counts = design_counts(np.array(ref), np.array(cur), bins)
    table = np.vstack([ref_counts, cur_counts])
    table = table[:, table.sum(axis=0) > 0]
    got = run("chisquare", ref, cur, bins=bins)
    if table.shape[1] < 2:
        assert got.p_value == 1.0
        return
    want = stats.chi2_contingency(table)
    assert got.statistic == pytest.approx(float(want.statistic), rel=1e-12, abs=1e-12)
    assert got.p_value == pytest.approx(float(want.pvalue), rel=1e-12, abs=1e-300)


@settings(max_examples=150, deadline=None)
@given(ref=samples, cur=samples, bins=st.integers(2, 12))
def test_jensenshannon_of_a_column_is_scipy_on_its_bin_shares(
    ref: list[float], cur: list[float], bins: int
) -> None:
    ref_counts, cur_counts = design_counts(np.array(ref), np.array(cur), bins)
    with np.errstate(invalid="ignore"):
        want = float(distance.jensenshannon(ref_counts / len(ref), cur_counts / len(cur)))
    got = run("jensenshannon", ref, cur, bins=bins)
    assert got.statistic == pytest.approx(0.0 if math.isnan(want) else want, abs=1e-7)
    assert got.binned is not None
    assert got.binned.reference_counts == tuple(ref_counts.tolist())


def test_auto_follows_evidentlys_defaults_by_kind_and_reference_rows() -> None:
    small, large = ScoreSample(np.arange(1000.0)), ScoreSample(np.arange(1001.0))
    assert choose_method("auto", "numeric", small) == "ks"
    assert choose_method("auto", "numeric", large) == "wasserstein"
    assert choose_method("auto", "categorical", small) == "chisquare"
    assert choose_method("auto", "categorical", large) == "jensenshannon"
    # A constant reference has no normalised Wasserstein: the binned distance instead.
    assert choose_method("auto", "numeric", ScoreSample(np.ones(5000))) == "jensenshannon"
    assert choose_method("psi", "numeric", large) == "psi"


def test_a_p_value_equal_to_alpha_passes_and_just_below_fails() -> None:
    ref, cur = [0.0, 1.0, 2.0, 3.0], [10.0, 11.0, 12.0, 13.0]
    p = run("ks", ref, cur).p_value
    assert run("ks", ref, cur, alpha=p).verdict == Verdict.PASS
    assert run("ks", ref, cur, alpha=p * (1 + 1e-9)).verdict == Verdict.FAIL


def test_a_distance_between_warn_and_max_warns() -> None:
    rng = np.random.default_rng(0)
    ref, cur = rng.normal(size=3000).tolist(), rng.normal(0.12, 1, size=3000).tolist()
    value = run("wasserstein", ref, cur).statistic
    assert 0.1 < value < 0.2
    assert run("wasserstein", ref, cur, max=0.2, warn=0.1).verdict == Verdict.WARN
    assert run("wasserstein", ref, cur, max=value).verdict == Verdict.PASS
    assert run("wasserstein", ref, cur).verdict == Verdict.PASS  # max 0.2 from run()
    assert run("wasserstein", ref, cur, max=0.1).verdict == Verdict.FAIL


@pytest.mark.parametrize(
    ("method", "ref", "cur", "match"),
    [
        ("wasserstein", [3.0, 3.0, 3.0], [1.0, 2.0], "drift on 'x': the reference is constant"),
        ("wasserstein", [1.0, math.inf], [1.0, 2.0], "infinite values"),
        ("psi", [1.0, math.inf, math.inf], [1.0], "infinite reference values"),
        ("ks", [NAN, NAN], [1.0], "no non-missing values"),
        ("chisquare", [NAN], [1.0], "all missing"),
    ],
)
def test_hostile_columns_are_errors_naming_the_column(
    method: str, ref: list[float], cur: list[float], match: str
) -> None:
    with pytest.raises(GateError, match=match):
        run(method, ref, cur)


def test_sparse_bins_warn_in_the_result_and_an_empty_bin_is_named() -> None:
    rng = np.random.default_rng(72)
    ref, cur = rng.normal(size=1000), rng.normal(size=72)
    cur = cur[cur > np.quantile(ref, 0.1)]  # the lowest decile left empty: its term dominates
    result = run("psi", ref.tolist(), cur.tolist())
    assert result.sparse is not None
    assert result.sparse.startswith("x: sparse bins")
    assert "one empty bin gives" in result.sparse
    roomy = run("psi", ref.tolist(), rng.normal(size=5000).tolist())
    assert roomy.sparse is None


def test_a_bin_expecting_fewer_than_five_rows_is_sparse() -> None:
    result = run("chisquare", list(np.linspace(0, 1, 40)), list(np.linspace(0, 1, 20)))
    assert result.sparse is not None
    assert "a bin expects" in result.sparse


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"method": "psi"}, "max is required for method psi"),
        ({"method": "ks", "max": 0.1}, "method ks is a test that fails when its p-value"),
        ({"method": "chisquare", "warn": 0.1}, "p-value is below alpha"),
        ({"method": "wasserstein", "warn": 0.2}, "warn is greater than max"),
        ({"method": "ks", "alpha": 0}, "greater than 0"),
        ({"method": "ks", "max_drifted_share": 1.5}, "less than or equal to 1"),
        ({"method": "ks", "min_rows": 0}, "greater than or equal to 1"),
        ({"method": "kl"}, "'psi', 'ks', 'chisquare', 'wasserstein', 'jensenshannon' or 'auto'"),
    ],
)
def test_limits_that_do_not_fit_the_method_are_policy_errors(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        config(**options)
