"""The in-process data engine: pyarrow/pandas, with Parquet too large to load streamed.

A table below the streaming threshold (loaders/data.py, `MLOPS_GATE_STREAM_BYTES`) is loaded whole
once and shared; a larger Parquet file is never loaded whole: gates read it a column or a record
batch at a time through its `ParquetSource`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_gate.engine.memo import Memo
from mlops_gate.errors import GateError, MlopsGateError

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt
    import pandas as pd

    from mlops_gate.gates.context import ColumnKind, DatasetName, ProgressLike
    from mlops_gate.loaders.data import ParquetSource
    from mlops_gate.policy.loader import LoadedPolicy


def from_policy(loaded: LoadedPolicy, progress: ProgressLike) -> PandasData:
    """The engine over the policy's `data.eval`/`data.reference` files (policy-relative)."""
    data = loaded.policy.data
    paths = {
        name: None if value is None else loaded.resolve(value)
        for name, value in (("eval", data.eval), ("reference", data.reference))
    }
    return PandasData(paths, progress)


class PandasData:
    """`DataEngine` over local .parquet/.csv files."""

    name = "pandas"

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

    # -- aggregates (the seam the Spark engine answers too; engine/data/columns.py) ---------------
    def row_count(self, name: DatasetName) -> int:
        source = self.source(name)
        return source.num_rows if source is not None else len(self.frame(name))

    def column_kind(self, name: DatasetName, column: str) -> ColumnKind | None:
        """numeric, categorical, or None (a dtype PSI cannot bin, or every value missing)."""
        from mlops_gate.engine.data.columns import dtype_kind, series_kind

        source = self.source(name)
        if source is None:
            return series_kind(self.column(name, column))
        self._require_column(source, column)
        kind = None
        for chunk in self._chunks(source, column):  # a streamed column: stop at a value
            kind = dtype_kind(chunk.dtype)
            if kind is None or bool(chunk.notna().any()):
                return series_kind(chunk)
        return None

    def column_quantiles(
        self, name: DatasetName, column: str, probs: npt.ArrayLike
    ) -> npt.NDArray[np.float64]:
        """`numpy.quantile(non-missing values, probs, method="linear")`."""
        import numpy as np

        from mlops_gate.engine.data.columns import as_float, check_probs, exact_quantiles

        wanted = check_probs(probs)
        values = as_float(self._numeric_column(name, column))
        values = values[~np.isnan(values)]
        if values.size == 0:
            raise GateError(f"column '{column}' of {self.path(name)} has no non-missing values")
        return exact_quantiles(values, wanted)

    def column_bin_counts(
        self, name: DatasetName, column: str, edges: npt.ArrayLike
    ) -> npt.NDArray[np.int64]:
        """Rows per `bin_index` bin, then the missing rows (len(edges)+2 counts)."""
        from mlops_gate.engine.data.columns import as_float, bin_counts, check_edges

        sorted_edges = check_edges(edges)
        source = self.source(name)
        if source is None:
            return bin_counts([as_float(self._numeric_column(name, column))], sorted_edges)
        self._require_column(source, column)
        chunks = (
            as_float(self._numeric_chunk(name, column, c)) for c in self._chunks(source, column)
        )
        return bin_counts(chunks, sorted_edges)

    def column_category_counts(self, name: DatasetName, column: str) -> tuple[dict[str, int], int]:
        """Rows per category (keyed by `str(value)`) and the missing rows."""
        from mlops_gate.engine.data.columns import add_counts, category_counts

        source = self.source(name)
        if source is None:
            return category_counts(self.column(name, column))
        self._require_column(source, column)
        total: tuple[dict[str, int], int] = ({}, 0)
        for chunk in self._chunks(source, column):
            total = add_counts(total, category_counts(chunk))
        return total

    def _numeric_column(self, name: DatasetName, column: str) -> pd.Series[Any]:
        return self._numeric_chunk(name, column, self.column(name, column))

    def _numeric_chunk(
        self, name: DatasetName, column: str, series: pd.Series[Any]
    ) -> pd.Series[Any]:
        from mlops_gate.engine.data.columns import dtype_kind

        if dtype_kind(series.dtype) != "numeric":
            raise GateError(
                f"column '{column}' of {self.path(name)} is not numeric (dtype {series.dtype})"
            )
        return series

    @staticmethod
    def _require_column(source: ParquetSource, column: str) -> None:
        if column not in source.columns:
            raise GateError(f"column '{column}' not found in {source.path}")

    @staticmethod
    def _chunks(source: ParquetSource, column: str) -> Iterator[pd.Series[Any]]:
        return (frame[column] for frame in source.batches([column]))
