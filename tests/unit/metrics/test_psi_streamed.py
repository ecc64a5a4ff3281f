"""PSI from counts (issues 8 and 15): what a data engine counts gives exactly the in-memory PSI."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.psi import (
    bin_counts,
    categorical_psi,
    counted_categorical_psi,
    counted_numeric_psi,
    edges_from_quantiles,
    numeric_psi,
    quantile_probs,
)

values = st.lists(
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(
    reference=st.lists(st.sampled_from(["a", "b", "c", None]), min_size=1, max_size=40),
    current=st.lists(st.sampled_from(["b", "c", "d", None]), min_size=1, max_size=40),
)
def test_counted_categorical_psi_is_the_in_memory_psi(
    reference: list[str | None], current: list[str | None]
) -> None:
    def counts(items: list[str | None]) -> dict[str, int]:
        found: dict[str, int] = {}
        for item in items:
            if item is not None:
                found[item] = found.get(item, 0) + 1
        return found

    missing = (reference.count(None), current.count(None))
    result = counted_categorical_psi(counts(reference), counts(current), missing)
    assert result == categorical_psi(np.array(reference, object), np.array(current, object))


@settings(max_examples=200, deadline=None)
@given(reference=values, current=values, bins=st.integers(2, 12))
def test_psi_from_an_engines_quantiles_and_counts_is_the_in_memory_psi(
    reference: list[float], current: list[float], bins: int
) -> None:
    # What a data engine answers (issue 15): quantiles of the non-missing reference values, and
    # bin counts with the NaN count last; the gate turns them into the same PSI.
    ref, cur = np.array(reference), np.array(current)
    present = ref[~np.isnan(ref)]
    if present.size == 0:
        with pytest.raises(MetricUndefined):
            numeric_psi(ref, cur, bins=bins)
        return
    edges = edges_from_quantiles(np.quantile(present, quantile_probs(bins).tolist()))
    counted = counted_numeric_psi(bin_counts(ref, edges), bin_counts(cur, edges), edges)
    in_memory = numeric_psi(ref, cur, bins=bins)
    assert counted == in_memory
    assert counted.psi == in_memory.psi
    assert sum(counted.reference_counts) == ref.size
    assert sum(counted.current_counts) == cur.size


def test_counts_of_the_wrong_length_are_a_callers_bug() -> None:
    with pytest.raises(ValueError, match="expected 3 counts per set"):
        counted_numeric_psi([1, 2], [1, 2, 0], [0.5])
    with pytest.raises(MetricUndefined, match="reference set has no rows"):
        counted_numeric_psi([0, 0, 0], [1, 2, 0], [0.5])


def test_bin_counts_put_nan_last_and_infinities_in_the_outer_bins() -> None:
    counts = bin_counts(np.array([-np.inf, 0.0, 1.0, np.nan, np.inf, 2.0]), np.array([1.0]))
    assert counts.tolist() == [2, 3, 1]
    assert counts.dtype == np.int64


def test_edges_from_infinite_quantiles_are_undefined() -> None:
    with np.errstate(invalid="ignore"):
        quantiles = np.quantile(np.array([1.0, np.inf, np.inf]), [0.25, 0.75])
    with pytest.raises(MetricUndefined, match="infinite"):
        edges_from_quantiles(quantiles)
