"""Tabular data from .parquet and .csv through pyarrow."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError
from mlops_gate.loaders.files import check_readable

if TYPE_CHECKING:
    import pandas as pd

SUPPORTED = (".parquet", ".pq", ".csv")


def read_table(path: Path) -> pd.DataFrame:
    """Read a whole table; refuse unknown formats, corrupt files and empty tables with one line."""
    check_readable(path, "data file")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise InputError(f"{path}: unsupported data format '{suffix}' (use {', '.join(SUPPORTED)})")
    import pyarrow as pa

    try:
        if suffix == ".csv":
            from pyarrow import csv

            table = csv.read_csv(path)
        else:
            from pyarrow import parquet

            table = parquet.read_table(path)
    except (pa.ArrowException, OSError) as exc:
        kind = "CSV" if suffix == ".csv" else "Parquet"
        raise InputError(f"{path}: not a readable {kind} file ({_first_line(exc)})") from None
    if table.num_rows == 0:
        raise InputError(f"{path}: the data set is empty (0 rows)")
    frame: pd.DataFrame = table.to_pandas()
    return frame


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
