"""Helpers for the Spark tests: a `SparkData` over DataFrames registered as temporary views."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import TYPE_CHECKING

from mlops_gate.engine.data.spark import SparkData
from mlops_gate.engine.data.spark.reading import Location
from mlops_gate.progress import NoProgress

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

_names = itertools.count()


def engine_over(
    eval_frame: DataFrame, reference: DataFrame | None = None, *, collect_cap: int | None = None
) -> SparkData:
    """A SparkData whose data sets are these frames, read as `table:<view>` (the real path)."""
    locations: dict[str, Path | None] = {}
    for name, frame in (("eval", eval_frame), ("reference", reference)):
        if frame is None:
            locations[name] = None
            continue
        view = f"mlops_gate_test_{next(_names)}"
        frame.createOrReplaceTempView(view)
        locations[name] = Location(f"table:{view}")
    return SparkData(locations, NoProgress(), collect_cap=collect_cap)
