"""The `expectations` gate on Spark (issue 15): Great Expectations' Spark datasource and the custom
checks as Spark aggregations give the pandas engine's results on the same Parquet file — success,
unexpected counts and observed values — for suites, inline expectations and hostile data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyarrow import parquet
from pyspark.sql import SparkSession

from mlops_gate.engine.context import EvaluationContext
from mlops_gate.engine.runner import run_gates
from mlops_gate.errors import GateError
from mlops_gate.expectations import Expectation
from mlops_gate.expectations.custom import DUPLICATE_SHARE, VALUE_SHARES, run_custom
from mlops_gate.expectations.spark_counts import SparkCounts
from mlops_gate.gates.registry import load_policy
from mlops_gate.results import GateResult, Verdict
from tests.integration.gates.test_expectations_gate import CLASSIC, classic_frame
from tests.support import write_policy, write_table

pytestmark = pytest.mark.integration

MORE = [  # GX expectations whose metrics GX computes differently per engine (SQL vs pandas)
    {"expect_column_values_to_be_unique": {"column": "id"}},
    {"expect_column_mean_to_be_between": {"column": "amount", "min_value": 50, "max_value": 150}},
    {"expect_column_stdev_to_be_between": {"column": "amount", "min_value": 1}},
    {"expect_column_max_to_be_between": {"column": "age", "max_value": 89}},
    {"expect_column_values_to_be_between": {"column": "amount", "min_value": 0, "max_value": 300}},
    {"expect_column_values_to_be_in_set": {"column": "label", "value_set": ["ok"]}},
    {"expect_column_distinct_values_to_be_in_set": {"column": "label", "value_set": ["ok"]}},
    {"expect_column_proportion_of_unique_values_to_be_between": {"column": "age", "max_value": 1}},
    {"expect_column_value_shares_to_be_between": {"column": "age", "max_value": 0.5}},
    {"expect_table_duplicate_row_share_to_be_between": {"columns": ["age"], "max_value": 0.5}},
]


def _check(directory: Path, frame: pd.DataFrame, engine: str, **gate: Any) -> GateResult:
    """The gate on `frame` (written once as Parquet) with the pandas or the Spark engine."""
    data = directory / "eval.parquet"
    if not data.exists():
        write_table(frame, data)
    document = {
        "version": 1,
        "name": f"expectations-{engine}",
        "data": {"engine": engine, "eval": "eval.parquet"},
        "gates": [{"type": "expectations", **gate}],
    }
    policy = write_policy(directory, document, name=f"{engine}.yaml")
    (result,) = run_gates(EvaluationContext(load_policy(policy)))
    assert not result.internal_error, result.message
    return result


def _same(left: Any, right: Any) -> bool:
    """Equal, floats within 1e-9 relative: Spark sums a mean or a stdev in another order."""
    if isinstance(left, float) and isinstance(right, float):
        return math.isclose(left, right, rel_tol=1e-9, abs_tol=1e-12)
    if isinstance(left, dict) and isinstance(right, dict):
        # Unexpected samples are examples GX met first: which ones depends on the partitions.
        keys = left.keys() - {"unexpected_samples"}
        return left.keys() == right.keys() and all(_same(left[k], right[k]) for k in keys)
    if isinstance(left, list) and isinstance(right, list):
        return len(left) == len(right) and all(map(_same, left, right))
    return bool(left == right)


def _both(directory: Path, frame: pd.DataFrame, **gate: Any) -> tuple[GateResult, GateResult]:
    on_pandas = _check(directory, frame, "pandas", **gate)
    on_spark = _check(directory, frame, "spark", **gate)
    for ours, theirs in zip(
        on_pandas.details["expectations"], on_spark.details["expectations"], strict=True
    ):
        assert _same(ours, theirs), (ours, theirs)
    assert (on_pandas.verdict, on_pandas.value) == (on_spark.verdict, on_spark.value)
    assert on_pandas.details["rows"] == on_spark.details["rows"]
    return on_pandas, on_spark


@pytest.mark.usefixtures("spark_session")
def test_classic_checks_equal_on_both_engines(tmp_path: Path) -> None:
    _, on_spark = _both(tmp_path, classic_frame(), expect=CLASSIC + MORE)
    entries = on_spark.details["expectations"]
    assert entries[2]["unexpected_count"] == 240  # 2 % of 12,000 amounts are null
    assert entries[3]["observed_value"] == {"ok": 0.8, "fraud": 0.2}
    assert entries[4]["unexpected_count"] == 60  # 0.5 % repeated rows
    assert on_spark.verdict is Verdict.FAIL  # in_set(["ok"]) and the id uniqueness fail


@pytest.mark.usefixtures("spark_session")
def test_each_classic_check_fails_alone_on_spark(tmp_path: Path) -> None:
    frame = classic_frame(minority_share=0.1, duplicate_share=0.01)
    on_pandas, on_spark = _both(tmp_path, frame, expect=CLASSIC)
    failed = [e["type"] for e in on_spark.details["expectations"] if not e["success"]]
    assert failed == [
        "expect_column_value_shares_to_be_between",
        "expect_table_duplicate_row_share_to_be_between",
    ]
    assert on_spark.message == on_pandas.message


@pytest.mark.usefixtures("spark_session")
def test_a_suite_file_on_spark(tmp_path: Path) -> None:
    suite = tmp_path / "suite.json"
    suite.write_text(
        '{"name": "s", "expectations": ['
        '{"type": "expect_column_values_to_not_be_null", "kwargs": {"column": "amount"}},'
        '{"type": "expect_column_median_to_be_between", "kwargs": {"column": "age",'
        ' "min_value": 18, "max_value": 90}}]}'
    )
    on_pandas, _ = _both(tmp_path, classic_frame(), suite="suite.json", expect=CLASSIC[:1])
    assert [e["success"] for e in on_pandas.details["expectations"]] == [False, True, True]


@pytest.mark.usefixtures("spark_session")
def test_a_missing_column_is_an_error_on_spark(tmp_path: Path) -> None:
    for expect in (
        [{"expect_column_values_to_not_be_null": {"column": "nope"}}],
        [{"expect_column_value_shares_to_be_between": {"column": "nope", "max_value": 1}}],
    ):
        result = _check(tmp_path, classic_frame(rows=100), "spark", expect=expect)
        assert result.verdict is Verdict.ERROR
        assert "nope" in result.message, result.message


HOSTILE = pd.DataFrame(
    {
        "count": pd.array([1, None, 1, 2, None, 2, 1], dtype="Int64"),  # pandas reads float64
        "ratio": [0.5, np.nan, None, 0.5, -0.0, 0.0, np.inf],
        "flag": pd.array([True, None, False, True, True, None, False], dtype="boolean"),
        "name.with `dots`": ["a\x1b[31m", None, "a\x1b[31m", "b\n", "b\n", "", ""],
    }
)


def _counts_equal(
    session: SparkSession, path: Path, frame: pd.DataFrame, expectations: list[Expectation]
) -> None:
    _write_plain(frame, path)
    # As the pandas engine reads it (loaders/data.py), without its refusal of an empty file.
    ours = run_custom(parquet.read_table(path).to_pandas(), expectations)
    theirs = run_custom(SparkCounts(session.read.parquet(str(path))), expectations)
    assert [o.to_json() for o in ours] == [o.to_json() for o in theirs]


def _write_plain(frame: pd.DataFrame, path: Path) -> None:
    """Parquet as Spark or any tool but pandas writes it: no pandas metadata, so pandas reads
    an integer column holding a null as float64, as the Spark counts key it (spark_counts.py)."""
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    parquet.write_table(table, path)


def _custom(frame: pd.DataFrame) -> list[Expectation]:
    shares = [
        Expectation(VALUE_SHARES, {"column": name, "min_value": 0.2}, f"expect[{i}]")
        for i, name in enumerate(frame.columns)
    ]
    duplicates = [
        Expectation(DUPLICATE_SHARE, {"max_value": 0.1}, "expect[a]"),
        Expectation(DUPLICATE_SHARE, {"columns": [frame.columns[0]], "max_value": 0.1}, "b"),
    ]
    return shares + duplicates


def test_custom_counts_on_hostile_data(spark_session: SparkSession, tmp_path: Path) -> None:
    """Integers with nulls keyed as floats (as pandas reads them), NaN and null both missing,
    -0.0 with 0.0, inf, booleans with nulls, control characters, a name with dots and backticks."""
    _counts_equal(spark_session, tmp_path / "h.parquet", HOSTILE, _custom(HOSTILE))
    (shares,) = run_custom(
        SparkCounts(spark_session.read.parquet(str(tmp_path / "h.parquet"))), _custom(HOSTILE)[:1]
    )
    assert shares.observed_value == {"1.0": 0.6, "2.0": 0.4}


@pytest.mark.parametrize("rows", [0, 1])
def test_custom_counts_on_empty_and_one_row(
    spark_session: SparkSession, tmp_path: Path, rows: int
) -> None:
    _counts_equal(spark_session, tmp_path / "e.parquet", HOSTILE.head(rows), _custom(HOSTILE))


def test_map_cells_are_counted_on_spark(spark_session: SparkSession) -> None:
    """pandas cannot hash dict cells (a one-line error there); Spark 4 compares maps."""
    table = spark_session.createDataFrame([({"a": 1},), ({"a": 1},)], "m map<string,int>")
    expectation = Expectation(DUPLICATE_SHARE, {"max_value": 0.1}, "expect[0]")
    (outcome,) = run_custom(SparkCounts(table), [expectation])
    assert (outcome.unexpected_count, outcome.observed_value) == (1, 0.5)


def test_a_job_that_fails_midway_is_one_line(spark_session: SparkSession, tmp_path: Path) -> None:
    """The file goes away between planning and running: Spark's failure, not its trace."""
    path = tmp_path / "gone.parquet"
    _write_plain(HOSTILE, path)
    table = spark_session.read.parquet(str(path))
    path.unlink()
    expectation = Expectation(DUPLICATE_SHARE, {"max_value": 0.1}, "expect[0]")
    with pytest.raises(GateError, match=r"^Spark failed counting repeated rows: ") as caught:
        run_custom(SparkCounts(table), [expectation])
    assert "\n" not in str(caught.value)


_cells = st.one_of(st.none(), st.integers(-2, 2))
_floats = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, math.nan, math.inf]))


@pytest.mark.slow
@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    ints=st.lists(_cells, min_size=1, max_size=12),
    seed=st.integers(0, 2**16),
    texts=st.lists(st.sampled_from(["a", "b", "", None]), min_size=12, max_size=12),
)
def test_custom_counts_equal_pandas(
    spark_session: SparkSession,
    tmp_path_factory: pytest.TempPathFactory,
    ints: list[int | None],
    seed: int,
    texts: list[str | None],
) -> None:
    rng = np.random.default_rng(seed)
    size = len(ints)
    floats = rng.choice(np.array([0.0, -0.0, 1.5, np.nan, np.inf]), size=size)
    frame = pd.DataFrame(
        {
            "i": pd.array(ints, dtype="Int64"),
            "f": floats,
            "t": texts[:size],
        }
    )
    path = tmp_path_factory.mktemp("prop") / "p.parquet"
    _counts_equal(spark_session, path, frame, _custom(frame))
