"""The bootstrap against scikit-learn on materialised resamples, plus its own properties.

The oracle draws the resamples the documented way (`default_rng(seed).integers(0, n)`, one resample
after another), builds each resampled data set with fancy indexing and scores it with
scikit-learn, one resample at a time. The library under test never
materialises a resample: it evaluates metrics on chunks of row weights.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn import metrics as sk

from mlops_gate.metrics import bootstrap
from mlops_gate.metrics import classification as cls
from mlops_gate.metrics import regression as reg
from mlops_gate.metrics.bootstrap import Statistic, bootstrap_ci, paired_bootstrap
from mlops_gate.metrics.errors import MetricUndefined

N, RESAMPLES, SEED, LEVEL = 90, 200, 7, 0.9
RNG = np.random.default_rng(2024)
CLASSES = ["a", "b", "c"]
Y3 = np.array(CLASSES * (N // 3))
P3 = RNG.dirichlet(np.ones(3), N)
P3_OTHER = RNG.dirichlet(np.ones(3), N)
L3 = np.array(CLASSES)[P3.argmax(axis=1)]
Y2 = np.array(["no", "yes"] * (N // 2))
S2 = np.clip(0.5 * (Y2 == "yes") + RNG.normal(0, 0.3, N), 0, 1).round(1)  # ties
L2 = np.where(S2 > 0.5, "yes", "no")
YR = RNG.normal(size=N)
PR = YR + RNG.normal(0, 0.5, N)
PR_OTHER = YR + RNG.normal(0, 0.7, N)

# name -> (our statistic on the rows, scikit-learn on the rows picked by `i`)
CASES: dict[str, tuple[Statistic, Callable[[np.ndarray], float]]] = {
    "accuracy": (
        cls.label_statistic("accuracy", Y3, L3),
        lambda i: sk.accuracy_score(Y3[i], L3[i]),
    ),
    "f1_binary": (
        cls.label_statistic("f1", Y2, L2, pos_label="yes"),
        lambda i: sk.f1_score(Y2[i], L2[i], pos_label="yes", zero_division=0.0),
    ),
    "f1_macro": (
        cls.label_statistic("f1", Y3, L3, average="macro"),
        lambda i: sk.f1_score(Y3[i], L3[i], average="macro", zero_division=0.0),
    ),
    "roc_auc_binary": (
        cls.roc_auc_statistic(Y2, S2, pos_label="yes"),
        lambda i: sk.roc_auc_score(Y2[i] == "yes", S2[i]),
    ),
    "roc_auc_ovr": (
        cls.roc_auc_statistic(Y3, P3, classes=CLASSES),
        lambda i: sk.roc_auc_score(Y3[i], P3[i], multi_class="ovr", labels=CLASSES),
    ),
    "log_loss": (
        cls.log_loss_statistic(Y3, P3, CLASSES),
        lambda i: sk.log_loss(Y3[i], P3[i], labels=CLASSES),
    ),
    "mae": (
        reg.regression_statistic("mae", YR, PR),
        lambda i: sk.mean_absolute_error(YR[i], PR[i]),
    ),
    "rmse": (
        reg.regression_statistic("rmse", YR, PR),
        lambda i: sk.root_mean_squared_error(YR[i], PR[i]),
    ),
    "r2": (reg.regression_statistic("r2", YR, PR), lambda i: sk.r2_score(YR[i], PR[i])),
}


def resampled_rows(n: int, resamples: int, seed: int) -> np.ndarray:
    """(resamples x n) row indices, drawn as documented in mlops_gate.metrics.bootstrap."""
    return np.random.default_rng(seed).integers(0, n, size=(resamples, n))


def percentile_interval(values: list[float], level: float) -> tuple[float, float]:
    low, high = np.quantile(values, [(1 - level) / 2, (1 + level) / 2])
    return float(low), float(high)


@pytest.mark.parametrize("name", sorted(CASES))
def test_interval_matches_sklearn_on_materialised_resamples(name: str) -> None:
    statistic, oracle = CASES[name]
    expected = [oracle(rows) for rows in resampled_rows(N, RESAMPLES, SEED)]
    interval = bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED)
    low, high = percentile_interval(expected, LEVEL)
    assert interval.point == pytest.approx(oracle(np.arange(N)), rel=1e-12, abs=1e-12)
    assert interval.low == pytest.approx(low, rel=1e-10, abs=1e-12)
    assert interval.high == pytest.approx(high, rel=1e-10, abs=1e-12)
    assert (interval.confidence, interval.n_resamples, interval.seed) == (LEVEL, RESAMPLES, SEED)


@pytest.mark.parametrize(
    ("candidate", "baseline", "oracle"),
    [
        (
            cls.roc_auc_statistic(Y3, P3, classes=CLASSES),
            cls.roc_auc_statistic(Y3, P3_OTHER, classes=CLASSES),
            lambda i: (
                sk.roc_auc_score(Y3[i], P3[i], multi_class="ovr", labels=CLASSES)
                - sk.roc_auc_score(Y3[i], P3_OTHER[i], multi_class="ovr", labels=CLASSES)
            ),
        ),
        (
            reg.regression_statistic("mae", YR, PR),
            reg.regression_statistic("mae", YR, PR_OTHER),
            lambda i: (
                sk.mean_absolute_error(YR[i], PR[i]) - sk.mean_absolute_error(YR[i], PR_OTHER[i])
            ),
        ),
    ],
    ids=["roc_auc_ovr", "mae"],
)
def test_paired_interval_matches_sklearn_on_shared_resamples(
    candidate: Statistic, baseline: Statistic, oracle: Callable[[np.ndarray], float]
) -> None:
    expected = [oracle(rows) for rows in resampled_rows(N, RESAMPLES, SEED)]
    paired = paired_bootstrap(
        candidate, baseline, confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED
    )
    low, high = percentile_interval(expected, LEVEL)
    assert paired.point == pytest.approx(oracle(np.arange(N)), abs=1e-12)
    assert (paired.low, paired.high) == pytest.approx((low, high), rel=1e-10, abs=1e-12)


@settings(deadline=None, max_examples=30)
@given(name=st.sampled_from(sorted(CASES)), seed=st.integers(0, 2**32), level=st.floats(0.51, 0.99))
def test_paired_delta_of_a_model_with_itself_is_exactly_zero(
    name: str, seed: int, level: float
) -> None:
    statistic, _ = CASES[name]
    paired = paired_bootstrap(statistic, statistic, confidence=level, n_resamples=100, seed=seed)
    assert (paired.point, paired.low, paired.high) == (0.0, 0.0, 0.0)


@settings(deadline=None, max_examples=30)
@given(
    name=st.sampled_from(sorted(CASES)), seed=st.integers(0, 2**32), cells=st.integers(N, 40 * N)
)
def test_same_seed_same_interval_whatever_the_chunk_size(name: str, seed: int, cells: int) -> None:
    statistic, _ = CASES[name]
    options: dict[str, Any] = {"confidence": LEVEL, "n_resamples": 150, "seed": seed}
    first, again = bootstrap_ci(statistic, **options), bootstrap_ci(statistic, **options)
    assert first == again
    chunked = bootstrap_ci(statistic, max_cells=cells, **options)
    assert (chunked.low, chunked.high) == pytest.approx((first.low, first.high), rel=1e-12)


def test_other_seed_other_resamples() -> None:
    statistic, _ = CASES["mae"]
    first = bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=1)
    other = bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=2)
    assert first.point == other.point
    assert (first.low, first.high) != (other.low, other.high)


@settings(deadline=None, max_examples=50)
@given(
    centre=st.floats(1.0, 100.0),
    spreads=st.lists(st.floats(0.0, 1.0), min_size=5, max_size=40),
    level=st.floats(0.6, 0.99),
    seed=st.integers(0, 2**32),
)
def test_interval_holds_the_point_of_a_symmetric_sample(
    centre: float, spreads: list[float], level: float, seed: int
) -> None:
    # Absolute errors mirrored around `centre`: the bootstrap distribution of their mean is
    # symmetric around the sample mean, so any central interval contains it.
    errors = np.concatenate([centre - np.array(spreads), centre + np.array(spreads)])
    statistic = reg.regression_statistic("mae", np.zeros(len(errors)), errors)
    interval = bootstrap_ci(statistic, confidence=level, n_resamples=200, seed=seed)
    rounding = 1e-12 * centre  # identical resample means may differ from the point in the last bit
    assert interval.low - rounding <= interval.point <= interval.high + rounding


def test_a_higher_confidence_widens_the_interval() -> None:
    statistic, _ = CASES["f1_macro"]
    narrow = bootstrap_ci(statistic, confidence=0.8, n_resamples=RESAMPLES, seed=SEED)
    wide = bootstrap_ci(statistic, confidence=0.99, n_resamples=RESAMPLES, seed=SEED)
    assert wide.low < narrow.low <= narrow.point <= narrow.high < wide.high


def test_chunks_stay_under_the_memory_budget() -> None:
    shapes: list[tuple[int, ...]] = []

    def draws(weights: np.ndarray) -> np.ndarray:
        shapes.append(weights.shape)
        return weights.sum(axis=1)  # every resample draws exactly n rows

    interval = bootstrap_ci(
        Statistic(N, draws), confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED, max_cells=10 * N
    )
    assert all(rows * n <= 10 * N for rows, n in shapes)
    assert sum(rows for rows, _ in shapes) == RESAMPLES + 1  # + the point value's single row
    assert (interval.low, interval.high) == (N, N)


def test_resamples_missing_a_class_make_the_interval_undefined() -> None:
    y = np.array([1] + [0] * 39)  # a resample misses the lone positive with probability ~0.37
    statistic = cls.roc_auc_statistic(y, np.linspace(0, 1, 40), pos_label=1)
    with pytest.raises(MetricUndefined, match="bootstrap resamples"):
        bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED)


def test_paired_statistics_must_share_rows() -> None:
    with pytest.raises(MetricUndefined, match="paired rows differ"):
        paired_bootstrap(
            reg.regression_statistic("mae", YR, PR),
            reg.regression_statistic("mae", YR[:-1], PR[:-1]),
            confidence=LEVEL,
            n_resamples=RESAMPLES,
            seed=SEED,
        )


@pytest.mark.parametrize("name", ["accuracy", "f1_macro", "roc_auc_binary", "roc_auc_ovr"])
def test_small_slices_and_one_resample_at_a_time_give_the_same_interval(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Large eval sets (issue #8) draw each resample in chunks and walk rows in slices; both paths
    # must be the documented stream and the same numbers as the vectorised one.
    statistic, oracle = CASES[name]
    expected = [oracle(rows) for rows in resampled_rows(N, RESAMPLES, SEED)]
    whole = bootstrap_ci(statistic, confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED)
    monkeypatch.setattr(bootstrap, "CHUNK", 7)
    monkeypatch.setattr(cls, "CHUNK", 7)
    fresh, _ = CASES_AGAIN[name]()
    sliced = bootstrap_ci(fresh, confidence=LEVEL, n_resamples=RESAMPLES, seed=SEED, max_cells=13)
    low, high = percentile_interval(expected, LEVEL)
    assert (sliced.low, sliced.high) == pytest.approx((low, high), rel=1e-10, abs=1e-12)
    assert (sliced.low, sliced.high) == pytest.approx((whole.low, whole.high), rel=1e-12)
    assert sliced.point == whole.point


CASES_AGAIN: dict[str, Callable[[], tuple[Statistic, None]]] = {
    "accuracy": lambda: (cls.label_statistic("accuracy", Y3, L3), None),
    "f1_macro": lambda: (cls.label_statistic("f1", Y3, L3, average="macro"), None),
    "roc_auc_binary": lambda: (cls.roc_auc_statistic(Y2, S2, pos_label="yes"), None),
    "roc_auc_ovr": lambda: (cls.roc_auc_statistic(Y3, P3, classes=CLASSES), None),
}


def test_float32_scores_bootstrap_like_their_float64_values() -> None:
    scores = S2.astype(np.float32)
    ours = bootstrap_ci(
        cls.roc_auc_statistic(Y2, scores, pos_label="yes"),
        confidence=LEVEL,
        n_resamples=RESAMPLES,
        seed=SEED,
    )
    wide = bootstrap_ci(
        cls.roc_auc_statistic(Y2, scores.astype(np.float64), pos_label="yes"),
        confidence=LEVEL,
        n_resamples=RESAMPLES,
        seed=SEED,
    )
    assert ours == wide
