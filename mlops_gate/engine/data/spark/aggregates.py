"""The aggregate seam as Spark jobs, with the pandas engine's rules (engine/data/columns.py).

Kinds come from the Spark schema the way pandas dtypes decide them; a missing value is a null,
or a NaN in a floating column (Spark has both, pandas only NaN). Bins are counted by the same
comparison `metrics.psi.bin_index` makes (x >= edge, per edge), categories keyed by the Python
value's `str`, as pandas names them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from mlops_gate.errors import GateError, InputError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame
    from pyspark.sql.types import DataType

    from mlops_gate.gates.context import ColumnKind


def check_unique(frame: DataFrame, what: str) -> None:
    """Column names must be unique, as for the pandas engine (loaders/data.py)."""
    seen: set[str] = set()
    for name in frame.columns:
        if name in seen:
            raise InputError(
                f"{what}: column {name!r} appears more than once: names must be unique"
            )
        seen.add(name)


def field_type(frame: DataFrame, column: str, what: str) -> DataType:
    for field in frame.schema.fields:
        if field.name == column:
            return field.dataType
    raise GateError(f"column '{column}' not found in {what}")


def type_kind(data_type: DataType) -> ColumnKind | None:
    """numeric (integers, floats), categorical (bool, string, date, decimal, binary: what pandas
    holds as bool or object), or None (timestamps, intervals, nested, null: not binned)."""
    from pyspark.sql import types as T

    numeric = (T.ByteType, T.ShortType, T.IntegerType, T.LongType, T.FloatType, T.DoubleType)
    if isinstance(data_type, numeric):
        return "numeric"
    categorical = (T.BooleanType, T.StringType, T.DateType, T.DecimalType, T.BinaryType)
    if isinstance(data_type, categorical):
        return "categorical"
    return None


def quoted(column: str) -> Column:
    """The column by its exact name (dots and backticks in names are not paths)."""
    from pyspark.sql import functions as F

    return F.col("`" + column.replace("`", "``") + "`")


def missing(frame: DataFrame, column: str, what: str) -> Column:
    """Whether a row's value is missing: null, or NaN in a floating column."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    value = quoted(column)
    if isinstance(field_type(frame, column, what), T.FloatType | T.DoubleType):
        return value.isNull() | F.isnan(value)
    return value.isNull()


def column_kind(frame: DataFrame, column: str, what: str) -> ColumnKind | None:
    kind = type_kind(field_type(frame, column, what))
    if kind is None:
        return None
    present = frame.where(~missing(frame, column, what)).limit(1).count()
    return kind if present else None


def numeric_values(frame: DataFrame, column: str, what: str) -> DataFrame:
    """The non-missing values of a numeric column as one float64 column `v`."""
    from mlops_gate.engine.data.spark.exact import VALUE

    data_type = field_type(frame, column, what)
    if type_kind(data_type) != "numeric":
        raise GateError(
            f"column '{column}' of {what} is not numeric (type {data_type.simpleString()})"
        )
    values = frame.where(~missing(frame, column, what))
    return values.select(quoted(column).cast("double").alias(VALUE))


def column_quantiles(
    frame: DataFrame, column: str, probs: npt.ArrayLike, what: str, cap: int
) -> npt.NDArray[np.float64]:
    from mlops_gate.engine.data.columns import check_probs
    from mlops_gate.engine.data.spark.exact import exact_quantiles

    wanted = check_probs(probs)
    values = numeric_values(frame, column, what)
    n = values.count()
    if n == 0:
        raise GateError(f"column '{column}' of {what} has no non-missing values")
    return exact_quantiles(values, n, wanted, cap)


def column_bin_counts(
    frame: DataFrame, column: str, edges: npt.ArrayLike, what: str
) -> npt.NDArray[np.int64]:
    """One job: rows per bin (the number of edges <= x, as bin_index counts), then the missing."""
    from pyspark.sql import functions as F

    from mlops_gate.engine.data.columns import check_edges

    sorted_edges = check_edges(edges)
    numeric_values(frame, column, what)  # the type check, nothing run
    value = quoted(column).cast("double")
    at_or_below = F.array(*[F.lit(float(edge)) for edge in sorted_edges.tolist()])
    bucket = (
        F.size(F.filter(at_or_below, lambda edge: edge <= value)) if sorted_edges.size else F.lit(0)
    )
    labelled = F.when(missing(frame, column, what), sorted_edges.size + 1).otherwise(bucket)
    counts = np.zeros(sorted_edges.size + 2, dtype=np.int64)
    for row in frame.groupBy(labelled.alias("bin")).count().collect():
        counts[int(row["bin"])] = int(row["count"])
    return counts


def column_category_counts(frame: DataFrame, column: str, what: str) -> tuple[dict[str, int], int]:
    """One job: rows per distinct value (named by `str` of its Python value) and the missing."""
    field_type(frame, column, what)
    named: dict[str, int] = {}
    absent = 0
    for row in frame.groupBy(quoted(column).alias("c")).count().collect():
        value, count = row["c"], int(row["count"])
        if value is None or (isinstance(value, float) and value != value):
            absent += count
            continue
        key = _text(value)
        named[key] = named.get(key, 0) + count
    return named, absent


def _text(value: Any) -> str:
    """`str` of the value as pandas holds it (Spark gives bytearray where pandas has bytes)."""
    return str(bytes(value)) if isinstance(value, bytearray) else str(value)
