"""Data engines: where the evaluation context gets tables, columns and their aggregates.

The context asks its `DataEngine` and gates ask the context, so no gate knows where the data lives.
`pandas` (in-process, streaming Parquet too large to load) is the default; `spark` (issue 15)
answers the same aggregate questions (row counts, exact quantiles, bin and category counts) with
Spark jobs, and refuses to pull a whole table to the driver. A new engine is one module with a
`from_policy(loaded, progress)` factory and one line in `DATA_ENGINES`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlops_gate.errors import InputError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.gates.context import ColumnKind, DatasetName, ProgressLike
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.policy.loader import LoadedPolicy

DATA_ENGINES: dict[str, str] = {
    "pandas": "mlops_gate.engine.data.pandas_engine:from_policy",
    "spark": "mlops_gate.engine.data.spark:from_policy",
}


class DataEngine(Protocol):
    """The tables a policy names (`data.eval`, `data.reference`), each read at most once."""

    name: str  # "pandas" | "spark": for wording only, never for math

    def path(self, name: DatasetName) -> Path: ...

    def frame(self, name: DatasetName) -> pd.DataFrame: ...

    def source(self, name: DatasetName) -> ParquetSource | None: ...

    def columns(self, name: DatasetName) -> list[str]: ...

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]: ...

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame: ...

    def streams(self) -> bool: ...

    # -- aggregates: what the data-scaled gates need, answered where the data lives --------------
    def row_count(self, name: DatasetName) -> int: ...

    def column_kind(self, name: DatasetName, column: str) -> ColumnKind | None:
        """numeric (int/float), categorical (bool/string/object/category), or None: a type PSI
        cannot bin (datetime, ...) or every value missing. The drift gate's rule (DESIGN.md)."""
        ...

    def column_quantiles(
        self, name: DatasetName, column: str, probs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """Exactly `numpy.quantile(values, probs, method="linear")` of the non-missing values
        (NaN and null excluded); a GateError when none is left or the column is not numeric."""
        ...

    def column_bin_counts(
        self, name: DatasetName, column: str, edges: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """int64 counts per bin as `metrics.psi.bin_index(values, edges)` assigns them
        (len(edges)+1 bins), then one more: the missing (NaN/null) values."""
        ...

    def column_category_counts(self, name: DatasetName, column: str) -> tuple[dict[str, int], int]:
        """Rows per category keyed by `str(value)`, and the rows with a missing value."""
        ...


def data_engine(name: str, loaded: LoadedPolicy, progress: ProgressLike) -> DataEngine:
    """The engine called `name` over the policy's data (`data.eval`, `data.reference`)."""
    if name not in DATA_ENGINES:
        raise InputError(f"unknown data engine '{name}'; known: {', '.join(sorted(DATA_ENGINES))}")
    module, _, attribute = DATA_ENGINES[name].partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    engine: DataEngine = factory(loaded, progress)
    return engine
