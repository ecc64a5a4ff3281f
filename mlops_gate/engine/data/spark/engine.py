"""`SparkData`: the `DataEngine` whose tables are Spark DataFrames (issue 15).

Gates ask for counts, quantiles and bins; each is a Spark job whose result is small. Nothing
pulls a whole table to the driver: `frame()` and `column()` refuse with what to use instead, and
`head()` serves only a few rows. Every answer is the pandas engine's (engine/data/columns.py) on
the same data, to the bit for quantiles.

Tables are not cached: each job reads the columns it needs where the data lives (Parquet, ORC and
catalog tables prune columns and row groups). Caching a whole table made Spark build every
column of every row in the executors' heap before the first answer: on 10M rows x 20 columns,
local[2] with Spark's default 1 GB driver heap died of `OutOfMemoryError` while the hand-written
job it is measured against (benchmarks/bench_spark.py) never caches. What is costly to
recompute is kept: the model's scores (`scoring.py`).

All Spark work (`work()`: the engine's own calls and the gates' engine steps, hooks.py) shares
one budget of `spark.timeout_s` seconds (`time_limit.py`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.engine.data.spark import aggregates
from mlops_gate.engine.data.spark.errors import spark_errors
from mlops_gate.engine.memo import Memo
from mlops_gate.errors import GateError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd
    from pyspark.sql import DataFrame, SparkSession

    from mlops_gate.gates.context import ColumnKind, DatasetName, ProgressLike
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.policy.model import SparkSpec

HEAD_ROWS = 10_000  # the most rows `head` brings to the driver


class SparkData:
    """`DataEngine` over Spark tables and paths; `session` and `table(name)` for Spark-aware code."""

    name = "spark"

    def __init__(
        self,
        locations: dict[str, Path | None],
        progress: ProgressLike,
        spec: SparkSpec | None = None,
        *,
        collect_cap: int | None = None,
    ) -> None:
        from mlops_gate.deadline import Budget
        from mlops_gate.engine.data.spark.exact import COLLECT_CAP
        from mlops_gate.engine.data.spark.time_limit import TimeLimit
        from mlops_gate.policy.model import DEFAULT_SPARK_TIMEOUT_S

        self._locations = locations
        self._progress = progress
        self._spec = spec
        self.time_limit = TimeLimit(Budget(spec.timeout_s if spec else DEFAULT_SPARK_TIMEOUT_S))
        self.collect_cap = COLLECT_CAP if collect_cap is None else collect_cap
        self._memo = Memo()

    @property
    def session(self) -> SparkSession:
        """The Spark session, started on first use (never by `validate`)."""
        from mlops_gate.deadline import DEFAULT_TIMEOUT_S
        from mlops_gate.engine.data.spark.session import start_session

        def start() -> SparkSession:
            # Reaching the master is network work: the usual deadline for a call (a master that
            # accepts and never answers must not hold the check for the whole Spark budget).
            wait = min(self.time_limit.budget.remaining(), DEFAULT_TIMEOUT_S)
            with self._progress.task("starting Spark"):
                return start_session(self._spec, max(wait, 0.001))

        return self._memo.once(("session",), start)

    def path(self, name: DatasetName) -> Path:
        location = self._locations.get(name)
        if location is None:
            raise GateError(f"data.{name} is not set in the policy")
        return location

    def describe(self, name: DatasetName) -> str:
        """How messages name a data set: `data.eval (table:ml.eval)`."""
        return f"data.{name} ({self.path(name)})"

    def table(self, name: DatasetName) -> DataFrame:
        """The data set as a DataFrame (its schema read once; its rows by each job)."""
        from mlops_gate.engine.data.spark.reading import read

        def load() -> DataFrame:
            with self._progress.task(f"reading {name} data with Spark"), self.errors(name):
                frame = read(self.session, self.path(name))
                aggregates.check_unique(frame, self.describe(name))
                return frame

        return self._memo.once(("table", name), load)

    def errors(self, name: DatasetName) -> Any:
        """Spark work on `name`: its failures as one-line errors naming it, within the budget."""
        return self.work(self.describe(name), name)

    @contextlib.contextmanager
    def work(self, what: str, name: str = "") -> Iterator[None]:
        """Spark work on `what`: its jobs run under the check's deadline (`time_limit.py`), and
        Spark's failures become one-line errors (`errors.py`)."""
        with spark_errors(what, name), self.time_limit.running(what, lambda: self.session):
            yield

    # -- the whole-table calls: refused, they would pull everything to the driver -----------------
    def frame(self, name: DatasetName) -> pd.DataFrame:
        raise GateError(
            f"{self.describe(name)} is on Spark: this check needs the whole table in the driver's "
            "memory, which the Spark engine does not do (use data.engine: pandas on a sample)"
        )

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]:
        raise GateError(
            f"{self.describe(name)} is on Spark: column '{column}' is not pulled to the driver "
            "whole (the gate must ask for counts, quantiles or bins instead)"
        )

    def source(self, name: DatasetName) -> ParquetSource | None:
        return None

    def streams(self) -> bool:
        return False  # nothing is loaded in-process: gates may run side by side

    def columns(self, name: DatasetName) -> list[str]:
        return list(self.table(name).columns)

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame:
        """The first `rows` rows (at most HEAD_ROWS)."""
        if rows > HEAD_ROWS:
            raise GateError(
                f"{self.describe(name)} is on Spark: {rows} rows asked, at most {HEAD_ROWS} come "
                "to the driver"
            )
        with self.errors(name):
            frame: pd.DataFrame = self.table(name).limit(max(1, rows)).toArrow().to_pandas()
        return frame

    # -- aggregates (spark/aggregates.py) -----------------------------------------------------------
    def row_count(self, name: DatasetName) -> int:
        def count() -> int:
            with self.errors(name):
                return int(self.table(name).count())

        return self._memo.once(("rows", name), count)

    def column_kind(self, name: DatasetName, column: str) -> ColumnKind | None:
        with self.errors(name):
            return aggregates.column_kind(self.table(name), column, self.describe(name))

    def column_quantiles(
        self, name: DatasetName, column: str, probs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        with self.errors(name):
            return aggregates.column_quantiles(
                self.table(name), column, probs, self.describe(name), self.collect_cap
            )

    def column_bin_counts(
        self, name: DatasetName, column: str, edges: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        with self.errors(name):
            return aggregates.column_bin_counts(
                self.table(name), column, edges, self.describe(name)
            )

    def column_category_counts(self, name: DatasetName, column: str) -> tuple[dict[str, int], int]:
        with self.errors(name):
            return aggregates.column_category_counts(self.table(name), column, self.describe(name))


def step_work(what: str, *args: Any) -> Any:
    """The guard of an engine step (hooks.py: `ENGINE_ERRORS`): the `work` of the engine of the
    context among the step's arguments, or only the error mapping where there is none."""
    for arg in args:
        engine = getattr(arg, "data", None)
        if isinstance(engine, SparkData):
            return engine.work(what)
    return spark_errors(what)
