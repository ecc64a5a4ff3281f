"""The seeded Poisson bootstrap: its weights, its sums, and its interval against the in-memory one.

The reference for the interval is `metrics/bootstrap.py` (multinomial resamples of the rows) on the
same data: the two are different estimators of the same sampling distribution, so their interval
ends must agree within Monte Carlo error, which the tests bound from the replicates' own spread.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn import metrics as sk

from mlops_gate.metrics import classification as cls
from mlops_gate.metrics import regression as reg
from mlops_gate.metrics.bootstrap import Statistic, bootstrap_ci, paired_bootstrap
from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.poisson_bootstrap import (
    cell_sums,
    poisson_replicates,
    poisson_weights,
    weight_chunks,
    weighted_sums,
    with_poisson_bootstrap,
)

N, RESAMPLES, LEVEL = 3000, 2000, 0.9
RNG = np.random.default_rng(15)
Y = RNG.integers(0, 2, N)
SCORE = np.clip(0.35 * Y + RNG.normal(0.3, 0.25, N), 0, 1)
PRED = (SCORE > 0.5).astype(int)
OTHER = (np.clip(SCORE + RNG.normal(0, 0.1, N), 0, 1) > 0.5).astype(int)
YR = RNG.normal(size=N)
PR = YR + RNG.normal(0, 0.5, N)
IDS = np.arange(N, dtype=np.uint64) * 7919 + 11  # any distinct ids, not 0..n-1


def test_weights_are_poisson_one() -> None:
    weights = poisson_weights(3, IDS, np.arange(200))
    values, seen = np.unique(weights, return_counts=True)
    expected = stats.poisson(1).pmf(values) * weights.size
    assert abs(weights.mean() - 1) < 0.01
    assert abs(weights.var() - 1) < 0.02
    kept = expected > 5  # chi-square on the cells with enough expectation
    chi2 = float((((seen - expected) ** 2) / expected)[kept].sum())
    assert stats.chi2(int(kept.sum()) - 1).sf(chi2) > 1e-3


def test_weights_depend_on_seed_row_and_replicate_only() -> None:
    whole = poisson_weights(5, IDS, np.arange(10))
    shuffled = RNG.permutation(N)
    part = poisson_weights(5, IDS[shuffled[:100]], np.arange(4, 7))
    np.testing.assert_array_equal(part, whole[4:7][:, shuffled[:100]])
    assert not np.array_equal(poisson_weights(6, IDS, np.arange(10)), whole)


@settings(max_examples=40, deadline=None)
@given(
    ids=st.lists(st.integers(0, 2**64 - 1), min_size=1, max_size=30, unique=True),
    seed=st.integers(0, 2**63 - 1),
    cut=st.integers(0, 30),
)
def test_partitions_add_up(ids: list[int], seed: int, cut: int) -> None:
    """Sums over any split of the rows add up to the sums over all of them (executors' blocks)."""
    rows = np.array(ids, dtype=np.uint64)
    values = np.arange(len(ids) * 2, dtype=np.float64).reshape(-1, 2)
    whole = weighted_sums(seed, rows, values, 7)
    split = weighted_sums(seed, rows[:cut], values[:cut], 7)
    split += weighted_sums(seed, rows[cut:], values[cut:], 7)
    np.testing.assert_allclose(split, whole, rtol=1e-12)
    brute = poisson_weights(seed, rows, np.arange(7)) @ values
    np.testing.assert_array_equal(whole, brute)


def test_cell_sums_are_weighted_counts() -> None:
    cells = Y * 2 + PRED
    sums = cell_sums(1, IDS, cells, 4, 30)
    weights = poisson_weights(1, IDS, np.arange(30))
    brute = np.stack([[w[cells == c].sum() for c in range(4)] for w in weights])
    np.testing.assert_array_equal(sums, brute)


def test_chunks_do_not_change_the_weights() -> None:
    small = np.concatenate([w for _, w in weight_chunks(2, IDS, 50, max_cells=N * 3)])
    np.testing.assert_array_equal(small, poisson_weights(2, IDS, np.arange(50)))


def test_replicates_score_the_weighted_rows() -> None:
    """A replicate's accuracy is scikit-learn's accuracy with the Poisson counts as weights."""
    statistic = cls.label_statistic("accuracy", Y, PRED)
    values = poisson_replicates(statistic, IDS, n_resamples=5, seed=9)
    for value, weights in zip(values, poisson_weights(9, IDS, np.arange(5)), strict=True):
        assert value == pytest.approx(sk.accuracy_score(Y, PRED, sample_weight=weights), abs=1e-12)


def _monte_carlo_bound(statistic: Statistic) -> float:
    """Four standard errors of a 5% / 95% percentile estimated from RESAMPLES replicates, for
    each of the two bootstraps (their difference), from the replicates' own spread."""
    spread = float(np.std(poisson_replicates(statistic, IDS, n_resamples=400, seed=1)))
    density = stats.norm.pdf(stats.norm.ppf(0.05)) / spread
    return float(4 * np.sqrt(2 * 0.05 * 0.95 / RESAMPLES) / density)


@pytest.mark.parametrize(
    "statistic",
    [
        cls.label_statistic("accuracy", Y, PRED),
        cls.label_statistic("f1", Y, PRED, pos_label=1),
        cls.roc_auc_statistic(Y, SCORE, pos_label=1),
        reg.regression_statistic("rmse", YR, PR),
        reg.regression_statistic("r2", YR, PR),
    ],
    ids=["accuracy", "f1", "roc_auc", "rmse", "r2"],
)
def test_interval_matches_the_in_memory_bootstrap(statistic: Statistic) -> None:
    classic = bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=4)
    poisson = bootstrap_ci(
        with_poisson_bootstrap(statistic, IDS), confidence=LEVEL, n_resamples=RESAMPLES, seed=4
    )
    bound = _monte_carlo_bound(statistic)
    assert poisson.point == classic.point
    assert abs(poisson.low - classic.low) < bound
    assert abs(poisson.high - classic.high) < bound
    assert poisson.low < poisson.point < poisson.high


