"""The metric gate's slices (`slice_by`, `slice`) on the Spark engine: the pandas engine's
slices, row counts, values, verdicts and messages on the same file, missing values and an
integer column holding a null (read as floats by pandas) included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from pyspark.sql import SparkSession

from mlops_gate.engine.runner import run_gates
from mlops_gate.results import GateResult
from tests.support import basic_project, binary_frame, load_context, write_policy

pytestmark = [pytest.mark.integration, pytest.mark.slow]
SLICE = {"min_slice_rows": 20}
GATES: list[dict[str, Any]] = [
    {"type": "metric", "metric": "accuracy", "min": 0.8, "slice_by": ["site", "tier"], **SLICE},
    {"type": "metric", "metric": "f1", "min": 0.5, "slice": {"site": "north"}},
    {"type": "metric", "metric": "precision", "min": 0.5, "slice": {"tier": "1.0"}},
    {"type": "metric", "metric": "roc_auc", "min": 0.5, "slice_by": ["band"], **SLICE},
    {
        "type": "metric",
        "metric": "recall",
        "min": 0.5,
        "slice_by": ["group"],
        "confidence": 0.9,
        "n_resamples": 200,
        "id": "recall_ci",
    },
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("slices-spark")
    basic_project(root, [{"type": "size", "max_mb": 10}], n=600)
    frame = binary_frame(600, seed=2)
    rng = np.random.default_rng(7)
    frame["site"] = rng.choice(np.array(["north", "south", None], dtype=object), size=len(frame))
    tier = rng.integers(1, 3, size=len(frame)).astype(object)
    tier[rng.random(len(frame)) < 0.2] = None
    frame["tier"] = tier
    band = rng.choice([0.5, 1.5, np.nan], size=len(frame))
    frame["band"] = band
    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    table = table.set_column(
        table.schema.get_field_index("tier"), "tier", pa.array(list(tier), pa.int64())
    )
    pq.write_table(table, root / "sliced.parquet")  # no pandas metadata: tier reads as floats
    return root


def _results(project: Path, engine: str) -> dict[str, GateResult]:
    document = yaml.safe_load((project / "mlops-gate.yaml").read_text(encoding="utf-8"))
    document["data"].update(engine=engine, eval="sliced.parquet")
    document["data"]["ignore"] = [*document["data"]["ignore"], "site", "tier", "band"]
    document["gates"] = GATES
    results = run_gates(load_context(write_policy(project, document, f"{engine}.yaml")), jobs=1)
    return {result.id: result for result in results}


def test_slices_equal_the_pandas_engine(spark_session: SparkSession, project: Path) -> None:
    pandas, spark = _results(project, "pandas"), _results(project, "spark")
    assert pandas.keys() == spark.keys()
    for gate_id, ours in spark.items():
        theirs = pandas[gate_id]
        assert not ours.internal_error, ours.message
        assert ours.verdict == theirs.verdict, gate_id
        if gate_id != "recall_ci":  # its intervals: Poisson against multinomial draws
            assert ours.message == theirs.message, gate_id
        assert ours.value == pytest.approx(theirs.value, abs=1e-12)
        mine, other = ours.details["slices"], theirs.details["slices"]
        assert [(s["name"], s["rows"], s["verdict"]) for s in mine] == [
            (s["name"], s["rows"], s["verdict"]) for s in other
        ], gate_id
        for a, b in zip(mine, other, strict=True):
            assert a["slice"] == b["slice"]
            assert a.get("value") == pytest.approx(b.get("value"), abs=1e-12)
    names = [entry["name"] for entry in spark["metric:accuracy"].details["slices"]]
    assert "site=null, tier=null" in names  # null and NaN: one missing slice, as pandas
    assert "site=north, tier=1.0" in names  # an integer column with a null: floats, as pandas
    assert [e["name"] for e in spark["metric:roc_auc"].details["slices"]] == [
        "band=0.5",
        "band=1.5",
        "band=null",
    ]
    for entry in spark["recall_ci"].details["slices"]:  # a Poisson interval per slice
        assert entry["ci_low"] <= entry["value"] <= entry["ci_high"]
