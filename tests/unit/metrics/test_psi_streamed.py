"""Streamed PSI (issue #8): counting the current set in chunks gives exactly the in-memory PSI."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mlops_gate.metrics.errors import MetricUndefined
from mlops_gate.metrics.psi import (
    ColumnPsi,
    StreamedNumericPsi,
    categorical_psi,
    counted_categorical_psi,
    numeric_psi,
)

values = st.lists(
    st.one_of(st.floats(-1e6, 1e6, allow_nan=False), st.just(float("nan"))), min_size=1, max_size=60
)


@settings(max_examples=200, deadline=None)
@given(reference=values, current=values, bins=st.integers(2, 12), cuts=st.lists(st.integers(0, 60)))
def test_chunked_numeric_psi_is_the_in_memory_psi(
    reference: list[float], current: list[float], bins: int, cuts: list[int]
) -> None:
    ref, cur = np.array(reference), np.array(current)
    try:
        expected = numeric_psi(ref, cur, bins=bins)
    except MetricUndefined:
        with pytest.raises(MetricUndefined):
            _streamed(ref, cur, bins, cuts)
        return
    assert _streamed(ref, cur, bins, cuts) == expected


def _streamed(ref: np.ndarray, cur: np.ndarray, bins: int, cuts: list[int]) -> ColumnPsi:
    counter = StreamedNumericPsi(ref, bins=bins)
    for chunk in np.split(cur, sorted(c for c in cuts if c <= cur.size)):
        counter.add(chunk)
    return counter.result()


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


def test_streamed_numeric_psi_needs_current_rows() -> None:
    counter = StreamedNumericPsi(np.arange(10.0))
    with pytest.raises(MetricUndefined, match="current set has no rows"):
        counter.result()
