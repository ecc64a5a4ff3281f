"""The metric gate's slices on Spark (`slice_by`, `slice`): `gates/metric_slices.py`'s rules and
numbers, from aggregates grouped by the slice columns.

- The slices and their rows: one `groupBy` over the slice columns, keyed as pandas keys them:
  NaN is missing like null (pandas' `groupby(dropna=False)` makes one `null` slice of both), and
  an integer column holding a null is keyed by floats (`1.0`), as pandas reads it. `slice:` is
  the rows equal to the value or spelled the same, as in memory.
- A slice's metric: a label metric from the confusion cells of every slice at once (one
  `groupBy(slice columns, target, label)` per model, shared by the gate's slices), the in-memory
  statistic on a slice's cells, so the same integers and the same float as on pandas; any other
  metric from the slice's rows with the engine's own statistic (`statistics.py`). An interval
  draws its Poisson weights from the slice's rows.

The gate keeps its rules (min_slice_rows, the worst slice, the verdict); a slice's rows are a
`SparkSlice` (a condition and its row count) where pandas has row indices.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
from typing import TYPE_CHECKING, Any

from mlops_gate.engine.memo import Memo

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

    from mlops_gate.engine.context import EvaluationContext
    from mlops_gate.gates.context import Role
    from mlops_gate.gates.metric import Config
    from mlops_gate.metrics.bootstrap import Statistic

_INTEGRAL = ("byte", "short", "integer", "long")


@dataclasses.dataclass(frozen=True, eq=False)
class SlicePlan:
    """What one gate's slices share: the slice columns' key expressions and, per model, the
    confusion cells of every slice (counted once)."""

    keys: list[Column]
    memo: Memo = dataclasses.field(default_factory=Memo)


@dataclasses.dataclass(frozen=True, eq=False)
class SparkSlice:
    """A slice's rows on Spark: which (`condition`), how many (`len`), and its key values
    (None for a `slice:`)."""

    plan: SlicePlan
    condition: Column
    rows: int
    values: tuple[Any, ...] | None = None

    def __len__(self) -> int:
        return self.rows


def slice_rows(
    config: Config, context: EvaluationContext, columns: list[str]
) -> list[tuple[dict[str, Any], str, SparkSlice]]:
    """(key, name, rows) of each slice, in name order, as `metric_slices.slice_rows`."""
    from mlops_gate.gates.metric_slices import MAX_SLICES, slice_name, too_many_slices

    engine = context.data
    table = engine.table("eval")  # type: ignore[attr-defined]
    plan = SlicePlan([_key(table, column) for column in columns])
    if config.slice is not None:
        condition = _all(_matches(table, column, wanted) for column, wanted in config.slice.items())
        with engine.errors("eval"):  # type: ignore[attr-defined]
            rows = int(table.filter(condition).count())
        return [(dict(config.slice), slice_name(config.slice), SparkSlice(plan, condition, rows))]
    grouped = table.groupBy(*[key.alias(f"k{i}") for i, key in enumerate(plan.keys)]).count()
    with engine.errors("eval"):  # type: ignore[attr-defined]
        groups = [tuple(row) for row in grouped.limit(MAX_SLICES + 1).collect()]
        if len(groups) > MAX_SLICES:
            raise too_many_slices(columns, int(grouped.count()))
    found = []
    for *values, rows in groups:
        key = _slice_key(table, columns, values, groups)
        condition = _all(k.eqNullSafe(v) for k, v in zip(plan.keys, values, strict=True))
        piece = SparkSlice(plan, condition, int(rows), tuple(values))
        found.append((key, slice_name(key), piece))
    return sorted(found, key=lambda item: item[1])


def measure_rows(
    config: Config, context: EvaluationContext, role: Role, piece: SparkSlice
) -> tuple[Statistic, float, dict[str, Any]]:
    """The metric of `role` on a slice's rows, as `metric_scoring.measure_rows`."""
    from mlops_gate.engine.data.spark.scoring import scored
    from mlops_gate.engine.data.spark.statistics import check_metric, checked_target, measured
    from mlops_gate.gates.metric_catalogue import LABEL

    check_metric(config, context)
    table = scored(context, role, "eval")
    target = piece.plan.memo.once(("target", role), lambda: checked_target(context, table))
    rows = dataclasses.replace(table, frame=table.frame.filter(piece.condition))
    cells = None
    if config.metric in LABEL and piece.values is not None and table.has_labels:
        cells = _cells(config, context, role, piece, target)
    return measured(config, context, role, rows, target, cells)


