"""The in-process data engine: pyarrow/pandas, with Parquet too large to load streamed.

A table below the streaming threshold (loaders/data.py, `MLOPS_GATE_STREAM_BYTES`) is loaded whole
once and shared; a larger Parquet file is never loaded whole: gates read it a column or a record
batch at a time through its `ParquetSource`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.engine.memo import Memo
from mlops_gate.errors import GateError, MlopsGateError

if TYPE_CHECKING:
    import pandas as pd

    from mlops_gate.gates.context import DatasetName, ProgressLike
    from mlops_gate.loaders.data import ParquetSource


class PandasData:
    """`DataEngine` over local .parquet/.csv files."""

    def __init__(self, paths: dict[str, Path | None], progress: ProgressLike) -> None:
        self._paths = paths
        self._progress = progress
        self._memo = Memo()

    def path(self, name: DatasetName) -> Path:
        path = self._paths.get(name)
        if path is None:
            raise GateError(f"data.{name} is not set in the policy")
        return path

    def frame(self, name: DatasetName) -> pd.DataFrame:
        """The whole table; a GateError for a Parquet file large enough to be streamed."""
        source = self.source(name)
        if source is not None:
            from mlops_gate.loaders.data import stream_threshold

            size = source.path.stat().st_size
            raise GateError(
                f"{source.path}: {size / 2**30:.1f} GiB of Parquet is streamed, not loaded whole "
                f"(MLOPS_GATE_STREAM_BYTES={stream_threshold()}), and this check needs the whole "
                "table in memory: run it on a sample, or raise MLOPS_GATE_STREAM_BYTES"
            )

        def load() -> pd.DataFrame:
            from mlops_gate.loaders.data import read_table

            with self._progress.task(f"loading {name} data"):
                return read_table(self.path(name))

        return self._memo.once(("frame", name), load)

    def source(self, name: DatasetName) -> ParquetSource | None:
        """The data set as a streamed Parquet source when it is large, else None."""

        def open_source() -> ParquetSource | None:
            from mlops_gate.loaders.data import ParquetSource, is_streamed

            path = self.path(name)
            return ParquetSource(path) if is_streamed(path) else None

        return self._memo.once(("source", name), open_source)

    def streams(self) -> bool:
        """Whether a data set is streamed (too large to load whole)."""
        for name, path in self._paths.items():
            try:
                if path is not None and self.source(name) is not None:  # type: ignore[arg-type]
                    return True
            except MlopsGateError:
                continue  # the gates that read it report the error
        return False

    def columns(self, name: DatasetName) -> list[str]:
        """The column names (a streamed file's schema: nothing is read)."""
        source = self.source(name)
        if source is not None:
            return source.columns
        return [str(c) for c in self.frame(name).columns]

    def column(self, name: DatasetName, column: str) -> pd.Series[Any]:
        """One column: of the loaded frame, or read alone from a streamed file (not kept)."""
        source = self.source(name)
        if source is not None:
            if column not in source.columns:
                raise GateError(f"column '{column}' not found in {source.path}")
            return source.column(column)
        frame = self.frame(name)
        if column not in frame.columns:
            raise GateError(f"column '{column}' not found in {self.path(name)}")
        return frame[column]

    def head(self, name: DatasetName, rows: int) -> pd.DataFrame:
        """The first `rows` rows (a streamed file reads only those)."""
        source = self.source(name)
        if source is not None:
            return source.head(rows)
        return self.frame(name).head(rows)
