"""Generate the credit-risk example data: loan applicants and whether they defaulted.

Nothing is downloaded: a seeded generator writes the same rows on every run, so the gates' numbers
in the README are reproducible. Three files, one schema:

- ``reference.parquet``: the training set, and the reference the drift gate compares against;
- ``eval.parquet``: held-out applicants from the same population (the evaluation set);
- ``eval_drifted.parquet``: applicants after a downturn, with lower incomes and higher debt ratios,
  so the drift gate has something to catch (``mlops-gate.drifted.yaml``).

``sex`` is recorded for the fairness gate only: it is drawn independently of everything else and is
not a model feature, so a model trained on the features has no parity gap to speak of.

Usage: ``python make_data.py [--out DIR]`` (default: ``data/`` next to this file).
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

SEED = 20_240_601
HERE = Path(__file__).resolve().parent
EMPLOYMENT = ("salaried", "self_employed", "contract", "unemployed", "retired")
EMPLOYMENT_SHARE = (0.55, 0.15, 0.15, 0.07, 0.08)
MEDIAN_INCOME = {
    "salaried": 52_000,
    "self_employed": 58_000,
    "contract": 42_000,
    "unemployed": 14_000,
    "retired": 30_000,
}
COLUMNS = (
    "id", "age", "income", "debt_ratio", "credit_history_years", "late_payments",
    "num_credit_lines", "loan_amount", "employment", "sex", "label",
)  # fmt: skip


@dataclass(frozen=True)
class Split:
    """One file to write: its size, its own random stream, and the economy it was drawn in."""

    name: str
    rows: int
    stream: int
    income_factor: float = 1.0
    debt_shift: float = 0.0


SPLITS = (
    Split("reference", 30_000, stream=1),
    Split("eval", 12_000, stream=2),
    # A downturn: incomes down 28 %, debt ratios up 0.08 -> PSI well above 0.2 on both columns.
    Split("eval_drifted", 12_000, stream=3, income_factor=0.72, debt_shift=0.08),
)


def sample_applicants(rng: np.random.Generator, split: Split) -> pd.DataFrame:
    """Draw `split.rows` applicants (features and the sensitive attribute, no label yet)."""
    n = split.rows
    age = np.clip(rng.normal(42, 12, n), 21, 80).round().astype("int64")
    employment = _employment(rng, age)
    median = np.array([MEDIAN_INCOME[e] for e in employment], dtype=float)
    income = (median * rng.lognormal(0.0, 0.45, n) * split.income_factor).round(-2)
    debt_ratio = np.clip(rng.beta(2.2, 5.0, n) + split.debt_shift, 0.0, 1.5).round(3)
    late_rate = 0.2 + 2.0 * (debt_ratio > 0.45) + 0.8 * (employment == "unemployed")
    return pd.DataFrame(
        {
            "age": age,
            "income": income,
            "debt_ratio": debt_ratio,
            "credit_history_years": (np.maximum(age - 21, 0) * rng.uniform(0.3, 1.0, n)).round(1),
            "late_payments": rng.poisson(late_rate).astype("int64"),
            "num_credit_lines": rng.poisson(4.0, n).astype("int64"),
            "loan_amount": rng.lognormal(9.3, 0.6, n).round(-2),
            "employment": employment,
            "sex": rng.choice(np.array(["F", "M"]), size=n),  # independent of every feature
        }
    )


def _employment(rng: np.random.Generator, age: np.ndarray) -> np.ndarray:
    """Employment status; most applicants of 65 and over are retired, nobody younger is."""
    drawn = rng.choice(np.array(EMPLOYMENT), size=len(age), p=EMPLOYMENT_SHARE)
    senior = age >= 65
    retired = np.where(rng.random(len(age)) < 0.7, "retired", drawn)
    return np.where(senior, retired, np.where(drawn == "retired", "salaried", drawn))


def default_logit(frame: pd.DataFrame) -> np.ndarray:
    """Log-odds of default. The debt-ratio hinge and loan-to-income term are what a linear model on
    a few raw features misses, and why the gradient-boosted challenger beats the champion."""
    z = (
        -2.4
        - 1.6 * (np.log(frame["income"]) - np.log(45_000))
        + 36.0 * np.maximum(frame["debt_ratio"] - 0.42, 0.0)
        - 1.0 * (frame["debt_ratio"] < 0.42)
        + 0.9 * np.minimum(frame["late_payments"], 4)
        - 0.08 * np.minimum(frame["credit_history_years"], 20)
        + 1.2 * (frame["employment"] == "unemployed")
        + 0.6 * (frame["employment"] == "contract")
        + 2.5 * np.log1p(3.0 * frame["loan_amount"] / frame["income"])
    )
    return np.asarray(1.8 * z, dtype=float)


def make_split(split: Split, first_id: int) -> pd.DataFrame:
    """One data set: applicants, a unique `id`, and the `label` (1 = defaulted, 0 = repaid)."""
    rng = np.random.default_rng([SEED, split.stream])
    frame = sample_applicants(rng, split)
    probability = 1.0 / (1.0 + np.exp(-default_logit(frame)))
    frame["label"] = (rng.random(split.rows) < probability).astype("int64")
    frame.insert(0, "id", np.arange(first_id, first_id + split.rows, dtype="int64"))
    return frame.loc[:, list(COLUMNS)]


def write_all(out: Path) -> list[Path]:
    """Write every split as Parquet under `out`; ids are unique across the files."""
    out.mkdir(parents=True, exist_ok=True)
    written, first_id = [], 100_000
    for split in SPLITS:
        path = out / f"{split.name}.parquet"
        make_split(split, first_id).to_parquet(path, index=False)
        written.append(path)
        first_id += split.rows
    return written


def shown(path: Path) -> Path:
    """`path` relative to the working directory when it is below it (shorter to read)."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE / "data", help="output folder (default: %(default)s)"
    )
    args = parser.parse_args(argv)
    for path in write_all(args.out):
        print(f"wrote {shown(path)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
