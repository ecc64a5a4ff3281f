"""Generate the benchmarks' 1,000,000-row data sets (seeded) into a folder.

    python benchmarks/datagen.py psi DIR           # psi_reference.parquet, psi_current.parquet
    python benchmarks/datagen.py expectations DIR  # expectations.parquet, expectations_suite.json

PSI: 20 numeric columns (normal, log-normal, uniform, exponential; no NaN, so that every side
bins the same values) and 3 string columns. x00-x03 are shifted and x04-x05 rescaled in the current
set, c0 changes its mix: clearly drifted. The other columns are fresh draws of the same laws.
Expectations: 10 columns and the 6-expectation suite the benchmark checks; `age` has a few values
out of range, so one expectation fails and its unexpected count can be compared across engines.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROWS = 1_000_000
NUMERIC = 20
SEED = 20240808
CATEGORIES = {
    "c0": [f"k{i}" for i in range(5)],
    "c1": [f"region_{i:02d}" for i in range(12)],
    "c2": ["a", "b", "c"],
}
EMPLOYMENT = ["salaried", "self_employed", "contract", "unemployed", "retired"]


def numeric_column(rng: np.random.Generator, index: int, drifted: bool) -> np.ndarray:
    """Column `x{index:02d}`: its law depends on index % 4; drift shifts or rescales it."""
    law = index % 4
    shift = 0.5 if drifted and index < 4 else 0.0
    scale = 1.6 if drifted and index in (4, 5) else 1.0
    if law == 0:
        return rng.normal(shift, scale, ROWS)
    if law == 1:
        return rng.lognormal(shift, 0.5 * scale, ROWS)
    if law == 2:
        return rng.uniform(shift, shift + scale, ROWS)
    return rng.exponential(scale, ROWS) + shift


def categorical_column(rng: np.random.Generator, name: str, drifted: bool) -> np.ndarray:
    """Column `name`: its categories with rising weights; c0's mix changes when drifted."""
    values = np.asarray(CATEGORIES[name])
    weights = np.linspace(1.0, 2.0, values.size)
    if drifted and name == "c0":
        weights = weights[::-1] ** 2
    return rng.choice(values, ROWS, p=weights / weights.sum())


def psi_frame(seed: int, drifted: bool) -> pd.DataFrame:
    """The 20 numeric and 3 categorical columns of one PSI set."""
    rng = np.random.default_rng(seed)
    columns: dict[str, Any] = {f"x{i:02d}": numeric_column(rng, i, drifted) for i in range(NUMERIC)}
    columns.update({name: categorical_column(rng, name, drifted) for name in CATEGORIES})
    return pd.DataFrame(columns)


def expectations_frame(seed: int) -> pd.DataFrame:
    """The expectations data set: 10 columns, a few bad ages, 2% missing incomes."""
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, ROWS)
    age[rng.choice(ROWS, 37, replace=False)] = 130  # 37 impossible ages: the failing expectation
    income = rng.lognormal(10.5, 0.6, ROWS)
    income[rng.random(ROWS) < 0.02] = np.nan  # 2% missing: within `mostly: 0.95`
    return pd.DataFrame(
        {
            "id": rng.permutation(ROWS).astype(np.int64) + 1_000_000,
            "age": age,
            "income": income,
            "debt_ratio": rng.beta(2, 5, ROWS) * 1.4,
            "late_payments": rng.poisson(0.7, ROWS),
            "loan_amount": rng.gamma(2.0, 8000.0, ROWS),
            "employment": rng.choice(EMPLOYMENT, ROWS),
            "sex": rng.choice(["F", "M"], ROWS),
            "score": rng.random(ROWS),
            "label": (rng.random(ROWS) < 0.2).astype(np.int64),
        }
    )


def expectations_suite() -> dict[str, Any]:
    """Six expectations, the common kinds: row count, unique, not null, between, in set, mean."""
    expectations = [
        ("expect_table_row_count_to_be_between", {"min_value": 100_000}),
        ("expect_column_values_to_be_unique", {"column": "id"}),
        ("expect_column_values_to_not_be_null", {"column": "income", "mostly": 0.95}),
        (
            "expect_column_values_to_be_between",
            {"column": "age", "min_value": 18, "max_value": 100},
        ),
        ("expect_column_values_to_be_in_set", {"column": "employment", "value_set": EMPLOYMENT}),
        (
            "expect_column_mean_to_be_between",
            {"column": "income", "min_value": 30_000, "max_value": 60_000},
        ),
    ]
    return {
        "name": "bench-expectations",
        "expectations": [{"type": t, "kwargs": k, "meta": {}} for t, k in expectations],
        "meta": {},
    }


def write(kind: str, directory: Path) -> None:
    """Write the `kind` data set into `directory`, then its `.done` marker."""
    directory.mkdir(parents=True, exist_ok=True)
    if kind == "psi":
        psi_frame(SEED, drifted=False).to_parquet(directory / "psi_reference.parquet", index=False)
        psi_frame(SEED + 1, drifted=True).to_parquet(directory / "psi_current.parquet", index=False)
    elif kind == "expectations":
        expectations_frame(SEED).to_parquet(directory / "expectations.parquet", index=False)
        suite = json.dumps(expectations_suite(), indent=2)
        (directory / "expectations_suite.json").write_text(suite + "\n")
    else:
        raise SystemExit(f"unknown data set {kind!r}: use psi or expectations")
    (directory / f"{kind}.done").touch()


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    write(sys.argv[1], Path(sys.argv[2]))
