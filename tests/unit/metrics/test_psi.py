"""PSI against a loop-based pure-Python PSI written from DESIGN.md's text, plus its true properties.

The reference implementation below shares no code with mlops_gate.metrics.psi: it sorts with
`sorted`, interpolates quantiles by hand (numpy's "linear" method, Hyndman & Fan type 7, with
numpy's own interpolation arithmetic so the edges agree to the last bit), bins with a loop and sums
with a loop.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.psi import (
    categorical_psi,
    coded_categorical_psi,
    column_psi,
    numeric_psi,
)

NAN = math.nan


# -- the independent implementation ----------------------------------------------------------------
def linear_quantile(ordered: Sequence[float], q: float) -> float:
    """numpy.quantile(..., method="linear") of sorted values, written out."""
    position = (len(ordered) - 1) * q
    if position >= len(ordered) - 1:
        return ordered[-1]
    lower = math.floor(position)
    a, b, t = ordered[lower], ordered[lower + 1], position - lower
    # numpy interpolates from the nearer neighbour; the result is the same number to the last bit.
    return b - (b - a) * (1 - t) if t >= 0.5 else a + (b - a) * t


def loop_psi(
    ref: list[float], cur: list[float], bins: int = 10, eps: float = 1e-6
) -> dict[str, Any]:
    """DESIGN.md's numeric PSI, one row and one bin at a time."""
    finite = sorted(x for x in ref if not math.isnan(x))
    edges = sorted({linear_quantile(finite, i / bins) for i in range(1, bins)})
    has_nan = any(math.isnan(x) for x in ref + cur)

    def shares(values: list[float]) -> list[float]:
        counts = [0] * (len(edges) + 1 + has_nan)
        for x in values:
            index = len(edges) + 1 if math.isnan(x) else sum(1 for e in edges if e <= x)
            counts[index] += 1
        return [c / len(values) for c in counts]

    ref_shares, cur_shares = shares(ref), shares(cur)
    return {
        "psi": _psi_sum(ref_shares, cur_shares, eps),
        "edges": tuple(edges),
        "reference": tuple(ref_shares),
        "current": tuple(cur_shares),
    }


def loop_categorical_psi(ref: list[Any], cur: list[Any], eps: float = 1e-6) -> dict[str, Any]:
    """DESIGN.md's categorical PSI: one bin per category seen in either set, missing as one more."""
    seen = sorted({x for x in ref + cur if x is not None})
    categories = seen + ([None] if None in ref + cur else [])

    def shares(values: list[Any]) -> list[float]:
        return [sum(1 for x in values if x == c) / len(values) for c in categories]

    ref_shares, cur_shares = shares(ref), shares(cur)
    return {
        "psi": _psi_sum(ref_shares, cur_shares, eps),
        "categories": tuple(categories),
        "reference": tuple(ref_shares),
        "current": tuple(cur_shares),
    }


def _psi_sum(ref_shares: list[float], cur_shares: list[float], eps: float) -> float:
    total = 0.0
    for r, c in zip(ref_shares, cur_shares, strict=True):
        r, c = max(r, eps), max(c, eps)
        total += (c - r) * math.log(c / r)
    return total


# -- data -----------------------------------------------------------------------------------------
# A small pool makes ties and duplicated quantile edges common; NaN and wide floats come in too.
numbers = st.one_of(
    st.sampled_from([0.0, 1.0, 1.0, 2.5, -3.0, 7.0]),
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False),
    st.just(NAN),
)
columns = st.lists(numbers, min_size=1, max_size=60)
references = columns.filter(lambda xs: any(not math.isnan(x) for x in xs))
# Infinite current values land in the outer bins; infinite reference values are tested apart.
currents = st.lists(
    st.one_of(numbers, st.sampled_from([math.inf, -math.inf])), min_size=1, max_size=60
)
categories = st.lists(st.sampled_from(["a", "b", "c", "d", None]), min_size=1, max_size=40)
epsilons = st.sampled_from([1e-6, 1e-4, 1e-2])


@settings(max_examples=300, deadline=None)
@given(ref=references, cur=currents, bins=st.integers(2, 40), eps=epsilons)
def test_numeric_psi_matches_the_loop_definition(
    ref: list[float], cur: list[float], bins: int, eps: float
) -> None:
    got = numeric_psi(np.array(ref), np.array(cur), bins=bins, epsilon=eps)
    want = loop_psi(ref, cur, bins, eps)
    assert got.edges == want["edges"]
    assert got.reference == pytest.approx(want["reference"], abs=0)
    assert got.current == pytest.approx(want["current"], abs=0)
    assert got.psi == pytest.approx(want["psi"], rel=1e-9, abs=1e-12)
    assert got.missing_bin == any(math.isnan(x) for x in ref + cur)


