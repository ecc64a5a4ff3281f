"""Hypothesis strategies that generate contract-valid rows, biased towards the edges of the contract.

`rows()` is what a check uses: a DataFrame strategy whose columns, dtypes and values follow the
policy's data contract (`contract.py`). About half of the values are edge cases inside the
contract — each bound, zero where it is allowed, values next to the bounds, rare categories,
missing values where the contract allows them — because that is where models break: a
category seen 40 times in training, an income of exactly 0. The rest cover the whole range.

The strategies are deferred: the policy is read when the first example is drawn, not when a test
module is imported, so collecting the checks stays cheap and a bad policy is a test error with the
policy's own message.
"""

from __future__ import annotations

import math
import operator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hypothesis import strategies as st

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.testing.contract import ColumnContract, DataContract

PolicyArg = str | Path | None


def rows(
    max_rows: int | None = None,
    *,
    min_rows: int = 1,
    columns: list[str] | None = None,
    policy: PolicyArg = None,
) -> st.SearchStrategy[pd.DataFrame]:
    """Batches of `min_rows`..`max_rows` contract-valid rows (default max: the gate's `max_rows`).

    Columns: `columns`, else the model's inputs plus the columns the gate's options name.
    `policy` defaults to the one pytest runs with (`--mlops-gate POLICY`).
    """

    def build() -> st.SearchStrategy[pd.DataFrame]:
        from mlops_gate.testing.session import session_for

        session = session_for(policy)
        limit = max_rows if max_rows is not None else session.options.max_rows
        names = columns if columns is not None else session.tested_columns()
        return frames(session.contract, min_rows=min_rows, max_rows=limit, columns=names)

    return st.deferred(build)


def values(column: str, size: int, *, policy: PolicyArg = None) -> st.SearchStrategy[list[Any]]:
    """`size` contract-valid values of one column (e.g. replacement values for a batch)."""

    def build() -> st.SearchStrategy[list[Any]]:
        from mlops_gate.testing.session import session_for

        spec = session_for(policy).contract.column(column)
        return st.lists(elements(spec), min_size=size, max_size=size, unique=spec.unique)

    return st.deferred(build)


def frames(
    contract: DataContract,
    *,
    min_rows: int = 1,
    max_rows: int = 64,
    columns: list[str] | None = None,
) -> st.SearchStrategy[pd.DataFrame]:
    """DataFrames of `contract`'s columns (or `columns`, in that order) with min..max rows.

    Rows are drawn as whole records, so that hypothesis shrinks a failure by dropping rows: a
    falsifying example is then the one or two rows that matter.
    """
    specs = [contract.column(name) for name in columns] if columns else list(contract.columns)
    # A unique column cannot hold more rows than it has distinct values.
    limit = int(min([max_rows, *(spec.capacity() for spec in specs if spec.unique)]))
    if min_rows < 1 or limit < min_rows:
        raise ValueError(f"cannot generate {min_rows}..{max_rows} rows (at most {limit} possible)")
    unique = tuple(operator.itemgetter(i) for i, spec in enumerate(specs) if spec.unique)
    records = st.lists(
        st.tuples(*(elements(spec) for spec in specs)),
        min_size=min_rows,
        max_size=limit,
        unique_by=unique or None,
    )
    return _framed(records, specs)


@st.composite
def _framed(
    draw: st.DrawFn, records: st.SearchStrategy[list[tuple[Any, ...]]], specs: list[ColumnContract]
) -> pd.DataFrame:
    # A composite (not `.map`) so that a falsifying example prints as the DataFrame's table.
    import pandas as pd

    drawn = draw(records)
    return pd.DataFrame(
        {
            spec.name: pd.Series([record[i] for record in drawn], dtype=spec.dtype)
            for i, spec in enumerate(specs)
        }
    )


def elements(spec: ColumnContract) -> st.SearchStrategy[Any]:
    """One value of the column: an edge case or any valid value, or missing where allowed."""
    base, edges = _base_and_edges(spec)
    # The edges come first so that hypothesis shrinks a failure towards them. A unique column
    # (an id) gets none: its few edges would be drawn again and again and rejected as duplicates.
    strategy = st.one_of(st.sampled_from(edges), base) if edges and not spec.unique else base
    return st.one_of(strategy, st.none()) if spec.nullable else strategy


def _base_and_edges(spec: ColumnContract) -> tuple[st.SearchStrategy[Any], list[Any]]:
    if spec.categories:
        return st.sampled_from(spec.categories), list(spec.rare)
    if spec.kind == "bool":
        return st.booleans(), []
    assert spec.low is not None
    assert spec.high is not None
    if spec.kind == "int":
        low, high = int(spec.low), int(spec.high)
        return st.integers(low, high), _dedupe([low, high, 0, low + 1, high - 1], low, high)
    low_f, high_f, near = spec.low, spec.high, []
    if str(spec.dtype) == "float32":  # bounds must be float32 values: rounded inwards
        low_f, high_f = _float32_inside(low_f, high_f)
        base = st.floats(low_f, high_f, allow_nan=False, allow_infinity=False, width=32)
    else:
        base = st.floats(low_f, high_f, allow_nan=False, allow_infinity=False)
        near = [math.nextafter(low_f, high_f), math.nextafter(high_f, low_f)]
    return base, _dedupe([low_f, high_f, 0.0, *near], low_f, high_f)


def _dedupe(candidates: list[Any], low: float, high: float) -> list[Any]:
    """Edge values inside [low, high], each once, in the order given."""
    return list(dict.fromkeys(v for v in candidates if low <= v <= high))


def _float32_inside(low: float, high: float) -> tuple[float, float]:
    import numpy as np

    low32, high32 = np.float32(low), np.float32(high)
    if float(low32) < low:
        low32 = np.nextafter(low32, np.float32(np.inf))
    if float(high32) > high:
        high32 = np.nextafter(high32, np.float32(-np.inf))
    return float(low32), float(high32)
