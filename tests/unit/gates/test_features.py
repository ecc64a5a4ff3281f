"""`gates/features.py`: feature columns that are NaN on every row, or hold a single value."""

from __future__ import annotations

import numpy as np
import pandas as pd

from mlops_gate.gates.features import FeatureHealth, constant_note, feature_health


def scan(frame: pd.DataFrame) -> FeatureHealth:
    return feature_health((str(name), frame[name]) for name in frame.columns)


def test_all_missing_and_constant_columns_are_found_in_the_models_order() -> None:
    frame = pd.DataFrame(
        {
            "ok": [1.0, 2.0, 3.0],
            "nan": [np.nan] * 3,
            "none": pd.Series([None, None, None], dtype=object),
            "flat": [0.5, 0.5, 0.5],
            "flat_with_gaps": [7.0, np.nan, 7.0],
            "text": ["a", "a", None],
            "flag": [True, True, True],
            "category": pd.Series(["x", "x", "x"], dtype="category"),
            "mixed": ["a", "b", "a"],
        }
    )
    assert scan(frame) == FeatureHealth(
        all_missing=("nan", "none"),
        constant=("flat", "flat_with_gaps", "text", "flag", "category"),
    )


def test_nothing_to_report_on_varied_columns_or_no_rows() -> None:
    assert scan(pd.DataFrame({"a": [1, 2], "b": ["x", "y"]})) == FeatureHealth()
    assert scan(pd.DataFrame({"a": pd.Series([], dtype=float)})) == FeatureHealth()


def test_the_note_names_the_columns() -> None:
    assert constant_note([]) == ""
    assert constant_note(["f3"]) == "feature column 'f3' has a single value in the eval set"
    many = constant_note([f"c{i}" for i in range(7)])
    assert many == (
        "feature columns 'c0', 'c1', 'c2', 'c3', 'c4' and 2 more have a single value in the eval set"
    )
