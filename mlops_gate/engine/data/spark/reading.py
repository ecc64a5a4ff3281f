"""Where a policy's `data.eval`/`data.reference` is for Spark, and how it is read.

`table:<catalog.schema.name>` is a catalog table; a URL (`s3a://`, `hdfs://`, `file:`, ...) or a
local path (relative to the policy) is a file or a directory of Parquet, CSV or ORC files, the
format told by the suffix of the path or, for a local directory, of the data files in it
(Parquet when nothing tells).
"""

from __future__ import annotations

from pathlib import Path, PosixPath
from typing import TYPE_CHECKING

from mlops_gate.errors import InputError
from mlops_gate.policy.model import is_spark_only

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

FORMATS = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".orc": "orc"}


class Location(PosixPath):
    """A data location as the policy wrote it (`s3a://lake/x`, `table:ml.x`) where the protocol
    wants a Path: printed as written, where a plain Path would fold `//` into `/`."""

    _text: str

    def __new__(cls, text: str) -> Location:
        self = super().__new__(cls, text)
        self._text = text
        return self

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"Location({self._text!r})"


def locate(value: str, resolved: Path) -> Path:
    """What the engine reads for a policy value: a Location for Spark-only data, else the local
    path (`resolved`: the value relative to the policy)."""
    if is_spark_only(value) and not value.lower().startswith("file:"):
        return Location(value)
    if value.lower().startswith("file:"):
        return Path(value.removeprefix("file://").removeprefix("file:"))
    return resolved


def read(session: SparkSession, location: Path) -> DataFrame:
    """The table at `location` (nothing is read until a job runs)."""
    text = str(location)
    if text.lower().startswith("table:"):
        return session.table(text.removeprefix("table:"))
    kind = data_format(location)
    if not isinstance(location, Location) and not location.exists():
        raise InputError(f"{location}: no such file or directory (data for Spark)")
    reader = session.read.format(kind)
    if kind == "csv":
        reader = reader.option("header", "true").option("inferSchema", "true")
    return reader.load(text if isinstance(location, Location) else str(location.absolute()))


def data_format(location: Path) -> str:
    """parquet, csv or orc: by the path's suffix, else by the local directory's files."""
    suffix = Path(str(location).rstrip("/")).suffix.lower()
    if suffix in FORMATS:
        return FORMATS[suffix]
    if not isinstance(location, Location) and location.is_dir():
        found = {
            FORMATS[p.suffix.lower()] for p in data_files(location) if p.suffix.lower() in FORMATS
        }
        if len(found) > 1:
            raise InputError(
                f"{location}: mixes {' and '.join(sorted(found))} files; keep one format"
            )
        if found:
            return found.pop()
    return "parquet"


def data_files(folder: Path) -> list[Path]:
    """The files Spark reads in a directory: hidden (`.x`) and metadata (`_x`) files skipped."""
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and not any(part.startswith((".", "_")) for part in path.relative_to(folder).parts)
    )