def test_many_bins_take_the_searchsorted_path_and_agree() -> None:
    rng = np.random.default_rng(7)
    ref, cur = rng.normal(size=500).tolist(), rng.normal(0.3, 1.2, size=300).tolist()
    got = numeric_psi(np.array(ref), np.array(cur), bins=100)
    want = loop_psi(ref, cur, bins=100)
    assert len(got.edges or ()) == 99
    assert got.current == want["current"]
    assert got.psi == pytest.approx(want["psi"], rel=1e-9)


@settings(max_examples=200, deadline=None)
@given(ref=categories, cur=categories, eps=epsilons)
def test_categorical_psi_matches_the_loop_definition(
    ref: list[Any], cur: list[Any], eps: float
) -> None:
    got = categorical_psi(np.array(ref, dtype=object), np.array(cur, dtype=object), epsilon=eps)
    want = loop_categorical_psi(ref, cur, eps)
    assert got.categories == want["categories"]
    assert got.reference == want["reference"]
    assert got.current == want["current"]
    assert got.psi == pytest.approx(want["psi"], rel=1e-9, abs=1e-12)


# -- properties that truly hold -------------------------------------------------------------------
@settings(max_examples=200, deadline=None)
@given(ref=references, cur=columns, bins=st.integers(2, 20))
def test_psi_is_never_negative(ref: list[float], cur: list[float], bins: int) -> None:
    # Each term (c - r) ln(c / r) is >= 0, clipped or not.
    assert numeric_psi(np.array(ref), np.array(cur), bins=bins).psi >= 0


@settings(max_examples=100, deadline=None)
@given(ref=references, bins=st.integers(2, 20))
def test_identical_sets_have_zero_psi(ref: list[float], bins: int) -> None:
    assert numeric_psi(np.array(ref), np.array(ref), bins=bins).psi == 0.0


@settings(max_examples=100, deadline=None)
@given(ref=references, cur=columns, seed=st.integers(0, 2**32 - 1))
def test_row_order_does_not_matter(ref: list[float], cur: list[float], seed: int) -> None:
    rng = np.random.default_rng(seed)
    before = numeric_psi(np.array(ref), np.array(cur))
    after = numeric_psi(rng.permutation(np.array(ref)), rng.permutation(np.array(cur)))
    assert after == before


@settings(max_examples=100, deadline=None)
@given(ref=references, cur=columns)
def test_repeating_the_current_set_changes_nothing(ref: list[float], cur: list[float]) -> None:
    # Shares are count / rows: doubling every count and the rows leaves them (exactly) as they were.
    # (Repeating the *reference* is not a property: it moves the linear-interpolated edges.)
    once = numeric_psi(np.array(ref), np.array(cur))
    twice = numeric_psi(np.array(ref), np.array(cur + cur))
    assert twice == once


@settings(max_examples=100, deadline=None)
@given(ref=categories, cur=categories)
def test_categorical_psi_is_symmetric(ref: list[Any], cur: list[Any]) -> None:
    # True for categories (the bins come from both sets), not for numeric columns, whose edges
    # come from the reference alone.
    forward = categorical_psi(np.array(ref, dtype=object), np.array(cur, dtype=object)).psi
    backward = categorical_psi(np.array(cur, dtype=object), np.array(ref, dtype=object)).psi
    assert forward == pytest.approx(backward, rel=1e-12, abs=1e-15)


def test_numeric_psi_is_not_symmetric_because_edges_come_from_the_reference() -> None:
    narrow, wide = np.linspace(-1, 1, 100), np.linspace(-10, 10, 100)
    forward, backward = numeric_psi(narrow, wide).psi, numeric_psi(wide, narrow).psi
    assert forward == pytest.approx(loop_psi(narrow.tolist(), wide.tolist())["psi"])
    assert backward == pytest.approx(loop_psi(wide.tolist(), narrow.tolist())["psi"])
    assert forward != pytest.approx(backward)


# -- worked examples and edge cases ---------------------------------------------------------------
def test_worked_example_two_bins() -> None:
    # Median edge 2.5: reference shares 1/2, 1/2; current 3/4, 1/4.
    # PSI = 1/4 ln(3/2) + 1/4 ln(2) = ln(3)/4.
    result = numeric_psi(np.array([1.0, 2, 3, 4]), np.array([1.0, 1, 1, 4]), bins=2)
    assert result.edges == (2.5,)
    assert result.psi == pytest.approx(math.log(3) / 4, rel=1e-15)


