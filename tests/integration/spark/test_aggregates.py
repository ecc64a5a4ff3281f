"""The Spark engine answers the aggregate seam with the pandas engine's numbers (issue 15):
hypothesis draws columns with ties, NaN and null (both, as Spark has them), ±inf, -0.0 and single
values; quantiles must equal numpy's linear method bit for bit, bins and categories exactly."""

from __future__ import annotations

import datetime
import decimal
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from mlops_gate.errors import GateError
from tests.integration.spark.support import engine_over
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

pytestmark = pytest.mark.integration
PROPERTY = settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
DOUBLE = T.StructType([T.StructField("x", T.DoubleType())])


def _doubles(session: SparkSession, values: list[float | None]) -> DataFrame:
    return session.createDataFrame([(v,) for v in values], DOUBLE)


def _all_missing(values: list[float | None]) -> bool:
    return all(v is None or math.isnan(v) for v in values)


@pytest.mark.slow
@PROPERTY
@given(values=numeric_values, probs=probabilities, cap=st.sampled_from([None, 1, 3]))
def test_quantiles_equal_numpy(
    spark_session: SparkSession, values: list[float | None], probs: list[float], cap: int | None
) -> None:
    """`cap` 1 and 3 force the bracket-and-select path on these few values."""
    engine = engine_over(_doubles(spark_session, values), collect_cap=cap)
    if _all_missing(values):
        with pytest.raises(GateError, match="no non-missing values"):
            engine.column_quantiles("eval", "x", probs)
        return
    assert_same_floats(
        engine.column_quantiles("eval", "x", probs), reference_quantiles(values, probs)
    )


@pytest.mark.slow
@PROPERTY
@given(values=numeric_values, bins=st.integers(2, 12))
def test_bin_counts_equal_bin_index(
    spark_session: SparkSession, values: list[float | None], bins: int
) -> None:
    engine = engine_over(_doubles(spark_session, values))
    edges = np.asarray([] if _all_missing(values) else edges_of(values, bins), dtype=np.float64)
    np.testing.assert_array_equal(
        engine.column_bin_counts("eval", "x", edges), reference_bins(values, edges)
    )


@pytest.mark.slow
@PROPERTY
@given(values=text_values)
def test_category_counts_equal_pandas_keys(
    spark_session: SparkSession, values: list[str | None]
) -> None:
    schema = T.StructType([T.StructField("c", T.StringType())])
    engine = engine_over(spark_session.createDataFrame([(v,) for v in values], schema))
    assert engine.column_category_counts("eval", "c") == reference_categories(values)


def test_large_column_quantiles_through_brackets(spark_session: SparkSession) -> None:
    """20k values with heavy ties and infinities, a cap of 50: several refinement rounds."""
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [rng.normal(size=15_000), np.zeros(3_000), [np.inf, -np.inf] * 10, rng.integers(0, 5, 1980)]
    )
    frame = spark_session.createDataFrame([(float(v),) for v in values], DOUBLE)
    engine = engine_over(frame, collect_cap=50)
    probs = np.arange(1, 20) / 20
    assert_same_floats(engine.column_quantiles("eval", "x", probs), np.quantile(values, probs))


def test_kinds_and_keys_follow_pandas(spark_session: SparkSession) -> None:
    schema = T.StructType(
        [
            T.StructField("i", T.LongType()),
            T.StructField("f", T.FloatType()),
            T.StructField("b", T.BooleanType()),
            T.StructField("s", T.StringType()),
            T.StructField("d", T.DateType()),
            T.StructField("m", T.DecimalType(5, 2)),
            T.StructField("t", T.TimestampType()),
            T.StructField("nan", T.DoubleType()),
            T.StructField("none", T.StringType()),
        ]
    )
    rows = [
        (1, 1.5, True, "a", datetime.date(2024, 1, 1), decimal.Decimal("1.50"), None, None, None),
        (2, None, False, None, None, None, datetime.datetime(2024, 1, 1), math.nan, None),
        (3, 2.0, None, "b", None, None, None, math.nan, None),
    ]
    engine = engine_over(spark_session.createDataFrame(rows, schema))
    assert engine.row_count("eval") == 3
    kinds = {name: engine.column_kind("eval", name) for name in schema.names}
    assert kinds == {
        "i": "numeric",
        "f": "numeric",
        "b": "categorical",
        "s": "categorical",
        "d": "categorical",
        "m": "categorical",
        "t": None,
        "nan": None,
        "none": None,
    }
    assert engine.column_category_counts("eval", "b") == ({"True": 1, "False": 1}, 1)
    assert engine.column_category_counts("eval", "d") == ({"2024-01-01": 1}, 2)
    assert engine.column_category_counts("eval", "m") == ({"1.50": 1}, 2)
    assert engine.column_category_counts("eval", "nan") == ({}, 3)
    np.testing.assert_array_equal(engine.column_bin_counts("eval", "f", [1.5]), [0, 2, 1])


def test_edges_at_infinity_and_negative_zero(spark_session: SparkSession) -> None:
    values = [-math.inf, -math.inf, 0.0, -0.0, 1.0, 1.0, math.inf, None, math.nan]
    engine = engine_over(_doubles(spark_session, values))
    counts = engine.column_bin_counts("eval", "x", np.array([-math.inf, -0.0, 1.0, math.inf]))
    np.testing.assert_array_equal(counts, [0, 2, 2, 2, 1, 2])


def test_whole_table_calls_are_refused(spark_session: SparkSession) -> None:
    engine = engine_over(_doubles(spark_session, [1.0, 2.0]))
    with pytest.raises(GateError, match=r"data\.eval \(table:.*\) is on Spark"):
        engine.frame("eval")
    with pytest.raises(GateError, match="counts, quantiles or bins instead"):
        engine.column("eval", "x")
    with pytest.raises(GateError, match="at most 10000 come to the driver"):
        engine.head("eval", 10_001)
    assert engine.head("eval", 1).shape == (1, 1)
    assert engine.columns("eval") == ["x"]


def test_column_names_are_names_not_paths(spark_session: SparkSession) -> None:
    schema = T.StructType([T.StructField("a.b`c d", T.DoubleType())])
    engine = engine_over(spark_session.createDataFrame([(1.0,), (2.0,), (None,)], schema))
    assert engine.column_kind("eval", "a.b`c d") == "numeric"
    np.testing.assert_array_equal(engine.column_bin_counts("eval", "a.b`c d", [1.5]), [1, 1, 1])
    assert engine.column_category_counts("eval", "a.b`c d") == ({"1.0": 1, "2.0": 1}, 1)
    with pytest.raises(GateError, match=r"column 'a' not found in data\.eval"):
        engine.column_kind("eval", "a")