def test_paired_interval_matches_the_in_memory_one() -> None:
    model = cls.label_statistic("accuracy", Y, PRED)
    other = cls.label_statistic("accuracy", Y, OTHER)
    classic = paired_bootstrap(model, other, confidence=LEVEL, n_resamples=RESAMPLES, seed=4)
    poisson = paired_bootstrap(
        with_poisson_bootstrap(model, IDS),
        with_poisson_bootstrap(other, IDS),
        confidence=LEVEL,
        n_resamples=RESAMPLES,
        seed=4,
    )
    delta = cls.label_statistic("accuracy", Y, PRED)
    bound = _monte_carlo_bound(delta)
    assert poisson.point == classic.point
    assert abs(poisson.low - classic.low) < bound
    assert abs(poisson.high - classic.high) < bound


def test_a_model_against_itself_differs_by_exactly_zero() -> None:
    model = with_poisson_bootstrap(cls.label_statistic("f1", Y, PRED, pos_label=1), IDS)
    interval = paired_bootstrap(model, model, confidence=LEVEL, n_resamples=300, seed=2)
    assert (interval.low, interval.point, interval.high) == (0.0, 0.0, 0.0)


def test_seed_reproduces_the_interval() -> None:
    model = with_poisson_bootstrap(reg.regression_statistic("mae", YR, PR), IDS)
    first = bootstrap_ci(model, confidence=LEVEL, n_resamples=300, seed=8)
    again = bootstrap_ci(model, confidence=LEVEL, n_resamples=300, seed=8)
    other = bootstrap_ci(model, confidence=LEVEL, n_resamples=300, seed=9)
    assert first == again
    assert first.low != other.low


def test_a_pair_across_engines_is_refused() -> None:
    model = cls.label_statistic("accuracy", Y, PRED)
    with pytest.raises(MetricUndefined, match="same engine"):
        paired_bootstrap(
            with_poisson_bootstrap(model, IDS), model, confidence=LEVEL, n_resamples=100, seed=0
        )


def test_one_row_and_mismatched_ids() -> None:
    one = cls.label_statistic("accuracy", [1], [1])
    values = poisson_replicates(one, np.array([0], dtype=np.uint64), n_resamples=50, seed=0)
    # a replicate that draws the row 0 times has no rows: NaN (not the 0.0 of a 0/0), refused
    drew_none = poisson_weights(0, [0], np.arange(50))[:, 0] == 0
    assert drew_none.any()
    np.testing.assert_array_equal(np.isnan(values), drew_none)
    assert set(values[~drew_none].tolist()) == {1.0}
    with pytest.raises(MetricUndefined, match="undefined in"):
        bootstrap_ci(with_poisson_bootstrap(one, [0]), confidence=LEVEL, n_resamples=50, seed=0)
    with pytest.raises(ValueError, match="row ids"):
        poisson_replicates(one, IDS, n_resamples=5, seed=0)


def test_huge_ids_and_seed_do_not_overflow() -> None:
    ids = np.array([0, 2**63, 2**64 - 1], dtype=np.uint64)
    weights = poisson_weights(2**63 - 1, ids, np.array([0, 2**40]))
    assert weights.shape == (2, 3)
    assert np.all((weights >= 0) & (weights < 20))