def test_nan_gets_its_own_bin_in_both_sets_when_only_current_has_it() -> None:
    result = numeric_psi(np.array([1.0, 2, 3, 4]), np.array([1.0, NAN, NAN, 4]), bins=2)
    assert result.missing_bin
    assert result.reference == (0.5, 0.5, 0.0)
    assert result.current == (0.25, 0.25, 0.5)
    # Two bins each (1/4 - 1/2) ln(1/2), and the NaN bin (1/2 - eps) ln(1/2 / eps).
    expected = 2 * -0.25 * math.log(0.5) + (0.5 - 1e-6) * math.log(0.5 / 1e-6)
    assert result.psi == pytest.approx(expected, rel=1e-12)


def test_infinite_reference_values_are_fine_away_from_the_edges() -> None:
    ref = [1.0, 2.0, 3.0, 4.0, math.inf]
    result = numeric_psi(np.array(ref), np.array([math.inf, 0.0]), bins=2)
    assert result.edges == (3.0,)
    assert result.current == loop_psi(ref, [math.inf, 0.0], bins=2)["current"]


def test_constant_reference_gives_one_edge() -> None:
    result = numeric_psi(np.full(10, 5.0), np.array([4.0, 5.0, 6.0, 5.0]))
    assert result.edges == (5.0,)
    assert result.reference == (0.0, 1.0)
    assert result.current == (0.25, 0.75)


def test_category_present_in_one_set_only_is_clipped_not_dropped() -> None:
    result = categorical_psi(np.array(["a", "a", "b", "b"]), np.array(["a", "c", "c", "c"]))
    assert result.categories == ("a", "b", "c")
    expected = (
        (0.25 - 0.5) * math.log(0.5)
        + (1e-6 - 0.5) * math.log(1e-6 / 0.5)
        + (0.75 - 1e-6) * math.log(0.75 / 1e-6)
    )
    assert result.psi == pytest.approx(expected, rel=1e-12)


def test_column_psi_picks_categories_for_bools_and_quantiles_for_ints() -> None:
    flags = column_psi(np.array([True, False, True]), np.array([True, True, True]))
    assert flags.kind == "categorical"
    assert flags.categories == (False, True)
    counts = column_psi(np.array([1, 2, 3, 4]), np.array([1, 1, 1, 4]), bins=2)
    assert counts.kind == "numeric"
    assert counts.psi == pytest.approx(math.log(3) / 4)


@pytest.mark.parametrize(
    ("ref", "cur", "match"),
    [
        (np.array([]), np.array([1.0]), "reference set has no rows"),
        (np.array([1.0]), np.array([]), "current set has no rows"),
        (np.array([NAN, NAN]), np.array([1.0]), "no non-missing values"),
        (np.array([1.0, math.inf, math.inf]), np.array([1.0]), "infinite"),
    ],
)
def test_undefined_numeric_psi_raises(ref: np.ndarray, cur: np.ndarray, match: str) -> None:
    with pytest.raises(MetricUndefined, match=match):
        numeric_psi(ref, cur)


def test_mixed_type_categories_and_mixed_kinds_are_undefined() -> None:
    with pytest.raises(MetricUndefined, match="mixed types"):
        categorical_psi(np.array([1, "a"], dtype=object), np.array(["a"], dtype=object))
    with pytest.raises(MetricUndefined, match="cannot compare"):
        column_psi(np.array([1.0, 2.0]), np.array(["a", "b"]))


@given(ref=categories, cur=categories, eps=epsilons)
def test_coded_categories_give_the_same_psi_as_the_values(
    ref: list[str | None], cur: list[str | None], eps: float
) -> None:
    # The drift gate codes columns by hashing (pandas.factorize); the result must not change.
    names = sorted({v for v in [*ref, *cur] if v is not None})
    code = {name: i for i, name in enumerate(names)}
    coded = coded_categorical_psi(
        [code.get(v, -1) if v is not None else -1 for v in ref],
        [code.get(v, -1) if v is not None else -1 for v in cur],
        names,
        epsilon=eps,
    )
    direct = categorical_psi(ref, cur, epsilon=eps)
    assert coded.psi == pytest.approx(direct.psi, rel=1e-12, abs=1e-15)
    assert coded.categories == direct.categories
