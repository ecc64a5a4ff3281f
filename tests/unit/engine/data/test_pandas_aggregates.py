"""The aggregate seam on the pandas engine (issue 15): every answer pinned against numpy and the
drift gate's rules, for loaded tables and for streamed Parquet read a column or batch at a time."""

from __future__ import annotations

import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyarrow import parquet

from mlops_gate.engine.data.pandas_engine import PandasData
from mlops_gate.errors import GateError
from mlops_gate.progress import NoProgress
from tests.unit.engine.data.support import (
    assert_same_floats,
    edges_of,
    numeric_values,
    probabilities,
    reference_bins,
    reference_categories,
    reference_quantiles,
    text_values,
)

EXAMPLES = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _engine(folder: Path, table: pa.Table) -> PandasData:
    path = folder / "data.parquet"
    parquet.write_table(table, path, row_group_size=7)  # several row groups: several batches
    return PandasData({"eval": path, "reference": None}, NoProgress())


@pytest.fixture(params=[False, True], ids=["loaded", "streamed"])
def streamed(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> bool:
    if request.param:
        monkeypatch.setenv("MLOPS_GATE_STREAM_BYTES", "1")
    return bool(request.param)


def _floats(values: list[float | None]) -> pa.Table:
    return pa.table({"x": pa.array(values, type=pa.float64())})


@EXAMPLES
@given(values=numeric_values, probs=probabilities)
def test_quantiles_are_numpys_linear_quantiles(
    tmp_path: Path, streamed: bool, values: list[float | None], probs: list[float]
) -> None:
    engine = _engine(tmp_path, _floats(values))
    assert (engine.source("eval") is not None) == streamed
    if all(v is None or v != v for v in values):
        with pytest.raises(GateError, match="no non-missing values"):
            engine.column_quantiles("eval", "x", probs)
        return
    assert_same_floats(
        engine.column_quantiles("eval", "x", probs), reference_quantiles(values, probs)
    )


@EXAMPLES
@given(values=numeric_values, bins=st.integers(2, 12))
def test_bin_counts_are_searchsorted_right_then_missing(
    tmp_path: Path, streamed: bool, values: list[float | None], bins: int
) -> None:
    engine = _engine(tmp_path, _floats(values))
    present = any(v == v and v is not None for v in values)
    edges = edges_of(values, bins) if present else np.array([], dtype=np.float64)
    counts = engine.column_bin_counts("eval", "x", edges)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, reference_bins(values, edges))


@EXAMPLES
@given(values=text_values)
def test_category_counts_are_keyed_by_text(
    tmp_path: Path, streamed: bool, values: list[str | None]
) -> None:
    engine = _engine(tmp_path, pa.table({"c": pa.array(values, type=pa.string())}))
    assert engine.column_category_counts("eval", "c") == reference_categories(values)


def test_edges_at_infinity_and_ties(tmp_path: Path, streamed: bool) -> None:
    values = [-np.inf, -np.inf, 0.0, -0.0, 1.0, 1.0, np.inf, None, np.nan]
    engine = _engine(tmp_path, _floats(values))
    edges = np.array([-np.inf, -0.0, 1.0, np.inf])
    counts = engine.column_bin_counts("eval", "x", edges)
    np.testing.assert_array_equal(counts, [0, 2, 2, 2, 1, 2])


def test_row_count_and_kinds(tmp_path: Path, streamed: bool) -> None:
    table = pa.table(
        {
            "f": pa.array([1.5, None, 2.0], type=pa.float32()),
            "i": pa.array([1, 2, 3], type=pa.int64()),
            "b": pa.array([True, False, None]),
            "s": pa.array(["a", None, "b"]),
            "d": pa.array([datetime.date(2024, 1, 1)] * 3),
            "t": pa.array([datetime.datetime(2024, 1, 1)] * 3),
            "nan": pa.array([np.nan, None, np.nan], type=pa.float64()),
            "none": pa.array([None, None, None], type=pa.string()),
            "null": pa.nulls(3),
        }
    )
    engine = _engine(tmp_path, table)
    assert engine.row_count("eval") == 3
    kinds = {name: engine.column_kind("eval", name) for name in table.column_names}
    assert kinds == {
        "f": "numeric",
        "i": "numeric",
        "b": "categorical",
        "s": "categorical",
        "d": "categorical",
        "t": None,
        "nan": None,
        "none": None,
        "null": None,
    }
    assert engine.column_category_counts("eval", "b") == ({"True": 1, "False": 1}, 1)
    assert engine.column_category_counts("eval", "i") == ({"1": 1, "2": 1, "3": 1}, 0)


def test_integers_quantiles_as_float64(tmp_path: Path, streamed: bool) -> None:
    big = 2**53 + 1  # not a float64: converted as pandas converts it
    engine = _engine(tmp_path, pa.table({"i": pa.array([1, 2, big], type=pa.int64())}))
    result = engine.column_quantiles("eval", "i", [0.0, 0.5, 1.0])
    assert result.dtype == np.float64
    assert_same_floats(result, np.quantile(np.array([1, 2, big], dtype=np.float64), [0, 0.5, 1]))


def test_errors_name_the_column_and_file(tmp_path: Path, streamed: bool) -> None:
    engine = _engine(tmp_path, pa.table({"s": ["a", "b"], "x": [1.0, 2.0]}))
    with pytest.raises(GateError, match=r"column 'nope' not found in .*data\.parquet"):
        engine.column_bin_counts("eval", "nope", np.array([1.0]))
    with pytest.raises(GateError, match=r"column 'nope' not found"):
        engine.column_category_counts("eval", "nope")
    with pytest.raises(GateError, match=r"column 's' of .*data\.parquet is not numeric"):
        engine.column_quantiles("eval", "s", [0.5])
    with pytest.raises(GateError, match=r"column 's' .* is not numeric"):
        engine.column_bin_counts("eval", "s", np.array([1.0]))


def test_bad_arguments_are_callers_bugs(tmp_path: Path) -> None:
    engine = _engine(tmp_path, pa.table({"x": [1.0, 2.0]}))
    for probs in ([], [1.5], [-0.1], [float("nan")]):
        with pytest.raises(ValueError, match="quantile probabilities"):
            engine.column_quantiles("eval", "x", probs)
    for edges in ([2.0, 1.0], [float("nan")]):
        with pytest.raises(ValueError, match="bin edges"):
            engine.column_bin_counts("eval", "x", np.array(edges))