def _cells(
    config: Config, context: EvaluationContext, role: Role, piece: SparkSlice, target: str
) -> list[tuple[Any, Any, int]]:
    """The slice's (true, predicted, rows) cells, out of every slice's, counted in one job."""
    from mlops_gate.engine.data.spark.scoring import LABEL, scored
    from mlops_gate.engine.data.spark.statistics import decided

    def every_slice() -> dict[tuple[Any, ...], list[tuple[Any, Any, int]]]:
        frame, _ = decided(config, context, scored(context, role, "eval"))
        keys = [key.alias(f"k{i}") for i, key in enumerate(piece.plan.keys)]
        counted = frame.groupBy(*keys, target, LABEL).count().collect()
        out: dict[tuple[Any, ...], list[tuple[Any, Any, int]]] = {}
        for *values, true, predicted, rows in (tuple(row) for row in counted):
            out.setdefault(tuple(values), []).append((true, predicted, int(rows)))
        return out

    assert piece.values is not None
    return piece.plan.memo.once(("cells", role), every_slice)[piece.values]


def _key(table: DataFrame, column: str) -> Column:
    """The column as a slice key: NaN is null (one `null` slice, as pandas groups them)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from mlops_gate.engine.data.spark.aggregates import quoted

    value = quoted(column)
    if isinstance(table.schema[column].dataType, T.FloatType | T.DoubleType):
        return F.when(F.isnan(value), F.lit(None)).otherwise(value)
    return value


def _slice_key(
    table: DataFrame, columns: list[str], values: list[Any], groups: list[tuple[Any, ...]]
) -> dict[str, Any]:
    """The JSON-ready key of a group; integers by floats where their column holds a null (a
    null group is among the groups), as pandas reads such a column."""
    from mlops_gate.gates.metric_slices import slice_value

    key = {}
    for i, (column, value) in enumerate(zip(columns, values, strict=True)):
        widened = _integral(table, column) and any(group[i] is None for group in groups)
        key[column] = slice_value(float(value) if widened and value is not None else value)
    return key


def _matches(table: DataFrame, column: str, wanted: Any) -> Column:
    """`slice:`'s rule (`metric_slices.slice_rows`): equal to the value, or spelled the same as
    pandas spells the column's values (`str`)."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from mlops_gate.engine.data.spark.aggregates import quoted

    value = quoted(column)
    kind = table.schema[column].dataType
    spelled = value.cast("string")
    if isinstance(kind, T.BooleanType):
        spelled = F.when(value, F.lit("True")).when(~value, F.lit("False"))
    elif _integral(table, column) and table.filter(value.isNull()).limit(1).count():
        spelled = value.cast("double").cast("string")  # pandas reads it as floats: 1.0
    condition = spelled == F.lit(str(wanted))
    numeric = isinstance(kind, T.NumericType | T.BooleanType)
    if isinstance(wanted, bool | int | float) and numeric:
        condition = (value.cast("double") == F.lit(float(wanted))) | condition
    elif isinstance(wanted, str) and isinstance(kind, T.StringType):
        condition = (value == F.lit(wanted)) | condition
    return condition


def _integral(table: DataFrame, column: str) -> bool:
    return bool(table.schema[column].dataType.typeName() in _INTEGRAL)


def _all(conditions: Any) -> Column:
    combined: Column = functools.reduce(operator.and_, conditions)
    return combined
