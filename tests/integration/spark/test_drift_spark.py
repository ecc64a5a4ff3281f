"""The drift gate on the Spark engine (issue 15): the pandas engine's numbers on the same files.

PSI, chi-square and Jensen-Shannon are computed from the engine's exact quantiles and counts, so
both engines must give the same details; KS and Wasserstein need whole columns, which Spark keeps
on the cluster: an error naming the methods that run there.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pytest

from mlops_gate.results import Verdict
from tests.support import FEATURES, basic_project, binary_frame, evaluate_one_gate, write_table

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = [pytest.mark.integration, pytest.mark.slow]

COLUMNS = [*FEATURES, "group", "flag", "count"]


def project(tmp_path: Path, gate: dict[str, Any], engine: str) -> Path:
    folder = tmp_path / engine
    folder.mkdir(exist_ok=True)
    data = {
        "engine": engine,
        "eval": "eval.parquet",
        "reference": "reference.parquet",
        "target": "label",
        "ignore": ["id"],
    }
    policy = basic_project(folder, [{"type": "drift", "columns": COLUMNS, **gate}], data=data)
    for name, seed, shift in (("reference", 1, 0.0), ("eval", 2, 0.2)):
        frame = binary_frame(1500, seed=seed, shift=shift)
        rng = np.random.default_rng(seed)
        frame.loc[rng.random(len(frame)) < 0.05, "f1"] = np.nan
        frame["group"] = frame["group"].astype(object)
        frame.loc[rng.random(len(frame)) < 0.04, "group"] = None
        frame["flag"] = rng.random(len(frame)) < (0.3 + 0.1 * seed)
        frame["count"] = rng.poisson(3 + seed, size=len(frame))
        write_table(frame, folder / f"{name}.parquet")
    return policy


# Jensen-Shannon reads the same counts as chi-square (its scipy call is tested in tests/unit):
# two Spark runs cover the counts, the distance and the p-value paths, and the share rule.
@pytest.mark.parametrize(
    "gate",
    [
        {"method": "psi", "max": 0.2, "warn": 0.1, "max_drifted_share": 0.5},
        {"method": "chisquare"},
    ],
    ids=["psi-share", "chisquare"],
)
def test_binned_methods_equal_the_pandas_engine(
    tmp_path: Path, spark_session: SparkSession, gate: dict[str, Any]
) -> None:
    on_pandas = evaluate_one_gate(project(tmp_path, gate, "pandas"))
    on_spark = evaluate_one_gate(project(tmp_path, gate, "spark"))
    assert on_pandas.verdict != Verdict.ERROR, on_pandas.message
    assert on_spark.verdict == on_pandas.verdict, on_spark.message
    assert on_spark.value == pytest.approx(on_pandas.value, rel=1e-9, abs=1e-12)
    assert on_spark.details == on_pandas.details
    assert on_spark.message == on_pandas.message
    assert set(on_spark.details["columns"]) == set(COLUMNS)


@pytest.mark.parametrize("method", ["ks", "auto"])
def test_methods_needing_whole_columns_say_which_run_on_spark(
    tmp_path: Path, spark_session: SparkSession, method: str
) -> None:
    # auto: 1500 reference rows, so numeric columns use Wasserstein (every value too)
    result = evaluate_one_gate(project(tmp_path, {"method": method}, "spark"))
    assert result.verdict == Verdict.ERROR
    assert "needs every value of 'f0' in one process, which the spark engine does not do" in (
        result.message
    )
    assert "use method psi, chisquare or jensenshannon" in result.message
