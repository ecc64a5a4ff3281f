"""The credit-risk example's Spark policy is the pandas one on another engine (issue 15, item 7):
the same model, baseline, data files and gates, so the same verdict and numbers are expected
(`make example-spark` runs both and compares; tests/integration/spark/ check the engines agree)."""

from __future__ import annotations

from mlops_gate.gates.registry import load_policy
from tests.support import REPO

FOLDER = REPO / "examples" / "credit-risk"


def test_spark_example_differs_from_the_main_policy_only_in_its_engine() -> None:
    main = load_policy(FOLDER / "mlops-gate.yaml").policy.model_dump()
    spark = load_policy(FOLDER / "mlops-gate.spark.yaml").policy.model_dump()
    assert (main["data"].pop("engine"), spark["data"].pop("engine")) == ("pandas", "spark")
    assert spark["spark"]["master"] == "local[2]"
    for key in ("name", "model", "baseline", "data", "gates"):
        assert spark[key] == main[key], key
