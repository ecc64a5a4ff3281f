"""Data engines: where the evaluation context gets tables, columns and their rows.

The context asks its `DataEngine` and gates ask the context, so no gate knows where the data lives.
`pandas` (in-process, streaming Parquet too large to load) is the only engine today; another one
(Spark) is one module implementing `DataEngine` and one line in `DATA_ENGINES`.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from mlops_gate.errors import InputError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.context import DatasetName, ProgressLike
    from mlops_gate.loaders.data import ParquetSource

DATA_ENGINES: dict[str, str] = {"pandas": "mlops_gate.engine.data.pandas_engine:PandasData"}


class DataEngine(Protocol):
    """The tables a policy names (`data.eval`, `data.reference`), each read at most once."""

    def path(self, name: DatasetName) -> Path: ...

    def frame(self, name: DatasetName) -> pd.DataFrame: ...

    def source(self, name: DatasetName) -> ParquetSource | None: ...

    def columns(self, name: DatasetName) -> list[str]: ...

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]: ...

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame: ...

    def streams(self) -> bool: ...


def data_engine(name: str, paths: dict[str, Path | None], progress: ProgressLike) -> DataEngine:
    """The engine called `name` over the policy's data files (`paths`: eval/reference → file)."""
    if name not in DATA_ENGINES:
        raise InputError(f"unknown data engine '{name}'; known: {', '.join(sorted(DATA_ENGINES))}")
    module, _, attribute = DATA_ENGINES[name].partition(":")
    factory = getattr(importlib.import_module(module), attribute)
    engine: DataEngine = factory(paths, progress)
    return engine
