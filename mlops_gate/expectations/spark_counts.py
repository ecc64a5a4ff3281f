"""The custom checks' counts (`custom.Counts`) as Spark aggregations: nothing row-sized leaves
the executors, so a label-share or duplicate-share check costs one job over a table of any size.

The values are keyed as the pandas engine keys them, so both engines report the same
`observed_value` (issue 15): pandas reads an integer Parquet column that holds a null as float64
(pyarrow's `to_pandas`), so its labels are `1.0`, not `1`; here an integral column with a null
is keyed by floats too. Missing is null, and NaN in a floating column (pandas' `dropna`).
pyspark is imported here only: this module is imported on the Spark path alone.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any

from mlops_gate.errors import GateError

if TYPE_CHECKING:
    from pyspark.sql import Column, DataFrame

_INTEGRAL = ("byte", "short", "integer", "long")  # Spark's `typeName()`s that pandas widens
_FLOATING = ("float", "double")


def quoted(name: str) -> str:
    """A column name as Spark SQL reads it literally (dots, spaces, backticks and all)."""
    return "`" + name.replace("`", "``") + "`"


class SparkCounts:
    """`Counts` of a Spark DataFrame (`custom.Counts`).

    `guard` is the engine's mapping of Spark failures to one-line errors (with the JVM trace
    sent to its log: `SparkData.errors`); without one, Spark's failures still end as one line.
    """

    def __init__(
        self, table: DataFrame, guard: Callable[[], AbstractContextManager[Any]] | None = None
    ) -> None:
        self.table = table
        self.guard = guard or contextlib.nullcontext

    @property
    def columns(self) -> list[str]:
        return list(self.table.columns)

    def value_counts(self, column: str) -> list[tuple[Any, int]]:
        """One `groupBy` over the column; the null group tells whether pandas saw floats."""
        from pyspark.sql import functions as F

        kind = self.table.schema[column].dataType.typeName()

        def grouped() -> DataFrame:
            found = self.table.groupBy(F.col(quoted(column)).alias("value")).count()
            if kind in _FLOATING:  # NaN is a value to Spark, missing to pandas
                found = found.where(F.col("value").isNull() | ~F.isnan("value"))
            return found

        with self.guard():
            rows = _collect(grouped, f"counting the values of {column!r}")
        widened = kind in _INTEGRAL and any(row["value"] is None for row in rows)
        return [
            (float(row["value"]) if widened else row["value"], int(row["count"]))
            for row in rows
            if row["value"] is not None
        ]

    def repeated_rows(self, columns: list[str] | None) -> tuple[int, int]:
        """All rows minus distinct rows, in one job: Spark's grouping, like pandas', takes null
        as equal to null and NaN as equal to NaN (and -0.0 as 0.0)."""
        from pyspark.sql import functions as F

        names = columns if columns is not None else self.columns
        # Renamed to k0, k1, ...: a data column called `count` must not meet groupBy's own.
        keys: list[Column] = [F.col(quoted(name)).alias(f"k{i}") for i, name in enumerate(names)]

        def totals() -> DataFrame:
            groups = self.table.select(*keys).groupBy(*(f"k{i}" for i in range(len(keys)))).count()
            return groups.agg(F.count(F.lit(1)).alias("distinct"), F.sum("count").alias("rows"))

        with self.guard():
            (row,) = _collect(totals, "counting repeated rows")
        rows = int(row["rows"] or 0)
        return rows - int(row["distinct"]), rows


def _collect(build: Callable[[], DataFrame], doing: str) -> list[Any]:
    """The (small) result rows of the job `build` plans; Spark's refusal (at planning, e.g. a map
    column cannot be grouped, or while running) as one line, the JVM's trace left out."""
    from py4j.protocol import Py4JError  # type: ignore[import-untyped]
    from pyspark.errors import PySparkException

    try:
        return build().collect()
    except (PySparkException, Py4JError) as exc:
        first = next((line for line in str(exc).splitlines() if line.strip()), type(exc).__name__)
        raise GateError(f"Spark failed {doing}: {first.strip()}") from None
