"""The same six expectations as plain vectorised pandas (project venv): the lower bound.

    expect_pandas.py DIR REPEATS

Counts follow GX's definitions: nulls are not "unexpected" except for not_null; `unique` counts
every copy of a repeated value (keep=False); `mostly` is the minimum share of expected values.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
from _worker import emit, timed

Outcome = dict[str, Any]


def column_check(unexpected: int, non_null: int, mostly: float | None) -> Outcome:
    """A column map expectation's outcome from its unexpected count, with `mostly`."""
    share = 1 - unexpected / non_null if non_null else 1.0
    ok = unexpected == 0 if mostly is None else share >= mostly
    return {"success": ok, "unexpected_count": unexpected, "observed_value": None}


def row_count(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_table_row_count_to_be_between."""
    rows = len(frame)
    low, high = kw.get("min_value"), kw.get("max_value")
    ok = (low is None or rows >= low) and (high is None or rows <= high)
    return {"success": ok, "unexpected_count": None, "observed_value": rows}


def unique(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_column_values_to_be_unique: every copy of a repeated value is unexpected."""
    values = frame[kw["column"]].dropna()
    return column_check(int(values.duplicated(keep=False).sum()), len(values), kw.get("mostly"))


def not_null(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_column_values_to_not_be_null: `mostly` over all rows."""
    nulls = int(frame[kw["column"]].isna().sum())
    share = 1 - nulls / len(frame)
    mostly = kw.get("mostly")
    ok = nulls == 0 if mostly is None else share >= mostly
    return {"success": ok, "unexpected_count": nulls, "observed_value": None}


def between(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_column_values_to_be_between, bounds inclusive, nulls ignored."""
    values = frame[kw["column"]].dropna()
    inside = values.between(kw["min_value"], kw["max_value"])
    return column_check(int((~inside).sum()), len(values), kw.get("mostly"))


def in_set(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_column_values_to_be_in_set, nulls ignored."""
    values = frame[kw["column"]].dropna()
    return column_check(int((~values.isin(kw["value_set"])).sum()), len(values), kw.get("mostly"))


def mean_between(frame: pd.DataFrame, kw: dict[str, Any]) -> Outcome:
    """expect_column_mean_to_be_between (the mean skips nulls, as GX's)."""
    mean = float(frame[kw["column"]].mean())
    ok = kw["min_value"] <= mean <= kw["max_value"]
    return {"success": ok, "unexpected_count": None, "observed_value": mean}


CHECKS: dict[str, Callable[[pd.DataFrame, dict[str, Any]], Outcome]] = {
    "expect_table_row_count_to_be_between": row_count,
    "expect_column_values_to_be_unique": unique,
    "expect_column_values_to_not_be_null": not_null,
    "expect_column_values_to_be_between": between,
    "expect_column_values_to_be_in_set": in_set,
    "expect_column_mean_to_be_between": mean_between,
}


def main(directory: Path, repeats: int) -> dict[str, Any]:
    """Load, then REPEATS passes over the suite."""
    frame, load_s = timed(lambda: pd.read_parquet(directory / "expectations.parquet"))
    suite = json.loads((directory / "expectations_suite.json").read_text())["expectations"]
    times: list[float] = []
    outcomes: list[Outcome] = []
    for _ in range(repeats):
        outcomes, seconds = timed(lambda: [CHECKS[e["type"]](frame, e["kwargs"]) for e in suite])
    for expectation, found in zip(suite, outcomes, strict=True):
        found.update(type=expectation["type"], column=expectation["kwargs"].get("column"))
        times.append(seconds)
    return {"load_s": load_s, "times_s": times, "outcomes": outcomes}


if __name__ == "__main__":
    emit(main(Path(sys.argv[1]), int(sys.argv[2])))
